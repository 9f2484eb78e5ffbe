"""/v1/exercises: the exercises on offer, any published version, and their management."""

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status
from fastapi.openapi.models import Example

from api.content import management
from api.content.catalog import exercise_entry
from api.content.localization import DEFAULT_LANGUAGE
from api.content.presenter import exercise_out
from api.content.schema import EXERCISE_SPEC, Depth, ExerciseType, Mechanism
from api.deps import Now, Scoped
from api.edge.idempotency import IdempotencyDep
from api.kernel.errors import NotFound, problem_responses
from api.kernel.fields import PathId
from api.models import Exercise, ExerciseVersion
from api.routers.content import CatalogDep, EditorSession, Language, serve_published
from api.schemas.content import ExerciseIn, ExerciseOut, ExercisePage, ExercisePatchIn
from api.schemas.pagination import DEFAULT_LIMIT, Cursor, Limit, page_after
from api.security.scopes import Scope

router = APIRouter(
    prefix="/v1/exercises", tags=["exercise"], responses=problem_responses(401, 403, 429)
)
# Reading the catalog needs exercises:read; managing it, content:write (api/routers/content.py).
_READ = [Scoped(Scope.exercises_read)]

# Shown in /docs as a menu: the body's fields depend on `type`.
NEW_EXERCISE_EXAMPLES: dict[str, Example] = {
    "open": {
        "summary": "A free-text question",
        "value": {
            "theme": "trust",
            "id": "trust-42",
            "type": "open",
            "title": "A promise kept",
            "prompt": "Which promise of mine mattered most to you this year?",
            "why": "Naming kept promises shows what trust is made of for each of you.",
            "mechanism": "gratitude",
            "depth": 2,
            "max_length": 1000,
        },
    },
    "choice": {
        "summary": "This or that",
        "value": {
            "theme": "laughter-play",
            "id": "laughter-play-42",
            "type": "choice",
            "title": "Sunday plans",
            "prompt": "A lazy morning in, or an early walk out?",
            "why": "Small preferences are easy ways to surprise each other.",
            "mechanism": "love-maps",
            "depth": 1,
            "options": [{"id": "a", "label": "A lazy morning in"}, {"id": "b", "label": "A walk"}],
        },
    },
}


# Named `list` for the operation id `exercises_list`; a function `list` would shadow the builtin.
@router.get(
    "",
    dependencies=_READ,
    name="list",
    summary="List the exercises on offer",
    description="By id, in the caller's language; retired exercises are left out.",
    responses=problem_responses(401, 422),
)
def list_exercises(
    catalog: CatalogDep,
    language: Language,
    response: Response,
    theme: Annotated[
        str | None, Query(max_length=64, description="Only this theme's (a slug).")
    ] = None,
    exercise_type: Annotated[
        ExerciseType | None, Query(alias="type", description="Only this type.")
    ] = None,
    mechanism: Annotated[
        Mechanism | None, Query(description="Only those working on this mechanism.")
    ] = None,
    depth: Annotated[
        Depth | None, Query(description="Only this depth: 1 light, 2 personal, 3 deep.")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> ExercisePage:
    offered = catalog.exercises(
        themes=None if theme is None else {theme},
        type=exercise_type,
        mechanism=mechanism,
        depth=depth,
    )
    page, next_cursor = page_after(offered, lambda entry: entry.id, cursor, limit)
    items = [exercise_out(exercise, exercise.current, language) for exercise in page]
    serve_published(response, [item.language for item in items], language)
    return ExercisePage(items=items, next_cursor=next_cursor)


@router.get(
    "/{exercise_id}",
    dependencies=_READ,
    summary="One exercise",
    description="Its current version, or with `version` any version ever published (an "
    "assignment shows the version it was given). Retired exercises stay readable.",
    responses=problem_responses(401, 404, 422),
)
def get(
    exercise_id: PathId,
    catalog: CatalogDep,
    language: Language,
    response: Response,
    version: Annotated[int | None, Query(ge=1, description="A published version.")] = None,
) -> ExerciseOut:
    exercise = catalog.exercise(exercise_id)
    if exercise is None:
        raise NotFound("No such exercise.")
    shown = exercise.current if version is None else exercise.versions.get(version)
    if shown is None:
        raise NotFound("The exercise has no such version.")
    body = exercise_out(exercise, shown, language)
    serve_published(response, [body.language], language)
    return body


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Publish a new exercise",
    description="Admins only (`content:write`). Publishes version 1, in English.",
    responses=problem_responses(401, 403, 409, 422),
)
def create(
    body: Annotated[ExerciseIn, Body(openapi_examples=NEW_EXERCISE_EXAMPLES)],
    db: EditorSession,
    idempotency: IdempotencyDep,
    now: Now,
) -> ExerciseOut:
    spec = EXERCISE_SPEC.validate_python(body.model_dump(exclude={"theme"}))
    created = _published(*management.create_exercise(db, body.theme, spec, now))
    return idempotency.remember(created, status.HTTP_201_CREATED)


@router.patch(
    "/{exercise_id}",
    summary="Edit an exercise",
    description="Admins only (`content:write`). Publishes the edited exercise as its next "
    "version; earlier versions stay readable with `?version=`. Translations that no longer "
    "fit (other options or steps) are dropped until the locale pack catches up.",
    responses=problem_responses(401, 403, 404, 422),
)
def update(exercise_id: PathId, body: ExercisePatchIn, db: EditorSession, now: Now) -> ExerciseOut:
    changes = body.model_dump(include=body.model_fields_set)
    return _published(*management.revise_exercise(db, exercise_id, changes, now))


@router.delete(
    "/{exercise_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retire an exercise",
    description="Admins only (`content:write`). No longer offered or listed, never deleted: "
    "it stays readable by id for the assignments that hold it.",
    responses=problem_responses(401, 403, 404, 422),
)
def retire(exercise_id: PathId, db: EditorSession) -> Response:
    management.retire_exercise(db, exercise_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _published(exercise: Exercise, version: ExerciseVersion) -> ExerciseOut:
    entry = exercise_entry(exercise, [version])
    return exercise_out(entry, entry.current, DEFAULT_LANGUAGE)
