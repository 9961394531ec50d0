"""Checks on user queries before they reach a store.

* SERVICE is refused: the server never makes outbound requests for a user
  (Oxigraph would otherwise fetch any SERVICE IRI over HTTP). The decision is
  made on the parsed query (rdflib's SPARQL 1.1 parser): a text search was
  fooled by an apostrophe inside an IRI. The same check runs for every
  backend (the endpoint calls it before choosing one).
* Dataset clauses (FROM / FROM NAMED) are read so the endpoint can intersect
  them with the graphs the caller may read. Isolation never depends on this
  parse: the store is always given an explicit dataset of allowed graphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# Strings, comments and IRIs are blanked before looking for keywords, so
# "SERVICE" inside a literal or an IRI does not trigger the refusal.
_STRINGS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
)
_IRIS = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENTS = re.compile(r"#[^\n]*")
_UPDATE = re.compile(r"(?<![\w:?$])(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b(?!\s*\()", re.IGNORECASE)
_QUERY_FORM = re.compile(r"(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


class QueryRefused(ValueError):
    """The query is well-formed but not allowed here."""


class QuerySyntaxError(QueryRefused):
    """The query could not be parsed."""


def _strip(query: str) -> str:
    # Comments first would eat '#' inside IRIs; blank strings and IRIs first.
    text = _STRINGS.sub('""', query)
    text = _IRIS.sub("<>", text)
    return _COMMENTS.sub("", text)


@lru_cache(maxsize=512)
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


def _has_service(node: object, depth: int = 0) -> bool:
    from rdflib.plugins.sparql.parserutils import CompValue

    if depth > 10_000:  # pragma: no cover - the parser refuses far shallower queries
        return True
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_has_service(value, depth + 1) for value in node.values())
    if isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        return any(_has_service(value, depth + 1) for value in node)  # type: ignore[attr-defined]
    return False


@lru_cache(maxsize=512)
def _parse(query: str) -> tuple[bool, DatasetClauses]:
    """(uses SERVICE, dataset clauses) of a query; raises QuerySyntaxError."""
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parsed = parseQuery(query)
    except RecursionError as exc:
        raise QuerySyntaxError("the query is nested too deeply to be read") from exc
    except Exception as exc:
        message = " ".join(str(exc).split())[:500]
        raise QuerySyntaxError(f"SPARQL syntax error: {message}") from exc
    clauses = DatasetClauses()
    body = parsed[1] if len(parsed) > 1 else None
    if body is not None and dict.get(body, "datasetClause"):
        from rdflib.plugins.sparql.algebra import translateQuery

        try:  # resolves prefixed names and the base in FROM clauses
            algebra = translateQuery(parsed).algebra
        except Exception as exc:
            message = " ".join(str(exc).split())[:500]
            raise QuerySyntaxError(f"SPARQL syntax error: {message}") from exc
        for clause in getattr(algebra, "datasetClause", None) or []:
            if "default" in clause:
                clauses.default.append(str(clause["default"]))
            elif "named" in clause:
                clauses.named.append(str(clause["named"]))
    return _has_service(parsed), clauses


_ANY_SERVICE = re.compile(r"service", re.IGNORECASE)


def check(query: str) -> DatasetClauses:
    """Refuse what is not allowed; return the query's own dataset clauses.

    The decision is made on rdflib's parse. A few valid queries are beyond
    that parser (e.g. a sub-SELECT without WHERE); those go on to the store,
    which reports real syntax errors, unless the word SERVICE occurs anywhere
    in them at all (fail closed: no stripping of strings or IRIs to fool)."""
    try:
        service, clauses = _parse(query)
    except QuerySyntaxError as exc:
        if looks_like_update(query):
            return DatasetClauses()  # the caller answers 403
        if _ANY_SERVICE.search(query):
            raise QueryRefused(
                f"the query mentions SERVICE and could not be checked ({exc}); SERVICE is not allowed"
            ) from exc
        return DatasetClauses(complete=False)
    if service:
        raise QueryRefused("SERVICE (federated query) is not allowed: this server never makes outbound requests")
    return DatasetClauses(list(clauses.default), list(clauses.named))
