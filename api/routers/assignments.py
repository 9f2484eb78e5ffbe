"""/v1/today and /v1/assignments: the day's exercise, history, answers, the conversation."""

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from pydantic import TypeAdapter
from sqlmodel import Session

from api.content.catalog import Catalog
from api.deps import AssignmentInPath, Caller, Now, RuntimeDep, Scoped, SessionDep
from api.edge.conditional import (
    IfNoneMatch,
    Rendered,
    conditional_responses,
    kept_or_not_modified,
    tag,
)
from api.edge.contract.examples import PAUSED_EXAMPLE
from api.edge.hot_reads import Kept, answered_from_memory
from api.edge.idempotency import IdempotencyDep
from api.edge.runtime import Runtime
from api.kernel.db import in_one_trip
from api.kernel.errors import Unprocessable, problem_responses
from api.models import Answer, Assignment, User
from api.routers.content import CatalogDep, Language, language_in_memory
from api.schemas.answer import AnswerIn, StaleAnswerProblem
from api.schemas.assignment import (
    AssignmentKind,
    AssignmentOut,
    AssignmentPage,
    CommentIn,
    CommentOut,
    CommentPage,
    ExtraAssignmentIn,
)
from api.schemas.pagination import DEFAULT_LIMIT, Cursor, Limit, keyset_page
from api.schemas.ritual import PausedProblem
from api.security.scopes import Scope
from api.security.session_cache import Heads
from api.services.assignments import answering, comments, delivery, reactions
from api.services.assignments.reveal import assignment_out
from api.services.rituals import pauses

router = APIRouter(tags=["assignment"], responses=problem_responses(401, 403, 429))

# `"3"` as PUT sends it, or `W/"3.<digest>"` as the conditional reads send it
# (api/edge/conditional.py).
_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})(?:\.[A-Za-z0-9_-]{1,64})?"?$')


