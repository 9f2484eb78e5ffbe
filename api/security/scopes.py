"""What a credential may do: the scopes of SPEC.md §7, and who may hold which."""

from collections.abc import Sequence
from enum import StrEnum


class Scope(StrEnum):
    profile_read = "profile:read"
    couple_read = "couple:read"
    exercises_read = "exercises:read"
    answers_read = "answers:read"
    answers_write = "answers:write"
    checkins_write = "checkins:write"
    content_write = "content:write"


DESCRIPTIONS: dict[Scope, str] = {
    Scope.profile_read: "Read your profile and export your data.",
    Scope.couple_read: "Read your couple, your invite and your couple's numbers.",
    Scope.exercises_read: "Read the themes, exercises and journeys on offer.",
    Scope.answers_read: "Read your assignments, answers, comments, reactions and check-ins "
    "(your partner's under the reveal rule).",
    Scope.answers_write: "Answer, comment, react, and add extra assignments.",
    Scope.checkins_write: "Check in.",
    Scope.content_write: "Publish and edit content. Admins only.",
}


def grantable_scopes(is_admin: bool) -> frozenset[Scope]:
    """What a user holds when signed in, and the most a token they make can carry:
    `content:write` belongs to admins alone (made by a command line, never by the API)."""
    return frozenset(Scope) if is_admin else frozenset(Scope) - {Scope.content_write}


def missing_scopes_detail(missing: Sequence[str]) -> str:
    """The `detail` of a 403 for scopes a credential lacks (ScopeProblem), named in its
    `missing_scopes`."""
    who = "only admins hold" if Scope.content_write in missing else "this token lacks"
    return f"This needs the {', '.join(missing)} scope, which {who}."
