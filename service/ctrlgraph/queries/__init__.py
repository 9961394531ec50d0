"""The SPARQL files every backend runs. ``load("name")`` reads ``name.rq``
(or a ``.ru`` update); parameters are bound with :func:`ctrlgraph.store.base.bind`."""

from __future__ import annotations

from functools import cache

from ctrlgraph.paths import QUERIES_DIR


@cache
def load(name: str) -> str:
    for suffix in (".rq", ".ru"):
        path = QUERIES_DIR / f"{name}{suffix}"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(f"no query file {name}.rq or {name}.ru in {QUERIES_DIR}")
