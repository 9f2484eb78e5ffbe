"""/docs (Swagger UI) and /redoc with no internet: their scripts, styles and icon come from
the fastapi-offline package and are served by the API itself, never from a CDN."""

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

from api.edge.hardening import docs_page_policy

ASSETS = "/docs-assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"

# The package's `static` folder holds current Swagger UI and ReDoc builds; upgrading the
# package upgrades them.
_assets = StaticFiles(packages=[("fastapi_offline", "static")])

# Operation ids are made from the tag, even for routes kept out of the OpenAPI document.
router = APIRouter(tags=["docs"], include_in_schema=False)


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = docs_page_policy(bytes(page.body))
    return page


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return _with_policy(
        get_swagger_ui_html(
            openapi_url=f"{root}{request.app.openapi_url}",
            title=f"{request.app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            # Swagger UI's landing page for OAuth2 flows that redirect; the password flow
            # of /v1/auth/token posts the form from the page and needs no redirect.
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}",
            # Swagger UI would otherwise send the document's URL to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )
    )


@router.get(OAUTH2_REDIRECT)
def swagger_ui_oauth2_redirect() -> HTMLResponse:
    return _with_policy(get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return _with_policy(
        get_redoc_html(
            openapi_url=f"{root}{request.app.openapi_url}",
            title=f"{request.app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
    )


# A route rather than a mount, so logs and metrics see the template, not "unmatched".
@router.api_route(ASSETS + "/{name}", methods=["GET", "HEAD"])
async def docs_asset(name: str, request: Request) -> Response:
    return await _assets.get_response(name, request.scope)


def install_docs(app: FastAPI) -> None:
    """Serves the docs; the app must be made with `docs_url=None, redoc_url=None`."""
    app.include_router(router)
