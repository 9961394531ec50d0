"""The root ``ctrlgraph`` command; the modules of this package add their commands to it."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="ctrlgraph: ISO 42001, 27001, 9001 and the EU AI Act as one queryable graph.",
    no_args_is_help=True,
    add_completion=False,
)
