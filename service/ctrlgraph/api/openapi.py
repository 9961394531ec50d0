"""The OpenAPI document, completed so that generated clients work:

* the bearer ``securitySchemes`` (API keys), required on the organization,
  key and import operations and optional elsewhere (a key adds the caller's
  evidence graphs to /sparql);
* request bodies in their real media types: evidence uploads (Turtle,
  JSON-LD as a JSON document, N-Triples, RDF/XML, the XLSX/CSV template) and
  ``POST /v1/import/{format}`` (OSCAL/CISO Assistant JSON or YAML, SSSOM TSV,
  CSV, XLSX), which FastAPI cannot see because the routes read the raw body;
* responses in their real media types, first the one the route answers with
  by default: the exports are TSV, CSV, YAML or XLSX, not JSON.

/docs is Swagger UI served from the swagger-ui-bundle package, not a CDN, so
it works without internet access.

A test generates a client with openapi-python-client and calls upload,
exports, gaps and SPARQL through it (tests/test_openapi_client.py).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = {"type": "string"}
BINARY = {"type": "string", "format": "binary"}

#: Evidence uploads (PUT/POST /v1/orgs/{org}/evidence), in the order a client should prefer.
#: Files are raw bodies (``format: binary``); JSON-LD is a JSON document, sent as JSON.
EVIDENCE_BODY = {
    "text/turtle": {"schema": BINARY},
    "application/ld+json": {"schema": {"type": "object", "additionalProperties": True}},
    "application/n-triples": {"schema": BINARY},
    "application/rdf+xml": {"schema": BINARY},
    XLSX: {"schema": BINARY},
    "text/csv": {"schema": BINARY},
}
#: POST /v1/import/{format}: the file itself, or a multipart form holding it.
IMPORT_BODY = {
    "application/json": {"schema": {"type": "object", "additionalProperties": True}},
    "application/yaml": {"schema": BINARY},
    "text/tab-separated-values": {"schema": BINARY},
    "text/csv": {"schema": BINARY},
    XLSX: {"schema": BINARY},
    "multipart/form-data": {
        "schema": {"type": "object", "properties": {"file": BINARY}, "required": ["file"]},
    },
}

#: Response media types by path, the default first.
RESPONSE_TYPES: dict[str, list[str]] = {
    "/v1/export/sssom/{framework_id}": ["text/tab-separated-values"],
    "/v1/export/spreadsheet/crosswalk": ["text/csv", XLSX],
    "/v1/export/spreadsheet/shared-controls": ["text/csv", XLSX],
    "/v1/export/spreadsheet/framework/{framework_id}": ["text/csv", XLSX],
    "/v1/export/ciso-assistant/{framework_id}": ["application/yaml"],
    "/v1/export/oscal/catalog/controls": ["application/json"],
    "/v1/export/oscal/catalog/{framework_id}": ["application/json"],
    "/v1/export/oscal/mapping/{source}/{target}": ["application/json"],
    "/v1/export/oscal/profile": ["application/json"],
    "/v1/evidence/template": [XLSX],
}
#: Operations that need a key (bearer); the others take one optionally.
KEY_REQUIRED = ("/v1/orgs", "/v1/keys", "/v1/import/", "/v1/imports")
#: ... but for these (the list of imported graphs is reference data, like /v1/frameworks).
PUBLIC = {("/v1/imports", "get")}
NOT_ALLOWED = "The key may not do this (an organization key on another organization, or a missing scope or admin role)"
BINARY_TYPES = {XLSX, "application/octet-stream"}


def _schema_for(media_type: str) -> dict[str, Any]:
    if media_type in BINARY_TYPES:
        return BINARY
    if media_type == "application/json" or media_type.endswith("+json"):
        return {"type": "object", "additionalProperties": True}
    return TEXT


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the security scheme, request bodies and real media types to ``schema``."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (`ctrlgraph key create`): an organization's key reads and writes its "
        "evidence; an admin key manages organizations and imports.",
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            required = path.startswith(KEY_REQUIRED) and (path, method) not in PUBLIC
            operation["security"] = [{"bearer": []}] if required else [{"bearer": []}, {}]
            if required:
                responses = operation.setdefault("responses", {})
                for status, what in (("401", "No API key, or an unknown or revoked one"), ("403", NOT_ALLOWED)):
                    responses.setdefault(status, {"description": what})
            if path in ("/v1/orgs/{org}/evidence", "/v1/orgs/{org}/evidence/validate") and method in ("put", "post"):
                operation["requestBody"] = {"required": True, "content": EVIDENCE_BODY}
            if path == "/v1/import/{format}" and method == "post":
                operation["requestBody"] = {"required": True, "content": IMPORT_BODY}
            ok = operation.get("responses", {}).get("200")
            if ok is None:
                continue
            content = ok.setdefault("content", {})
            if path in RESPONSE_TYPES:
                declared = RESPONSE_TYPES[path]
                # YAML: no schema, the text is the answer (a "string" schema reads as a YAML scalar to
                # validators that parse YAML; an "object" one makes generated clients parse it as JSON)
                ok["content"] = {t: {} if t == "application/yaml" else {"schema": _schema_for(t)} for t in declared}
                continue
            for media_type, entry in content.items():
                # a media type declared without a schema ({}): say what it carries
                if not entry.get("schema"):
                    entry["schema"] = _schema_for(media_type)
    return schema


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the OpenAPI document lists for ``path`` (HEAD wherever GET is)."""
    patterns: list[tuple[re.Pattern[str], list[str]]] | None = getattr(app.state, "allowed_methods", None)
    if patterns is None:
        patterns = []
        for template, operations in app.openapi().get("paths", {}).items():
            regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            methods = {m.upper() for m in operations if m in ("get", "put", "post", "delete", "patch")}
            if "GET" in methods:
                methods.add("HEAD")
            patterns.append((re.compile(regex + "$"), sorted(methods)))
        app.state.allowed_methods = patterns
    found: set[str] = set()
    for pattern, methods in patterns:
        if pattern.match(path):
            found.update(methods)
    return sorted(found)


def install(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    license_info=app.license_info,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs with its assets from the swagger-ui-bundle package
    (the app is created with ``docs_url=None, redoc_url=None``)."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{root}/docs-assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs-assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs-assets/favicon-32x32.png",
        )
