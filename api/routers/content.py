"""What the content routers (themes, exercises, journeys) share: the catalog, the caller's
language, the cache headers of published content, and the session content writes go through."""

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Header, Request, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.content.catalog import Catalog
from api.content.localization import negotiate_language
from api.deps import ContentEditor, RuntimeDep, SessionDep
from api.edge.runtime import Runtime


async def get_catalog(runtime: RuntimeDep) -> Catalog:
    # On the event loop when the catalog is fresh (almost always); a rebuild reads the
    # database, so it goes to the threadpool.
    catalog = runtime.catalog.fresh()
    return catalog if catalog is not None else await run_in_threadpool(runtime.catalog.current)


CatalogDep = Annotated[Catalog, Depends(get_catalog)]


# The longest `Accept-Language` taken (a longer one is a 422).
ACCEPT_LANGUAGE_LIMIT = 512


async def get_language(
    catalog: CatalogDep,
    accept_language: Annotated[
        str | None,
        Header(
            max_length=ACCEPT_LANGUAGE_LIMIT,
            description="Preferred languages (RFC 9110), e.g. `es-MX, es;q=0.9`. What is not "
            "translated into any of them is served in English. `Content-Language` says what "
            "was served.",
        ),
    ] = None,
) -> str:
    return negotiate_language(accept_language, catalog.languages)


Language = Annotated[str, Depends(get_language)]


def language_in_memory(request: Request, runtime: Runtime) -> str | None:
    """The language `Language` would negotiate, while the catalog is fresh in memory; None
    when it must be read (or the header is the route's to refuse)."""
    catalog = runtime.catalog.fresh()
    accept_language = request.headers.get("accept-language")
    if catalog is None or len(accept_language or "") > ACCEPT_LANGUAGE_LIMIT:
        return None
    return negotiate_language(accept_language, catalog.languages)


def get_editor_session(_: ContentEditor, db: SessionDep, runtime: RuntimeDep) -> Session:
    """The session of a content write (admins only); the catalog is rebuilt once it commits."""
    runtime.catalog.invalidate_after_commit(db)
    return db


EditorSession = Annotated[Session, Depends(get_editor_session)]


def serve_published(response: Response, served: Iterable[str], negotiated: str) -> None:
    """Content is the same for everyone: the caller's client may keep it a minute, per language."""
    languages = sorted(set(served), key=lambda language: (language != negotiated, language))
    response.headers["Content-Language"] = ", ".join(languages or [negotiated])
    response.headers["Cache-Control"] = "private, max-age=60"
    response.headers["Vary"] = "Accept-Language"
