"""/v1/me through HTTP: read, change, erase, export."""

from fastapi.testclient import TestClient

from tests.factories import PASSWORD, bearer, login, register
from tests.support import assert_problem


class TestProfile:
    def test_shape(self, client: TestClient) -> None:
        tokens = register(client, email="shape@example.com", timezone="Asia/Tokyo", locale="ja")
        response = client.get("/v1/me", headers=bearer(tokens))
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert set(body) == {
            "id", "email", "email_verified", "display_name", "timezone", "locale",
            "reminder_time", "created_at", "couple_id", "nudges", "share_pulse",
        }  # fmt: skip
        assert body["created_at"].endswith("Z")
        assert body["timezone"] == "Asia/Tokyo"
        assert (body["locale"], body["reminder_time"]) == ("ja", None)

    def test_needs_a_token(self, client: TestClient) -> None:
        response = client.get("/v1/me")
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"

    def test_patch_changes_only_what_is_sent(self, client: TestClient) -> None:
        tokens = register(client, display_name="Before")
        response = client.patch(
            "/v1/me",
            json={"timezone": "America/New_York", "reminder_time": "20:30"},
            headers=bearer(tokens),
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["display_name"], body["timezone"], body["reminder_time"]) == (
            "Before", "America/New_York", "20:30",
        )  # fmt: skip
        cleared = client.patch("/v1/me", json={"reminder_time": None}, headers=bearer(tokens))
        assert cleared.json()["reminder_time"] is None
        assert cleared.json()["timezone"] == "America/New_York"

    def test_patch_validates(self, client: TestClient) -> None:
        tokens = register(client)
        for body, field in [
            ({"timezone": "Moon/Base"}, "timezone"),
            ({"reminder_time": "25:00"}, "reminder_time"),
            ({"reminder_time": "8pm"}, "reminder_time"),
            ({"display_name": None}, "display_name"),
            ({"display_name": "   "}, "display_name"),
            ({"locale": "not a locale"}, "locale"),
        ]:
            problem = assert_problem(client.patch("/v1/me", json=body, headers=bearer(tokens)), 422)
            assert problem["errors"][0]["loc"] == ["body", field]

    def test_mass_assignment_changes_nothing(self, client: TestClient) -> None:
        tokens = register(client, email="mass@example.com")
        before = client.get("/v1/me", headers=bearer(tokens)).json()
        for field, value in [
            ("id", "someone-else"),
            ("email", "evil@example.com"),
            ("email_verified", True),
            ("is_admin", True),
            ("couple_id", "c-1"),
            ("created_at", "2000-01-01T00:00:00Z"),
        ]:
            response = client.patch(
                "/v1/me", json={field: value, "display_name": "Changed"}, headers=bearer(tokens)
            )
            assert_problem(response, 422)
        assert client.get("/v1/me", headers=bearer(tokens)).json() == before


class TestDelete:
    def test_needs_the_password(self, client: TestClient) -> None:
        tokens = register(client)
        response = client.request(
            "DELETE", "/v1/me", json={"password": "not the password"}, headers=bearer(tokens)
        )
        assert_problem(response, 403)
        assert client.get("/v1/me", headers=bearer(tokens)).status_code == 200

    def test_erases_the_account_and_every_session(self, client: TestClient) -> None:
        tokens = register(client, email="leaving@example.com")
        other = login(client, "leaving@example.com").json()
        response = client.request(
            "DELETE", "/v1/me", json={"password": PASSWORD}, headers=bearer(tokens)
        )
        assert response.status_code == 204
        assert_problem(client.get("/v1/me", headers=bearer(tokens)), 401)
        assert_problem(client.get("/v1/me", headers=bearer(other)), 401)
        refresh = client.post("/v1/auth/refresh", json={"refresh_token": other["refresh_token"]})
        assert_problem(refresh, 401)
        assert_problem(login(client, "leaving@example.com"), 401)
        register(client, email="leaving@example.com")  # the address is free again


class TestExport:
    def test_everything_stored_about_the_caller(self, client: TestClient) -> None:
        tokens = register(client, email="export@example.com", display_name="Exporter")
        login(client, "export@example.com")
        response = client.get("/v1/me/export", headers=bearer(tokens))
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["profile"]["email"] == "export@example.com"
        assert body["profile"]["display_name"] == "Exporter"
        assert len(body["sessions"]) == 2
        assert "password_hash" not in response.text
        assert tokens["refresh_token"] not in response.text
