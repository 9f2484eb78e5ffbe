"""What the OpenAPI document says beyond the routes: the overview, tags, problem media type."""

import json
from typing import Any

from pydantic import BaseModel

from api.kernel.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, AppError, problem_responses
from api.schemas.token import ScopeProblem
from api.security.scopes import missing_scopes_detail

DESCRIPTION = """\
Attune is the backend of a couples app. Two partners link their accounts, receive the same
short exercise each day, answer privately, and see each other's answer once both have answered.

**Authentication.** Register or log in to get an access token (a JWT valid 10 minutes) and a
refresh token. Send `Authorization: Bearer <access_token>`; when it expires, trade the refresh
token at `POST /v1/auth/refresh` for a new pair (the old one is spent: presented again within
30 s, as by a second tab, it gets a pair of the same login; later, it revokes that login
everywhere). In these docs, the **Authorize** button logs in with the
OAuth2 password flow.

**API tokens** (`att_…`, made at `POST /v1/tokens`) let integration partners and your own
tools act for you within scopes: `profile:read`, `couple:read`, `exercises:read`,
`answers:read`, `answers:write`, `checkins:write`, and `content:write` for admins. Send one as
`Authorization: Bearer att_…`. Each operation lists the scopes it needs under
`OAuth2PasswordBearer`, and an API token needs the same ones (a signed-in user holds them all
but `content:write`); a token without one gets `403` naming it in `missing_scopes`.
Operations listing only `OAuth2PasswordBearer` need the user signed in: `/v1/auth/*`,
`/v1/tokens`, erasing the account, and changing the profile or the couple.

**Rate limits.** Every request counts against its address, and every authenticated one against
its credential (a user's logins share one quota, each API token has its own); the limits are
shared by every API process. Responses carry `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset` (seconds); over the limit is `429` with `Retry-After`.

**Errors** are RFC 9457 problem details (`application/problem+json`) with `type`, `title`,
`status` and `detail`; validation errors add `errors: [{loc, msg}]`, which never repeat the
submitted value. `401` carries `WWW-Authenticate: Bearer`, `429` carries `Retry-After`. A
write may be refused with `503` and `Retry-After` when too many are being saved at that
moment (a single-file SQLite deployment saves one at a time): nothing was changed, send it
again.

**Conventions.** JSON in UTF-8; timestamps are RFC 3339 in UTC; ids are opaque strings.
Request bodies reject unknown fields and take JSON's own types only (`"4"` is not a number,
`"no"` not a boolean); NUL characters are refused anywhere in a request (422). **Partial
updates** (PATCH): a field left out keeps its value; `null` clears a field, and only where
clearing means something (a reminder time, an exercise's follow-up): elsewhere `null` is 422.
Responses with personal data are `Cache-Control: no-store`.

**The day.** Both partners get the same exercise each day, the couple's *assignment*
(`GET /v1/today`). The couple's day is set by the couple's `timezone` and `day_starts_at`
(04:00 by default, so an answer at 1 a.m. still counts for the evening before), wherever
each of you travels. Someone not linked yet gets a `solo` exercise of their own.

**The reveal rule.** Each partner answers privately. Your partner's answer is shown to you
only once you have answered the same assignment yourself: until then `partner_answer` is
`null` and `partner_status` says only `pending` or `answered`. Once both have answered the
assignment is `revealed` for good: later edits show to the partner as `edited`, and the
conversation under it (`/comments`) opens. The rule holds on every path that can carry an
answer: assignments, history, sync, events, notifications and export.

**Offline sync.** Phones answer offline and catch up after days away. `GET /v1/sync`
returns the changes after a `cursor` (none: everything) as
`{changes: [{seq, entity, op, id, data}], cursor, has_more, reset}`, for the entities
couple, assignment, answer, comment, reaction and checkin. It is state, not history: a row
appears once, at its latest change, with `data` rendered for you under the reveal rule (a
reveal gives both answers new changes, so a masked answer is replaced on the next pull).
Keep pulling with the returned `cursor` while `has_more`; the cursor never skips or repeats
a change. `reset: true` means drop the synced copy (keeping unpushed writes) and pull from
scratch, e.g. after an unlink. `POST /v1/sync` sends a batch of offline writes
(`{mutations: [{id, type, ...}]}` of `answer.put`, `answer.delete`, `comment.add`,
`reaction.set`, `reaction.clear`, `checkin.put`), applied in order, each on its own. Each
mutation's `id` is chosen by the client (a UUID) and a replay returns the first result,
however much later: every result is `applied`, `duplicate`, `conflict` (a stale
`base_version`: the write still wins, the overwritten text is kept) or `rejected` (with a
reason; it never blocks the mutations after it). `GET /v1/events` is a Server-Sent Events
stream whose events only say "pull now": their `id` is the couple's newest `seq`, never the
data itself.
"""

