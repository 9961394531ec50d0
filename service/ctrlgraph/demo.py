"""The demo organization (examples/demo-org.ttl) for `ctrlgraph serve --demo`."""

from __future__ import annotations

from pathlib import Path

from ctrlgraph.evidence import repository, tenants
from ctrlgraph.paths import data_root
from ctrlgraph.store.base import GraphStore

DEMO_ORG = "acme"
DEMO_NAME = "Acme Analytics"
#: A fixed, public key for the demo organization only (read and write): it
#: exists only in stores started with --demo, so the README walk-through works
#: by copy and paste. Never use --demo for real data.
DEMO_KEY = "cgk_00000000000000de_demo-key-for-acme-analytics-only"


def demo_file() -> Path:
    for candidate in (data_root() / "examples" / "demo-org.ttl", data_root().parent / "examples" / "demo-org.ttl"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("examples/demo-org.ttl not found")


def install_demo(store: GraphStore) -> str:
    """Create the demo organization, its evidence and its key (idempotent)."""
    if tenants.get_org(store, DEMO_ORG) is None:
        tenants.create_org(store, DEMO_ORG, DEMO_NAME)
    tenants.ensure_key(store, DEMO_KEY, DEMO_ORG, ["read", "write"])
    if not repository.read_evidence(store, DEMO_ORG).strip():
        repository.write_evidence(store, DEMO_ORG, DEMO_NAME, demo_file().read_bytes(), "text/turtle", "replace")
    return DEMO_KEY
