"""Reading and writing an organization's evidence graph.

A write is all-or-nothing: the upload is parsed and validated (the merged
graph, for an addition) before anything is stored, and the evidence graph and
its validation report are replaced in one store transaction. Writes to one
organization are serialized so that concurrent additions are never lost.
"""

from __future__ import annotations

import hashlib
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import pyoxigraph as ox

from ctrlgraph.evidence.integrity import trespass, trespasses
from ctrlgraph.evidence.parsing import ParseProblem, parse_rdf, to_ntriples
from ctrlgraph.evidence.tenants import org_iri
from ctrlgraph.evidence.validation import EvidenceReport, Finding, graph_from_ntriples, validate_ntriples
from ctrlgraph.iri import CG, DCTERMS, ORG_GRAPH_PREFIX, RDF, RDFS, XSD
from ctrlgraph.store.base import GraphStore, sparql_literal

_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_locks_guard = threading.Lock()


def evidence_graph(org_id: str) -> str:
    return ORG_GRAPH_PREFIX + org_id


def report_graph(org_id: str) -> str:
    return ORG_GRAPH_PREFIX + org_id + "/validation"


def history_graph(org_id: str) -> str:
    """The audit trail: one cg:EvidenceVersion per change."""
    return ORG_GRAPH_PREFIX + org_id + "/history"


def snapshot_graph(org_id: str, version: int) -> str:
    """The evidence exactly as it was after change number ``version``."""
    return f"{ORG_GRAPH_PREFIX}{org_id}/version/{version}"


def org_lock(org_id: str) -> threading.Lock:
    with _locks_guard:
        return _locks[org_id]


@contextmanager
def org_write_lock(store: GraphStore, org_id: str) -> Iterator[None]:
    """Serialize writes to one organization: within this process, and across
    every replica when the store is a shared server (which holds the lease)."""
    with org_lock(org_id):
        lease = getattr(store, "lease", None)
        if lease is None:  # the embedded store: one process owns it
            yield
            return
        with lease(f"org/{org_id}"):
            yield


class EvidenceRejected(Exception):
    """The evidence does not conform: nothing was stored."""

    def __init__(self, report: EvidenceReport) -> None:
        self.report = report
        super().__init__(f"{len(report.violations)} SHACL violation(s)")


@dataclass
class WriteOutcome:
    triples: int
    report: EvidenceReport
    version: int
    content_hash: str


def content_hash(ntriples: str) -> str:
    """SHA-256 of the graph in RDF Dataset Canonicalization (RDFC-1.0) form, so
    that blank-node labels do not change the hash. Give it the stored form
    (:func:`canonical_ntriples`): it is what the audit trail verifies against.
    RDFC-1.0 is exponential on blank-node cliques and unbounded in memory on
    deep chains, so the service runs it in a bounded worker (ctrlgraph.work)."""
    return hashlib.sha256("\n".join(canonical_lines(ntriples)).encode()).hexdigest()


def canonical_lines(ntriples: str) -> list[str]:
    """The graph's statements in RDFC-1.0 form, sorted: blank nodes carry
    canonical labels, so the same graph uploaded twice gives the same lines
    (what the hash is taken of, and what the audit trail's diff counts)."""
    triples = list(ox.parse(ntriples.encode(), format=ox.RdfFormat.N_TRIPLES)) if ntriples.strip() else []
    dataset = ox.Dataset(triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(quad) + " ." for quad in dataset)


@dataclass
class Version:
    number: int
    created: str
    changed_by: str
    kind: str
    added: int
    removed: int
    triples: int
    content_hash: str


def history(store: GraphStore, org_id: str) -> list[Version]:
    rows = store.select(
        f"""SELECT ?n ?created ?by ?kind ?added ?removed ?triples ?hash WHERE {{
              GRAPH <{history_graph(org_id)}> {{
                ?v <{CG}versionNumber> ?n ; <{DCTERMS}created> ?created ; <{CG}changedBy> ?by ;
                   <{CG}changeKind> ?kind ; <{CG}triplesAdded> ?added ; <{CG}triplesRemoved> ?removed ;
                   <{CG}tripleCount> ?triples ; <{CG}contentHash> ?hash }} }} ORDER BY ?n"""
    )
    return [
        Version(
            int(r["n"]),
            str(r["created"]),
            str(r["by"]),
            str(r["kind"]),
            int(r["added"]),
            int(r["removed"]),
            int(r["triples"]),
            str(r["hash"]),
        )
        for r in rows
    ]


