"""/v1/appreciations: short notes of thanks to your partner, and a reaction to each."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response, status

from api.deps import Caller, Now, Scoped, SessionDep
from api.edge.idempotency import IdempotencyDep
from api.kernel.errors import problem_responses
from api.kernel.fields import PathId
from api.schemas.assignment import ReactionIn
from api.schemas.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, encode_cursor
from api.schemas.ritual import (
    AppreciationIn,
    AppreciationOut,
    AppreciationPage,
    AppreciationReactionOut,
)
from api.security.scopes import Scope
from api.services.rituals import appreciations

router = APIRouter(
    prefix="/v1/appreciations", tags=["appreciation"], responses=problem_responses(401, 403, 429)
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Thank your partner",
    description=(
        "A short note of thanks, shown to your partner at once: no reveal, it is a gift. "
        "Your partner gets a notification that names you, never the note. An `id` of your "
        "own choosing makes an offline note safe to send again (409 when the id is taken); "
        "so does `Idempotency-Key`. 404 when you are not linked."
    ),
    responses=problem_responses(401, 404, 409, 422),
)
def send(
    body: AppreciationIn,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    db: SessionDep,
    now: Now,
    idempotency: IdempotencyDep,
) -> AppreciationOut:
    sent = appreciations.send_appreciation(db, caller.user, body.id, body.body, now)
    rendered = appreciations.render(db, [sent])[0]
    return idempotency.remember(rendered, status.HTTP_201_CREATED)


@router.get(
    "",
    name="list",
    summary="Your couple's appreciations",
    description=(
        "Those you sent and those you received in your current couple, newest first. Empty "
        "when you are not linked: an appreciation stays with the couple it was sent in."
    ),
    responses=problem_responses(401, 422),
)
def list_appreciations(
    caller: Annotated[Caller, Scoped(Scope.answers_read)],
    db: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> AppreciationPage:
    if caller.couple is None:
        return AppreciationPage(items=[], next_cursor=None)
    after = None
    if cursor is not None:
        at, last_id = decode_cursor(cursor, (datetime, str))
        after = (at, last_id)
    found = appreciations.appreciations_of(db, caller.couple, after, limit + 1)
    page = found[:limit]
    next_cursor = None
    if len(found) > limit:
        last = page[-1]
        stamp = last.created_at.isoformat()
        next_cursor = encode_cursor([stamp, last.id])
    return AppreciationPage(items=appreciations.render(db, page), next_cursor=next_cursor)


@router.put(
    "/{appreciation_id}/reaction",
    summary="React to an appreciation",
    description="One reaction each: a new emoji replaces yours.",
    responses=problem_responses(401, 404, 422),
)
def set_reaction(
    appreciation_id: PathId,
    body: ReactionIn,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    db: SessionDep,
    now: Now,
) -> AppreciationReactionOut:
    found = appreciations.appreciation_for(db, caller.user, appreciation_id)
    reaction = appreciations.set_reaction(db, caller.user, found, body.emoji, now)
    return AppreciationReactionOut.model_validate(reaction)


@router.delete(
    "/{appreciation_id}/reaction",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take your reaction back",
    description="204 also when you had not reacted.",
    responses=problem_responses(401, 404),
)
def clear_reaction(
    appreciation_id: PathId,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    db: SessionDep,
) -> Response:
    found = appreciations.appreciation_for(db, caller.user, appreciation_id)
    appreciations.clear_reaction(db, caller.user, found)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
