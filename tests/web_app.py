"""Test-only launcher: the service app with the web interface mounted.

``uvicorn tests.web_app:create --factory`` (settings from CTRLGRAPH_* variables).
mount() is idempotent, so this keeps working once app.py mounts it itself.

The planning routes (roadmap, Statement of Applicability) are included here
while app.py does not include them yet, so that the dashboard is tested
against the real answers; once app.py includes them this does nothing.
"""

from __future__ import annotations

from fastapi import FastAPI

from ctrlgraph.api.app import create_app_from_env
from ctrlgraph.web import mount


def create() -> FastAPI:
    app = create_app_from_env()
    paths = {getattr(route, "path", None) for route in app.router.routes}
    if "/v1/orgs/{org}/roadmap" not in paths:
        try:
            from ctrlgraph.api import planning
        except ImportError:
            pass  # not on this branch: the dashboard says "not available"
        else:
            app.include_router(planning.router)
    mount(app)
    return app