def version_at(store: GraphStore, org_id: str, at: datetime) -> Version | None:
    """The version current at ``at`` (the last change made at or before it)."""
    moment = at if at.tzinfo else at.replace(tzinfo=UTC)
    current = None
    for v in history(store, org_id):
        if datetime.fromisoformat(v.created.replace("Z", "+00:00")) <= moment:
            current = v
    return current


def read_version(store: GraphStore, org_id: str, version: int) -> str:
    return store.graph_ntriples(snapshot_graph(org_id, version))


def _with_org_node(ntriples: str, org_id: str, org_name: str) -> str:
    """Evidence always describes its organization; add the node if the upload did not."""
    if f"<{RDF}type> <{CG}Organization>" in ntriples:
        return ntriples
    iri = f"<{org_iri(org_id)}>"
    return ntriples + (
        f"{iri} <{RDF}type> <{CG}Organization> .\n"
        f"{iri} <{DCTERMS}identifier> {sparql_literal(org_id)} .\n"
        f"{iri} <{RDFS}label> {sparql_literal(org_name)} .\n"
    )


def check_org_node(ntriples: str, org_id: str) -> None:
    triples = [q.triple for q in ox.parse(ntriples.encode(), format=ox.RdfFormat.N_TRIPLES)]
    org_class = ox.NamedNode(CG + "Organization")
    rdf_type = ox.NamedNode(RDF + "type")
    identifier = ox.NamedNode(DCTERMS + "identifier")
    orgs = {t.subject for t in triples if t.predicate == rdf_type and t.object == org_class}
    ids = {
        t.object.value
        for t in triples
        if t.subject in orgs and t.predicate == identifier and isinstance(t.object, ox.Literal)
    }
    if len(orgs) != 1 or ids != {org_id}:
        raise ParseProblem(
            "",
            f'the evidence must describe exactly one cg:Organization, with dcterms:identifier "{org_id}" '
            f"(found {len(orgs)}: {', '.join(sorted(ids)) or 'none'})",
        )


class EvidenceTrespass(ParseProblem):
    """The evidence states triples outside the organization's own resources."""

    def __init__(self, triples: list[str], count: int) -> None:
        self.triples = triples
        self.count = count
        super().__init__(
            "",
            f"{count} triple(s) state facts the organization may not state (evidence describes only the"
            " organization's own resources: its namespace and blank nodes, pointing at reference IRIs"
            " only through the evidence vocabulary): " + "; ".join(triples),
        )


def check_ownership(ntriples: str, org_id: str) -> None:
    """Refuse evidence that states anything but the organization's own facts
    (see :mod:`ctrlgraph.evidence.integrity`)."""
    triples = [q.triple for q in ox.parse(ntriples.encode(), format=ox.RdfFormat.N_TRIPLES)]
    found, count = trespasses(triples, org_id)
    if count:
        raise EvidenceTrespass(found, count)


def read_evidence(store: GraphStore, org_id: str) -> str:
    return store.graph_ntriples(evidence_graph(org_id))


def read_report(store: GraphStore, org_id: str) -> str:
    return store.graph_ntriples(report_graph(org_id))


@dataclass
class PreparedWrite:
    """What a write stores, computed off the serving process."""

    merged: str  # the new evidence: sorted, deduplicated N-Triples in stored (canonical) form
    report_nt: str
    as_of: str
    findings: list[Finding]
    added: int
    removed: int
    triples: int
    digest: str


def canonical_ntriples(ntriples: str) -> str:
    """The triples as the store keeps them: Oxigraph stores typed literals by
    value (``"0.80"^^xsd:decimal`` becomes ``"0.8"``, ``"01"^^xsd:integer``
    ``"1"``), so the hash, the diff and the merge are made on that form."""
    if not ntriples.strip():
        return ""
    memory = ox.Store()
    memory.extend(ox.parse(ntriples.encode(), format=ox.RdfFormat.N_TRIPLES))
    text = ox.serialize([q.triple for q in memory], format=ox.RdfFormat.N_TRIPLES)
    return "".join(sorted(set((text or b"").decode("utf-8").splitlines(keepends=True))))


