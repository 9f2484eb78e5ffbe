"""Examples of the bodies whose models carry none, by component name, and of every page (one
item, the last page): every request and success body shows one, in /docs and in generated
clients' docs, each validated against its schema (tests/e2e/test_openapi_valid.py). Kept here
rather than in the models because FastAPI drops the nulls from a model's examples."""

from typing import Any

from api.edge.contract.names import SCHEMAS
from api.schemas.assignment import EXERCISE_EXAMPLE

USER_ID = "5a0e2c1d-7b3f-4e8a-9c6d-2f1b0a9e8d7c"
PARTNER_ID = "e8f9a0b1-c2d3-4e4f-8a5b-6c7d8e9f0a1b"
COUPLE_ID = "c3d4e5f6-0718-4a2b-8c9d-0e1f2a3b4c5d"
ANSWER_ID = "0b6f8a1e-2c4d-4e5f-9a7b-1c2d3e4f5a6b"
WHEN = "2026-11-26T07:40:12Z"

STREAK = {"current": 12, "longest": 30, "freezes_available": 1}
CHECK_IN = {
    "id": "9d1e2f34-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    "user_id": USER_ID,
    "local_date": "2026-11-26",
    "mood": 4,
    "note": None,
    "created_at": WHEN,
    "updated_at": WHEN,
}
API_TOKEN = {
    "id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    "name": "Journal sync",
    "prefix": "att_k3J9xQ2a",
    "scopes": ["answers:read", "checkins:write"],
    "created_at": WHEN,
    "last_used_at": None,
    "expires_at": "2027-02-24T07:40:12Z",
}

EXAMPLES: dict[str, Any] = {
    "Health": {"status": "ok"},
    "OpenExercise": EXERCISE_EXAMPLE,
    "Invite": {
        "code": "K7QM3XTR",
        "link": "https://attune.app/join/K7QM3XTR",
        "expires_at": "2026-11-28T07:40:12Z",
    },
    "Couple": {
        "id": COUPLE_ID,
        "partner": {"id": PARTNER_ID, "display_name": "Robin"},
        "linked_at": "2026-10-02T19:12:00Z",
        "timezone": "Europe/Paris",
        "day_starts_at": "04:00",
        "focus_themes": ["trust", "laughter-play"],
        "journey": None,
        "streak": STREAK,
    },
    "CoupleStats": {
        "answered_together": 41,
        "streak": STREAK,
        "themes_explored": ["trust", "laughter-play"],
        "guess_accuracy": {USER_ID: 0.75, PARTNER_ID: None},
        "checkin_trend": [{"user_id": USER_ID, "last_7_days": 4.2, "previous_7_days": 3.8}],
    },
    "Theme": {
        "slug": "trust",
        "title": "Trust",
        "description": "Counting on each other, in small things and large.",
        "sensitive": False,
        "exercise_count": 34,
        "language": "en",
    },
    "Journey": {
        "slug": "seven-days-of-trust",
        "title": "Seven days of trust",
        "description": "A week of small exercises about counting on each other.",
        "days": ["trust-01", "trust-02", "trust-03"],
        "retired": False,
        "language": "en",
    },
    "Reaction": {"answer_id": ANSWER_ID, "user_id": PARTNER_ID, "emoji": "❤️", "created_at": WHEN},
    "CheckIn": CHECK_IN,
    "Device": {
        "id": "iphone-7f3a",
        "platform": "ios",
        "token": "9f1c2b7e4d0a",
        "app_version": "1.4.2",
        "created_at": WHEN,
        "updated_at": WHEN,
    },
    "ApiToken": API_TOKEN,
    "ApiTokenWithSecret": API_TOKEN | {"token": "att_k3J9xQ2a7vW1mN0pLr5sT8uY4zB6cD2eF9gH3jK7lQ1"},
    "SyncPull": {
        "changes": [
            {
                "seq": 418,
                "entity": "checkin",
                "op": "upsert",
                "id": CHECK_IN["id"],
                "data": CHECK_IN,
            },
            {"seq": 419, "entity": "reaction", "op": "delete", "id": ANSWER_ID, "data": None},
        ],
        "cursor": "WzQxOV0",
        "has_more": False,
        "reset": False,
    },
    "SyncPushResult": {
        "results": [
            {"id": "5b0f3c4e-6f1a-4c55-9d0e-2b1d8f7a9c10", "status": "applied", "reason": None},
            {
                "id": "7c2e9b1a-3d4f-4e5a-8b6c-0d1e2f3a4b5c",
                "status": "rejected",
                "reason": "No such assignment.",
            },
            {
                "id": "2d4f6a8c-0e1b-4c3d-9e5f-7a9b1c3d5e7f",
                "status": "conflict",
                "reason": "Edited on another device since; this edit was applied over it.",
                "answer": {
                    "id": ANSWER_ID,
                    "author_id": USER_ID,
                    "content": {"type": "open", "text": "The night you stayed up with me."},
                    "version": 3,
                    "created_at": "2026-11-25T21:02:44Z",
                    "updated_at": WHEN,
                    "edited": False,
                    "guess_correct": None,
                },
                "overwritten": {"type": "open", "text": "The night you stayed up."},
            },
        ],
        "cursor": "WzQyMV0",
    },
    "ScopeProblem": {
        "type": "urn:attune:problem:forbidden",
        "title": "Forbidden",
        "status": 403,
        "detail": "This needs the checkins:write scope, which this token lacks.",
        "missing_scopes": ["checkins:write"],
    },
    "AccountExport": {
        "exported_at": WHEN,
        "profile": {
            "id": USER_ID,
            "email": "sam@example.com",
            "email_verified": True,
            "display_name": "Sam",
            "timezone": "Europe/Paris",
            "locale": "en",
            "reminder_time": "20:30",
            "created_at": "2026-10-01T18:04:11Z",
        },
        "sessions": [
            {
                "id": "f0e1d2c3-b4a5-4968-8776-655443322110",
                "created_at": WHEN,
                "expires_at": "2027-02-24T07:40:12Z",
                "revoked_at": None,
            }
        ],
        "couples": [
            {
                "id": COUPLE_ID,
                "linked_at": "2026-10-02T19:12:00Z",
                "ended_at": None,
                "timezone": "Europe/Paris",
                "day_starts_at": "04:00",
                "focus_themes": [],
            }
        ],
        "answers": [],
        "comments": [],
        "reactions": [
            {
                "answer_id": "0b6f8a1e-2c4d-4e5f-9a7b-1c2d3e4f5a6b",
                "emoji": "💛",
                "created_at": "2026-11-26T08:20:00Z",
            }
        ],
        "checkins": [
            {key: value for key, value in CHECK_IN.items() if key != "user_id"},
        ],
    },
}


def attach_examples(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name, example in EXAMPLES.items():
        schemas[name].setdefault("examples", [example])
    # A union shows its first variant's example.
    for schema in schemas.values():
        if "oneOf" in schema and "examples" not in schema:
            first = schemas[schema["oneOf"][0]["$ref"].removeprefix(SCHEMAS)]
            if "examples" in first:
                schema["examples"] = first["examples"][:1]
    for schema in schemas.values():
        items = schema.get("properties", {}).get("items", {}).get("items", {}).get("$ref")
        if "next_cursor" in schema.get("properties", {}) and items and "examples" not in schema:
            item = schemas[items.removeprefix(SCHEMAS)]
            if "examples" in item:
                schema["examples"] = [{"items": item["examples"][:1], "next_cursor": None}]
