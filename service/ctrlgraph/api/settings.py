"""Service settings, from arguments or CTRLGRAPH_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ctrlgraph import envconfig
from ctrlgraph.bounds import Bounds
from ctrlgraph.store.base import GraphStore
from ctrlgraph.store.remote import RemoteConfig

#: Each setting is read from CTRLGRAPH_<NAME> (ctrlgraph.envconfig), but these.
_ENV_NAMES = {"cors_origins": "CTRLGRAPH_CORS_ORIGIN"}
#: Read from variables of their own (CTRLGRAPH_SPARQL_*; the bounds' CTRLGRAPH_MAX_*, _WORK_*, …).
_NOT_IN_ENV = ("remote", "bounds")


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
        values = envconfig.read(cls, env, names=_ENV_NAMES, skip=_NOT_IN_ENV)
        return cls(
            **values,
            remote=RemoteConfig.from_env(env) if values.get("store") == "sparql" else None,
            bounds=Bounds.from_env(env),
        )

    def to_env(self) -> dict[str, str]:
        return {
            **envconfig.write(self, names=_ENV_NAMES, skip=_NOT_IN_ENV),
            **(self.remote.to_env() if self.remote else {}),
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
