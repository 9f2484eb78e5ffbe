"""/v1/sync: pull what changed, push what was written offline."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from api.deps import Caller, Now, RuntimeDep, Scoped
from api.edge.conditional import IfNoneMatch, Rendered, check_modified, conditional_responses, tag
from api.edge.hot_reads import Kept, answered_from_memory
from api.edge.runtime import Runtime
from api.kernel import changes
from api.kernel.errors import problem_responses
from api.routers.content import CatalogDep
from api.schemas.pagination import encode_cursor
from api.schemas.sync import ChangeOut, MutationResult, PullOut, PushIn, PushOut
from api.security.scopes import Scope
from api.services.sync import mutations, pulls

router = APIRouter(
    prefix="/v1/sync",
    tags=["sync"],
    responses=problem_responses(401, 403, 429),
)
_PULL_JSON = TypeAdapter(PullOut)
# What a pull takes (its Query constraints below).
_CURSOR_LIMIT, _DEFAULT_PAGE, _LARGEST_PAGE = 512, 100, 500

PUSH_DESCRIPTION = """\
A batch of offline writes, applied in order, each in its own transaction. Shapes besides
`id` and `type`:

- `answer.put {assignment_id, answer: {id?, content}, base_version?}`: `answer` is the body
  of `PUT /v1/assignments/{id}/answer`. A stale `base_version` is still applied (the last
  write to reach us wins) and reported as `conflict` with the text it overwrote
  (`overwritten`, also kept in the answer's revisions); an edit of an answer deleted
  meanwhile loses to the delete. A put that was applied returns the `answer` as it now
  stands.
- `answer.delete {assignment_id}`
- `comment.add {assignment_id, comment_id, body}`
- `reaction.set {answer_id, emoji}`, `reaction.clear {answer_id}`
- `checkin.put {checkin_id, mood, note?}`
- `appreciation.add {appreciation_id, body}`: the body of `POST /v1/appreciations`

A replay of a mutation id returns its first result as `duplicate` (`first_status` says what
it was), whenever it comes. A mutation that can never apply is `rejected` with a reason and
does not stop the rest.
"""


def _pull_digest(caller: Caller, runtime: Runtime, cursor: str | None, limit: int) -> str:
    return runtime.etags.digest("sync", caller.user.id, caller.heads, cursor, limit)


def _rendered(pulled: pulls.Pulled, digest: str) -> Rendered:
    return Rendered(_PULL_JSON.dump_json(_out(pulled)), {"ETag": tag(digest)})


def _pull_from_memory(
    request: Request, caller: Caller, runtime: Runtime, _now: datetime
) -> Kept | None:
    """A pull whose cursor is at the head this process knows: nothing new, no database."""
    query = request.query_params
    cursor, limit = query.get("cursor"), query.get("limit", str(_DEFAULT_PAGE))
    if set(query) - {"cursor", "limit"} or len(query.multi_items()) != len(query):
        return None  # let the route say what it makes of it
    if cursor is None or len(cursor) > _CURSOR_LIMIT or not (limit.isascii() and limit.isdigit()):
        return None
    if not 1 <= int(limit) <= _LARGEST_PAGE:
        return None
    digest = _pull_digest(caller, runtime, cursor, int(limit))
    current = pulls.already_current(caller.user, caller.heads, cursor)
    return Kept(digest, render=None if current is None else lambda: _rendered(current, digest))


@router.get(
    "",
    summary="Pull the changes since a cursor",
    description=(
        "Everything of your couple (or your solo data) that changed after `cursor`, oldest "
        "first, each row once at its latest state, rendered for you under the reveal rule. "
        "No cursor: everything. Follow `cursor` while `has_more`; on `reset`, start over. "
        "Unlike the lists, whose `next_cursor` is null on the last page, the stream's `cursor` "
        "is always set: the last page's is where the next pull starts, once more has changed. "
        "Sends an `ETag` (weak): `If-None-Match` with it, for the same `cursor` and `limit`, "
        "answers 304 with no body while nothing of your space has changed."
    ),
    response_model=PullOut,
    responses={**conditional_responses(), **problem_responses(401, 422)},
)
@answered_from_memory(_pull_from_memory)
async def pull(
    caller: Annotated[Caller, Scoped(Scope.answers_read)],
    runtime: RuntimeDep,
    cursor: Annotated[str | None, Query(max_length=_CURSOR_LIMIT)] = None,
    limit: Annotated[int, Query(ge=1, le=_LARGEST_PAGE)] = _DEFAULT_PAGE,
    if_none_match: IfNoneMatch = None,
) -> Response:
    digest = _pull_digest(caller, runtime, cursor, limit)
    check_modified(if_none_match, digest)

    def read() -> pulls.Pulled:
        with runtime.database.snapshot() as db:
            return pulls.pull(db, caller.user, cursor, limit)

    # One trip to the threadpool for all of it (see api.kernel.db.in_one_trip).
    pulled = pulls.already_current(caller.user, caller.heads, cursor)
    if pulled is None:
        pulled = await run_in_threadpool(read)
    return _rendered(pulled, digest).response()


def _out(pulled: pulls.Pulled) -> PullOut:
    return PullOut(
        changes=[ChangeOut.model_validate(change) for change in pulled.changes],
        cursor=pulled.cursor,
        has_more=pulled.has_more,
        reset=pulled.reset,
    )


@router.post(
    "",
    summary="Push offline writes",
    description=PUSH_DESCRIPTION,
    responses=problem_responses(401, 422),
)
def push(
    body: PushIn,
    caller: Annotated[Caller, Scoped(Scope.answers_write)],
    runtime: RuntimeDep,
    catalog: CatalogDep,
    now: Now,
) -> PushOut:
    raw = [mutation.model_dump() for mutation in body.mutations]
    results = mutations.apply_batch(
        runtime.database,
        catalog,
        caller.user,
        raw,
        now,
        may_check_in=Scope.checkins_write in caller.scopes,
    )
    with runtime.database.snapshot() as db:
        user = db.get_one(type(caller.user), caller.user.id)
        space = changes.space_of(user)
        head = pulls.head_of(db, space)
    return PushOut(
        results=[MutationResult.model_validate(result) for result in results],
        cursor=encode_cursor([space, head]),
    )
