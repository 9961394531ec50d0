"""A remote SPARQL 1.1 server as the store (``--store sparql``).

Spoken over httpx with a pooled client: the SPARQL 1.1 Protocol for queries and
updates, the Graph Store HTTP Protocol for whole graphs. Reads are retried on
connection errors and 502/503/504 (they are idempotent); writes are not.
Server differences are handled in :mod:`ctrlgraph.store.dialect`.
"""

from __future__ import annotations

import logging
import os
import random
import re
import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import httpx
import pyoxigraph as ox

from ctrlgraph.iri import LEASE_GRAPH, META_GRAPH, mentions_tenant_graph
from ctrlgraph.store.base import QueryTimeout, Row, StoreError, literal_value, sparql_iri
from ctrlgraph.store.dialect import DIALECTS, VIRTUOSO, Dialect
from ctrlgraph.store.oxigraph import replacement_update

log = logging.getLogger(__name__)

_RETRY_STATUS = {502, 503, 504}
#: Where cross-process locks (leases) live; see RemoteStore.lease.
_LEASE_ON = "https://w3id.org/ctrlgraph/ns#leaseOn"
_LEASE_AT = "https://w3id.org/ctrlgraph/ns#claimedAt"


def _timestamp(value: object) -> datetime:
    stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return stamp.replace(tzinfo=None) if stamp.tzinfo is None else stamp.astimezone(UTC).replace(tzinfo=None)


_GRAPH_CLAUSE = re.compile(r"\bGRAPH\s*<([^<>\s]+)>", re.IGNORECASE)


@dataclass(frozen=True)
class RemoteConfig:
    """Where the server is and how to reach it. Every field can come from a
    ``CTRLGRAPH_SPARQL_*`` environment variable (see :meth:`from_env`)."""

    query_url: str
    update_url: str
    gsp_url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    #: "digest" (Virtuoso's /sparql-auth) or "basic" (Fuseki, GraphDB, proxies).
    auth: str = "digest"
    dialect: str = "virtuoso"
    #: Seconds to connect and, for internal reads, to wait for an answer.
    timeout: float = 60.0
    #: Seconds to wait for a write: the derive update after a full-scale load
    #: takes ~30 s on Virtuoso at 800,000 mappings.
    write_timeout: float = 900.0
    #: Extra attempts for a read that failed on the network or with 502/503/504.
    retries: int = 2
    #: Connections kept open to the server.
    pool_size: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RemoteConfig:
        env = os.environ if env is None else env
        query = env.get("CTRLGRAPH_SPARQL_QUERY_URL")
        if not query:
            raise StoreError("CTRLGRAPH_SPARQL_QUERY_URL is not set (the remote store needs a query endpoint)")
        return cls(
            query_url=query,
            update_url=env.get("CTRLGRAPH_SPARQL_UPDATE_URL") or query,
            gsp_url=env.get("CTRLGRAPH_SPARQL_GSP_URL") or query,
            user=env.get("CTRLGRAPH_SPARQL_USER") or None,
            password=env.get("CTRLGRAPH_SPARQL_PASSWORD") or None,
            auth=env.get("CTRLGRAPH_SPARQL_AUTH", "digest"),
            dialect=env.get("CTRLGRAPH_SPARQL_DIALECT", "virtuoso"),
            timeout=float(env.get("CTRLGRAPH_SPARQL_TIMEOUT", "60")),
            write_timeout=float(env.get("CTRLGRAPH_SPARQL_WRITE_TIMEOUT", "900")),
            retries=int(env.get("CTRLGRAPH_SPARQL_RETRIES", "2")),
        )

    def to_env(self) -> dict[str, str]:
        env = {
            "CTRLGRAPH_SPARQL_QUERY_URL": self.query_url,
            "CTRLGRAPH_SPARQL_UPDATE_URL": self.update_url,
            "CTRLGRAPH_SPARQL_GSP_URL": self.gsp_url,
            "CTRLGRAPH_SPARQL_AUTH": self.auth,
            "CTRLGRAPH_SPARQL_DIALECT": self.dialect,
            "CTRLGRAPH_SPARQL_TIMEOUT": str(self.timeout),
            "CTRLGRAPH_SPARQL_WRITE_TIMEOUT": str(self.write_timeout),
            "CTRLGRAPH_SPARQL_RETRIES": str(self.retries),
        }
        if self.user:
            env["CTRLGRAPH_SPARQL_USER"] = self.user
        if self.password:
            env["CTRLGRAPH_SPARQL_PASSWORD"] = self.password
        return env


