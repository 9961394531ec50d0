"""The documentation links only to files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [
    "README.md",
    "SECURITY.md",
    "bench/README.md",
    "mappings/README.md",
    *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "docs").glob("*.md"))),
]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("document", [d for d in DOCS if (ROOT / d).is_file()])
def test_relative_links_point_to_existing_files(document: str) -> None:
    path = ROOT / document
    missing = [
        link
        for link in LINK.findall(path.read_text(encoding="utf-8"))
        if not link.startswith(("http://", "https://", "mailto:")) and not (path.parent / link).exists()
    ]
    assert missing == [], f"{document} links to missing files: {missing}"
