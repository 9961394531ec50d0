"""Typed views of the graph: what the REST API returns and the CLI prints.

These are shapes of query answers, not a second copy of the model: every
field is filled from a SPARQL result over the graph.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Framework(BaseModel):
    id: str = Field(description="Short id, e.g. iso42001-2023")
    iri: str
    title: str
    version: str | None = None
    publisher: str | None = None
    requirement_count: int
    assessable_count: int
    mapped_count: int = Field(description="Assessable requirements with at least one mapping")


class RequirementNode(BaseModel):
    notation: str
    title: str
    parent: str | None = Field(None, description="Notation of the parent node")
    assessable: bool
    type: str | None = None
    order: int
    depth: int
    children: list[str] = Field(default_factory=list)


class RequirementTree(BaseModel):
    framework: str
    count: int
    requirements: list[RequirementNode]


class MappingOut(BaseModel):
    control: str | None = Field(None, description="Control notation (absent for no relationship)")
    control_title: str | None = None
    relationship: str
    rationale: str
    strength: int
    explanation: str | None = None
    source: str | None = None
    iri: str


class LinkOut(BaseModel):
    framework: str
    notation: str
    title: str
    relationship: str
    strength: int
    explanation: str | None = None


class RelatedRequirement(BaseModel):
    framework: str
    notation: str
    title: str
    relationship: str = Field(description="Composed STRM relationship, this requirement -> that one")
    determined: bool = Field(description="False where the composition is a candidate overlap only")
    strength: int = Field(description="Weakest link on the strongest path")
    via: list[str] = Field(description="Shared control notations (the path)")


class RequirementDetail(BaseModel):
    framework: str
    notation: str
    iri: str
    title: str
    parent: str | None = None
    assessable: bool
    type: str | None = None
    definition: str | None = None
    legal_text: str | None = None
    applicable_from: str | None = None
    roles: list[str] = Field(default_factory=list)
    risk_categories: list[str] = Field(default_factory=list)
    mappings: list[MappingOut]
    harmonized_structure: list[LinkOut] = Field(default_factory=list)
    related: list[RelatedRequirement]


class ControlSummary(BaseModel):
    notation: str
    iri: str
    title: str
    domain: str | None = None
    domain_title: str | None = None
    phase: str | None = None
    effort: int | None = None
    frameworks: int = Field(0, description="Frameworks with a requirement this control serves")
    requirements: int = Field(0, description="Requirements served, all frameworks")


class ServedRequirement(BaseModel):
    notation: str
    title: str
    relationship: str
    strength: int
    explanation: str | None = None


class ControlDetail(ControlSummary):
    statement: str | None = None
    evidence_expected: list[str] = Field(default_factory=list)
    documentation_tiers: list[str] = Field(default_factory=list)
    serves: dict[str, list[ServedRequirement]] = Field(description="Requirements served, by framework id")


class SharedRequirement(BaseModel):
    notation: str
    relationship: str
    strength: int


class SharedControl(BaseModel):
    notation: str
    iri: str
    title: str
    framework_count: int
    requirement_count: int
    requirements: dict[str, list[SharedRequirement]]


class SharedControls(BaseModel):
    frameworks: list[str]
    min_frameworks: int
    count: int
    controls: list[SharedControl]


class CrosswalkPath(BaseModel):
    control: str
    source_relationship: str
    target_relationship: str
    relationship: str
    strength: int


class CrosswalkPair(BaseModel):
    source: str
    source_title: str
    target: str
    target_title: str
    relationship: str
    determined: bool
    strength: int
    paths: list[CrosswalkPath]


class Crosswalk(BaseModel):
    source: str
    target: str
    count: int
    pairs: list[CrosswalkPair]