def body_to_ntriples(body: bytes, media_type: str, org_id: str) -> str:
    """An upload (RDF or the spreadsheet template) as N-Triples; raises ParseProblem."""
    if media_type in ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
        from ctrlgraph.evidence.template import template_to_ntriples

        return template_to_ntriples(body, media_type, org_id)
    return to_ntriples(parse_rdf(body, media_type, org_id))


def prepare_write(
    body: bytes, media_type: str, org_id: str, org_name: str, existing: str, mode: str, as_of: date | None
) -> tuple[str, object]:
    """Parse, canonicalise, validate and hash: the heavy part of a write, run
    in a bounded worker process. Returns ("ok", PreparedWrite), ("parse",
    (where, message)) or ("rejected", (as_of, report N-Triples, findings, triples))."""
    try:
        new = canonical_ntriples(body_to_ntriples(body, media_type, org_id))
        if not new.strip() and mode != "restore":
            raise ParseProblem(
                "", "the upload holds no triples; nothing was changed (DELETE the evidence to remove it)"
            )
        merged = canonical_ntriples(_with_org_node((existing if mode == "add" else "") + new, org_id, org_name))
        check_org_node(merged, org_id)
        check_ownership(merged, org_id)
    except EvidenceTrespass as exc:
        return "trespass", (exc.triples, exc.count)
    except ParseProblem as exc:
        return "parse", (exc.where, exc.message)
    report = validate_ntriples(merged, as_of, separate_process=False)
    report_nt = report.report.serialize(format="nt")
    if not report.conforms:
        return "rejected", (report.as_of.isoformat(), report_nt, report.findings, merged.count("\n"))
    # Compared in stored form (a remote store may write literals its own way)
    # and with canonical blank-node labels: the same file again changes nothing.
    old_canonical = canonical_lines(canonical_ntriples(existing))
    new_canonical = canonical_lines(merged)
    old_lines, new_lines = set(old_canonical), set(new_canonical)
    return "ok", PreparedWrite(
        merged,
        report_nt,
        report.as_of.isoformat(),
        report.findings,
        len(new_lines - old_lines),
        len(old_lines - new_lines),
        len(set(merged.splitlines())),
        hashlib.sha256("\n".join(new_canonical).encode()).hexdigest(),
    )


@dataclass
class CheckOutcome:
    triples: int
    report: EvidenceReport


def _prepare(
    body: bytes,
    media_type: str,
    org_id: str,
    org_name: str,
    existing: str,
    mode: str,
    as_of: date | None,
    separate_process: bool,
) -> tuple[str, object]:
    """prepare_write in a bounded worker (ctrlgraph.work) or here; a parse problem is raised."""
    args = (body, media_type, org_id, org_name, existing, mode, as_of)
    if separate_process:
        from ctrlgraph import work

        kind, value = work.pool().run(org_id, prepare_write, *args)
    else:
        kind, value = prepare_write(*args)
    if kind == "parse":
        raise ParseProblem(*value)  # type: ignore[misc]
    if kind == "trespass":
        raise EvidenceTrespass(*value)  # type: ignore[misc]
    return kind, value


def _rejected_report(value: object) -> EvidenceReport:
    day, report_nt, findings, _ = value  # type: ignore[misc]
    return EvidenceReport(date.fromisoformat(day), findings, graph_from_ntriples(report_nt))


def check_evidence(
    store: GraphStore,
    org_id: str,
    org_name: str,
    body: bytes,
    media_type: str,
    mode: Literal["replace", "add"],
    as_of: date | None = None,
    separate_process: bool = True,
) -> CheckOutcome:
    """What write_evidence would decide, without storing anything (a dry run
    for the upload page): parse, merge as the write would, validate; under
    the same bounds as a write."""
    existing = read_evidence(store, org_id) if mode == "add" else ""
    kind, value = _prepare(body, media_type, org_id, org_name, existing, mode, as_of, separate_process)
    if kind == "rejected":
        return CheckOutcome(value[3], _rejected_report(value))  # type: ignore[index]
    prepared: PreparedWrite = value  # type: ignore[assignment]
    report = EvidenceReport(
        date.fromisoformat(prepared.as_of), prepared.findings, graph_from_ntriples(prepared.report_nt)
    )
    return CheckOutcome(prepared.triples, report)