def _server_message(response: httpx.Response) -> str:
    """The server's error text, without HTML and trimmed to something readable."""
    text = re.sub(r"<[^>]+>", " ", response.text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:600] or f"HTTP {response.status_code}"


def _json_term(term: Mapping[str, str]) -> str | int | float | bool:
    kind = term.get("type")
    value = term.get("value", "")
    if kind == "uri":
        return value
    if kind == "bnode":
        return "_:" + value.removeprefix("nodeID://")
    return literal_value(value, term.get("datatype"))


class RemoteStore:
    """A :class:`~ctrlgraph.store.base.GraphStore` on a SPARQL 1.1 server."""

    supports_graph_store_protocol = True

    def __init__(self, config: RemoteConfig, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        self.dialect: Dialect = DIALECTS.get(config.dialect, VIRTUOSO)
        auth: httpx.Auth | None = None
        if config.user and config.password:
            auth = (
                httpx.DigestAuth(config.user, config.password)
                if config.auth == "digest"
                else httpx.BasicAuth(config.user, config.password)
            )
        limits = httpx.Limits(max_connections=config.pool_size, max_keepalive_connections=config.pool_size)
        self._client = httpx.Client(timeout=config.timeout, limits=limits, transport=transport)
        self._auth = auth
        self._reference_cache: tuple[float, list[str]] | None = None

    # -- reads -----------------------------------------------------------------

    def _read(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        """An idempotent request, retried on network errors and 502/503/504."""
        attempt = 0
        while True:
            try:
                response = self._client.request(method, url, **kwargs)  # type: ignore[arg-type]
            except httpx.TimeoutException as exc:
                raise QueryTimeout(f"the SPARQL server did not answer in time: {exc}") from exc
            except httpx.TransportError as exc:
                if attempt >= self.config.retries:
                    raise StoreError(f"cannot reach the SPARQL server at {url}: {exc}") from exc
            else:
                if response.status_code not in _RETRY_STATUS or attempt >= self.config.retries:
                    return response
            attempt += 1
            time.sleep(0.2 * 2**attempt)

    def query(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        accept: str = "application/sparql-results+json",
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send a query as it is; the caller reads the response. With both
        dataset lists None, the server's own default dataset is used."""
        params: list[tuple[str, str]] = []
        if default_graphs is not None or named_graphs is not None:
            default, named = self.dialect.complete_dataset(default_graphs or [], named_graphs or [])
            if self.dialect.dataset_in_query:
                query = self.dialect.with_dataset(query, default, named)
            else:
                params += [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in named]
        params.insert(0, ("query", query))
        if timeout is not None and self.dialect.partial_result_state:
            params.append(("timeout", str(int(timeout * 1000))))
        request_timeout = httpx.Timeout(self.config.timeout if timeout is None else timeout + 5.0)
        response = self._read(
            "POST",
            self.config.query_url,
            content=urlencode(params).encode("ascii"),
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=request_timeout,
        )
        state = response.headers.get("X-SQL-State")
        if state and state == self.dialect.partial_result_state:
            raise QueryTimeout(
                f"the query ran longer than the {timeout or self.config.timeout:g} s limit and was stopped"
            )
        return response

    def select(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        union_default: bool = False,
    ) -> list[Row]:
        if union_default:
            if mentions_tenant_graph(query):
                raise StoreError("a reference query (union_default) may not name tenant graphs: query them apart")
            # The reference dataset: the reference graphs, never the server's
            # union of everything (which holds every organization's graphs).
            default_graphs = named_graphs = self.reference_dataset()
        # No dataset at all: like Oxigraph, GRAPH <g> reaches every named graph.
        # (Internal queries without a dataset name their graphs explicitly.)
        response = self.query(query, default_graphs=default_graphs, named_graphs=named_graphs)
        if response.status_code != 200:
            raise StoreError(f"the SPARQL server refused a query ({response.status_code}): {_server_message(response)}")
        try:
            document = response.json()
        except ValueError as exc:
            raise StoreError("the SPARQL server did not answer with SPARQL JSON results") from exc
        if "boolean" in document:
            raise StoreError("select() needs a SELECT query")
        return [
            {name: _json_term(term) for name, term in binding.items()} for binding in document["results"]["bindings"]
        ]

    def reference_dataset(self) -> list[str]:
        """The graphs of the reference dataset (reference graphs as recorded
        in the meta graph, the derived graph, the meta graph). Read again at
        most every 2 s, and after each write from this process."""
        cached = self._reference_cache
        if cached is not None and time.monotonic() - cached[0] < 2.0:
            return cached[1]
        from ctrlgraph.loader import reference_graphs

        graphs = [*reference_graphs(self), META_GRAPH]
        self._reference_cache = (time.monotonic(), graphs)
        return graphs

    def graph_ntriples(self, graph: str) -> str:
        """The graph as sorted N-Triples (blank node labels are the server's)."""
        response = self._read(
            "GET",
            self.config.gsp_url,
            params={"graph": graph},
            headers={"Accept": "application/n-triples"},
            auth=self._auth,  # the Graph Store endpoint may be the authenticated one
        )
        if response.status_code == 404:
            return ""
        if response.status_code != 200:
            raise StoreError(f"cannot read graph <{graph}> ({response.status_code}): {_server_message(response)}")
        triples = [q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)]
        text = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
        lines = sorted(text.splitlines())
        return "\n".join(lines) + ("\n" if lines else "")

    def named_graphs(self) -> list[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(str(r["g"]) for r in rows)

    # -- writes ----------------------------------------------------------------

    def _write(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        """A write, sent once: a write whose answer was lost may have been
        applied. Sent again only when the server says it rolled the write back
        whole after colliding with another (Dialect.rolled_back), after a
        randomized pause so that the two do not collide again."""
        self._reference_cache = None
        attempt = 0
        while True:
            try:
                response = self._client.request(
                    method,
                    url,
                    auth=self._auth,
                    timeout=httpx.Timeout(self.config.write_timeout, connect=self.config.timeout),
                    **kwargs,  # type: ignore[arg-type]
                )
            except httpx.HTTPError as exc:
                raise StoreError(f"write to the SPARQL server failed: {exc}") from exc
            if response.status_code < 300 or (method == "DELETE" and response.status_code == 404):
                return response
            if attempt < self.config.retries and self.dialect.rolled_back(response.status_code, response.text):
                attempt += 1
                time.sleep(0.2 * 2**attempt * random.uniform(0.5, 1.5))
                continue
            raise StoreError(f"the SPARQL server refused a write ({response.status_code}): {_server_message(response)}")

    def update(self, update: str) -> None:
        self._write("POST", self.config.update_url, data={"update": update})

    def _send_graph(self, method: str, graph: str, ntriples: str) -> None:
        self._write(
            method,
            self.config.gsp_url,
            params={"graph": graph},
            content=ntriples.encode("utf-8"),
            headers={"Content-Type": "application/n-triples"},
        )

    def put_graph(self, graph: str, ntriples: str) -> None:
        """Replace one graph through the Graph Store Protocol (empty: delete it)."""
        if ntriples.strip():
            self._send_graph("PUT", graph, ntriples)
        else:
            self._write("DELETE", self.config.gsp_url, params={"graph": graph})

    def post_graph(self, graph: str, ntriples: str) -> None:
        """Add triples to one graph through the Graph Store Protocol."""
        if ntriples.strip():
            self._send_graph("POST", graph, ntriples)

    def replace_graphs(self, graphs: Mapping[str, str], *, extra_update: str = "") -> None:
        """Replace named graphs and run ``extra_update``: all or nothing.

        Everything goes in one update request, so once it is sent the server
        finishes it even if this process dies. Servers do not all apply one
        request as one transaction, though (Virtuoso commits operation by
        operation), so the graphs it touches are read first and put back if
        the server reports a failure.
        """
        update = replacement_update(graphs, extra_update, blank_nodes_in_data=self.dialect.blank_nodes_in_data)
        if not update:
            return
        touched = list(dict.fromkeys([*graphs, *_GRAPH_CLAUSE.findall(extra_update)]))
        before = {graph: self.graph_ntriples(graph) for graph in touched}
        try:
            self.update(update)
        except StoreError as failure:
            try:
                for graph, ntriples in before.items():
                    self.put_graph(graph, ntriples)
            except StoreError as restore_failure:  # pragma: no cover - the server went away mid-write
                log.error("could not restore graphs after a failed write: %s", restore_failure)
                raise StoreError(
                    f"{failure}; restoring the previous graphs also failed: {restore_failure}"
                ) from failure
            raise

    @contextmanager
    def lease(self, name: str, *, ttl: float = 120.0, wait: float = 60.0) -> Iterator[None]:
        """Hold a lock named ``name`` across every process using this server.

        Replicas share nothing but the server, so the lock lives there. Each
        contender adds a claim stamped by the server's clock (NOW(), one clock
        for everyone), then reads all claims: it holds the lock when every
        other live claim is strictly younger. Ties and older claims make it
        withdraw and retry; a claim older than ``ttl`` (a crashed holder) is
        ignored and removed. Claims live in their own graph, read by no query.
        """
        subject = sparql_iri(f"urn:x-ctrlgraph:lease:{quote(name, safe='')}")
        claim = sparql_iri(f"urn:x-ctrlgraph:claim:{secrets.token_hex(12)}")
        graph, on, at = sparql_iri(LEASE_GRAPH), sparql_iri(_LEASE_ON), sparql_iri(_LEASE_AT)
        deadline = time.monotonic() + wait
        while True:
            self.update(
                f"INSERT {{ GRAPH {graph} {{ {claim} {on} {subject} ; {at} ?now }} }} WHERE {{ BIND(NOW() AS ?now) }}"
            )
            rows = self.select(f"SELECT ?claim ?at WHERE {{ GRAPH {graph} {{ ?claim {on} {subject} ; {at} ?at }} }}")
            stamps = {f"<{r['claim']}>": _timestamp(r["at"]) for r in rows}
            mine = stamps.pop(claim, None)
            if mine is None:  # pragma: no cover - our own claim must be there
                raise StoreError(f"lease {name!r}: the server lost our claim")
            stale = [c for c, stamp in stamps.items() if (mine - stamp).total_seconds() > ttl]
            if stale:
                self.update(" ;\n".join(f"DELETE WHERE {{ GRAPH {graph} {{ {c} ?p ?o }} }}" for c in stale))
            if all(stamp > mine for c, stamp in stamps.items() if c not in stale):
                break
            self.update(f"DELETE WHERE {{ GRAPH {graph} {{ {claim} ?p ?o }} }}")
            if time.monotonic() > deadline:
                raise StoreError(f"{name!r} stayed locked by another process for {wait:g} s")
            time.sleep(random.uniform(0.02, 0.2))
        try:
            yield
        finally:
            self.update(f"DELETE WHERE {{ GRAPH {graph} {{ {claim} ?p ?o }} }}")

    def drop_graphs(self, graphs: Sequence[str], *, per_request: int = 200) -> None:
        """Drop graphs, a few hundred per request (servers cap an update's size)."""
        for start in range(0, len(graphs), per_request):
            batch = graphs[start : start + per_request]
            self.update(" ;\n".join(f"DROP SILENT GRAPH {sparql_iri(g)}" for g in batch))

    def flush(self) -> None:
        """Nothing to flush: the server commits each write."""

    def close(self) -> None:
        self._client.close()
