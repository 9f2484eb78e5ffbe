"""OpenAPI links: where an id in one response feeds another operation, so clients, docs and
Schemathesis' stateful phase can follow them."""

from typing import Any

from api.edge.contract.headers import operations

ASSIGNMENT_ID = {"assignment_id": "$response.body#/id"}
# (operationId, status) -> {link name: (target operationId, parameters)}
LINKS: dict[tuple[str, str], dict[str, tuple[str, dict[str, str]]]] = {
    **{
        (source, status): {
            "GetAssignment": ("assignment_get", ASSIGNMENT_ID),
            "PutAnswer": ("assignment_put_answer", ASSIGNMENT_ID),
            "WithdrawAnswer": ("assignment_withdraw_answer", ASSIGNMENT_ID),
            "ListComments": ("assignment_list_comments", ASSIGNMENT_ID),
            "AddComment": ("assignment_add_comment", ASSIGNMENT_ID),
        }
        for source, status in (("assignment_today", "200"), ("assignment_create", "201"))
    },
    **{
        ("assignment_put_answer", status): {
            "SetReaction": ("answer_set_reaction", {"answer_id": "$response.body#/my_answer/id"}),
            "ClearReaction": (
                "answer_clear_reaction",
                {"answer_id": "$response.body#/my_answer/id"},
            ),
        }
        for status in ("200", "201")
    },
    ("token_create", "201"): {
        "RevokeToken": ("token_revoke", {"token_id": "$response.body#/id"}),
    },
    ("exercise_create", "201"): {
        name: (target, {"exercise_id": "$response.body#/id"})
        for name, target in (
            ("GetExercise", "exercise_get"),
            ("UpdateExercise", "exercise_update"),
            ("RetireExercise", "exercise_retire"),
        )
    },
    ("theme_create", "201"): {
        "UpdateTheme": ("theme_update", {"slug": "$response.body#/slug"}),
    },
    ("journey_create", "201"): {
        name: (target, {"slug": "$response.body#/slug"})
        for name, target in (
            ("GetJourney", "journey_get"),
            ("UpdateJourney", "journey_update"),
            ("RetireJourney", "journey_retire"),
        )
    },
    ("device_put", "200"): {
        "DeleteDevice": ("device_delete", {"device_id": "$request.path.device_id"}),
    },
}


def declare_links(document: dict[str, Any]) -> None:
    for _, operation in operations(document):
        for status, response in operation["responses"].items():
            links = LINKS.get((operation["operationId"], status))
            if links:
                response["links"] = {
                    name: {"operationId": target, "parameters": parameters}
                    for name, (target, parameters) in links.items()
                }
