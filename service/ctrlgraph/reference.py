"""Running the query files against the reference graph.

Reference queries run with ``union_default=True``, which every store reads as
the *reference dataset*: the shipped and imported reference graphs (with the
meta and derived graphs), never an organization's evidence, validation report,
audit trail or snapshots. The embedded store keeps tenant graphs in a store of
their own, so the reference dataset is its reference store's union (one index
scan, however many framework graphs); a remote store sends the reference
graphs as the query's dataset. A query naming a tenant graph cannot run as a
reference query: evidence and reference are queried apart and joined here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ctrlgraph import queries
from ctrlgraph.iri import DCTERMS, META_GRAPH
from ctrlgraph.store.base import GraphStore, Iri, Row, bind, sparql_iri


@dataclass(frozen=True)
class Rows:
    """The rows of a ``VALUES (?a ?b …) { {{name}} }`` block: tuples of IRIs
    and integers, written as ``(<iri> 3) (<iri> 4)``. A query can then carry
    a small number along with each IRI (and return the number instead of the
    IRI, which saves decoding the IRI on every result row)."""

    rows: Sequence[tuple[Iri | int, ...]]

    def sparql(self) -> str:
        def term(value: Iri | int) -> str:
            if isinstance(value, Iri):
                return sparql_iri(value.value)
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            raise TypeError(f"a VALUES row holds IRIs and integers only, not {value!r}")

        return " ".join("(" + " ".join(term(v) for v in row) + ")" for row in self.rows)


def select(store: GraphStore, name: str, /, **params: object) -> list[Row]:
    """Run ``queries/<name>.rq`` with ``{{param}}`` placeholders bound
    (:class:`Rows` values as VALUES rows, everything else by :func:`bind`)."""
    text = queries.load(name)
    rows = {key: value for key, value in params.items() if isinstance(value, Rows)}
    for key, value in rows.items():
        placeholder = "{{" + key + "}}"
        if placeholder not in text:
            raise KeyError(f"query parameters not in the query: [{key!r}]")
        # IRIs and integers hold no braces, so bind() below cannot mistake a row for a placeholder
        text = text.replace(placeholder, value.sparql())
    scalar = {key: value for key, value in params.items() if key not in rows}
    return store.select(bind(text, scalar), union_default=True)


def term_names(store: GraphStore, iris: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    """Notation and label of reference terms, from the reference graphs only:
    term IRI -> (skos:notation, rdfs:label). Terms the reference graphs do not
    describe are left out."""
    names: dict[str, tuple[str | None, str | None]] = {}
    unique = sorted(set(iris))
    for start in range(0, len(unique), 500):
        chunk = [Iri(i) for i in unique[start : start + 500]]
        for row in store.select(bind(queries.load("reference_terms"), {"terms": chunk}), union_default=True):
            notation, label = row.get("notation"), row.get("label")
            if notation is None and label is None:
                continue
            names.setdefault(
                str(row["term"]), (None if notation is None else str(notation), None if label is None else str(label))
            )
    return names


_VERSION_QUERY = (
    f"SELECT (MAX(STR(?m)) AS ?v) (COUNT(?g) AS ?n) WHERE {{ GRAPH <{META_GRAPH}> {{ ?g <{DCTERMS}modified> ?m }} }}"
)


def reference_version(store: GraphStore) -> str:
    """A token that changes whenever the reference graph does: every load and
    import rewrites the meta graph's entries (newest modification, number of
    graphs). The response cache, the direct+control legs and the organization
    views are keyed by it. The query costs ~2 ms at 700 frameworks (705 meta
    entries), so on the embedded store, whose writes all go through this
    process, the token is read again only after a write to the reference
    store (``OxigraphStore.reference_writes``); a remote store may have other
    writers and is asked each time."""
    writes = getattr(store, "reference_writes", None)
    memo: tuple[int, str] | None = getattr(store, "_reference_version", None)
    if writes is not None and memo is not None and memo[0] == writes:
        return memo[1]
    rows = store.select(_VERSION_QUERY)
    version = f"{rows[0].get('v', '')}/{rows[0].get('n', 0)}" if rows else ""
    if writes is not None:
        store._reference_version = (writes, version)  # type: ignore[attr-defined]
    return version
