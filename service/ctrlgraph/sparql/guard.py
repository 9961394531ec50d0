"""Checks on user queries before they reach a store.

* SERVICE is refused: the server never makes outbound requests for a user
  (Oxigraph would otherwise fetch any SERVICE IRI over HTTP).
* Dataset clauses (FROM / FROM NAMED) are read so the endpoint can intersect
  them with the graphs the caller may read. Isolation never depends on this
  parse: the store is always given an explicit dataset of allowed graphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Strings, comments and IRIs are blanked before looking for keywords, so
# "SERVICE" inside a literal or an IRI does not trigger the refusal.
_STRINGS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
)
_IRIS = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENTS = re.compile(r"#[^\n]*")
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE\b", re.IGNORECASE)
_FROM = re.compile(r"(?<![\w:?$])FROM\b", re.IGNORECASE)
_UPDATE = re.compile(r"(?<![\w:?$])(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b(?!\s*\()", re.IGNORECASE)
_QUERY_FORM = re.compile(r"(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


class QueryRefused(ValueError):
    """The query is well-formed but not allowed here."""


def _strip(query: str) -> str:
    # Comments first would eat '#' inside IRIs; blank strings and IRIs first.
    text = _STRINGS.sub('""', query)
    text = _IRIS.sub("<>", text)
    return _COMMENTS.sub("", text)


def looks_like_update(query: str) -> bool:
    text = _strip(query)
    return bool(_UPDATE.search(text)) and not _QUERY_FORM.search(text)


@dataclass
class DatasetClauses:
    default: list[str] = field(default_factory=list)
    named: list[str] = field(default_factory=list)
    #: False when the query names graphs but could not be parsed here.
    complete: bool = True

    def __bool__(self) -> bool:
        return bool(self.default or self.named)


def check(query: str) -> DatasetClauses:
    """Refuse what is not allowed; return the query's own dataset clauses."""
    text = _strip(query)
    if _SERVICE.search(text):
        raise QueryRefused("SERVICE (federated query) is not allowed: this server never makes outbound requests")
    if not _FROM.search(text):
        return DatasetClauses()
    from rdflib.plugins.sparql import prepareQuery

    try:
        parsed = prepareQuery(query)
    except Exception:
        return DatasetClauses(complete=False)
    clauses = DatasetClauses()
    for clause in getattr(parsed.algebra, "datasetClause", None) or []:
        if "default" in clause:
            clauses.default.append(str(clause["default"]))
        elif "named" in clause:
            clauses.named.append(str(clause["named"]))
    return clauses
