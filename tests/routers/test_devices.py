"""/v1/devices through HTTP: push registration, tokens moving between devices, removal."""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.models import Device
from tests.factories import PASSWORD, bearer, register
from tests.support import FrozenClock, assert_problem

DEVICE = "4b0c6f1e-1d2a-4c1f-9b8e-2f5d7a3c9e10"


def put(
    client: TestClient, tokens: dict[str, Any], device_id: str = DEVICE, **body: Any
) -> httpx.Response:
    fields = {"platform": "ios", "token": "apns-token-1"} | body
    return client.put(f"/v1/devices/{device_id}", json=fields, headers=bearer(tokens))


def tokens_by_device(app: FastAPI) -> dict[str, str | None]:
    with Session(app.state.runtime.database.reader) as db:
        return {d.id: d.token for d in db.exec(select(Device).order_by(col(Device.id)))}


class TestRegister:
    def test_creates_the_device(self, client: TestClient, clock: FrozenClock) -> None:
        tokens = register(client)
        response = put(client, tokens, app_version="1.4.2")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body == {
            "id": DEVICE,
            "platform": "ios",
            "token": "apns-token-1",
            "app_version": "1.4.2",
            "created_at": body["created_at"],
            "updated_at": body["updated_at"],
        }
        assert body["created_at"] == body["updated_at"]
        assert body["created_at"].endswith("Z")

    def test_sending_it_again_updates_the_same_device(
        self, client: TestClient, app: FastAPI, clock: FrozenClock
    ) -> None:
        tokens = register(client)
        first = put(client, tokens, app_version="1.4.2").json()
        clock.advance(timedelta(minutes=1))
        again = put(client, tokens, token="apns-token-2", app_version=None)
        assert again.status_code == 200
        body = again.json()
        assert (body["token"], body["app_version"]) == ("apns-token-2", None)
        assert body["created_at"] == first["created_at"]
        assert body["updated_at"] > first["updated_at"]
        assert tokens_by_device(app) == {DEVICE: "apns-token-2"}

    def test_a_token_moves_to_the_device_that_sends_it(
        self, client: TestClient, app: FastAPI
    ) -> None:
        tokens = register(client)
        put(client, tokens, "old-phone", token="shared")
        moved = put(client, tokens, "new-phone", platform="android", token="shared")
        assert moved.json()["token"] == "shared"
        assert tokens_by_device(app) == {"new-phone": "shared", "old-phone": None}

    def test_a_token_moves_to_another_user(self, client: TestClient, app: FastAPI) -> None:
        first, second = register(client), register(client)
        put(client, first, "first-phone", token="handed-on")
        assert put(client, second, "second-phone", token="handed-on").status_code == 200
        assert tokens_by_device(app) == {"first-phone": None, "second-phone": "handed-on"}

    def test_someone_elses_device_is_404_and_changes_nothing(
        self, client: TestClient, app: FastAPI
    ) -> None:
        owner, other = register(client), register(client)
        put(client, owner, token="owners")
        put(client, other, "others-phone", token="others")
        response = put(client, other, DEVICE, token="others")
        assert_problem(response, 404)
        assert tokens_by_device(app) == {DEVICE: "owners", "others-phone": "others"}

    @pytest.mark.parametrize(
        "body",
        [
            {"platform": "blackberry", "token": "t"},
            {"platform": "ios", "token": ""},
            {"platform": "ios", "token": "x" * 1025},
            {"platform": "ios", "token": "nul\u0000byte"},
            {"platform": "ios", "token": "t", "app_version": "1.0\n"},
            {"platform": "ios"},
            {"platform": "ios", "token": "t", "user_id": "someone"},
            {"platform": "ios", "token": "t", "app_version": "v" * 33},
        ],
    )
    def test_validates_the_body(self, client: TestClient, body: dict[str, Any]) -> None:
        tokens = register(client)
        response = client.put(f"/v1/devices/{DEVICE}", json=body, headers=bearer(tokens))
        assert_problem(response, 422)

    @pytest.mark.parametrize("device_id", ["has space", "x" * 65, "star*"])
    def test_validates_the_device_id(self, client: TestClient, device_id: str) -> None:
        assert_problem(put(client, register(client), device_id), 422)

    def test_needs_a_signed_in_user(self, client: TestClient) -> None:
        response = client.put(f"/v1/devices/{DEVICE}", json={"platform": "ios", "token": "t"})
        assert_problem(response, 401)
        tokens = register(client)
        made = client.post(
            "/v1/tokens",
            json={"name": "tool", "scopes": ["profile:read", "answers:write"]},
            headers=bearer(tokens),
        )
        assert made.status_code == 201, made.text
        as_token = put(client, {"access_token": made.json()["token"]})
        assert_problem(as_token, 403)


class TestUnregister:
    def test_removes_the_device(self, client: TestClient, app: FastAPI) -> None:
        tokens = register(client)
        put(client, tokens)
        response = client.delete(f"/v1/devices/{DEVICE}", headers=bearer(tokens))
        assert response.status_code == 204
        assert tokens_by_device(app) == {}
        assert_problem(client.delete(f"/v1/devices/{DEVICE}", headers=bearer(tokens)), 404)

    def test_someone_elses_device_is_404(self, client: TestClient, app: FastAPI) -> None:
        owner, other = register(client), register(client)
        put(client, owner)
        assert_problem(client.delete(f"/v1/devices/{DEVICE}", headers=bearer(other)), 404)
        assert tokens_by_device(app) == {DEVICE: "apns-token-1"}

    def test_erasing_the_account_removes_its_devices(
        self, client: TestClient, app: FastAPI
    ) -> None:
        tokens = register(client)
        put(client, tokens)
        erased = client.request(
            "DELETE", "/v1/me", json={"password": PASSWORD}, headers=bearer(tokens)
        )
        assert erased.status_code == 204
        assert tokens_by_device(app) == {}
