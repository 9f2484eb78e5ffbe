"""/docs in a real headless Chromium (Debian's package): the operations render from local
assets, Authorize logs in with the OAuth2 password flow, and "Try it out" then works.

Playwright drives the browser; it is pointed at /usr/bin/chromium and never downloads one.
"""

import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.support import end_to_end
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    *end_to_end,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium (/usr/bin/chromium); .ci/run installs it",
    ),
]

playwright = pytest.importorskip("playwright.sync_api", reason="the dev extras bring playwright")

# No GPU, no sandbox (CI runs as root), and none of the calls home a fresh profile makes.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Rendering Swagger UI and answering a try-out is quick; a loaded CI machine is not.
WAIT_MS = 30_000


@pytest.fixture
def page(live_server: str) -> Iterator[playwright.Page]:
    with (
        tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile,
        playwright.sync_playwright() as driver,
    ):
        browser = driver.chromium.launch_persistent_context(
            profile,  # passed as --user-data-dir: a fresh profile every run
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        browser.set_default_timeout(WAIT_MS)
        playwright.expect.set_options(timeout=WAIT_MS)
        yield browser.new_page()
        browser.close()


def register(live_server: str) -> str:
    email = "docs-reader@example.com"
    body = {"email": email, "password": PASSWORD, "display_name": "Docs Reader"}
    response = httpx.post(f"{live_server}/v1/auth/register", json=body, timeout=60)
    assert response.status_code == 201, response.text
    return email


def test_docs_render_authorize_and_try_it_out(
    page: playwright.Page, live_server: str, content: None, tmp_path: Path
) -> None:
    email = register(live_server)
    server = urlsplit(live_server).netloc
    elsewhere: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: urlsplit(r.url).netloc != server and elsewhere.append(r.url))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server}/docs")
    # Swagger UI gives each operation the id `operations-<tag>-<operationId>`.
    playwright.expect(page.locator("#operations-auth-auth_register")).to_be_visible()
    playwright.expect(page.locator("#operations-me-me_get")).to_be_visible()
    playwright.expect(page.locator(".info .description")).to_contain_text("The reveal rule")

    page.locator(".auth-wrapper .authorize").click()
    # The dialog lists every security scheme; the password flow is the one people log in with.
    login = page.locator(".modal-ux .auth-container").filter(has_text="OAuth2, password")
    login.locator("#oauth_username").fill(email)
    login.locator("#oauth_password").fill(PASSWORD)
    login.locator(".auth-btn-wrapper .authorize").click()
    # Once the token endpoint has answered, the dialog says so and offers to log out.
    playwright.expect(login.locator("h6")).to_have_text("Authorized")
    playwright.expect(login.get_by_role("button", name="Remove authorization")).to_be_visible()
    page.locator(".modal-ux .close-modal").click()

    me = page.locator("#operations-me-me_get")
    me.locator(".opblock-summary").click()
    me.locator(".try-out__btn").click()
    me.locator(".execute").click()
    result = me.locator(".live-responses-table .response")
    playwright.expect(result.locator(".response-col_status")).to_contain_text("200")
    playwright.expect(result.locator(".response-col_description")).to_contain_text(email)

    page.screenshot(path=tmp_path / "docs.png", full_page=True)
    me.screenshot(path=tmp_path / "docs-me.png")
    print(f"\n/docs screenshots: {tmp_path}/docs.png, docs-me.png")  # noqa: T201 - for people
    assert not elsewhere, f"/docs reached beyond the API: {elsewhere}"
    assert not problems, f"the page logged errors: {problems}"
