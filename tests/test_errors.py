"""Every error is RFC 9457 problem+json: validation, routing, and unexpected failures."""

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, bearer, register
from tests.routers.test_auth import assert_problem


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


def test_logs_carry_no_secrets(
    client: TestClient, caplog: pytest.LogCaptureFixture, mailbox: object
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = register(client, email="quiet@example.com")
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    client.post("/v1/auth/token", data={"username": "quiet@example.com", "password": "wrong one!!"})
    client.post(
        "/v1/auth/register",
        json={"email": "x@example.com", "password": "short", "display_name": "X"},
    )
    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for secret in (
        PASSWORD,
        "wrong one!!",
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed.json()["refresh_token"],
    ):
        assert secret not in logged