async def if_match_version(
    if_match: Annotated[
        str | None,
        Header(
            max_length=64,
            description="The ETag of your answer as you last saw it (from this assignment, "
            "today or your last write: its answer version is what counts); a stale one gets "
            "412. A tag sent before you answered (version 0) means you expect no answer.",
        ),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    found = _ETAG.match(if_match.strip())
    if found is None:
        raise Unprocessable("If-Match must be an ETag this API sent.", loc=["header", "If-Match"])
    return int(found.group(1))


_ASSIGNMENT_JSON = TypeAdapter(AssignmentOut)


def _render(
    db: Session,
    user: User,
    rows: list[tuple[Assignment, list[Answer]]],
    catalog: Catalog,
    language: str,
    response: Response,
) -> list[AssignmentOut]:
    shown = reactions.reactions_of(db, [a.id for _, answers in rows for a in answers])
    rendered = [
        assignment_out(user.id, assignment, answers, shown, catalog, language)
        for assignment, answers in rows
    ]
    response.headers["Content-Language"] = language
    return rendered


def _with_answers(db: Session, found: list[Assignment]) -> list[tuple[Assignment, list[Answer]]]:
    answers = delivery.answers_of(db, [a.id for a in found])
    return [(a, [x for x in answers if x.assignment_id == a.id]) for a in found]


def _etag(response: Response, rendered: AssignmentOut) -> None:
    """The answer's version as the ETag of a write."""
    if rendered.my_answer is not None:
        response.headers["ETag"] = f'"{rendered.my_answer.version}"'


def _keep(runtime: Runtime, digest: str, rendered: AssignmentOut, language: str) -> Rendered:
    """A conditional read's body, rendered to JSON once and kept under its digest. Its tag
    carries the caller's answer version for If-Match (0: not answered)."""
    version = 0 if rendered.my_answer is None else rendered.my_answer.version
    headers = {"ETag": tag(digest, version), "Content-Language": language}
    return runtime.rendered.keep(digest, Rendered(_ASSIGNMENT_JSON.dump_json(rendered), headers))


def _render_one(
    db: Session,
    user: User,
    found: Assignment,
    catalog: Catalog,
    language: str,
    response: Response,
    answers: list[Answer],
) -> AssignmentOut:
    """One assignment with the answers `user` may see, and its ETag."""
    rendered = _render(db, user, [(found, answers)], catalog, language, response)[0]
    _etag(response, rendered)
    return rendered


def _heads_showing(caller: Caller, found: Assignment) -> Heads:
    """The heads to tag today's body with. An assignment made by this request (or changed
    since the session check) is at a newer seq than the heads read then: everything up to
    its seq had committed before it was read, so the body shows at least that much. Tagged
    older, the next poll would download it again."""
    heads = caller.heads
    if caller.couple is None:
        return replace(heads, solo=max(heads.solo, found.change_seq))
    return replace(heads, couple=max(heads.couple or 0, found.change_seq))


_CONDITIONAL = (
    " Sends an `ETag` (weak): `If-None-Match` with it answers 304 with no body while nothing "
    "you would see here has changed. It also carries your answer's version (`W/\"<version>."
    '<digest>"`, 0 before you answer), so it serves as `If-Match` on your answer too.'
)


def _today_digest(runtime: Runtime, caller: Caller, heads: Heads, language: str, day: date) -> str:
    # The day is in it: at the couple's midnight today is another assignment, unmade yet.
    return runtime.etags.digest("today", caller.user.id, heads, language, day)


def _kept_in_language(
    request: Request, runtime: Runtime, digest_in: Callable[[str], str]
) -> Kept | None:
    """What a read in the caller's language would send: its digest, and Content-Language."""
    language = language_in_memory(request, runtime)
    return None if language is None else Kept(digest_in(language), {"Content-Language": language})


def _today_from_memory(
    request: Request, caller: Caller, runtime: Runtime, now: datetime
) -> Kept | None:
    day = delivery.Owner(caller.couple, caller.user).day(now)
    return _kept_in_language(
        request,
        runtime,
        lambda language: _today_digest(runtime, caller, caller.heads, language, day),
    )


@router.get(
    "/v1/today",
    summary="Today's assignment",
    description=(
        "The couple's exercise of the couple's local day, the same for both partners; for a "
        "user with no partner, their solo one. Made by the day's first request: the next day "
        "of the couple's journey if one is active, else an exercise of the couple's focus "
        "themes (all but the sensitive ones when none are chosen).\n\n"
        + delivery.DEEPENING
        + "\n\n"
        + _CONDITIONAL.lstrip()
        + "\n\nWhile the couple is paused (`PUT /v1/couple/pause`): 409 "
        "`urn:attune:problem:paused` with `paused_until`, and no assignment is made."
    ),
    response_model=AssignmentOut,
    responses={
        **conditional_responses(),
        409: {
            "model": PausedProblem,
            "description": "The couple paused its dailies.",
            "content": {"application/json": {"example": PAUSED_EXAMPLE}},
        },
        **problem_responses(401, 503),
    },
)
@answered_from_memory(_today_from_memory)
async def today(
    caller: Annotated[Caller, Scoped(Scope.answers_read)],
    db: SessionDep,
    runtime: RuntimeDep,
    catalog: CatalogDep,
    language: Language,
    now: Now,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> Response:
    owner = delivery.Owner(caller.couple, caller.user)
    day = owner.day(now)
    asked = _today_digest(runtime, caller, caller.heads, language, day)
    kept = kept_or_not_modified(
        runtime.rendered, if_none_match, asked, {"Content-Language": language}
    )
    if kept is not None:
        return kept

    def work() -> Response:
        if owner.couple is not None:
            pauses.check_not_paused(owner.couple, now)
        found = delivery.day_assignment(db, runtime.database, catalog, owner, now)
        rendered = _render(db, caller.user, [found], catalog, language, response)[0]
        digest = _today_digest(runtime, caller, _heads_showing(caller, found[0]), language, day)
        return _keep(runtime, digest, rendered, language).response()

    return await in_one_trip(db, work)


@router.get(
    "/v1/assignments",
    name="list",
    summary="Your history",
    description="Your current couple's assignments and your solo ones, newest day first.",
    responses=problem_responses(401, 422),
)
def list_assignments(
    caller: Annotated[Caller, Scoped(Scope.answers_read)],
    db: SessionDep,
    catalog: CatalogDep,
    language: Language,
    response: Response,
    theme: Annotated[str | None, Query(max_length=64, description="A theme slug.")] = None,
    kind: Annotated[AssignmentKind | None, Query()] = None,
    revealed: Annotated[bool | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> AssignmentPage:
    exercise_ids = None if theme is None else [e.id for e in catalog.exercises(themes={theme})]

    def fetch(after: tuple[Any, ...] | None, count: int) -> list[Assignment]:
        return answering.history(
            db,
            caller.user,
            exercise_ids=exercise_ids,
            kind=kind,
            revealed=revealed,
            after=after,
            limit=count,
        )

    page, next_cursor = keyset_page(
        cursor, (date, str), fetch, lambda a: [a.local_date.isoformat(), a.id], limit
    )
    items = _render(db, caller.user, _with_answers(db, page), catalog, language, response)
    return AssignmentPage(items=items, next_cursor=next_cursor)


@router.post(
    "/v1/assignments",
    status_code=status.HTTP_201_CREATED,
    summary="Add an extra exercise you chose",
    description=(
        "An `extra` assignment for today, besides the daily one, shared with your partner "
        "when linked. The reveal rule applies as to any assignment."
    ),
    responses=problem_responses(401, 409, 422),
)
def create(
    body: ExtraAssignmentIn,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    db: SessionDep,
    catalog: CatalogDep,
    language: Language,
    now: Now,
    response: Response,
    idempotency: IdempotencyDep,
) -> AssignmentOut:
    owner = delivery.owner_of(db, caller.user)
    made = answering.add_extra(db, catalog, owner, body.exercise_id, now)
    rendered = _render(db, caller.user, [(made, [])], catalog, language, response)[0]
    return idempotency.remember(rendered, status.HTTP_201_CREATED)


def _assignment_digest(runtime: Runtime, caller: Caller, language: str, assignment_id: str) -> str:
    # Keyed: a tag for an id the caller may not see cannot be made, so no 304 tells it exists.
    return runtime.etags.digest("assignment", caller.user.id, caller.heads, language, assignment_id)


def _assignment_from_memory(
    request: Request, caller: Caller, runtime: Runtime, _now: datetime
) -> Kept | None:
    assignment_id = request.path_params["assignment_id"]
    return _kept_in_language(
        request,
        runtime,
        lambda language: _assignment_digest(runtime, caller, language, assignment_id),
    )


@router.get(
    "/v1/assignments/{assignment_id}",
    summary="One assignment",
    description=(
        "Yours or your current couple's, with the answers you may see under the reveal rule."
        + _CONDITIONAL
    ),
    response_model=AssignmentOut,
    responses={**conditional_responses(), **problem_responses(401, 404)},
)
@answered_from_memory(_assignment_from_memory)
async def get(
    assignment: AssignmentInPath,
    caller: Annotated[Caller, Scoped(Scope.answers_read)],
    db: SessionDep,
    runtime: RuntimeDep,
    catalog: CatalogDep,
    language: Language,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> Response:
    digest = _assignment_digest(runtime, caller, language, assignment.object_id)
    kept = kept_or_not_modified(
        runtime.rendered, if_none_match, digest, {"Content-Language": language}
    )
    if kept is not None:
        return kept

    def work() -> Response:
        rows = _with_answers(db, [assignment(caller.user)])
        rendered = _render(db, caller.user, rows, catalog, language, response)[0]
        return _keep(runtime, digest, rendered, language).response()

    return await in_one_trip(db, work)


@router.put(
    "/v1/assignments/{assignment_id}/answer",
    summary="Answer, or change your answer",
    description=(
        "Validated against the exercise version this assignment was given. 201 when created, "
        "200 when replaced. Send `If-Match` with the ETag to edit safely: a stale one is 412 "
        "with your current answer. Once both have answered, the assignment is revealed."
    ),
    responses={
        201: {"model": AssignmentOut, "description": "The answer was created."},
        **problem_responses(401, 404, 409, 422),
        412: {
            "model": StaleAnswerProblem,
            "description": "Your answer changed since the version in If-Match: the body holds "
            "the current one.",
        },
    },
)
async def put_answer(
    assignment: AssignmentInPath,
    body: AnswerIn,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    db: SessionDep,
    catalog: CatalogDep,
    language: Language,
    now: Now,
    response: Response,
    expected: Annotated[int | None, Depends(if_match_version)],
) -> AssignmentOut:
    def work() -> AssignmentOut:
        found = assignment(caller.user)
        _, created, answers = answering.put_answer(
            db, catalog, caller.user, found, body, if_match=expected, now=now
        )
        if created:
            response.status_code = status.HTTP_201_CREATED
        return _render_one(db, caller.user, found, catalog, language, response, answers)

    return await in_one_trip(db, work)


@router.delete(
    "/v1/assignments/{assignment_id}/answer",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw your answer",
    description=(
        "A revealed assignment stays revealed for good: your partner no longer sees your "
        "answer, and an answer you give afterwards shows to them as edited. Send `If-Match` "
        "with the ETag: a stale one is 412 with your current answer, and nothing is deleted."
    ),
    responses=problem_responses(401, 404, 412, 422),
)
def withdraw_answer(
    assignment: AssignmentInPath,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    db: SessionDep,
    expected: Annotated[int | None, Depends(if_match_version)],
) -> Response:
    found = assignment(caller.user)
    answering.withdraw_answer(db, caller.user, found, if_match=expected)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/v1/assignments/{assignment_id}/comments",
    summary="The conversation under an assignment",
    description="Oldest first. Empty until the assignment is revealed.",
    responses=problem_responses(401, 404, 422),
)
def list_comments(
    assignment: AssignmentInPath,
    caller: Annotated[Caller, Scoped(Scope.answers_read)],
    db: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CommentPage:
    found = assignment(caller.user)
    page, next_cursor = keyset_page(
        cursor,
        (datetime, str),
        lambda after, count: comments.comments_of(db, found, after, count),
        lambda c: [c.created_at.isoformat(), c.id],
        limit,
    )
    return CommentPage(items=[comments.comment_out(c) for c in page], next_cursor=next_cursor)


@router.post(
    "/v1/assignments/{assignment_id}/comments",
    status_code=status.HTTP_201_CREATED,
    summary="Comment under a revealed assignment",
    description="Comments open once both have answered (409 before).",
    responses=problem_responses(401, 404, 409, 422),
)
def add_comment(
    assignment: AssignmentInPath,
    body: CommentIn,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    db: SessionDep,
    now: Now,
    idempotency: IdempotencyDep,
) -> CommentOut:
    found = assignment(caller.user)
    comment = comments.add_comment(db, caller.user, found, body.id, body.body, now)
    return idempotency.remember(comments.comment_out(comment), status.HTTP_201_CREATED)
