"""Reading sssom files into the import model (see the package docstring)."""

from __future__ import annotations

import csv
import io
import re
import textwrap

import yaml

from ctrlgraph.interop.model import (
    ImportDraft,
    MappingDraft,
    Problems,
    Where,
    clean_text,
    default_strength,
    parse_relationship,
    refuse,
)
from ctrlgraph.interop.sssom.writer import (
    _FROM_PREDICATE,
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
        metadata = yaml.safe_load(textwrap.dedent("\n".join(meta_lines))) if meta_lines else {}
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
        row = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        mapping = _row(row, line_no, prefixes, framework_id, set_source, problems)
        if mapping is not None:
            draft.mappings.append(mapping)
    if not draft.mappings and not problems:
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


def _row(
    row: dict[str, str],
    line: int,
    prefixes: dict[str, str],
    framework_id: str | None,
    set_source: str,
    problems: Problems,
) -> MappingDraft | None:
    where = Where(line=line)
    subject = _expand(row["subject_id"], prefixes)
    if subject is None:
        problems.add(where.at("subject_id"), f"cannot expand {row['subject_id']!r}: its prefix is not in the curie_map")
        return None
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
    object_id = row["object_id"]
    control: str | None
    if object_id in (NO_TERM, BUILT_IN["sssom"] + "NoTermFound"):
        control = None
    else:
        control = _expand(object_id, prefixes)
        if control is None:
            problems.add(where.at("object_id"), f"cannot expand {object_id!r}: its prefix is not in the curie_map")
            return None
    strm = row.get("strm_relationship", "")
    if strm:
        relationship = parse_relationship(strm)
        if relationship is None:
            problems.add(where.at("strm_relationship"), f"unknown relationship {strm!r}")
            return None
    else:
        predicate = row["predicate_id"]
        if predicate.startswith(BUILT_IN["skos"]):
            predicate = "skos:" + predicate[len(BUILT_IN["skos"]) :]
        if row.get("predicate_modifier") == "Not" or control is None:
            relationship = "no relationship"
        elif predicate in _FROM_PREDICATE:
            relationship = _FROM_PREDICATE[predicate]
        else:
            problems.add(
                where.at("predicate_id"),
                f"predicate {row['predicate_id']!r} has no set-theory relationship; use "
                f"{', '.join(sorted(_FROM_PREDICATE))} (or a strm_relationship column)",
            )
            return None
    confidence = row.get("confidence", "")
    strength: int | None
    if confidence:
        try:
            value = float(confidence)
        except ValueError:
            problems.add(where.at("confidence"), f"confidence {confidence!r} is not a number")
            return None
        if not 0 <= value <= 1:
            problems.add(where.at("confidence"), f"confidence {confidence} is out of range (0-1)")
            return None
        strength = round(value * 10)
    else:
        strength = default_strength(relationship)
    rationale = row.get("strm_rationale") or _JUSTIFICATION_RATIONALE.get(row["mapping_justification"], "semantic")
    return MappingDraft(
        framework=fid,
        ref=subject,
        control=control,
        relationship=relationship,
        rationale=rationale,
        strength=strength,
        explanation=row.get("comment") or f"{relationship} mapping imported from SSSOM without a comment",
        source=row.get("author_label") or row.get("creator_label") or set_source,
        where=where,
    )
