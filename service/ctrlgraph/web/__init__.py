"""The web interface: static HTML, CSS and JavaScript modules (no build step).

``mount(app)`` serves the page at ``/`` and its files at ``/ui/…``. The pages
read everything from the JSON API (``/v1/…``) and ``/sparql`` in the browser,
so every number they show is the API's. Views are addressed by the URL
fragment (``/#/matrix``), so the server needs no route per view and nothing
under ``/v1``, ``/sparql``, ``/docs``, ``/openapi.json`` or ``/healthz`` is
shadowed.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"

#: Scripts, styles and API calls only from this origin; no inline script or
#: style markup (the views build the DOM with textContent, never innerHTML).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _StaticFiles(StaticFiles):
    """Static files revalidated on each load (ETag), so an upgrade shows at once."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        response.headers.update(SECURITY_HEADERS)
        return response


def mount(app: FastAPI) -> None:
    """Serve the web interface at ``/`` (index) and ``/ui/…`` (its files).

    Idempotent: calling it twice on the same app mounts it once."""
    if any(getattr(route, "name", None) == "ui" for route in app.router.routes):
        return

    def index() -> FileResponse:
        return FileResponse(
            STATIC / "index.html",
            media_type="text/html; charset=utf-8",
            headers={
                "Cache-Control": "no-cache",
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                **SECURITY_HEADERS,
            },
        )

    def ui_root() -> RedirectResponse:
        return RedirectResponse("../", status_code=307)

    app.add_api_route("/", index, methods=["GET", "HEAD"], include_in_schema=False, name="web-index")
    app.add_api_route("/ui/", ui_root, methods=["GET", "HEAD"], include_in_schema=False, name="web-ui-root")
    # The scripts and styles travel gzip-compressed to a browser that accepts it
    # (a response already compressed by an app-wide middleware passes through).
    app.mount("/ui", GZipMiddleware(_StaticFiles(directory=STATIC), minimum_size=500), name="ui")
