"""Reading sssom files into the import model (see the package docstring)."""

from __future__ import annotations

import csv
import io
import re
import textwrap
from typing import Any

import yaml

from ctrlgraph.bounds import safe_load
from ctrlgraph.cells import from_csv
from ctrlgraph.interop.model import (
    IRI_PATTERN as _IRI,
)
from ctrlgraph.interop.model import (
    ImportDraft,
    LinkDraft,
    MappingDraft,
    Problems,
    Where,
    clean_text,
    default_strength,
    parse_relationship,
    refuse,
)
from ctrlgraph.interop.sssom.writer import (
    BUILT_IN,
    NO_TERM,
)
from ctrlgraph.iri import ID

# --------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------
_JUSTIFICATION_RATIONALE = {
    "semapv:LexicalMatching": "syntactic",
    "semapv:LexicalSimilarityThresholdMatching": "syntactic",
}


def parse(data: bytes | str, source_name: str = "mappings.sssom.tsv", framework_id: str | None = None) -> ImportDraft:
    """An SSSOM/TSV mapping set (requirements of one framework -> ctrlgraph
    common controls) as a draft of cg:Mapping nodes.

    The framework is ``framework_id`` when given, else read from the subject
    IRIs (``https://w3id.org/ctrlgraph/id/<framework-id>/<slug>``)."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise refuse(Where(), f"the file is not UTF-8 text: {exc}") from exc
    lines = text.splitlines()
    meta_lines: list[str] = []
    for line in lines:
        if not line.startswith("#"):
            break
        meta_lines.append(line[1:])
    try:
        metadata = safe_load(textwrap.dedent("\n".join(meta_lines))) if meta_lines else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line_no = mark.line + 1 if mark is not None else None
        raise refuse(Where(line=line_no), f"malformed YAML metadata block: {exc}") from exc
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise refuse(Where(line=1), "the metadata block must be a YAML mapping")
    curie_map = metadata.get("curie_map") or {}
    if not isinstance(curie_map, dict):
        raise refuse(Where(line=1), "curie_map must be a mapping of prefix -> IRI")
    prefixes = {**BUILT_IN, **{str(k): str(v) for k, v in curie_map.items()}}
    header_line = len(meta_lines) + 1
    reader = csv.reader(io.StringIO("\n".join(lines[len(meta_lines) :])), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        header = next(reader)
    except StopIteration:
        raise refuse(Where(line=header_line), "no table: the header row is missing") from None
    header = [h.strip() for h in header]
    missing = [c for c in ("subject_id", "predicate_id", "object_id", "mapping_justification") if c not in header]
    if missing:
        raise refuse(Where(line=header_line), f"the header lacks the required column(s) {', '.join(missing)}")
    problems = Problems()
    draft = ImportDraft("sssom", source_name)
    set_source = clean_text(metadata.get("mapping_set_id")) or source_name
    for offset, cells in enumerate(reader, start=1):
        line_no = header_line + offset
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.add(Where(line=line_no), f"expected {len(header)} tab-separated cells, found {len(cells)}")
            continue
        row = {h: from_csv(c.strip()) for h, c in zip(header, cells, strict=True)}  # our exports escape formulas
        mapping = _row(row, line_no, prefixes, framework_id, set_source, problems, metadata)
        if isinstance(mapping, LinkDraft):
            draft.links.append(mapping)
        elif mapping is not None:
            draft.mappings.append(mapping)
    if not draft.mappings and not draft.links and not problems:
        problems.add(Where(line=header_line), "the mapping set has no rows")
    problems.raise_if_any("SSSOM mapping set refused")
    return draft


def _expand(value: str, prefixes: dict[str, str]) -> str | None:
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value) or value.startswith("urn:"):
        return value
    prefix, sep, local = value.partition(":")
    if not sep or prefix not in prefixes:
        return None
    return prefixes[prefix] + local


#: Mapping predicates (expanded IRIs) -> NIST IR 8477 relationship, read "subject REL object".
#: SSSOM's direction: "subject skos:broadMatch object" says the object is broader, so the
#: subject is a subset of it; narrowMatch the reverse.
PREDICATE_RELATIONSHIPS = {
    BUILT_IN["skos"] + "exactMatch": "equal",
    BUILT_IN["owl"] + "equivalentClass": "equal",
    BUILT_IN["owl"] + "equivalentProperty": "equal",
    BUILT_IN["owl"] + "sameAs": "equal",
    BUILT_IN["skos"] + "broadMatch": "subset of",
    BUILT_IN["rdfs"] + "subClassOf": "subset of",
    BUILT_IN["rdfs"] + "subPropertyOf": "subset of",
    BUILT_IN["skos"] + "narrowMatch": "superset of",
    BUILT_IN["skos"] + "closeMatch": "intersects with",
    BUILT_IN["skos"] + "relatedMatch": "intersects with",
}


def _framework_of(iri: str, source: str | None) -> str:
    """The framework a subject or object belongs to: its ``*_source`` column or
    metadata, else the framework of a ctrlgraph requirement IRI, else the IRI's
    namespace (the import names it when no framework matches)."""
    if source:
        return source
    match = re.match(re.escape(ID) + r"([^/]+)/[^/]+$", iri)
    if match:
        return ID + match.group(1)
    return re.sub(r"[^/#:]+$", "", iri) or iri


def _row(
    row: dict[str, str],
    line: int,
    prefixes: dict[str, str],
    framework_id: str | None,
    set_source: str,
    problems: Problems,
    metadata: dict[str, Any] | None = None,
) -> MappingDraft | LinkDraft | None:
    where = Where(line=line)
    meta = metadata or {}
    subject = _expand(row["subject_id"], prefixes)
    if subject is None:
        problems.add(where.at("subject_id"), f"cannot expand {row['subject_id']!r}: its prefix is not in the curie_map")
        return None
    object_id = row["object_id"]
    control: str | None
    if object_id in (NO_TERM, BUILT_IN["sssom"] + "NoTermFound"):
        control = None
    else:
        control = _expand(object_id, prefixes)
        if control is None:
            problems.add(where.at("object_id"), f"cannot expand {object_id!r}: its prefix is not in the curie_map")
            return None
    predicate = _expand(row["predicate_id"], prefixes) or row["predicate_id"]
    negated = row.get("predicate_modifier") == "Not"
    strm = row.get("strm_relationship", "")
    if strm:
        relationship = parse_relationship(strm)
        if relationship is None:
            problems.add(where.at("strm_relationship"), f"unknown relationship {strm!r}")
            return None
    elif negated or control is None:
        relationship = "no relationship"
    elif predicate in PREDICATE_RELATIONSHIPS:
        relationship = PREDICATE_RELATIONSHIPS[predicate]
    else:
        known = ", ".join(sorted({"skos:" + p.rsplit("#", 1)[-1] for p in PREDICATE_RELATIONSHIPS if "skos" in p}))
        problems.add(
            where.at("predicate_id"),
            f"predicate {row['predicate_id']!r} has no set-theory relationship; use {known}, owl:equivalentClass, "
            "rdfs:subClassOf (or a strm_relationship column)",
        )
        return None
    confidence = row.get("confidence", "")
    value: float | None = None
    if confidence:
        try:
            value = float(confidence)
        except ValueError:
            problems.add(where.at("confidence"), f"confidence {confidence!r} is not a number")
            return None
        if not 0 <= value <= 1:
            problems.add(where.at("confidence"), f"confidence {confidence} is out of range (0-1)")
            return None
    rationale = row.get("strm_rationale") or _JUSTIFICATION_RATIONALE.get(row["mapping_justification"], "semantic")
    origin = row.get("author_label") or row.get("creator_label") or set_source
    if control is not None and not control.startswith(ID + "control/"):
        # Subject and object are both requirements (of two frameworks): a direct mapping.
        sources = [row.get(k) or meta.get(k) for k in ("subject_source", "object_source")]
        sources = [_expand(str(s), prefixes) or str(s) if s else None for s in sources]
        return LinkDraft(
            source_framework=_framework_of(subject, sources[0]),
            source_ref=subject,
            target_framework=_framework_of(control, sources[1]),
            target_ref=control,
            relationship=relationship,
            where=where,
            source=origin,
            rationale=row.get("strm_rationale") or None,
            # Our own files carry the STRM strength as confidence x 10; others give a confidence only.
            strength=round(value * 10) if value is not None and strm else None,
            explanation=row.get("comment") or None,
            predicate=predicate if _IRI.match(predicate) else None,
            confidence=value,
        )
    fid = framework_id
    if fid is None:
        match = re.match(re.escape(ID) + r"([^/]+)/[^/]+$", subject)
        if not match or match.group(1) in ("control", "mapping", "domain", "link"):
            problems.add(
                where.at("subject_id"),
                f"{subject!r} is not a ctrlgraph requirement IRI; give the framework id (--framework / ?framework=)",
            )
            return None
        fid = match.group(1)
    return MappingDraft(
        framework=fid,
        ref=subject,
        control=control,
        relationship=relationship,
        rationale=rationale,
        strength=round(value * 10) if value is not None else default_strength(relationship),
        explanation=row.get("comment") or f"{relationship} mapping imported from SSSOM without a comment",
        source=origin,
        where=where,
    )
