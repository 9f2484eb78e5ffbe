"""Every error is RFC 9457 problem+json: validation, routing, and unexpected failures."""

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, api_token, bearer, link, login, register, token_bearer
from tests.mailbox import Mailbox
from tests.support import assert_problem


def test_unknown_route(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/nothing-here"), 404)
    assert body["type"] == "urn:attune:problem:not-found"


def test_wrong_method_names_the_allowed_ones(client: TestClient) -> None:
    response = client.put("/v1/auth/register", json={})
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"


def test_validation_lists_fields_without_echoing_values(client: TestClient) -> None:
    secret = "my secret passphrase that is 3 chars too long" * 10
    response = client.post(
        "/v1/auth/register",
        json={"email": "not-an-email", "password": secret, "display_name": ""},
    )
    body = assert_problem(response, 422)
    assert {tuple(error["loc"]) for error in body["errors"]} == {
        ("body", "email"),
        ("body", "password"),
        ("body", "display_name"),
    }
    assert all(set(error) == {"loc", "msg"} for error in body["errors"])
    assert secret not in response.text and "not-an-email" not in response.text


def test_malformed_json(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/register", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 422)


def test_wrong_types_in_query_and_body(client: TestClient) -> None:
    tokens = register(client)
    response = client.patch("/v1/me", json=["a", "list"], headers=bearer(tokens))
    assert_problem(response, 422)


@pytest.mark.own_app
def test_unexpected_failure_is_a_generic_500_with_the_request_id(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> None:
        raise RuntimeError("internal detail: table user_account, secret sauce")

    app.add_api_route("/v1/explode", explode, tags=["test"])
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/v1/explode", headers={"X-Request-ID": "req-42"})
    body = assert_problem(response, 500)
    assert "secret sauce" not in response.text and "Traceback" not in response.text
    assert "req-42" in body["detail"]
    assert response.headers["x-request-id"] == "req-42"
    assert any(getattr(r, "request_id", None) == "req-42" for r in caplog.records)


def test_a_full_flow_logs_no_secret(
    client: TestClient, caplog: pytest.LogCaptureFixture, mailbox: Mailbox, content: None
) -> None:
    """Every secret a flow uses (passwords, access, refresh, reset, verification and API
    tokens, what people write) is searched for in everything logged while it ran."""
    caplog.set_level(logging.DEBUG)
    secrets = [PASSWORD, "wrong one!!", "a brand new passphrase 7", "reset passphrase, new 8"]
    first = register(client, email="quiet@example.com")
    partner = register(client, email="hush@example.com")
    link(client, first, partner)
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    tokens = refreshed.json()
    secrets += [first["access_token"], first["refresh_token"], tokens["access_token"]]
    secrets += [tokens["refresh_token"], partner["access_token"], partner["refresh_token"]]
    login(client, "quiet@example.com", "wrong one!!")
    client.post("/v1/auth/register", json={"email": "x@example.com", "password": "short"})

    client.post("/v1/auth/email-verification", headers=bearer(tokens))
    verification = mailbox.last_token("quiet@example.com", "confirm")
    client.post("/v1/auth/email-verification/confirm", json={"token": verification})
    client.post("/v1/auth/password-reset", json={"email": "hush@example.com"})
    reset = mailbox.last_token("hush@example.com", "reset")
    body = {"token": reset, "new_password": "reset passphrase, new 8"}
    client.post("/v1/auth/password-reset/confirm", json=body)
    body = {"current_password": PASSWORD, "new_password": "a brand new passphrase 7"}
    client.post("/v1/auth/password", json=body, headers=bearer(tokens))
    secrets += [verification, reset]

    made = api_token(client, tokens, "answers:read", "answers:write", "checkins:write")
    secrets.append(made["token"])
    exercise = client.get("/v1/exercises", params={"type": "open"}, headers=bearer(tokens))
    extra = {"exercise_id": exercise.json()["items"][0]["id"]}
    assignment = client.post("/v1/assignments", json=extra, headers=token_bearer(made)).json()
    written = ["my most private answer", "a comment just for you", "a quiet note"]
    answer_body = {"content": {"type": "open", "text": written[0]}}
    url = f"/v1/assignments/{assignment['id']}"
    assert client.put(f"{url}/answer", json=answer_body, headers=token_bearer(made)).is_success
    client.put(f"{url}/answer", json=answer_body | {"extra": 1}, headers=token_bearer(made))
    client.post(f"{url}/comments", json={"body": written[1]}, headers=token_bearer(made))
    client.post("/v1/checkins", json={"mood": 3, "note": written[2]}, headers=token_bearer(made))
    client.get(url, headers=token_bearer(made))
    secrets += written

    # Everything but the test's own SMTP server (aiosmtpd's `mail.*`), which logs the mails it
    # receives as a mail provider would: the mails are meant to carry their tokens.
    records = [r for r in caplog.records if not r.name.startswith("mail.")]
    logged = "".join(f"{r.getMessage()} {r.exc_text} {r.__dict__}" for r in records)
    assert "/v1/assignments/{assignment_id}/answer" in logged  # the flow was logged
    assert [secret for secret in secrets if secret in logged] == []