TAGS = [
    {"name": "auth", "description": "Accounts: register, log in, refresh, passwords, email."},
    {"name": "me", "description": "The caller's own profile, export and erasure."},
    {"name": "couple", "description": "Linking two people: invites, joining, unlinking."},
    {
        "name": "theme",
        "description": "What exercises are about, e.g. trust or laughter-play. Sensitive themes "
        "are delivered only to couples who chose them.",
    },
    {
        "name": "exercise",
        "description": "The daily exercises, in five types: `open`, `choice`, `scale`, `guess`, "
        "`activity`. Published versions never change: an edit publishes the next version. "
        "Served in the language negotiated from `Accept-Language`, English when untranslated.",
    },
    {
        "name": "journey",
        "description": "Multi-day programs: one exercise a day, in order.",
    },
    {
        "name": "assignment",
        "description": "The day's exercise, your history, answers (under the reveal rule), "
        "and the conversation under revealed assignments.",
    },
    {"name": "answer", "description": "Reactions to answers."},
    {"name": "checkin", "description": "How connected each of you feels, day by day."},
    {
        "name": "device",
        "description": "Push registration: where your notifications go. Notifications say only "
        "who did what (never what anyone wrote); the app pulls the rest.",
    },
    {
        "name": "token",
        "description": "API tokens for integration partners and your own tools: scoped, "
        "expiring, revocable. Managed only by the user signed in.",
    },
    {
        "name": "sync",
        "description": "Offline sync: pull the changes since a cursor, push offline writes.",
    },
    {"name": "event", "description": "Server-Sent Events: when to pull."},
    {"name": "health", "description": "Probes for load balancers and orchestrators."},
]


# FastAPI documents a 422 on every route with parameters, with its own schema; this API
# answers that 422 with a problem (api/kernel/errors.py), like every other error.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _error_kinds() -> dict[int, type[AppError]]:
    kinds: dict[int, type[AppError]] = {}
    pending = list(AppError.__subclasses__())
    while pending:
        kind = pending.pop()
        kinds.setdefault(kind.status, kind)
        pending.extend(kind.__subclasses__())
    return kinds


def _problem_example(status: int, detail: str) -> dict[str, Any]:
    """What an error of this status looks like, so /docs shows a 401 as a 401."""
    kind = _error_kinds().get(status, AppError)
    example: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + kind.slug,
        "title": kind.title,
        "status": status,
        "detail": detail,
    }
    if status == 422:
        example["errors"] = [{"loc": ["body", "email"], "msg": "value is not a valid email"}]
    if status == 412:
        example["current"] = {"type": "open", "text": "The night you stayed up with me."}
        example["current_version"] = 3
    return example


SCOPE_PROBLEM_DESCRIPTION = (
    "Not allowed: the credential lacks a scope this needs; `missing_scopes` names them."
)


def _scopes_of(operation: dict[str, Any]) -> list[str]:
    return sorted(
        {
            scope
            for need in operation.get("security", [])
            for scope in need.get("OAuth2PasswordBearer", [])
        }
    )


def _scope_problem(content: dict[str, Any], response: dict[str, Any], scopes: list[str]) -> None:
    """The 403 of an operation that needs scopes is the one for a scope the credential lacks
    (api/deps.py): a ScopeProblem, which names them."""
    content["schema"] = {"$ref": "#/components/schemas/ScopeProblem"}
    response["description"] = SCOPE_PROBLEM_DESCRIPTION
    content.setdefault(
        "example",
        _problem_example(403, missing_scopes_detail(scopes[:1])) | {"missing_scopes": scopes[:1]},
    )


def _declare(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """A component no route names as its response model, and the ones it refers to."""
    own = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, referred in own.pop("$defs", {}).items():
        components.setdefault(name, referred)
    components[model.__name__] = own


def problem_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are served as application/problem+json; say so in the document."""
    _declare(schema, ScopeProblem)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            scopes = _scopes_of(operation)
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
                if status == "422" and PROBLEM_MEDIA_TYPE in content:
                    content[PROBLEM_MEDIA_TYPE]["schema"] = {
                        "$ref": "#/components/schemas/ValidationProblem"
                    }
                    response["description"] = problem_responses(422)[422]["description"]
                if status == "403" and scopes and PROBLEM_MEDIA_TYPE in content:
                    _scope_problem(content[PROBLEM_MEDIA_TYPE], response, scopes)
                if PROBLEM_MEDIA_TYPE in content:
                    example = _problem_example(int(status), response["description"])
                    content[PROBLEM_MEDIA_TYPE].setdefault("example", example)
    components = schema.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if f'"#/components/schemas/{name}"' not in json.dumps(schema["paths"]):
            components.pop(name, None)
    return schema