def write_evidence(
    store: GraphStore,
    org_id: str,
    org_name: str,
    body: bytes,
    media_type: str,
    mode: Literal["replace", "add", "restore"],
    as_of: date | None = None,
    changed_by: str = "system",
    separate_process: bool = True,
) -> WriteOutcome:
    """Parse, validate and store; raises ParseProblem (400), EvidenceRejected
    (422) or BoundExceeded (413: a bound of ctrlgraph.bounds tripped).

    The heavy part (parsing, SHACL, the canonical hash) runs in a bounded
    worker process (ctrlgraph.work) unless ``separate_process`` is False.
    The evidence, its validation report, a snapshot of the new version and the
    audit-trail entry (who, when, triples added and removed, content hash) are
    written in one transaction."""
    with org_write_lock(store, org_id):
        existing = read_evidence(store, org_id)
        kind, value = _prepare(body, media_type, org_id, org_name, existing, mode, as_of, separate_process)
        if kind == "rejected":
            raise EvidenceRejected(_rejected_report(value))
        prepared: PreparedWrite = value  # type: ignore[assignment]
        report = EvidenceReport(
            date.fromisoformat(prepared.as_of), prepared.findings, graph_from_ntriples(prepared.report_nt)
        )
        number, digest = _record(
            store,
            org_id,
            prepared.merged,
            prepared.report_nt,
            mode,
            changed_by,
            prepared.added,
            prepared.removed,
            prepared.digest,
        )
        return WriteOutcome(prepared.triples, report, number, digest)


def _record(
    store: GraphStore,
    org_id: str,
    evidence: str,
    report: str,
    kind: str,
    changed_by: str,
    added: int,
    removed: int,
    digest: str | None = None,
) -> tuple[int, str]:
    """Write the evidence, its report, its snapshot and the audit-trail entry
    in one transaction (the caller holds the organization's write lock).
    ``digest`` is the content hash when computed already (in a bounded worker)."""
    versions = history(store, org_id)
    number = (versions[-1].number + 1) if versions else 1
    digest = digest if digest is not None else content_hash(evidence)
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    entry = f"<{history_graph(org_id)}/{number}>"
    store.replace_graphs(
        {evidence_graph(org_id): evidence, report_graph(org_id): report, snapshot_graph(org_id, number): evidence},
        extra_update=(
            f"INSERT DATA {{ GRAPH <{history_graph(org_id)}> {{ {entry} a <{CG}EvidenceVersion> ;"
            f' <{CG}versionNumber> {number} ; <{DCTERMS}created> "{now}"^^<{XSD}dateTime> ;'
            f" <{CG}changedBy> {sparql_literal(changed_by)} ; <{CG}changeKind> {sparql_literal(kind)} ;"
            f" <{CG}triplesAdded> {added} ; <{CG}triplesRemoved> {removed} ;"
            f" <{CG}tripleCount> {len(set(evidence.splitlines()))} ; <{CG}contentHash> {sparql_literal(digest)} ;"
            f" <{CG}snapshotGraph> <{snapshot_graph(org_id, number)}> }} }}"
        ),
    )
    return number, digest


def delete_evidence(store: GraphStore, org_id: str, changed_by: str = "system") -> tuple[int, int, str]:
    """Remove all evidence (and its validation report), as a recorded change:
    returns (version, triples removed, content hash of the empty graph)."""
    with org_write_lock(store, org_id):
        existing = read_evidence(store, org_id)
        removed = len(set(existing.splitlines()))
        number, digest = _record(store, org_id, "", "", "delete", changed_by, 0, removed)
        return number, removed, digest


def remove_trespasses(store: GraphStore, org_id: str, changed_by: str = "doctor") -> int:
    """Write the evidence again without the triples the allow-list refuses
    (evidence stored before it existed), as a recorded "repair" version.
    Returns how many triples were removed (0: nothing written)."""
    with org_write_lock(store, org_id):
        existing = read_evidence(store, org_id)
        triples = [q.triple for q in ox.parse(existing.encode(), format=ox.RdfFormat.N_TRIPLES)]
        kept = [t for t in triples if trespass(t, org_id) is None]
        removed = len(triples) - len(kept)
        if not removed:
            return 0
        clean = "".join(sorted({f"{t} .\n" for t in kept}))
        report = validate_ntriples(clean, None, separate_process=False)
        _record(store, org_id, clean, report.report.serialize(format="nt"), "repair", changed_by, 0, removed)
        return removed
