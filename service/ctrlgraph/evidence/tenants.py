"""Organizations and API keys, kept in the store's system graph.

A key reads ``cgk_<key id>_<secret>``. Only a scrypt hash of the secret (with
its own salt) is stored; a presented key is looked up by its id and compared
in constant time. The system graph is never part of a SPARQL dataset.

A scrypt costs about 12 ms, which every keyed request would pay; so a key
that verified once is remembered in this process as an HMAC of its secret
under a per-process random pepper, beside the stored hash it verified
against. The key's row (hash, scopes, revocation) is still read from the store
on every request, so revoking or replacing a key takes effect at once in every
process; a wrong secret misses the memo and pays the full scrypt, as an
unknown key id does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ctrlgraph.iri import CG, DCTERMS, RDFS, SYSTEM_GRAPH, XSD
from ctrlgraph.store.base import GraphStore, sparql_iri, sparql_literal

ORG_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # use fullmatch: "$" would accept a trailing newline
SCOPES = ("read", "write", "admin")
_KEY = re.compile(r"cgk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})")  # fullmatch
#: key id -> (stored scrypt hash, HMAC of the secret that matched it); bounded.
_VERIFIED: dict[str, tuple[str, bytes]] = {}
_VERIFIED_MAX = 10_000
_PEPPER = secrets.token_bytes(32)


def _memo(secret: str) -> bytes:
    return hmac.new(_PEPPER, secret.encode(), hashlib.sha256).digest()


def org_iri(org_id: str) -> str:
    return f"https://w3id.org/ctrlgraph/org/{org_id}"


def key_iri(key_id: str) -> str:
    return f"https://w3id.org/ctrlgraph/key/{key_id}"


@dataclass(frozen=True)
class Principal:
    key_id: str
    org: str | None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.scopes

    def may(self, scope: str, org: str | None = None) -> bool:
        if self.is_admin:
            return True
        return scope in self.scopes and (org is None or org == self.org)


class TenantError(ValueError):
    pass


def _hash(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, n=2**12, r=8, p=1, dklen=32).hex()


def get_org(store: GraphStore, org_id: str) -> dict[str, str] | None:
    if not ORG_ID.fullmatch(org_id):
        return None  # cannot exist (and may not even fit in an IRI)
    rows = store.select(
        f"SELECT ?name WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ {sparql_iri(org_iri(org_id))} a <{CG}Organization> ;"
        f" <{RDFS}label> ?name }} }}"
    )
    return {"id": org_id, "name": str(rows[0]["name"])} if rows else None


def list_orgs(store: GraphStore) -> list[dict[str, str]]:
    rows = store.select(
        f"SELECT ?id ?name WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ ?o a <{CG}Organization> ;"
        f" <{DCTERMS}identifier> ?id ; <{RDFS}label> ?name }} }} ORDER BY ?id"
    )
    return [{"id": str(r["id"]), "name": str(r["name"])} for r in rows]


def create_org(store: GraphStore, org_id: str, name: str) -> dict[str, str]:
    if not ORG_ID.fullmatch(org_id):
        raise TenantError("organization id: 1-63 characters a-z, 0-9 and '-', starting with a letter or digit")
    if not name.strip():
        raise TenantError("organization name must not be empty")
    if get_org(store, org_id):
        raise TenantError(f"organization {org_id!r} already exists")
    iri = sparql_iri(org_iri(org_id))
    store.update(
        f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {iri} a <{CG}Organization> ;"
        f" <{DCTERMS}identifier> {sparql_literal(org_id)} ; <{RDFS}label> {sparql_literal(name)} }} }}"
    )
    return {"id": org_id, "name": name}


def create_key(store: GraphStore, org_id: str | None, scopes: list[str]) -> tuple[str, str]:
    """Create a key; returns (key id, the key itself — shown once, never stored)."""
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise TenantError(f"scopes must be among {', '.join(SCOPES)} (got {', '.join(scopes) or 'none'})")
    if "admin" not in scopes:
        if org_id is None:
            raise TenantError("a key that is not an admin key belongs to an organization")
        if get_org(store, org_id) is None:
            raise TenantError(f"unknown organization {org_id!r}")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_bytes(16)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    iri = sparql_iri(key_iri(key_id))
    triples = [
        f"{iri} a <{CG}ApiKey>",
        f"{iri} <{DCTERMS}identifier> {sparql_literal(key_id)}",
        f"{iri} <{CG}keySalt> {sparql_literal(salt.hex())}",
        f"{iri} <{CG}keyHash> {sparql_literal(_hash(secret, salt))}",
        f'{iri} <{DCTERMS}created> "{now}"^^<{XSD}dateTime>',
        *(f"{iri} <{CG}scope> {sparql_literal(s)}" for s in scopes),
    ]
    if org_id is not None and "admin" not in scopes:
        triples.append(f"{iri} <{CG}keyOf> {sparql_iri(org_iri(org_id))}")
    store.update(f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {' . '.join(triples)} }} }}")
    return key_id, f"cgk_{key_id}_{secret}"


def revoke_key(store: GraphStore, key_id: str) -> bool:
    if not re.fullmatch(r"[0-9a-f]{16}", key_id):
        return False  # no key has such an id (and it may not fit in an IRI)
    iri = sparql_iri(key_iri(key_id))
    exists = store.select(f"SELECT ?h WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ {iri} <{CG}keyHash> ?h }} }}")
    if not exists:
        return False
    store.update(f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {iri} <{CG}revoked> {sparql_literal(True)} }} }}")
    return True


#: store -> key id -> (the store's tenant writes when authenticate() accepted
#: the key, HMAC memo of its secret, principal): see known_principal.
_PRINCIPALS: weakref.WeakKeyDictionary[GraphStore, dict[str, tuple[int, bytes, Principal]]] = (
    weakref.WeakKeyDictionary()
)


def known_principal(store: GraphStore, presented: str) -> Principal | None:
    """The principal of a key that :func:`authenticate` accepted since the
    store's last write to its tenant store (a revocation, a new key, a new
    organization are such writes): no query and no hash, so the server need
    not hand the check to a thread for a client sending its key again. None
    means: call authenticate. Only for the embedded store, which counts its
    writes (``OxigraphStore.tenant_writes``); a remote store may be written by
    other servers, so its keys are always checked."""
    writes = getattr(store, "tenant_writes", None)
    match = _KEY.fullmatch(presented.strip())
    if writes is None or not match:
        return None
    key_id, secret = match.groups()
    try:
        hit = _PRINCIPALS.get(store, {}).get(key_id)
    except TypeError:  # a store that cannot be weakly referenced
        return None
    if hit is None or hit[0] != writes or not hmac.compare_digest(hit[1], _memo(secret)):
        return None
    return hit[2]


def authenticate(store: GraphStore, presented: str) -> Principal | None:
    """The principal of a valid, unrevoked key; None otherwise (never raises
    on malformed input, and never logs the key)."""
    writes = getattr(store, "tenant_writes", None)  # before the query: a write meanwhile voids the memo
    match = _KEY.fullmatch(presented.strip())
    if not match:
        return None
    key_id, secret = match.groups()
    iri = sparql_iri(key_iri(key_id))
    rows = store.select(
        f"""SELECT ?salt ?hash ?org ?scope ?revoked WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{
              {iri} <{CG}keySalt> ?salt ; <{CG}keyHash> ?hash ; <{CG}scope> ?scope .
              OPTIONAL {{ {iri} <{CG}keyOf>/<{DCTERMS}identifier> ?org }}
              OPTIONAL {{ {iri} <{CG}revoked> ?revoked }} }} }}"""
    )
    if not rows:
        _hash(secret, b"0" * 16)  # same work for unknown ids: no timing oracle on key ids
        return None
    row = rows[0]
    stored = str(row["hash"])
    if any(r.get("revoked") is True for r in rows):
        _VERIFIED.pop(key_id, None)
        _hash(secret, b"0" * 16)  # same work as a wrong secret
        return None
    memo = _VERIFIED.get(key_id)
    if memo is None or memo[0] != stored or not hmac.compare_digest(memo[1], _memo(secret)):
        if not hmac.compare_digest(_hash(secret, bytes.fromhex(str(row["salt"]))), stored):
            return None
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[key_id] = (stored, _memo(secret))
    org = row.get("org")
    principal = Principal(key_id, None if org is None else str(org), frozenset(str(r["scope"]) for r in rows))
    if writes is not None:
        try:
            known = _PRINCIPALS.setdefault(store, {})
        except TypeError:
            return principal
        if len(known) >= _VERIFIED_MAX:
            known.clear()
        known[key_id] = (writes, _memo(secret), principal)
    return principal


def ensure_key(store: GraphStore, key: str, org_id: str | None, scopes: list[str]) -> str:
    """Accept a given key string (``cgk_<16 hex>_<secret>``), storing only its
    hash: bootstraps an admin key from an environment variable, and the fixed
    demo key. Returns the key id."""
    match = _KEY.fullmatch(key.strip())
    if not match:
        raise TenantError("a key reads cgk_<16 hex digits>_<secret of 20-100 URL-safe characters>")
    key_id, secret = match.groups()
    principal = authenticate(store, key)
    if principal is not None and set(scopes) <= principal.scopes and principal.org == org_id:
        return key_id
    salt = secrets.token_bytes(16)
    iri = sparql_iri(key_iri(key_id))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    triples = [
        f"{iri} a <{CG}ApiKey>",
        f"{iri} <{DCTERMS}identifier> {sparql_literal(key_id)}",
        f"{iri} <{CG}keySalt> {sparql_literal(salt.hex())}",
        f"{iri} <{CG}keyHash> {sparql_literal(_hash(secret, salt))}",
        f'{iri} <{DCTERMS}created> "{now}"^^<{XSD}dateTime>',
        *(f"{iri} <{CG}scope> {sparql_literal(s)}" for s in scopes),
    ]
    if org_id is not None:
        triples.append(f"{iri} <{CG}keyOf> {sparql_iri(org_iri(org_id))}")
    store.update(
        f"DELETE WHERE {{ GRAPH <{SYSTEM_GRAPH}> {{ {iri} ?p ?o }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{SYSTEM_GRAPH}> {{ {' . '.join(triples)} }} }}"
    )
    return key_id


def ensure_admin_key(store: GraphStore, key: str) -> str:
    return ensure_key(store, key, None, ["admin"])


def new_admin_key() -> str:
    """A fresh key string in the admin-key format (not yet stored)."""
    return f"cgk_{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}"
