"""Where the shipped data folders (ontology/, mappings/, shapes/) live.

In a source checkout (or an editable install) they sit at the repository root,
two levels above this package. A wheel built from the repository carries them
inside the package as ``ctrlgraph/_data/`` (see pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE_DIR / "_data"
_CHECKOUT = _PACKAGE_DIR.parent.parent


def data_root() -> Path:
    """The folder holding ``ontology/``, ``mappings/`` and ``shapes/``."""
    if (_BUNDLED / "ontology").is_dir():
        return _BUNDLED
    if (_CHECKOUT / "ontology").is_dir():
        return _CHECKOUT
    raise FileNotFoundError(
        f"ctrlgraph's reference data (ontology/, mappings/, shapes/) was not found in {_BUNDLED} or {_CHECKOUT}"
    )


def ontology_dir() -> Path:
    return data_root() / "ontology"


def mappings_dir() -> Path:
    return data_root() / "mappings"


def shapes_dir() -> Path:
    return data_root() / "shapes"


def reference_files(root: Path | None = None) -> list[Path]:
    """Every Turtle file of the reference graph, in a stable order."""
    root = root or data_root()
    files: list[Path] = []
    for folder in ("ontology", "mappings", "shapes"):
        files.extend(sorted((root / folder).rglob("*.ttl")))
    return files


QUERIES_DIR = _PACKAGE_DIR / "queries"
