"""Bodies of /v1/sync."""

from typing import Any, Literal

from pydantic import ConfigDict, Field

from api.schemas.answer import AnswerContent, AnswerOut
from api.schemas.base import RequestBody, ResponseBody


class ChangeOut(ResponseBody):
    seq: int = Field(description="The change's position in your couple's (or solo) stream.")
    entity: Literal["couple", "assignment", "answer", "comment", "reaction", "checkin"]
    op: Literal["upsert", "delete"]
    id: str
    data: dict[str, Any] | None = Field(
        description="The row as you may see it (a partner's unrevealed answer is only "
        "`{assignment_id, author_id, answered: true}`); null for deletes."
    )


class PullOut(ResponseBody):
    changes: list[ChangeOut] = Field(description="Oldest first; each row once, at its latest.")
    cursor: str = Field(description="Pass back as `cursor` to get what changed after this page.")
    has_more: bool
    reset: bool = Field(
        description="Drop your synced copy (keep unpushed writes) and pull from no cursor: "
        "you were unlinked or relinked, or the cursor is another couple's or ahead of us."
    )


class MutationIn(RequestBody):
    """One offline write. `type` picks the shape; see the endpoint description."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(
        min_length=1,
        max_length=64,
        description="Chosen by the client (a UUID); replays of "
        "the same id return the first result, however much later they come.",
    )
    type: str = Field(
        max_length=32,
        examples=["answer.put"],
        description="answer.put, answer.delete, comment.add, reaction.set, reaction.clear, "
        "checkin.put.",
    )


class PushIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "mutations": [
                        {
                            "id": "5b0f3c4e-6f1a-4c55-9d0e-2b1d8f7a9c10",
                            "type": "answer.put",
                            "assignment_id": "9a1c2d3e-0000-4000-8000-000000000001",
                            "answer": {"content": {"type": "scale", "value": 4}},
                            "base_version": 1,
                        },
                        {
                            "id": "7c2e9b1a-3d4f-4e5a-8b6c-0d1e2f3a4b5c",
                            "type": "checkin.put",
                            "checkin_id": "c8d9e0f1-2a3b-4c5d-8e6f-7a8b9c0d1e2f",
                            "mood": 4,
                        },
                    ]
                }
            ]
        }
    )

    mutations: list[MutationIn] = Field(min_length=1, max_length=100)


MutationStatus = Literal["applied", "duplicate", "conflict", "rejected"]


# Every member a result can carry (api/services/sync/mutations.py) is declared, so that
# generators make a plain data class of it, never a map.
class MutationResult(ResponseBody):
    """The result of one offline write, by its `id`."""

    id: str
    status: MutationStatus
    reason: str | None = Field(
        default=None, description="Why it was rejected, or what the conflict was about."
    )
    answer: AnswerOut | None = Field(
        default=None,
        description="An `answer.put`'s answer as it stands after the write, as you see it.",
    )
    overwritten: AnswerContent | None = Field(
        default=None,
        description="A `conflict`'s: the content this write replaced, kept in the answer's "
        "revisions.",
    )
    first_status: MutationStatus | None = Field(
        default=None,
        description="A `duplicate`'s: the status the mutation got the first time, whose "
        "result this repeats.",
    )


class PushOut(ResponseBody):
    results: list[MutationResult] = Field(description="One per mutation, in order.")
    cursor: str = Field(description="Your stream's head after this batch.")
