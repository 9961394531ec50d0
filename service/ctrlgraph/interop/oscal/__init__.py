"""OSCAL 1.2 (JSON): catalogs, mapping collections and profiles out; catalogs
and mapping collections in.

Export
    * :func:`catalog` — one framework as a ``catalog``: grouping nodes become
      ``groups``, everything else ``controls`` (nested controls below a control).
      Our titles and our own one-line summaries only (``overview`` parts); EU
      law text goes into a ``statement`` part of class ``legal-text``.
    * :func:`controls_catalog` — the common controls: one group per domain, the
      statement as a ``statement`` part, evidence expected as an
      ``evidence-expected`` part.
    * :func:`mapping_collection` — framework -> common controls (the stored
      mappings) or framework -> framework (the derived crosswalk).
    * :func:`profile` — a profile that selects given requirements of a framework.

    ctrlgraph facts that OSCAL has no field for are props in the namespace
    :data:`NS` (framework-id, assessable, requirement-type, strength, …), so an
    exported file can be imported again without loss.

Import
    * :func:`parse_catalog` — a catalog into a NEW framework.
    * :func:`parse_mapping` — a mapping collection (framework -> common controls)
      into cg:Mapping nodes of an imported framework.

The files written here validate with compliance-trestle's OSCAL models
(tests/test_interop_oscal.py); trestle itself is not needed at run time.
"""

from __future__ import annotations

from ctrlgraph.interop.oscal.reader import (
    parse_catalog,
    parse_mapping,
)
from ctrlgraph.interop.oscal.writer import (
    CONTROLS_ID,
    NS,
    OSCAL_NS,
    OSCAL_VERSION,
    RELATIONSHIP_TO_OSCAL,
    NothingToExport,
    catalog,
    catalog_of,
    controls_catalog,
    controls_catalog_of,
    export_one,
    export_plan,
    file_name,
    mapping_collection,
    profile,
    write_document,
)

__all__ = [
    "CONTROLS_ID",
    "NS",
    "OSCAL_NS",
    "OSCAL_VERSION",
    "RELATIONSHIP_TO_OSCAL",
    "NothingToExport",
    "catalog",
    "catalog_of",
    "controls_catalog",
    "controls_catalog_of",
    "export_one",
    "export_plan",
    "file_name",
    "mapping_collection",
    "parse_catalog",
    "parse_mapping",
    "profile",
    "write_document",
]
