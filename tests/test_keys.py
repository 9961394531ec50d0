"""API keys: the verified-key memo never lets a wrong, revoked or replaced
key through (tenants.authenticate), on the real embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctrlgraph.evidence import tenants
from ctrlgraph.store import OxigraphStore


@pytest.fixture()
def store(tmp_path: Path) -> OxigraphStore:
    s = OxigraphStore(tmp_path / "store")
    tenants.create_org(s, "acme", "Acme")
    return s


def test_verified_key_is_remembered_and_still_checked(store: OxigraphStore) -> None:
    key_id, key = tenants.create_key(store, "acme", ["read"])
    first = tenants.authenticate(store, key)
    assert first is not None and first.org == "acme" and first.scopes == {"read"}
    assert key_id in tenants._VERIFIED  # the second check skips the scrypt
    again = tenants.authenticate(store, key)
    assert again == first
    # a wrong secret for a remembered id is refused (and pays the full check)
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert tenants.authenticate(store, wrong) is None
    assert tenants.authenticate(store, key) == first


def test_revocation_applies_to_a_remembered_key(store: OxigraphStore) -> None:
    key_id, key = tenants.create_key(store, "acme", ["read", "write"])
    assert tenants.authenticate(store, key) is not None
    assert tenants.revoke_key(store, key_id)
    assert tenants.authenticate(store, key) is None
    assert key_id not in tenants._VERIFIED


def test_replaced_key_with_the_same_id_forgets_the_old_secret(store: OxigraphStore) -> None:
    old = "cgk_00112233445566aa_" + "a" * 32
    new = "cgk_00112233445566aa_" + "b" * 32
    tenants.ensure_key(store, old, "acme", ["read"])
    assert tenants.authenticate(store, old) is not None
    tenants.ensure_key(store, new, "acme", ["read"])  # same id, new secret and hash
    assert tenants.authenticate(store, old) is None
    assert tenants.authenticate(store, new) is not None


def test_known_principal_needs_no_query_until_a_tenant_write(store: OxigraphStore) -> None:
    """The server's no-thread path (tenants.known_principal): a key accepted
    since the last tenant write is known; a wrong secret, any write (here a
    revocation, then a re-issued key with the same id) and a remote store
    (no write counter) all go back to the full check."""
    key_id, key = tenants.create_key(store, "acme", ["read"])
    assert tenants.known_principal(store, key) is None  # never checked yet
    accepted = tenants.authenticate(store, key)
    assert accepted is not None
    assert tenants.known_principal(store, key) == accepted
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert tenants.known_principal(store, wrong) is None
    assert tenants.known_principal(store, "not a key") is None
    assert tenants.revoke_key(store, key_id)
    assert tenants.known_principal(store, key) is None
    assert tenants.authenticate(store, key) is None
    assert tenants.known_principal(store, key) is None

    old = "cgk_00112233445566bb_" + "a" * 32
    new = "cgk_00112233445566bb_" + "b" * 32
    tenants.ensure_key(store, old, "acme", ["read"])
    assert tenants.authenticate(store, old) is not None and tenants.known_principal(store, old) is not None
    tenants.ensure_key(store, new, "acme", ["read"])  # a tenant write: the old secret is forgotten
    assert tenants.known_principal(store, old) is None
    assert tenants.authenticate(store, old) is None

    class Remote:  # a store without a write counter: never remembered
        def __init__(self, inner: OxigraphStore) -> None:
            self.select = inner.select

    remote = Remote(store)
    assert tenants.authenticate(remote, new) is not None  # type: ignore[arg-type]
    assert tenants.known_principal(remote, new) is None  # type: ignore[arg-type]
