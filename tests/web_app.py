"""Test-only launcher: the service app with the web interface mounted.

``uvicorn tests.web_app:create --factory`` (settings from CTRLGRAPH_* variables).
mount() is idempotent, so this keeps working once app.py mounts it itself.
"""

from __future__ import annotations

from fastapi import FastAPI

from ctrlgraph.api.app import create_app_from_env
from ctrlgraph.web import mount


def create() -> FastAPI:
    app = create_app_from_env()
    mount(app)
    return app
