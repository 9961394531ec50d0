"""SSSOM/TSV: the stored mapping set of a framework (requirement -> common
control) out, and back in.

Relationships become SKOS mapping predicates, read "requirement PREDICATE
control": equal -> skos:exactMatch, subset of -> skos:broadMatch (the control
is broader), superset of -> skos:narrowMatch, intersects with ->
skos:relatedMatch, and no relationship -> skos:relatedMatch negated with
``predicate_modifier: Not`` (or, when no control was considered, the object
``sssom:NoTermFound``). The exact NIST IR 8477 relationship and rationale stay
in the extension columns ``strm_relationship`` and ``strm_rationale``;
``confidence`` is strength / 10; ``mapping_justification`` is
``semapv:ManualMappingCuration`` (the mappings are curated by hand);
``author_label`` keeps the mapping's source and ``comment`` its explanation.

Read back, any SSSOM/TSV file is accepted: ``skos:exactMatch`` and
``owl:equivalentClass`` become equal, ``skos:broadMatch`` subset of and
``skos:narrowMatch`` superset of (SSSOM's direction: "subject broadMatch
object" says the object is broader), ``skos:closeMatch`` and
``skos:relatedMatch`` intersects with, the predicate itself kept
(``cg:mappingPredicate``) with the confidence (``cg:confidence``). Rows whose
object is a ctrlgraph control become requirement -> control mappings; rows
between two frameworks' requirements become direct requirement links (the
frameworks from ``subject_source``/``object_source`` or the IRIs).

Files written here pass sssom-py's parser and validators
(tests/test_interop_sssom.py); reading them back needs only PyYAML.
"""

from __future__ import annotations

from ctrlgraph.interop.sssom.reader import (
    parse,
)
from ctrlgraph.interop.sssom.writer import (
    BUILT_IN,
    COLUMNS,
    LICENSE,
    NO_TERM,
    PREDICATES,
    iter_tsv,
    mapping_set_id,
    tsv,
)

__all__ = [
    "BUILT_IN",
    "COLUMNS",
    "LICENSE",
    "NO_TERM",
    "PREDICATES",
    "iter_tsv",
    "mapping_set_id",
    "parse",
    "tsv",
]
