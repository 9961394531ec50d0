"""Service settings, from arguments or CTRLGRAPH_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ctrlgraph.bounds import Bounds
from ctrlgraph.store.base import GraphStore
from ctrlgraph.store.remote import RemoteConfig


@dataclass(frozen=True)
class Settings:
    #: "oxigraph" (the embedded on-disk store in data_dir) or "sparql" (a
    #: remote SPARQL 1.1 server, configured by CTRLGRAPH_SPARQL_* variables).
    store: str = "oxigraph"
    data_dir: Path = Path("data/store")
    query_timeout: float = 10.0
    sparql_workers: int = 2
    max_result_bytes: int = 50_000_000
    max_body_bytes: int = 20_000_000
    #: Seconds a client may take to send a request body (slow clients get 408).
    body_timeout: float = 30.0
    #: Requests per second per API key (or client address), and burst; 0 disables.
    rate_limit: float = 1000.0
    rate_burst: int = 2000
    #: Failed API key checks per second per client address, and burst (each costs a scrypt); 0 disables.
    auth_failure_rate: float = 2.0
    auth_failure_burst: int = 20
    #: An admin key to accept (its hash is stored on start); for bootstrapping.
    admin_key: str | None = None
    #: Install the demo organization on start.
    demo: bool = False
    #: Where the remote server is, for store="sparql" (None: from the environment).
    remote: RemoteConfig | None = None
    #: Origins a browser may call the API from (CORS), e.g. a YASGUI page; "*" for any. Empty: none.
    cors_origins: tuple[str, ...] = ()
    #: Bounds on parsers, heavy work and query workers (ctrlgraph.bounds; CTRLGRAPH_MAX_*, _WORK_*, _QUERY_MEMORY_MB).
    bounds: Bounds = field(default_factory=Bounds)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        store = env.get("CTRLGRAPH_STORE", "oxigraph")
        return cls(
            store=store,
            remote=RemoteConfig.from_env(env) if store == "sparql" else None,
            data_dir=Path(env.get("CTRLGRAPH_DATA_DIR", "data/store")),
            query_timeout=float(env.get("CTRLGRAPH_QUERY_TIMEOUT", "10")),
            sparql_workers=int(env.get("CTRLGRAPH_SPARQL_WORKERS", "2")),
            max_result_bytes=int(env.get("CTRLGRAPH_MAX_RESULT_BYTES", "50000000")),
            max_body_bytes=int(env.get("CTRLGRAPH_MAX_BODY_BYTES", "20000000")),
            body_timeout=float(env.get("CTRLGRAPH_BODY_TIMEOUT", "30")),
            rate_limit=float(env.get("CTRLGRAPH_RATE_LIMIT", "1000")),
            rate_burst=int(env.get("CTRLGRAPH_RATE_BURST", "2000")),
            auth_failure_rate=float(env.get("CTRLGRAPH_AUTH_FAILURE_RATE", "2")),
            auth_failure_burst=int(env.get("CTRLGRAPH_AUTH_FAILURE_BURST", "20")),
            admin_key=env.get("CTRLGRAPH_ADMIN_KEY") or None,
            demo=env.get("CTRLGRAPH_DEMO", "") == "1",
            cors_origins=tuple(o.strip() for o in env.get("CTRLGRAPH_CORS_ORIGIN", "").split(",") if o.strip()),
            bounds=Bounds.from_env(dict(env)),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "CTRLGRAPH_STORE": self.store,
            **(self.remote.to_env() if self.remote else {}),
            "CTRLGRAPH_DATA_DIR": str(self.data_dir),
            "CTRLGRAPH_QUERY_TIMEOUT": str(self.query_timeout),
            "CTRLGRAPH_SPARQL_WORKERS": str(self.sparql_workers),
            "CTRLGRAPH_MAX_RESULT_BYTES": str(self.max_result_bytes),
            "CTRLGRAPH_MAX_BODY_BYTES": str(self.max_body_bytes),
            "CTRLGRAPH_BODY_TIMEOUT": str(self.body_timeout),
            "CTRLGRAPH_RATE_LIMIT": str(self.rate_limit),
            "CTRLGRAPH_RATE_BURST": str(self.rate_burst),
            "CTRLGRAPH_AUTH_FAILURE_RATE": str(self.auth_failure_rate),
            "CTRLGRAPH_AUTH_FAILURE_BURST": str(self.auth_failure_burst),
            **({"CTRLGRAPH_ADMIN_KEY": self.admin_key} if self.admin_key else {}),
            "CTRLGRAPH_DEMO": "1" if self.demo else "",
            "CTRLGRAPH_CORS_ORIGIN": ",".join(self.cors_origins),
            **self.bounds.to_env(),
        }

    def open_store(self) -> GraphStore:
        """The store these settings name: embedded Oxigraph or a remote server."""
        if self.store == "oxigraph":
            from ctrlgraph.store import OxigraphStore

            return OxigraphStore(self.data_dir)
        if self.store == "sparql":
            from ctrlgraph.store.remote import RemoteStore

            return RemoteStore(self.remote or RemoteConfig.from_env())
        raise ValueError(f"unknown store {self.store!r}: use 'oxigraph' or 'sparql'")
