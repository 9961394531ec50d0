"""Planning an integrated management system: the minimal shared control set
(:mod:`.plan`), certification deltas (:mod:`.delta`), the Statement of
Applicability (:mod:`.soa`), the phased roadmap (:mod:`.roadmap`) and the
Harmonized Structure integration view (:mod:`.integration`).

Queries run in the store (``queries/planning/*.rq``); Python does the
optimisation (:mod:`.setcover`, OR-Tools CP-SAT) and shapes the answers
(:mod:`.models`). The coverage rule is the gap analysis' own
(:mod:`.coverage` wraps :mod:`ctrlgraph.analysis.gaps`).
"""

from __future__ import annotations

#: Requirement verdicts of the gap analysis that are still open.
OPEN_STATUSES = ("gap", "partial", "invalid")


class BadParameter(ValueError):
    """A request parameter that cannot be answered; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(message)
