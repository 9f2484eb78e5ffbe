"""A password reset is a sign the account may be in someone else's hands: it ends every login
and every API token, and the reset mail says so before anyone confirms it."""

from fastapi.testclient import TestClient

from tests.factories import api_token, bearer, register, token_bearer
from tests.mailbox import Mailbox
from tests.support import assert_problem


def test_a_reset_revokes_the_api_tokens_and_the_mail_says_so(
    client: TestClient, mailbox: Mailbox
) -> None:
    tokens = register(client, email="taken-over@example.com")
    made = api_token(client, tokens, "profile:read")
    assert client.get("/v1/me", headers=token_bearer(made)).status_code == 200
    client.post("/v1/auth/password-reset", json={"email": "taken-over@example.com"})
    [mail] = [m for m in mailbox.to("taken-over@example.com") if "reset" in m["Subject"].lower()]
    text = mail.get_payload(decode=True)
    assert isinstance(text, bytes) and b"revokes every API" in text
    token = mailbox.last_token("taken-over@example.com", "reset")
    body = {"token": token, "new_password": "a brand new long passphrase"}
    assert client.post("/v1/auth/password-reset/confirm", json=body).status_code == 204
    assert_problem(client.get("/v1/me", headers=token_bearer(made)), 401)
    assert_problem(client.get("/v1/me", headers=bearer(tokens)), 401)
