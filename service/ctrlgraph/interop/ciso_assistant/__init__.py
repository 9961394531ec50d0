"""CISO Assistant (intuitem) libraries: a framework library and requirement
mapping sets, as YAML (the format of ``backend/library/libraries/*.yaml``).

* ``objects.framework`` (or ``objects.frameworks``): ``requirement_nodes`` with
  ``urn``, ``ref_id``, ``name``, ``description``, ``parent_urn``, ``depth`` and
  ``assessable`` become the requirements of a NEW framework. The node URN is
  kept as ``skos:exactMatch``, so mapping sets can name requirements by URN.
* ``objects.requirement_mapping_set`` (or ``requirement_mapping_sets``):
  ``requirement_mappings`` with ``source_requirement_urn``,
  ``target_requirement_urn``, ``relationship`` (equal, subset, superset,
  intersect, not_related), ``rationale`` (syntactic, semantic, functional),
  ``strength_of_relationship`` (0-10) and ``annotation`` become cg:Mapping
  nodes. The target framework must be the ctrlgraph common controls: a
  ``target_framework_urn`` ending in ``:ctrlgraph-controls`` whose target
  URNs end in the control notation (``…:gov-01``).

CISO Assistant reads "source RELATIONSHIP target" as NIST IR 8477 does, so the
relationship carries over unchanged ("requirement RELATIONSHIP control").
"""

from __future__ import annotations

from ctrlgraph.interop.ciso_assistant.reader import (
    CONTROL_CATALOG_IDS,
    parse,
)
from ctrlgraph.interop.ciso_assistant.writer import (
    CONTROLS_URN,
    URN,
    controls_library,
    crosswalk_library,
    framework_library,
    mapping_library,
)

__all__ = [
    "CONTROLS_URN",
    "CONTROL_CATALOG_IDS",
    "URN",
    "controls_library",
    "crosswalk_library",
    "framework_library",
    "mapping_library",
    "parse",
]
