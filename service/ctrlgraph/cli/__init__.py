"""The ``ctrlgraph`` command: a thin layer over the library (typer + rich).

One module per command group, each adding its commands to the root
:data:`app` (``root.py``):

- ``store``: load, dump, stats, check
- ``serve``: serve
- ``query``: query, frameworks, shared, crosswalk
- ``orgs``: org, key, validate, upload
- ``interop``: export …, import …
- ``planning``: plan, delta, soa, roadmap, integration
"""

from __future__ import annotations

from ctrlgraph.cli.root import app

# The order of these imports is the order of the commands in --help.
# isort: off
from ctrlgraph.cli import store, serve, query, orgs, planning, interop
# isort: on

app.add_typer(interop.export_app, name="export")
app.add_typer(interop.import_app, name="import")
planning.register(app)

__all__ = ["app", "main", "orgs", "query", "serve", "store"]


def main() -> None:  # pragma: no cover - console entry point
    app()
