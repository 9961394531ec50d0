"""Service settings, from arguments or CTRLGRAPH_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data/store")
    query_timeout: float = 10.0
    sparql_workers: int = 2
    max_result_bytes: int = 50_000_000
    max_body_bytes: int = 20_000_000
    #: An admin key to accept (its hash is stored on start); for bootstrapping.
    admin_key: str | None = None
    #: Install the demo organization on start.
    demo: bool = False

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            data_dir=Path(env.get("CTRLGRAPH_DATA_DIR", "data/store")),
            query_timeout=float(env.get("CTRLGRAPH_QUERY_TIMEOUT", "10")),
            sparql_workers=int(env.get("CTRLGRAPH_SPARQL_WORKERS", "2")),
            max_result_bytes=int(env.get("CTRLGRAPH_MAX_RESULT_BYTES", "50000000")),
            max_body_bytes=int(env.get("CTRLGRAPH_MAX_BODY_BYTES", "20000000")),
            admin_key=env.get("CTRLGRAPH_ADMIN_KEY") or None,
            demo=env.get("CTRLGRAPH_DEMO", "") == "1",
        )

    def to_env(self) -> dict[str, str]:
        return {
            "CTRLGRAPH_DATA_DIR": str(self.data_dir),
            "CTRLGRAPH_QUERY_TIMEOUT": str(self.query_timeout),
            "CTRLGRAPH_SPARQL_WORKERS": str(self.sparql_workers),
            "CTRLGRAPH_MAX_RESULT_BYTES": str(self.max_result_bytes),
            "CTRLGRAPH_MAX_BODY_BYTES": str(self.max_body_bytes),
            **({"CTRLGRAPH_ADMIN_KEY": self.admin_key} if self.admin_key else {}),
            "CTRLGRAPH_DEMO": "1" if self.demo else "",
        }
