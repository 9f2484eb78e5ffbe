"""/docs and /redoc work with no internet: every asset they load is served by the API."""

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from tests.support import assert_problem

PAGES = ["/docs", "/redoc"]
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def referenced_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_only_local_assets(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = referenced_urls(response.text)
    assert urls, "the page loads its scripts and styles"
    assert all(url.startswith("/docs-assets/") for url in urls), urls
    assert "http://" not in response.text and "https://" not in response.text


@pytest.mark.parametrize("page", PAGES)
def test_every_referenced_asset_is_served(client: TestClient, page: str) -> None:
    for url in referenced_urls(client.get(page).text):
        asset = client.get(url)
        assert asset.status_code == 200, url
        expected = CONTENT_TYPES[url[url.rindex(".") :]]
        assert asset.headers["content-type"].split(";")[0] == expected, url
        assert len(asset.content) > 1000, url


def test_assets_are_cacheable(client: TestClient) -> None:
    first = client.get("/docs-assets/swagger-ui-bundle.js")
    again = client.get(
        "/docs-assets/swagger-ui-bundle.js", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    head = client.head("/docs-assets/swagger-ui.css")
    assert head.status_code == 200 and head.content == b""


def test_swagger_ui_reads_the_served_document(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "url: '/openapi.json'" in html
    assert "'/docs/oauth2-redirect'" in html
    assert '"validatorUrl": null' in html


def test_authorize_logs_in_on_this_server(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    password_flows = [s["flows"]["password"] for s in schemes.values() if s["type"] == "oauth2"]
    assert [flow["tokenUrl"] for flow in password_flows] == ["/v1/auth/token"]
    redirect = client.get("/docs/oauth2-redirect")
    assert redirect.status_code == 200
    assert "oauth2" in redirect.text


@pytest.mark.parametrize("page", [*PAGES, "/docs/oauth2-redirect"])
def test_inline_scripts_are_allowed_by_hash_only(client: TestClient, page: str) -> None:
    response = client.get(page)
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["content-security-policy"].split(";")
    )
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    for script in re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]


def test_unknown_asset_is_a_problem(client: TestClient) -> None:
    assert_problem(client.get("/docs-assets/nothing.js"), 404)


def test_docs_routes_stay_out_of_the_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc", "/metrics"))]
