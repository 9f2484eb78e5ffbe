"""The couple story, driven through the Python client that openapi-python-client generates from
openapi/openapi.json: proof that the document alone is enough to build a working client.

    ATTUNE_BASE_URL=http://127.0.0.1:8000 python clients/python/story.py

needs the generated package `attune_client` importable (see README, "Generated clients").
Exits non-zero at the first step that does not go as the API documents it.
"""

import importlib
import logging
import os
import sys
import uuid
from typing import Any

import httpx
from attune_client import AuthenticatedClient, Client
from attune_client.api.appreciation import appreciation_list, appreciation_send
from attune_client.api.assignment import (
    assignment_add_comment,
    assignment_list_comments,
    assignment_put_answer,
    assignment_today,
)
from attune_client.api.auth import auth_register
from attune_client.api.couple import couple_create_invite, couple_get_stats, couple_join
from attune_client.api.me import me_get, me_update
from attune_client.api.pulse import pulse_put, pulse_questions
from attune_client.models import (
    ActivityContent,
    AnswerSubmission,
    Appreciation,
    AppreciationPage,
    Assignment,
    AuthTokens,
    ChoiceContent,
    Comment,
    CommentPage,
    Couple,
    CoupleStats,
    ExerciseType,
    GuessContent,
    Invite,
    JoinRequest,
    NewAppreciation,
    NewComment,
    OpenContent,
    ProfileUpdate,
    Pulse,
    PulseAnswer,
    PulseQuestions,
    PulseSubmission,
    Registration,
    ScaleContent,
    User,
)
from attune_client.types import Response

log = logging.getLogger("story")
PASSWORD = "a long phrase only we know, 42"
# Generous: the story must pass on a loaded CI machine, where Argon2 hashing is slow.
TIMEOUT = httpx.Timeout(60.0)


def expect(response: Response[Any], status: int, kind: type) -> Any:
    """The parsed body of a response that must have this status and schema."""
    if response.status_code != status or not isinstance(response.parsed, kind):
        raise SystemExit(
            f"expected {status} {kind.__name__}, got {response.status_code}: "
            f"{response.content.decode(errors='replace')[:500]}"
        )
    return response.parsed


def register(base_url: str, name: str) -> AuthenticatedClient:
    anonymous = Client(base_url=base_url, timeout=TIMEOUT)
    body = Registration(
        email=f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com",
        password=PASSWORD,
        display_name=name,
        timezone="Europe/Paris",
    )
    registered = auth_register.sync_detailed(client=anonymous, body=body)
    tokens: AuthTokens = expect(registered, 201, AuthTokens)
    log.info("registered %s as %s", name, tokens.user.email)
    return AuthenticatedClient(base_url=base_url, token=tokens.access_token, timeout=TIMEOUT)


def link(inviter: AuthenticatedClient, joiner: AuthenticatedClient) -> Couple:
    invite: Invite = expect(couple_create_invite.sync_detailed(client=inviter), 201, Invite)
    joined = couple_join.sync_detailed(client=joiner, body=JoinRequest(code=invite.code))
    couple: Couple = expect(joined, 201, Couple)
    log.info("linked: couple %s with partner %s", couple.id, couple.partner.display_name)
    return couple


def answer_for(exercise: Any, words: str) -> AnswerSubmission:
    """A valid answer to any exercise type, built from the exercise's own fields."""
    kind = exercise.type_
    if kind == "open":
        content: Any = OpenContent(type_=ExerciseType.OPEN, text=words[: exercise.max_length])
    elif kind == "choice":
        content = ChoiceContent(type_=ExerciseType.CHOICE, choices=[exercise.options[0].id])
    elif kind == "scale":
        content = ScaleContent(type_=ExerciseType.SCALE, value=exercise.max_)
    elif kind == "guess":
        content = GuessContent(
            type_=ExerciseType.GUESS, pick=exercise.options[0].id, guess=exercise.options[-1].id
        )
    elif kind == "activity":
        content = ActivityContent(
            type_=ExerciseType.ACTIVITY, done=True, rating=5, reflection=words
        )
    else:
        raise SystemExit(f"an exercise type this story does not know: {kind!r}")
    return AnswerSubmission(content=content, id=str(uuid.uuid4()))


