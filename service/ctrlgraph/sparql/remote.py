"""/sparql on a remote store: the user's query goes to the server with the
dataset ctrlgraph built, and comes back in the format the client negotiated.

On Virtuoso the dataset is written into the query as FROM / FROM NAMED
clauses (see ctrlgraph.store.dialect), and the text sent is parsed again to
check it names exactly that dataset.

The query is parsed here first with Oxigraph's SPARQL 1.1 parser (on an empty
in-memory store, where SELECT and CONSTRUCT are not evaluated), so syntax
errors read the same on every backend and server-specific syntax never gets
through. The server answers in SPARQL JSON or N-Triples; pyoxigraph turns
that into any format the embedded endpoint offers. The time limit is passed
to the server (which stops the query) and to the HTTP client.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
from anyio import to_thread

from ctrlgraph.sparql.guard import check
from ctrlgraph.sparql.worker import QueryAnswer, QueryJob, error, render
from ctrlgraph.store.base import QueryTimeout, StoreError
from ctrlgraph.store.remote import RemoteStore, _server_message


def _returns_triples(query: str) -> bool:
    """Whether the query is a CONSTRUCT or DESCRIBE (parsed by Oxigraph, not run).

    The parsed result is dropped here, in the thread that made it: pyoxigraph's
    results may not be freed on another thread, which an exception's traceback
    (holding the caller's frame) would otherwise make them."""
    return isinstance(ox.Store().query(query), ox.QueryTriples)


def _strip_bnode_scheme(body: bytes) -> bytes:
    """Virtuoso labels blank nodes ``nodeID://b123``; SPARQL JSON readers want a plain label."""
    document = json.loads(body)
    for binding in document.get("results", {}).get("bindings", []):
        for term in binding.values():
            if term.get("type") == "bnode":
                term["value"] = term["value"].removeprefix("nodeID://").replace("/", "_")
    return json.dumps(document).encode("utf-8")


class RemoteQueryRunner:
    """Same contract as :class:`~ctrlgraph.sparql.pool.QueryPool`:
    ``run(job, timeout)``, and ``run_async`` for the event loop."""

    def __init__(self, store: RemoteStore) -> None:
        self.store = store

    async def run_async(self, job: QueryJob, timeout: float) -> QueryAnswer:
        """:meth:`run` in a thread: the remote server is waited on over HTTP."""
        return await to_thread.run_sync(self.run, job, timeout)

    def run(self, job: QueryJob, timeout: float) -> QueryAnswer:
        refusal = self.store.dialect.refusal(job.query)
        if refusal:
            return error(400, refusal)
        try:
            is_graph = _returns_triples(job.query)
        except SyntaxError as exc:
            return error(400, f"SPARQL syntax error: {exc}")
        except (OSError, ValueError) as exc:
            return error(400, f"query could not be evaluated: {exc}")
        accept = "application/n-triples" if is_graph else "application/sparql-results+json"
        dialect = self.store.dialect
        default, named = dialect.complete_dataset(job.default_graphs or [], job.named_graphs or [])
        if dialect.dataset_in_query:
            query = dialect.with_dataset(job.query, default, named)
            # Fail closed: the text sent must name exactly the dataset we built.
            sent = check(query)
            if not sent.complete or (set(sent.default), set(sent.named)) != (set(default), set(named)):
                return error(400, "the query's dataset could not be set; check its syntax")
            response = self.store.query(query, accept=accept, timeout=timeout)
        else:
            response = self.store.query(
                job.query, default_graphs=default, named_graphs=named, accept=accept, timeout=timeout
            )
        if response.status_code != 200:
            message = _server_message(response)
            kind = self.store.dialect.error_kind(response.status_code, message)
            if kind == "timeout":
                raise QueryTimeout(f"the query ran longer than the {timeout:g} s limit and was stopped")
            if kind == "server":
                raise StoreError(f"the SPARQL server failed ({response.status_code}): {message}")
            return error(400, f"query could not be evaluated: {message}")
        if len(response.content) > job.max_result_bytes * 4:  # a cheap early stop; render() applies the real cap
            return error(
                422,
                f"the result is larger than the limit of {job.max_result_bytes} bytes: add a LIMIT or narrow the query",
            )
        try:
            if is_graph:
                triples = [q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)]
                return render(triples, job)
            result = ox.parse_query_results(_strip_bnode_scheme(response.content), format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"the SPARQL server's answer could not be read: {exc}") from exc
        return render(result, job)  # type: ignore[arg-type]

    def close(self) -> None:
        """Nothing to stop: the store owns the connections."""


__all__ = ["QueryTimeout", "RemoteQueryRunner"]
