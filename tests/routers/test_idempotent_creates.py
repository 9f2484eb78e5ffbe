"""Idempotency-Key on the creating POSTs that took none: invites and API tokens. A retry with
the same key returns the first response and creates nothing; what is kept for the replay is
sealed, so the database holds neither the client's key nor a token's secret."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.factories import bearer, register
from tests.support import assert_problem


def stored_records(database_url: str) -> str:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key, response_body FROM idempotency_record"))
        dumped = str([tuple(row) for row in rows])
    engine.dispose()
    return dumped


class TestInvite:
    def test_a_retry_returns_the_first_invite_and_keeps_it_live(self, client: TestClient) -> None:
        inviter, joiner = register(client), register(client)
        headers = bearer(inviter) | {"Idempotency-Key": "invite-retry-1"}
        first = client.post("/v1/couple/invite", headers=headers)
        again = client.post("/v1/couple/invite", headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        live = client.get("/v1/couple/invite", headers=bearer(inviter)).json()
        assert live["code"] == first.json()["code"]
        joined = client.post(
            "/v1/couple/join", json={"code": first.json()["code"]}, headers=bearer(joiner)
        )
        assert joined.status_code == 201

    def test_a_new_key_makes_a_new_invite(self, client: TestClient) -> None:
        inviter = register(client)
        one = client.post("/v1/couple/invite", headers=bearer(inviter) | {"Idempotency-Key": "a"})
        two = client.post("/v1/couple/invite", headers=bearer(inviter) | {"Idempotency-Key": "b"})
        assert one.json()["code"] != two.json()["code"]


class TestApiToken:
    BODY: dict[str, Any] = {"name": "Journal sync", "scopes": ["answers:read"]}

    def test_a_retry_returns_the_same_token_and_makes_no_second(
        self, client: TestClient, database_url: str
    ) -> None:
        owner = register(client)
        key = "token-retry-secret-key-7f3a"
        headers = bearer(owner) | {"Idempotency-Key": key}
        first = client.post("/v1/tokens", json=self.BODY, headers=headers)
        again = client.post("/v1/tokens", json=self.BODY, headers=headers)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        listed = client.get("/v1/tokens", headers=bearer(owner)).json()["items"]
        assert [token["id"] for token in listed] == [first.json()["id"]]
        secret = first.json()["token"]
        works = client.get("/v1/assignments", headers={"Authorization": f"Bearer {secret}"})
        assert works.status_code == 200
        kept = stored_records(database_url)
        assert secret not in kept and secret[4:20] not in kept
        assert key not in kept

    def test_the_same_key_with_another_body_is_422(self, client: TestClient) -> None:
        owner = register(client)
        headers = bearer(owner) | {"Idempotency-Key": "reused"}
        client.post("/v1/tokens", json=self.BODY, headers=headers)
        other = client.post("/v1/tokens", json=self.BODY | {"name": "Other"}, headers=headers)
        assert_problem(other, 422)
        assert len(client.get("/v1/tokens", headers=bearer(owner)).json()["items"]) == 1

    def test_another_person_with_the_same_key_gets_their_own(self, client: TestClient) -> None:
        one, two = register(client), register(client)
        made = [
            client.post(
                "/v1/tokens", json=self.BODY, headers=bearer(person) | {"Idempotency-Key": "k"}
            ).json()
            for person in (one, two)
        ]
        assert made[0]["id"] != made[1]["id"]
