"""Code that runs inside a query worker process.

Kept free of heavy imports: a worker is respawned after every timeout.
Each worker opens a checkpoint of the store read-only (it can never write;
see ctrlgraph.sparql.pool) and opens the next one when the pool names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing.connection import Connection

import pyoxigraph as ox

from ctrlgraph.iri import KNOWN_PREFIXES
from ctrlgraph.orphans import exit_with_parent
from ctrlgraph.sparql.negotiation import GRAPH_TYPES, SOLUTION_TYPES, MediaRange, choose


@dataclass(frozen=True)
class QueryJob:
    query: str
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    accept: list[MediaRange]
    generation: int
    max_result_bytes: int
    #: The default graph is the union of every graph of the store (its dataset
    #: is exactly what the caller may read: the reference store, or a view).
    union: bool = False
    #: Run on this store (an organization's view) instead of the worker's own.
    store_path: str | None = None


@dataclass(frozen=True)
class QueryAnswer:
    status: int
    media_type: str
    body: bytes


class _TooLarge(Exception):
    pass


class _CappedBuffer:
    """A write target that stops serialization once the cap is passed."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.cap:
            raise _TooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def error(status: int, message: str) -> QueryAnswer:
    return QueryAnswer(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))


def execute(store: ox.Store, job: QueryJob) -> QueryAnswer:
    try:
        if job.union:
            result = store.query(job.query, use_default_graph_as_union=True)
        else:
            result = store.query(
                job.query,
                default_graph=None if job.default_graphs is None else [ox.NamedNode(g) for g in job.default_graphs],
                named_graphs=None if job.named_graphs is None else [ox.NamedNode(g) for g in job.named_graphs],
            )
    except SyntaxError as exc:
        return error(400, f"SPARQL syntax error: {exc}")
    except (OSError, ValueError) as exc:
        return error(400, f"query could not be evaluated: {exc}")
    except MemoryError:
        return _memory_error()
    try:
        return render(result, job)
    except MemoryError:
        return _memory_error()


def _memory_error() -> QueryAnswer:
    return error(
        422,
        "the query needed more memory than a query worker may use"
        " (bound query_memory_mb, setting CTRLGRAPH_QUERY_MEMORY_MB): narrow the query",
    )


def render(
    result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple], job: QueryJob
) -> QueryAnswer:
    """Serialize a query result in the format the client accepts, within the
    result-size cap. A list of triples is a graph result fetched elsewhere."""
    is_graph = isinstance(result, (ox.QueryTriples, list))
    offered = GRAPH_TYPES if is_graph else SOLUTION_TYPES
    media_type = choose(job.accept, offered)
    if media_type is None:
        return error(406, "none of the accepted media types can carry this result; offered: " + ", ".join(offered))
    buffer = _CappedBuffer(job.max_result_bytes)
    try:
        if isinstance(result, (list, ox.QueryTriples)):
            # ox.serialize, not QueryTriples.serialize: only it writes @prefix declarations
            ox.serialize(result, buffer, ox.RdfFormat.from_media_type(media_type), prefixes=KNOWN_PREFIXES)
        else:
            result.serialize(buffer, ox.QueryResultsFormat.from_media_type(media_type))
    except _TooLarge:
        return error(
            422, f"the result is larger than the limit of {job.max_result_bytes} bytes: add a LIMIT or narrow the query"
        )
    except (OSError, ValueError) as exc:
        return error(400, f"query could not be evaluated: {exc}")
    charset = "; charset=utf-8" if media_type.startswith("text/") or "json" in media_type else ""
    return QueryAnswer(200, media_type + charset, buffer.getvalue())


def serve(conn: Connection, memory_mb: int = 0) -> None:  # pragma: no cover - runs in a child process
    from ctrlgraph.work import limit_memory

    exit_with_parent()  # even a worker busy in a query stops when the server dies
    limit_memory(memory_mb)
    store: ox.Store | None = None
    opened = ""
    views: dict[str, ox.Store] = {}  # organization views are immutable: kept open, a few at a time
    while True:
        try:
            message: tuple[QueryJob, str | None] | None = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        job, path = message
        if job.store_path is not None:
            if job.store_path not in views:
                if len(views) >= 4:
                    views.pop(next(iter(views)))
                views[job.store_path] = ox.Store.read_only(job.store_path)
            target = views[job.store_path]
        else:
            if store is None or path != opened:
                store = None  # close the previous checkpoint first
                store = ox.Store.read_only(str(path))
                opened = str(path)
            target = store
        try:
            answer = execute(target, job)
        except Exception as exc:
            answer = error(500, f"the query failed: {type(exc).__name__}")
        conn.send(answer)
