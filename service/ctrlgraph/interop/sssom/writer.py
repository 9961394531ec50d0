"""Writing sssom files from the graph (see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from ctrlgraph.cells import for_csv
from ctrlgraph.interop.data import framework_data, framework_mappings, last_modified
from ctrlgraph.iri import CG, ID, slug
from ctrlgraph.store.base import GraphStore

PREDICATES = {
    "equal": "skos:exactMatch",
    "subset of": "skos:broadMatch",
    "superset of": "skos:narrowMatch",
    "intersects with": "skos:relatedMatch",
    "no relationship": "skos:relatedMatch",
}
NO_TERM = "sssom:NoTermFound"
BUILT_IN = {
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "semapv": "https://w3id.org/semapv/vocab/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "sssom": "https://w3id.org/sssom/",
}
COLUMNS = [
    "subject_id",
    "subject_label",
    "predicate_id",
    "predicate_modifier",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "author_label",
    "comment",
    "strm_relationship",
    "strm_rationale",
]
LICENSE = "https://www.apache.org/licenses/LICENSE-2.0"


def mapping_set_id(framework_id: str) -> str:
    return f"{ID}mapping-set/{framework_id}"


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def iter_tsv(store: GraphStore, framework_id: str) -> Iterator[str]:
    """The mapping set of one framework as SSSOM/TSV, line by line."""
    fw = framework_data(store, framework_id, with_tree=False)
    rows = framework_mappings(store, fw.iri)
    metadata: dict[str, Any] = {
        "curie_map": {"req": f"{ID}{framework_id}/", "ctl": f"{ID}control/", "cg": CG},
        "mapping_set_id": mapping_set_id(framework_id),
        "mapping_set_version": last_modified(store)[:10],
        "mapping_set_title": f"{fw.title} to ctrlgraph common controls",
        "mapping_set_description": (
            f"Stored mappings of {framework_id} requirements to ctrlgraph common controls, read "
            "'requirement PREDICATE control' (NIST IR 8477 set-theory relationships in strm_relationship; "
            "confidence = strength / 10, NIST IR 8278A)."
        ),
        "license": LICENSE,
        "subject_source": f"{ID}{framework_id}",
        "object_source": f"{ID}controls",
        "publication_date": last_modified(store)[:10],
        "extension_definitions": [
            {"slot_name": "strm_relationship", "property": "cg:relationship", "type_hint": "xsd:string"},
            {"slot_name": "strm_rationale", "property": "cg:rationale", "type_hint": "xsd:string"},
        ],
    }
    block = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=1000)
    for line in block.splitlines():
        yield f"# {line}\n"
    yield "\t".join(COLUMNS) + "\n"
    for m in rows:
        negated = m.relationship == "no relationship" and m.control is not None
        values = {
            "subject_id": f"req:{slug(m.notation)}",
            "subject_label": _clean(f"{m.notation} {m.title}"),
            "predicate_id": PREDICATES[m.relationship],
            "predicate_modifier": "Not" if negated else "",
            "object_id": f"ctl:{m.control}" if m.control else NO_TERM,
            "object_label": _clean(m.control_title),
            "mapping_justification": "semapv:ManualMappingCuration",
            "confidence": f"{m.strength / 10:.1f}",
            "author_label": _clean(m.source),
            "comment": _clean(m.explanation),
            "strm_relationship": m.relationship,
            "strm_rationale": m.rationale,
        }
        yield "\t".join(str(for_csv(values[c])) for c in COLUMNS) + "\n"


def tsv(store: GraphStore, framework_id: str) -> str:
    return "".join(iter_tsv(store, framework_id))
