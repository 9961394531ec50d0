"""The model every format reads into and writes from: the draft an import
parses a file into (frameworks, requirements, requirement -> control mappings
and requirement -> requirement mappings), where in the file each piece came
from, the problems found, and the normalisation of values shared by the
readers (relationships, strengths, booleans, ids)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import Namespace

from ctrlgraph.iri import CG, GRAPH, ID, slug

CGNS = Namespace(CG)
#: Prefix of every named graph an import writes.
IMPORTED_PREFIX = GRAPH + "imported/"
#: Import formats, as used in ``POST /v1/import/{format}`` and ``ctrlgraph import FORMAT``.
FORMATS = ("oscal-catalog", "oscal-mapping", "sssom", "csv", "xlsx", "ciso-assistant", "crosswalk")

#: STRM relationship notation -> local name in the ctrlgraph vocabulary.
RELATIONSHIPS = {
    "equal": "equal",
    "subset of": "subsetOf",
    "superset of": "supersetOf",
    "intersects with": "intersectsWith",
    "no relationship": "noRelationship",
}
RATIONALES = ("syntactic", "semantic", "functional")
#: Requirement type labels (as the API shows them) and local names -> local name.
REQUIREMENT_TYPES = {
    "clause": "ClauseType",
    "annex": "AnnexType",
    "control objective or theme": "ControlObjectiveType",
    "control objective": "ControlObjectiveType",
    "annex a control": "AnnexControlType",
    "chapter": "ChapterType",
    "section": "SectionType",
    "article": "ArticleType",
    "paragraph": "ParagraphType",
    "point": "PointType",
}
REQUIREMENT_TYPES.update({v.lower(): v for v in list(REQUIREMENT_TYPES.values())})
ROLES = ("Provider", "Deployer", "Importer", "Distributor", "AuthorisedRepresentative", "GpaiModelProvider")
RISK_CATEGORIES = ("ProhibitedPractice", "HighRisk", "TransparencyRisk", "MinimalRisk", "GpaiModel", "GpaiSystemicRisk")

IRI_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")
FRAMEWORK_ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
#: Ids that name something other than a framework in IRIs and API paths.
RESERVED_IDS = frozenset({"controls", "control", "domain", "mapping", "link", "meta", "derived", "org", "imported"})


# --------------------------------------------------------------------------
# Where a problem is, and the problems
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Where:
    """A place in an input file: a row (CSV/XLSX/TSV), a line (YAML/JSON/TSV),
    a path inside a document (JSON/YAML), a sheet and a column."""

    row: int | None = None
    line: int | None = None
    path: str | None = None
    sheet: str | None = None
    column: str | None = None

    def at(self, column: str) -> Where:
        return Where(self.row, self.line, self.path, self.sheet, column)

    def __str__(self) -> str:
        parts: list[str] = []
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.path:
            parts.append(f"at {self.path}" if parts else self.path)
        if self.column:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts) or "input"

    def as_dict(self) -> dict[str, object]:
        return {
            k: v
            for k, v in (
                ("sheet", self.sheet),
                ("row", self.row),
                ("line", self.line),
                ("path", self.path),
                ("column", self.column),
            )
            if v is not None
        }


@dataclass(frozen=True)
class Problem:
    where: Where
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {**self.where.as_dict(), "where": str(self.where), "problem": self.message}


class ImportRefused(Exception):
    """The input cannot be imported; nothing was written. ``problems`` says
    where and why (row or line, column, reason)."""

    def __init__(
        self, problems: Sequence[Problem], summary: str = "import refused", *, total: int | None = None
    ) -> None:
        self.problems = list(problems)
        self.summary = summary
        #: How many problems were found (``problems`` keeps the first few hundred).
        self.total = max(total or 0, len(self.problems))
        #: The file the problems are in (set by whoever knows it).
        self.file: str | None = None
        super().__init__(self._text())

    def _text(self) -> str:
        shown = "; ".join(str(p) for p in self.problems[:10])
        more = f" (and {self.total - 10} more)" if self.total > 10 else ""
        name = f"{self.file}: " if self.file else ""
        return f"{name}{self.summary}: {self.total} problem(s), nothing was imported: {shown}{more}"

    def in_file(self, name: str) -> ImportRefused:
        """Name the file the problems are in (once)."""
        if self.file is None:
            self.file = name
            self.args = (self._text(),)
        return self


def refuse(where: Where, message: str) -> ImportRefused:
    return ImportRefused([Problem(where, message)])


class Problems:
    """Collects problems while parsing, to report them all at once."""

    def __init__(self, limit: int = 200) -> None:
        self.items: list[Problem] = []
        self.limit = limit
        #: Every problem added, also those past ``limit`` (the count reported is true).
        self.count = 0

    def add(self, where: Where, message: str) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(Problem(where, message))

    def __bool__(self) -> bool:
        return self.count > 0

    def raise_if_any(self, summary: str = "import refused") -> None:
        if self.count:
            raise ImportRefused(self.items, summary, total=self.count)


# --------------------------------------------------------------------------
# The draft: what a parser produces
# --------------------------------------------------------------------------
@dataclass
class ParameterDraft:
    """An OSCAL parameter of a control, kept as a parameter (the statement text
    is also rendered from it): id, label, the choices of a selection and how
    many may be chosen, set values."""

    id: str
    label: str | None = None
    choices: list[str] = field(default_factory=list)
    how_many: str | None = None
    values: list[str] = field(default_factory=list)


@dataclass
class RequirementDraft:
    notation: str
    title: str
    where: Where
    #: The requirement's key inside its framework (the IRI is built from it) when the
    #: notation cannot be one (e.g. CISO Assistant node URNs: refs repeat). None: the notation.
    key: str | None = None
    #: The parent's key (or notation, when keys are notations).
    parent: str | None = None
    #: None: assessable when it has no children (a leaf).
    assessable: bool | None = None
    #: A key of REQUIREMENT_TYPES; None: cg:ClauseType.
    type: str | None = None
    definition: str | None = None
    legal_text: str | None = None
    applicable_from: str | None = None
    roles: list[str] = field(default_factory=list)
    risk_categories: list[str] = field(default_factory=list)
    #: IRIs (e.g. URNs of the source library's nodes) recorded as skos:exactMatch.
    exact_match: list[str] = field(default_factory=list)
    #: Guidance (OSCAL ``guidance`` part): skos:scopeNote.
    guidance: str | None = None
    #: What an assessor checks (OSCAL ``assessment-objective`` parts): cg:assessmentObjective.
    objectives: str | None = None
    parameters: list[ParameterDraft] = field(default_factory=list)
    #: The text of "definition", "guidance" or "objectives" with OSCAL's ``{{ insert: param, id }}``
    #: placeholders, where it has any (the fields above hold it rendered): exported again as written.
    templates: dict[str, str] = field(default_factory=dict)

    @property
    def ident(self) -> str:
        """What identifies the requirement inside its framework: the key, else the notation."""
        return self.key if self.key is not None else self.notation


@dataclass
class FrameworkDraft:
    id: str
    title: str
    where: Where
    publisher: str | None = None
    version: str | None = None
    description: str | None = None
    rights: str | None = None
    citation: str | None = None
    #: dcterms:source: an IRI (written as an IRI) or free text.
    source: str | None = None
    #: dcterms:issued, YYYY-MM-DD
    issued: str | None = None
    requirements: list[RequirementDraft] = field(default_factory=list)
    #: IRIs the source calls this framework (e.g. a CISO Assistant framework URN): skos:exactMatch.
    exact_match: list[str] = field(default_factory=list)
    #: A framework shipped with ctrlgraph this one is declared to be (requirements matched by
    #: notation get skos:exactMatch to ours, so third-party mappings onto it land on ours).
    equivalent_to: str | None = None
    #: True when the id was read from the file (not given by the user): on a clash with a
    #: shipped framework the import then takes another id and declares the two equivalent.
    proposed_id: bool = False


@dataclass
class MappingDraft:
    """One requirement -> control mapping as the file gives it. ``ref`` and
    ``control`` are resolved by :func:`build_import`: ``ref`` may be the
    notation, its IRI slug, the OSCAL id, the requirement IRI or an IRI the
    requirement is a skos:exactMatch of (e.g. a CISO Assistant URN); ``control``
    the control notation (any case), its IRI, or a URN ending in the notation."""

    framework: str
    ref: str
    control: str | None
    relationship: str
    rationale: str
    strength: int | None
    explanation: str | None
    source: str
    where: Where


@dataclass
class LinkDraft:
    """One direct requirement -> requirement mapping ("source RELATIONSHIP
    target", NIST IR 8477), as the file gives it. Frameworks are named by id,
    IRI or URN (a framework's own, or one it is a skos:exactMatch of);
    requirements by anything :class:`~ctrlgraph.interop.importer.RequirementIndex`
    resolves (notation, OSCAL id or label, node URN). Strength and rationale
    are optional: most published crosswalks give neither."""

    source_framework: str
    source_ref: str
    target_framework: str
    target_ref: str
    relationship: str
    where: Where
    #: Who states it: the mapping set, collection or file (dcterms:source).
    source: str
    rationale: str | None = None
    strength: int | None = None
    explanation: str | None = None
    #: The predicate as the file wrote it (e.g. skos:closeMatch), kept beside the relationship.
    predicate: str | None = None
    #: A confidence the file gives (0-1), kept as given.
    confidence: float | None = None


@dataclass
class ImportDraft:
    format: str
    source_name: str
    frameworks: list[FrameworkDraft] = field(default_factory=list)
    mappings: list[MappingDraft] = field(default_factory=list)
    links: list[LinkDraft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Frameworks the file declares it depends on (a CISO Assistant library's ``dependencies``): a
    #: direct mapping naming one that is not imported yet waits for it instead of being refused.
    declared: set[str] = field(default_factory=set)


# --------------------------------------------------------------------------
# Value normalisation shared by the parsers
# --------------------------------------------------------------------------
_RELATIONSHIP_ALIASES = {
    # NIST IR 8477 notations and our local names
    **{k: k for k in RELATIONSHIPS},
    **{v.lower(): k for k, v in RELATIONSHIPS.items()},
    # OSCAL 1.2 mapping model
    "equal-to": "equal",
    "equivalent-to": "equal",
    "subset-of": "subset of",
    "superset-of": "superset of",
    "intersects-with": "intersects with",
    "no-relationship": "no relationship",
    # CISO Assistant
    "subset": "subset of",
    "superset": "superset of",
    "intersect": "intersects with",
    "not_related": "no relationship",
    # spellings people type
    "equals": "equal",
    "intersects": "intersects with",
    "none": "no relationship",
}


def parse_relationship(value: object) -> str | None:
    """A relationship in any supported spelling -> its STRM notation, or None."""
    if value is None:
        return None
    key = re.sub(r"[\s_]+", " ", str(value).strip().lower())
    return _RELATIONSHIP_ALIASES.get(key) or _RELATIONSHIP_ALIASES.get(key.replace(" ", "_"))


def relationship_choices() -> str:
    return ", ".join(RELATIONSHIPS)


def parse_strength(value: object) -> int | str:
    """An integer 0-10 from a cell, or the reason it is not one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "is empty"
    if isinstance(value, bool):
        return f"{value!r} is not a number"
    if isinstance(value, float):
        if not value.is_integer():
            return f"{value!r} is not a whole number"
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return f"{text!r} is not a number"
        if not number.is_integer():
            return f"{text!r} is not a whole number"
        value = int(number)
    if not isinstance(value, int):
        return f"{value!r} is not a number"
    if not 0 <= value <= 10:
        return f"{value} is out of range (0-10)"
    return value


def default_strength(relationship: str) -> int | None:
    """The strength NIST IR 8278A fixes for a relationship (else None)."""
    return {"equal": 10, "no relationship": 0}.get(relationship)


def strength_problem(relationship: str, strength: int) -> str | None:
    """Why a strength does not fit its relationship, or None when it does."""
    if relationship == "equal" and strength != 10:
        return f"strength {strength} is inconsistent with relationship 'equal' (must be 10)"
    if relationship == "no relationship" and strength != 0:
        return f"strength {strength} is inconsistent with relationship 'no relationship' (must be 0)"
    if relationship not in ("equal", "no relationship") and not 1 <= strength <= 9:
        return f"strength {strength} is inconsistent with relationship {relationship!r} (must be 1-9)"
    return None


def clean_text(value: object) -> str | None:
    """Stripped text, or None for empty cells."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_bool(value: object) -> bool | str | None:
    """True/False from yes/no/true/false/1/0, None when empty, else the reason."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "y", "1", "x"):
        return True
    if text in ("false", "no", "n", "0"):
        return False
    return f"{value!r} is not yes/no"


def framework_id_from(text: str) -> str:
    """A framework id proposal from a title or URN segment."""
    return slug(text)[:64].strip("-") or "imported"


def framework_graph(framework_id: str) -> str:
    return IMPORTED_PREFIX + framework_id


def links_graph(framework_id: str) -> str:
    return IMPORTED_PREFIX + framework_id + "-links"


#: The inverse of each relationship ("a REL b" -> "b INVERSE a").
INVERSE = {
    "equal": "equal",
    "subset of": "superset of",
    "superset of": "subset of",
    "intersects with": "intersects with",
    "no relationship": "no relationship",
}


def pair_graph(a: str, b: str) -> str:
    """The named graph of the direct mappings between two frameworks (either direction)."""
    first, second = sorted((a, b))
    return f"{IMPORTED_PREFIX}crosswalk/{first}/{second}"


def link_iri_for(source: str, target: str) -> str:
    """A direct mapping's IRI, from the IRIs of its two requirements."""
    import hashlib

    digest = hashlib.sha256(f"{source} {target}".encode()).hexdigest()[:20]
    return f"{ID}link/imported/{digest}"


def mapping_iri_for(framework_id: str, notation: str, control: str | None) -> str:
    return f"{ID}mapping/{framework_id}/{slug(notation)}/{control or 'none'}"


def oscal_id(notation: str) -> str:
    """The OSCAL id of a requirement: its IRI slug, starting with a letter
    (``6.1.2`` -> ``req-6-1-2``, ``A.5.1`` -> ``a-5-1``)."""
    s = slug(notation)
    return s if s[:1].isalpha() else f"req-{s}"
