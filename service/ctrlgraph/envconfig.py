"""One reader of ``CTRLGRAPH_*`` environment variables into a settings
dataclass, and back (a server hands its settings to worker processes and
``uvicorn --factory`` workers through the environment).

A field ``name`` is read from ``CTRLGRAPH_NAME`` unless ``names`` says
otherwise, converted to the field's type (int, float, bool, str, Path, an
optional str, or a tuple of strings written comma-separated). A variable
that is absent or empty leaves the field's default.
"""

from __future__ import annotations

import typing
from collections.abc import Collection, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

PREFIX = "CTRLGRAPH_"


def _name(field: str, names: Mapping[str, str]) -> str:
    return names.get(field, PREFIX + field.upper())


def _convert(kind: Any, raw: str) -> Any:
    if kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    if kind is Path:
        return Path(raw)
    if typing.get_origin(kind) is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw  # str, str | None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def read(
    cls: type, env: Mapping[str, str], *, names: Mapping[str, str] | None = None, skip: Collection[str] = ()
) -> dict[str, Any]:
    """The values of ``cls``'s fields that ``env`` sets (pass them to ``cls(**…)``)."""
    names = names or {}
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in skip:
            continue
        raw = env.get(_name(f.name, names))
        if raw:
            values[f.name] = _convert(hints[f.name], raw)
    return values


def write(obj: Any, *, names: Mapping[str, str] | None = None, skip: Collection[str] = ()) -> dict[str, str]:
    """The environment that :func:`read` turns back into ``obj``'s values (None fields left out)."""
    names = names or {}
    return {
        _name(f.name, names): _text(getattr(obj, f.name))
        for f in fields(obj)
        if f.name not in skip and getattr(obj, f.name) is not None
    }
