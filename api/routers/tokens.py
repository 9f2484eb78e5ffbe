"""/v1/tokens: API tokens for integration partners and the user's own tools."""

from datetime import timedelta

from fastapi import APIRouter, Depends, Response, status

from api.deps import Now, SessionDep, UserSession, require_user_session
from api.edge.idempotency import IdempotencyDep
from api.kernel.errors import problem_responses
from api.kernel.fields import PathId
from api.models import ApiToken
from api.schemas.pagination import DEFAULT_LIMIT, Cursor, Limit, page_after
from api.schemas.token import ApiTokenCreatedOut, ApiTokenIn, ApiTokenOut, ApiTokenPage
from api.services.accounts import tokens

# Only the person manages credentials: an API token never reaches these (SPEC.md §7).
router = APIRouter(
    prefix="/v1/tokens",
    tags=["token"],
    dependencies=[Depends(require_user_session)],
    responses=problem_responses(401, 403, 429),
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Make an API token",
    description=(
        "The secret is in `token`, shown this once. The token acts for you within `scopes` "
        f"until it expires or you revoke it. At most {tokens.MAX_LIVE_TOKENS} live tokens "
        "(409). A retry with the same `Idempotency-Key` returns the first token, secret "
        "included, and makes no other: the kept answer is sealed under your key, which the "
        "server stores only as a hash."
    ),
    responses=problem_responses(409, 422),
)
def create(
    body: ApiTokenIn,
    caller: UserSession,
    db: SessionDep,
    now: Now,
    idempotency: IdempotencyDep,
) -> ApiTokenCreatedOut:
    token, secret = tokens.create_token(
        db,
        caller.user,
        name=body.name,
        scopes=body.scopes,
        lifetime=timedelta(days=body.expires_in_days),
        now=now,
    )
    created = ApiTokenCreatedOut(**ApiTokenOut.model_validate(token).model_dump(), token=secret)
    return idempotency.remember(created, status.HTTP_201_CREATED)


# Named `list` for the operation id `tokens_list`; a function `list` would shadow the builtin.
@router.get(
    "",
    name="list",
    summary="Your API tokens",
    description="Oldest first, expired ones included; never their secrets.",
    responses=problem_responses(422),
)
def list_tokens(
    caller: UserSession, db: SessionDep, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> ApiTokenPage:
    page, next_cursor = page_after(tokens.tokens_of(db, caller.user), _position, cursor, limit)
    return ApiTokenPage(
        items=[ApiTokenOut.model_validate(token) for token in page], next_cursor=next_cursor
    )


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API token",
    description="It stops working at once.",
    responses=problem_responses(404),
)
def revoke(token_id: PathId, caller: UserSession, db: SessionDep) -> Response:
    tokens.revoke_token(db, caller.user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _position(token: ApiToken) -> str:
    # Sorts as tokens_of orders them: fixed-width UTC timestamps, then the id.
    return f"{token.created_at.isoformat(timespec='microseconds')} {token.id}"
