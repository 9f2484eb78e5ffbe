"""SPEC.md §2 through HTTP: register, log in, refresh, log out, passwords, verification."""

import statistics
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.concurrency.calls import Call, at_once
from tests.factories import PASSWORD, bearer, login, register
from tests.mailbox import Mailbox
from tests.support import FrozenClock, assert_problem


class TestRegister:
    def test_creates_account_and_signs_in(self, client: TestClient) -> None:
        response = client.post(
            "/v1/auth/register",
            json={
                "email": "Alex@Example.com",
                "password": PASSWORD,
                "display_name": "Alex",
                "timezone": "Europe/Paris",
                "locale": "fr",
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 600
        assert body["refresh_token"] and body["access_token"].count(".") == 2
        assert body["user"]["email"] == "alex@example.com"
        assert body["user"]["email_verified"] is False
        assert body["user"]["timezone"] == "Europe/Paris"
        assert body["user"]["couple_id"] is None
        assert "password_hash" not in body["user"] and "is_admin" not in body["user"]
        assert response.headers["cache-control"] == "no-store"
        me = client.get("/v1/me", headers=bearer(body))
        assert me.json()["id"] == body["user"]["id"]

    def test_same_email_in_any_case_is_a_conflict(self, client: TestClient) -> None:
        register(client, email="twice@example.com")
        response = client.post(
            "/v1/auth/register",
            json={"email": "TWICE@example.com", "password": PASSWORD, "display_name": "B"},
        )
        assert_problem(response, 409)

    @pytest.mark.parametrize(
        ("password", "why"),
        [("short one", "too short"), ("x" * 257, "too long"), ("Password12345", "common")],
    )
    def test_weak_password_is_refused_without_echo(
        self, client: TestClient, password: str, why: str
    ) -> None:
        response = client.post(
            "/v1/auth/register",
            json={"email": "weak@example.com", "password": password, "display_name": "W"},
        )
        body = assert_problem(response, 422)
        assert body["errors"][0]["loc"] == ["body", "password"], why
        assert password not in response.text

    def test_any_unicode_passphrase_is_accepted(self, client: TestClient) -> None:
        register(client, password="мы вместе 🌙 déjà vu ключ")

    @pytest.mark.parametrize(
        "extra", [{"is_admin": True}, {"email_verified": True}, {"id": "mine"}]
    )
    def test_unknown_fields_are_refused(self, client: TestClient, extra: dict[str, Any]) -> None:
        body = {"email": "m@example.com", "password": PASSWORD, "display_name": "M"} | extra
        problem = assert_problem(client.post("/v1/auth/register", json=body), 422)
        assert problem["errors"][0]["loc"] == ["body", next(iter(extra))]

    @pytest.mark.parametrize("zone", ["Mars/Olympus", "GMT+3", "Etc/GMT-2", "+02:00"])
    def test_time_zone_must_be_a_real_place(self, client: TestClient, zone: str) -> None:
        body = {
            "email": "z@example.com",
            "password": PASSWORD,
            "display_name": "Z",
            "timezone": zone,
        }
        assert_problem(client.post("/v1/auth/register", json=body), 422)

    def test_mails_a_verification_link(self, client: TestClient, mailbox: Mailbox) -> None:
        register(client, email="verify-me@example.com")
        assert mailbox.last_token("verify-me@example.com", "confirm")

    def test_rate_limited_per_address(self, client: TestClient) -> None:
        for _ in range(20):
            register(client)
        response = client.post(
            "/v1/auth/register",
            json={"email": "one-too-many@example.com", "password": PASSWORD, "display_name": "X"},
        )
        assert_problem(response, 429)
        assert int(response.headers["retry-after"]) > 0


class TestLoginTiming:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        # Production's hashing cost, so that skipping the hash would show; and room for the tries.
        return {
            "argon2_memory_kib": 19456,
            "argon2_time_cost": 2,
            "login_limit_per_address": "1000/minute",
            "login_limit_per_account": "1000/minute",
        }

    def test_a_wrong_email_takes_as_long_as_a_wrong_password(self, client: TestClient) -> None:
        register(client, email="known@example.com")
        took: dict[str, list[float]] = {"unknown email": [], "wrong password": []}
        for _ in range(7):  # interleaved, so that a busy moment of the machine hits both
            for kind, email in (
                ("unknown email", "nobody@example.com"),
                ("wrong password", "known@example.com"),
            ):
                started = time.perf_counter()
                assert_problem(login(client, email, "not the password at all"), 401)
                took[kind].append(time.perf_counter() - started)
        ratio = statistics.median(took["unknown email"]) / statistics.median(took["wrong password"])
        # Without the dummy hash an unknown email answers in a fraction of the time.
        assert 0.5 < ratio < 2, took


class TestLogin:
    def test_password_form_returns_tokens(self, client: TestClient) -> None:
        register(client, email="in@example.com")
        response = login(client, "IN@example.com")
        assert response.status_code == 200
        assert response.json()["user"]["email"] == "in@example.com"
        assert response.headers["cache-control"] == "no-store"

    def test_wrong_email_and_wrong_password_answer_alike(self, client: TestClient) -> None:
        register(client, email="known@example.com")
        wrong_password = login(client, "known@example.com", "not the right passphrase")
        wrong_email = login(client, "unknown@example.com")
        assert_problem(wrong_password, 401)
        assert wrong_password.json() == wrong_email.json()
        assert wrong_password.headers["www-authenticate"] == wrong_email.headers["www-authenticate"]
        assert wrong_password.headers["www-authenticate"].startswith("Bearer")

    def test_huge_password_is_refused_without_hashing(self, client: TestClient) -> None:
        register(client, email="big@example.com")
        response = login(client, "big@example.com", "x" * 100_000)
        assert assert_problem(response, 422)["errors"][0]["loc"] == ["body", "password"]
        assert "x" * 100 not in response.text

    def test_rate_limited_per_account_across_addresses(self, client: TestClient) -> None:
        register(client, email="target@example.com")
        for _ in range(10):
            login(client, "target@example.com", "guessing wrongly again")
        response = login(client, "target@example.com")
        assert_problem(response, 429)
        assert int(response.headers["retry-after"]) > 0


class TestRefresh:
    def test_rotates_the_pair(self, client: TestClient) -> None:
        first = register(client)
        response = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert response.status_code == 200
        second = response.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert client.get("/v1/me", headers=bearer(second)).status_code == 200

    def test_the_same_token_again_within_30_seconds_gets_a_pair_of_the_same_login(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        """A second tab, or a retry after a lost reply: both end signed in."""
        first = register(client)
        spend = {"refresh_token": first["refresh_token"]}
        winner = client.post("/v1/auth/refresh", json=spend).json()
        clock.advance(timedelta(seconds=30))
        again = client.post("/v1/auth/refresh", json=spend)
        assert again.status_code == 200, again.text
        other_tab = again.json()
        assert other_tab["refresh_token"] not in (winner["refresh_token"], first["refresh_token"])
        for tab in (winner, other_tab):
            assert client.get("/v1/me", headers=bearer(tab)).status_code == 200
            renewed = client.post("/v1/auth/refresh", json={"refresh_token": tab["refresh_token"]})
            assert renewed.status_code == 200, renewed.text
        # Both pairs are of the one login: logging out of it ends both.
        client.post("/v1/auth/logout", json={"refresh_token": other_tab["refresh_token"]})
        assert_problem(client.get("/v1/me", headers=bearer(winner)), 401)

    def test_spent_token_reuse_after_30_seconds_revokes_the_family(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        first = register(client)
        second = client.post(
            "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
        ).json()
        clock.advance(timedelta(seconds=31))
        replay = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert_problem(replay, 401)
        after = client.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
        assert_problem(after, 401)
        assert_problem(client.get("/v1/me", headers=bearer(second)), 401)

    def test_no_grace_for_a_login_that_has_ended(self, client: TestClient) -> None:
        first = register(client)
        second = client.post(
            "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
        ).json()
        client.post("/v1/auth/logout", json={"refresh_token": second["refresh_token"]})
        replay = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert_problem(replay, 401)

    def test_other_logins_survive_a_revoked_family(
        self, client: TestClient, clock: FrozenClock
    ) -> None:
        first = register(client, email="two-phones@example.com")
        other_phone = login(client, "two-phones@example.com").json()
        client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        clock.advance(timedelta(minutes=1))
        client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert client.get("/v1/me", headers=bearer(other_phone)).status_code == 200

    def test_unknown_token_is_401(self, client: TestClient) -> None:
        assert_problem(client.post("/v1/auth/refresh", json={"refresh_token": "nope"}), 401)

    def test_idle_expiry_after_30_days(self, client: TestClient, clock: FrozenClock) -> None:
        tokens = register(client)
        clock.advance(timedelta(days=30, seconds=1))
        response = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert_problem(response, 401)

    def test_absolute_expiry_after_90_days(self, client: TestClient, clock: FrozenClock) -> None:
        tokens = register(client)
        for _ in range(3):  # days 25, 50, 75: the login is alive and keeps rotating
            clock.advance(timedelta(days=25))
            refreshed = client.post(
                "/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
            )
            assert refreshed.status_code == 200
            tokens = refreshed.json()
        clock.advance(timedelta(days=16))  # day 91: used recently, but the login has ended
        response = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert_problem(response, 401)

    def test_tabs_refreshing_at_once_all_stay_signed_in(
        self, client: TestClient, live_server: str
    ) -> None:
        """One rotation wins, the others are in the grace window: every tab gets a pair of
        the one login, and every pair works."""
        tokens = register(client)
        body = {"refresh_token": tokens["refresh_token"]}
        responses = at_once(live_server, [Call("POST", "/v1/auth/refresh", {}, body)] * 4)
        assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
        pairs = [r.json() for r in responses]
        assert len({pair["refresh_token"] for pair in pairs}) == 4
        for pair in pairs:
            assert client.get("/v1/me", headers=bearer(pair)).status_code == 200
            renewed = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
            assert renewed.status_code == 200, renewed.text


class TestLogout:
    def test_revokes_the_family(self, client: TestClient) -> None:
        tokens = register(client)
        assert (
            client.post(
                "/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}
            ).status_code
            == 204
        )
        refresh = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert_problem(refresh, 401)
        assert_problem(client.get("/v1/me", headers=bearer(tokens)), 401)

    def test_unknown_token_is_still_204(self, client: TestClient) -> None:
        response = client.post("/v1/auth/logout", json={"refresh_token": "never-issued"})
        assert response.status_code == 204


class TestPasswordChange:
    def test_revokes_every_other_session(self, client: TestClient) -> None:
        here = register(client, email="changer@example.com")
        elsewhere = login(client, "changer@example.com").json()
        new = "a completely new passphrase"
        response = client.post(
            "/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": new},
            headers=bearer(here),
        )
        assert response.status_code == 204
        assert client.get("/v1/me", headers=bearer(here)).status_code == 200
        assert_problem(client.get("/v1/me", headers=bearer(elsewhere)), 401)
        stale = client.post("/v1/auth/refresh", json={"refresh_token": elsewhere["refresh_token"]})
        assert_problem(stale, 401)
        assert_problem(login(client, "changer@example.com"), 401)
        assert login(client, "changer@example.com", new).status_code == 200

    def test_needs_the_current_password(self, client: TestClient) -> None:
        tokens = register(client)
        response = client.post(
            "/v1/auth/password",
            json={"current_password": "not my password", "new_password": "another fine phrase"},
            headers=bearer(tokens),
        )
        assert_problem(response, 403)

    def test_needs_a_token(self, client: TestClient) -> None:
        response = client.post(
            "/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "another fine phrase"},
        )
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


class TestPasswordReset:
    def test_full_flow_revokes_every_session(self, client: TestClient, mailbox: Mailbox) -> None:
        tokens = register(client, email="forgetful@example.com")
        assert (
            client.post(
                "/v1/auth/password-reset", json={"email": "Forgetful@example.com"}
            ).status_code
            == 202
        )
        token = mailbox.last_token("forgetful@example.com", "reset")
        new = "remembered it at last, finally"
        confirm = client.post(
            "/v1/auth/password-reset/confirm", json={"token": token, "new_password": new}
        )
        assert confirm.status_code == 204
        assert_problem(client.get("/v1/me", headers=bearer(tokens)), 401)
        refresh = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert_problem(refresh, 401)
        assert login(client, "forgetful@example.com", new).status_code == 200

    def test_unknown_email_answers_the_same(self, client: TestClient, mailbox: Mailbox) -> None:
        response = client.post("/v1/auth/password-reset", json={"email": "ghost@example.com"})
        assert response.status_code == 202
        assert response.content == b""
        assert mailbox.to("ghost@example.com") == []

    def test_token_is_single_use(self, client: TestClient, mailbox: Mailbox) -> None:
        register(client, email="once@example.com")
        client.post("/v1/auth/password-reset", json={"email": "once@example.com"})
        token = mailbox.last_token("once@example.com", "reset")
        body = {"token": token, "new_password": "first new passphrase"}
        assert client.post("/v1/auth/password-reset/confirm", json=body).status_code == 204
        body["new_password"] = "second new passphrase"
        assert_problem(client.post("/v1/auth/password-reset/confirm", json=body), 400)

    def test_token_expires_after_20_minutes(
        self, client: TestClient, mailbox: Mailbox, clock: FrozenClock
    ) -> None:
        register(client, email="slow@example.com")
        client.post("/v1/auth/password-reset", json={"email": "slow@example.com"})
        token = mailbox.last_token("slow@example.com", "reset")
        clock.advance(timedelta(minutes=20, seconds=1))
        body = {"token": token, "new_password": "too late for this one"}
        assert_problem(client.post("/v1/auth/password-reset/confirm", json=body), 400)

    def test_reset_token_is_not_an_access_token(self, client: TestClient, mailbox: Mailbox) -> None:
        register(client, email="mixup@example.com")
        client.post("/v1/auth/password-reset", json={"email": "mixup@example.com"})
        token = mailbox.last_token("mixup@example.com", "reset")
        response = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401)

    def test_new_password_must_not_be_common(self, client: TestClient, mailbox: Mailbox) -> None:
        register(client, email="common@example.com")
        client.post("/v1/auth/password-reset", json={"email": "common@example.com"})
        token = mailbox.last_token("common@example.com", "reset")
        body = {"token": token, "new_password": "qwertyuiop123"}
        response = client.post("/v1/auth/password-reset/confirm", json=body)
        assert_problem(response, 422)
        assert "qwertyuiop123" not in response.text

    def test_rate_limited_per_account(self, client: TestClient) -> None:
        register(client, email="spam@example.com")
        for _ in range(3):
            client.post("/v1/auth/password-reset", json={"email": "spam@example.com"})
        response = client.post("/v1/auth/password-reset", json={"email": "spam@example.com"})
        assert_problem(response, 429)
        assert "retry-after" in response.headers


class TestEmailVerification:
    def test_confirm_marks_the_address_verified(self, client: TestClient, mailbox: Mailbox) -> None:
        tokens = register(client, email="real@example.com")
        token = mailbox.last_token("real@example.com", "confirm")
        response = client.post("/v1/auth/email-verification/confirm", json={"token": token})
        assert response.status_code == 204
        assert client.get("/v1/me", headers=bearer(tokens)).json()["email_verified"] is True
        again = client.post("/v1/auth/email-verification/confirm", json={"token": token})
        assert_problem(again, 400)
        resend = client.post("/v1/auth/email-verification", headers=bearer(tokens))
        assert_problem(resend, 409)

    def test_resend_mails_a_new_link_and_retires_the_old(
        self, client: TestClient, mailbox: Mailbox
    ) -> None:
        tokens = register(client, email="resend@example.com")
        old = mailbox.last_token("resend@example.com", "confirm")
        response = client.post("/v1/auth/email-verification", headers=bearer(tokens))
        assert response.status_code == 202
        new = mailbox.last_token("resend@example.com", "confirm")
        assert new != old
        stale = client.post("/v1/auth/email-verification/confirm", json={"token": old})
        assert_problem(stale, 400)
        fresh = client.post("/v1/auth/email-verification/confirm", json={"token": new})
        assert fresh.status_code == 204

    def test_verification_token_is_not_an_access_token(
        self, client: TestClient, mailbox: Mailbox
    ) -> None:
        register(client, email="vmix@example.com")
        token = mailbox.last_token("vmix@example.com", "confirm")
        assert_problem(client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)
