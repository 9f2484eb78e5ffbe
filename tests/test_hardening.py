"""Request hardening: body size limit, security headers, CORS by allow-list."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.edge.hardening import API_POLICY
from tests.support import assert_problem

MIB = 1024 * 1024
JSON = {"content-type": "application/json"}
APP_ORIGIN = "https://app.example.com"


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent without Content-Length (chunked), as a streaming client sends it."""
    for _ in range(total // size):
        yield b"x" * size


class TestBodyLimit:
    @pytest.mark.parametrize("path", ["/v1/auth/register", "/healthz", "/v1/nothing-here"])
    def test_declared_large_body_is_refused_on_any_path(
        self, client: TestClient, path: str
    ) -> None:
        body = assert_problem(client.post(path, content=b"x" * MIB, headers=JSON), 413)
        assert body["type"] == "urn:attune:problem:too-large"

    def test_chunked_large_body_is_refused(self, client: TestClient) -> None:
        response = client.post("/v1/auth/register", content=chunks(MIB), headers=JSON)
        assert "content-length" not in response.request.headers
        assert_problem(response, 413)

    def test_body_at_the_limit_is_read(self, client: TestClient) -> None:
        response = client.post("/v1/auth/register", content=b" " * 262144, headers=JSON)
        assert_problem(response, 422)

    @pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 100}])
    def test_limit_comes_from_settings(self, client: TestClient) -> None:
        response = client.post("/v1/auth/register", content=b" " * 101, headers=JSON)
        assert_problem(response, 413)


class TestSecurityHeaders:
    EXPECTED = {
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "x-frame-options": "DENY",
        "content-security-policy": API_POLICY,
    }

    @pytest.mark.parametrize(
        ("method", "path", "status"),
        [
            ("GET", "/healthz", 200),
            ("GET", "/v1/nothing-here", 404),
            ("GET", "/v1/me", 401),
            ("PUT", "/v1/auth/register", 405),
            ("GET", "/metrics", 200),
        ],
    )
    def test_on_every_response(
        self, client: TestClient, method: str, path: str, status: int
    ) -> None:
        response = client.request(method, path)
        assert response.status_code == status
        for name, value in self.EXPECTED.items():
            assert response.headers[name] == value, name

    def test_on_a_refused_body(self, client: TestClient) -> None:
        response = client.post("/v1/auth/register", content=b"x" * MIB, headers=JSON)
        assert response.headers["x-content-type-options"] == "nosniff"

    def test_docs_pages_get_their_own_policy(self, client: TestClient) -> None:
        policy = client.get("/docs").headers["content-security-policy"]
        assert policy != API_POLICY
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


def preflight(client: TestClient, origin: str) -> Any:
    return client.options(
        "/v1/me",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )


class TestCorsByAllowList:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"cors_origins": [APP_ORIGIN]}

    def test_preflight_from_an_allowed_origin(self, client: TestClient) -> None:
        response = preflight(client, APP_ORIGIN)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "authorization" in response.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in response.headers

    def test_preflight_from_an_unknown_origin(self, client: TestClient) -> None:
        response = preflight(client, "https://evil.example")
        assert "access-control-allow-origin" not in response.headers

    def test_answers_are_readable_by_the_allowed_origin_only(self, client: TestClient) -> None:
        allowed = client.get("/healthz", headers={"Origin": APP_ORIGIN})
        assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
        assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()
        unknown = client.get("/healthz", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in unknown.headers


def test_no_cors_without_configured_origins(client: TestClient) -> None:
    response = preflight(client, APP_ORIGIN)
    assert "access-control-allow-origin" not in response.headers
    assert (
        client.get("/healthz", headers={"Origin": APP_ORIGIN}).headers.get(
            "access-control-allow-origin"
        )
        is None
    )
