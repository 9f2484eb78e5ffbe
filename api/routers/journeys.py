"""/v1/journeys: multi-day programs of exercises, and their management."""

from fastapi import APIRouter, Response, status

from api.content import management
from api.content.catalog import journey_entry
from api.content.localization import DEFAULT_LANGUAGE
from api.content.presenter import journey_out
from api.deps import Scoped
from api.edge.idempotency import IdempotencyDep
from api.kernel.errors import NotFound, problem_responses
from api.kernel.fields import PathId
from api.routers.content import CatalogDep, EditorSession, Language, serve_published
from api.schemas.content import JourneyIn, JourneyOut, JourneyPage, JourneyPatchIn
from api.schemas.pagination import DEFAULT_LIMIT, Cursor, Limit, page_after
from api.security.scopes import Scope

router = APIRouter(
    prefix="/v1/journeys", tags=["journey"], responses=problem_responses(401, 403, 429)
)
# Reading the catalog needs exercises:read; managing it, content:write (api/routers/content.py).
_READ = [Scoped(Scope.exercises_read)]


# Named `list` for the operation id `journeys_list`; a function `list` would shadow the builtin.
@router.get(
    "",
    dependencies=_READ,
    name="list",
    summary="List the journeys on offer",
    description="By slug, in the caller's language; retired journeys are left out. Start one "
    "with `PUT /v1/couple/journey`.",
    responses=problem_responses(401, 422),
)
def list_journeys(
    catalog: CatalogDep,
    language: Language,
    response: Response,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> JourneyPage:
    page, next_cursor = page_after(catalog.journeys(), lambda journey: journey.slug, cursor, limit)
    items = [journey_out(journey, language) for journey in page]
    serve_published(response, [item.language for item in items], language)
    return JourneyPage(items=items, next_cursor=next_cursor)


@router.get(
    "/{slug}",
    dependencies=_READ,
    summary="One journey",
    description="Retired journeys stay readable: couples already on one can finish it.",
    responses=problem_responses(401, 404, 422),
)
def get(slug: PathId, catalog: CatalogDep, language: Language, response: Response) -> JourneyOut:
    journey = catalog.journey(slug)
    if journey is None:
        raise NotFound("No such journey.")
    body = journey_out(journey, language)
    serve_published(response, [body.language], language)
    return body


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a journey",
    description="Admins only (`content:write`). Every day must be an exercise on offer.",
    responses=problem_responses(401, 403, 409, 422),
)
def create(body: JourneyIn, db: EditorSession, idempotency: IdempotencyDep) -> JourneyOut:
    created = journey_out(journey_entry(management.create_journey(db, body)), DEFAULT_LANGUAGE)
    return idempotency.remember(created, status.HTTP_201_CREATED)


@router.patch(
    "/{slug}",
    summary="Edit a journey",
    description="Admins only (`content:write`). Fields left out stay as they are.",
    responses=problem_responses(401, 403, 404, 422),
)
def update(slug: PathId, body: JourneyPatchIn, db: EditorSession) -> JourneyOut:
    changes = body.model_dump(include=body.model_fields_set)
    journey = management.update_journey(db, slug, changes)
    return journey_out(journey_entry(journey), DEFAULT_LANGUAGE)


@router.delete(
    "/{slug}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retire a journey",
    description="Admins only (`content:write`). No longer offered, never deleted: couples "
    "already on it can finish it.",
    responses=problem_responses(401, 403, 404, 422),
)
def retire(slug: PathId, db: EditorSession) -> Response:
    management.retire_journey(db, slug)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
