"""What the OpenAPI document says beyond the routes: the overview, tags, problem media type."""

from typing import Any

from api.errors import PROBLEM_MEDIA_TYPE

DESCRIPTION = """\
Attune is the backend of a couples app. Two partners link their accounts, receive the same
short exercise each day, answer privately, and see each other's answer once both have answered.

**Authentication.** Register or log in to get an access token (a JWT valid 10 minutes) and a
refresh token. Send `Authorization: Bearer <access_token>`; when it expires, trade the refresh
token at `POST /v1/auth/refresh` for a new pair (the old one is spent; presenting it again
revokes that login everywhere). In these docs, the **Authorize** button logs in with the
OAuth2 password flow.

**Errors** are RFC 9457 problem details (`application/problem+json`) with `type`, `title`,
`status` and `detail`; validation errors add `errors: [{loc, msg}]`, which never repeat the
submitted value. `401` carries `WWW-Authenticate: Bearer`, `429` carries `Retry-After`.

**Conventions.** JSON in UTF-8; timestamps are RFC 3339 in UTC; ids are opaque strings.
Request bodies reject unknown fields. Responses with personal data are `Cache-Control: no-store`.
"""

TAGS = [
    {"name": "auth", "description": "Accounts: register, log in, refresh, passwords, email."},
    {"name": "me", "description": "The caller's own profile, export and erasure."},
    {"name": "couple", "description": "Linking two people: invites, joining, unlinking."},
    {
        "name": "themes",
        "description": "What exercises are about, e.g. trust or laughter-play. Sensitive themes "
        "are delivered only to couples who chose them.",
    },
    {
        "name": "exercises",
        "description": "The daily exercises, in five types: `open`, `choice`, `scale`, `guess`, "
        "`activity`. Published versions never change: an edit publishes the next version. "
        "Served in the language negotiated from `Accept-Language`, English when untranslated.",
    },
    {
        "name": "journeys",
        "description": "Multi-day programs: one exercise a day, in order.",
    },
    {
        "name": "assignments",
        "description": "The day's exercise, your history, answers (under the reveal rule), "
        "and the conversation under revealed assignments.",
    },
    {"name": "answers", "description": "Reactions to answers."},
    {"name": "checkins", "description": "How connected each of you feels, day by day."},
    {"name": "health", "description": "Probes for load balancers and orchestrators."},
]


def problem_media_types(schema: dict[str, Any]) -> dict[str, Any]:
    """Error responses are served as application/problem+json; say so in the document."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
    return schema