def pull_changes(client: AuthenticatedClient, answer_ids: set[str]) -> None:
    """`GET /v1/sync` through its generated function, when the document has it."""
    document = client.get_httpx_client().get("/openapi.json").json()
    operation = document["paths"].get("/v1/sync", {}).get("get")
    if operation is None:
        log.info("sync: GET /v1/sync is not in the document; step skipped")
        return
    # openapi-python-client names the module after the operation id, in the tag's package.
    name = f"attune_client.api.{operation['tags'][0]}.{operation['operationId']}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError:
        raise SystemExit(
            f"the server has GET /v1/sync but the client has no {name}: was it generated from "
            "an old openapi/openapi.json? (`python -m api openapi` rewrites it)"
        ) from None
    response = module.sync_detailed(client=client)
    if response.status_code != 200:
        raise SystemExit(f"sync: expected 200, got {response.status_code}: {response.content!r}")
    changes = response.parsed.to_dict()["changes"]
    synced = {change["id"] for change in changes if change["entity"] == "answer"}
    if not answer_ids <= synced:
        raise SystemExit(f"sync: answers {answer_ids - synced} missing from the changes")
    log.info("sync: %d changes, both answers among them", len(changes))


def appreciate(author: AuthenticatedClient, partner: AuthenticatedClient) -> None:
    """A note of thanks, shown to the partner at once."""
    note = NewAppreciation(body="Thank you for the walk on Sunday.", id=str(uuid.uuid4()))
    sent: Appreciation = expect(
        appreciation_send.sync_detailed(client=author, body=note), 201, Appreciation
    )
    page: AppreciationPage = expect(
        appreciation_list.sync_detailed(client=partner), 200, AppreciationPage
    )
    if not page.items or page.items[0].id != sent.id:
        raise SystemExit("the partner does not see the appreciation")
    log.info("appreciation: Robin reads %r", page.items[0].body)


def pulse_trend(alex: AuthenticatedClient, robin: AuthenticatedClient, month: str) -> None:
    """Both answer this month's pulse and share it: each sees the other's score."""
    asked: PulseQuestions = expect(pulse_questions.sync_detailed(client=alex), 200, PulseQuestions)
    for client, score in ((alex, 4), (robin, 5)):
        answers = [PulseAnswer(question_id=q.id, score=score) for q in asked.questions]
        put = pulse_put.sync_detailed(month, client=client, body=PulseSubmission(answers=answers))
        expect(put, 201, Pulse)
        expect(
            me_update.sync_detailed(client=client, body=ProfileUpdate(share_pulse=True)), 200, User
        )
    stats: CoupleStats = expect(couple_get_stats.sync_detailed(client=alex), 200, CoupleStats)
    point = next((p for p in stats.pulse_trend if p.month == month), None)
    if point is None or (point.score, point.partner_score) != (75, 100):
        raise SystemExit(f"pulse: expected 75 beside 100 for {month}, got {point}")
    log.info("pulse: %s is %d for Alex, %s for Robin", month, point.score, point.partner_score)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="python story: %(message)s", stream=sys.stdout)
    base_url = os.environ.get("ATTUNE_BASE_URL", "http://127.0.0.1:8000")
    alex, robin = register(base_url, "Alex"), register(base_url, "Robin")
    couple = link(alex, robin)
    me: User = expect(me_get.sync_detailed(client=alex), 200, User)
    if me.couple_id != couple.id:
        raise SystemExit("GET /v1/me does not name the new couple")

    today: Assignment = expect(assignment_today.sync_detailed(client=alex), 200, Assignment)
    robins_today = expect(assignment_today.sync_detailed(client=robin), 200, Assignment)
    if robins_today.id != today.id:
        raise SystemExit("partners got different exercises for the same day")
    log.info("today: %s (%s)", today.exercise.title, today.exercise.type_)

    for client, words in ((alex, "I felt seen this week."), (robin, "Our walk on Sunday.")):
        put = assignment_put_answer.sync_detailed(
            today.id, client=client, body=answer_for(today.exercise, words)
        )
        answered: Assignment = expect(put, 201, Assignment)
    if not (answered.revealed and answered.partner_answer and answered.my_answer):
        raise SystemExit("both answered, yet the assignment is not revealed")
    log.info("reveal: Robin sees Alex's answer %s", answered.partner_answer.id)

    comment = NewComment(body="Thank you for sharing that.", id=str(uuid.uuid4()))
    added = assignment_add_comment.sync_detailed(today.id, client=alex, body=comment)
    expect(added, 201, Comment)
    page = assignment_list_comments.sync_detailed(today.id, client=robin)
    comments: CommentPage = expect(page, 200, CommentPage)
    if [c.body for c in comments.items] != [comment.body]:
        raise SystemExit("the partner does not see the comment")
    log.info("comment: Robin reads %r", comments.items[0].body)

    pull_changes(robin, {answered.my_answer.id, answered.partner_answer.id})
    appreciate(alex, robin)
    pulse_trend(alex, robin, today.local_date.isoformat()[:7])
    log.info("the whole story went as documented")


if __name__ == "__main__":
    main()
