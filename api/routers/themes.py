"""/v1/themes: the themes with their exercise counts, and their management."""

from fastapi import APIRouter, Response, status

from api.content import management
from api.content.catalog import theme_entry
from api.content.localization import DEFAULT_LANGUAGE
from api.content.presenter import theme_out
from api.deps import Scoped
from api.edge.idempotency import IdempotencyDep
from api.kernel.errors import problem_responses
from api.kernel.fields import PathId
from api.routers.content import CatalogDep, EditorSession, Language, serve_published
from api.schemas.content import ThemeIn, ThemeOut, ThemePage, ThemePatchIn
from api.schemas.pagination import DEFAULT_LIMIT, Cursor, Limit, page_after
from api.security.scopes import Scope

router = APIRouter(prefix="/v1/themes", tags=["theme"], responses=problem_responses(401, 403, 429))
# Reading the catalog needs exercises:read; managing it, content:write (api/routers/content.py).
_READ = [Scoped(Scope.exercises_read)]


# Named `list` for the operation id `themes_list`; a function `list` would shadow the builtin.
@router.get(
    "",
    dependencies=_READ,
    name="list",
    summary="List the themes",
    description="By slug, in the caller's language, each with how many exercises it offers.",
    responses=problem_responses(401, 422),
)
def list_themes(
    catalog: CatalogDep,
    language: Language,
    response: Response,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> ThemePage:
    page, next_cursor = page_after(catalog.themes(), lambda theme: theme.slug, cursor, limit)
    items = [theme_out(theme, catalog.exercise_count(theme.slug), language) for theme in page]
    serve_published(response, [item.language for item in items], language)
    return ThemePage(items=items, next_cursor=next_cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a theme",
    description="Admins only (`content:write`).",
    responses=problem_responses(401, 403, 409, 422),
)
def create(body: ThemeIn, db: EditorSession, idempotency: IdempotencyDep) -> ThemeOut:
    created = theme_out(theme_entry(management.create_theme(db, body)), 0, DEFAULT_LANGUAGE)
    return idempotency.remember(created, status.HTTP_201_CREATED)


@router.patch(
    "/{slug}",
    summary="Edit a theme",
    description="Admins only (`content:write`). Fields left out stay as they are.",
    responses=problem_responses(401, 403, 404, 422),
)
def update(slug: PathId, body: ThemePatchIn, db: EditorSession, catalog: CatalogDep) -> ThemeOut:
    theme = management.update_theme(db, slug, body.model_dump(include=body.model_fields_set))
    return theme_out(theme_entry(theme), catalog.exercise_count(slug), DEFAULT_LANGUAGE)
