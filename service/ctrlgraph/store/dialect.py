"""Where remote SPARQL servers differ from the SPARQL 1.1 specifications.

Every difference ctrlgraph has to work around lives here, so the query files
stay standard SPARQL 1.1 and serve the embedded store and remote servers alike.

Virtuoso 7 (the server the test suite runs against), measured on 7.2.5:

* **Dataset parameters are merged with the query's FROM clauses** instead of
  replacing them (SPARQL 1.1 Protocol §2.1.4 says the protocol wins), and
  **each one is echoed back as a response header**: past ~600 graphs the
  answer's headers pass 100 KiB and HTTP clients refuse it. ctrlgraph
  therefore writes the dataset it built into the query text as FROM / FROM
  NAMED clauses (:meth:`Dialect.with_dataset`) and never sends the
  parameters; a user query's own FROM clauses must lie inside the graphs the
  caller may read.
* **Without a named-graph clause, ``GRAPH ?g`` ranges over every graph** of
  the server, even when default graphs are given. ctrlgraph always names at
  least one named graph (:data:`EMPTY_GRAPH`, which holds nothing).
* **A query with no dataset reads the union of all graphs** (the "union default
  graph"), which is what ``select(..., union_default=True)`` wants: nothing is
  sent.
* **Pragmas and SQL built-ins**: ``DEFINE input:…`` at the start of a query
  changes the dataset (and ``input:grab-…`` fetches the web), and functions in
  the ``bif:`` / ``sql:`` namespaces call SQL procedures. User queries holding
  either are refused before they reach the server.
* **One update request is not one transaction**: the operations of a request
  are committed one by one. :class:`~ctrlgraph.store.remote.RemoteStore`
  therefore snapshots the graphs a write touches and puts them back if any
  operation fails.
* **No blank nodes in INSERT DATA** ("SP031: Blank node … is not allowed in a
  constant clause"): a graph holding blank nodes is written with
  ``INSERT { … } WHERE { }`` instead, which means the same.
* **Partial results at the time limit**: with the ``timeout`` parameter,
  Virtuoso answers 200 with whatever it found and an ``X-SQL-State: S1TAT``
  header ("anytime query"). ctrlgraph treats that as a timeout, never as a
  result.

Apache Jena Fuseki, GraphDB and Amazon Neptune follow the protocol for dataset
parameters; their differences (union default graph naming) are described in
the README's "Running at scale".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: A graph IRI no one writes to: keeps Virtuoso's GRAPH ?g inside the dataset
#: when a dataset has no named graphs (and its default graph empty when asked).
EMPTY_GRAPH = "urn:x-ctrlgraph:empty-graph"

_STRINGS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
)
_COMMENTS = re.compile(r"#[^\n]*")
_PRAGMA = re.compile(r"(?<![\w:?$])DEFINE\s+[A-Za-z_-]+:", re.IGNORECASE)
_SQL_NAMESPACE = re.compile(r"(?<![\w])(bif|sql):", re.IGNORECASE)


@dataclass(frozen=True)
class Dialect:
    """How to speak to one kind of SPARQL server."""

    name: str
    #: The server merges protocol dataset parameters with the query's FROM.
    merges_dataset_clauses: bool
    #: GRAPH ?g sees every graph unless named-graph-uri is given.
    named_graphs_unbounded: bool
    #: Answers a timed-out query with partial results and this SQL state.
    partial_result_state: str | None
    #: Accepts blank nodes in INSERT DATA (SPARQL 1.1 Update §3.1.1 allows them).
    blank_nodes_in_data: bool = True
    #: The dataset goes into the query text (FROM / FROM NAMED), not the protocol parameters.
    dataset_in_query: bool = False

    def complete_dataset(self, default: Sequence[str], named: Sequence[str]) -> tuple[list[str], list[str]]:
        """The dataset to send: an empty default graph is named explicitly,
        and so are no named graphs where the server would read them as all."""
        default = list(default) or [EMPTY_GRAPH]
        named = list(named)
        if not named and self.named_graphs_unbounded:
            named = [EMPTY_GRAPH]
        return default, named

    def with_dataset(self, query: str, default: Sequence[str], named: Sequence[str]) -> str:
        """The query with FROM / FROM NAMED clauses for these graphs added
        (next to any it already has). The caller checks the result's dataset."""
        clauses = [f"FROM <{g}>" for g in default] + [f"FROM NAMED <{g}>" for g in named]
        if not clauses:
            return query
        at = dataset_clause_position(query)
        return f"{query[:at]}\n{' '.join(clauses)}\n{query[at:]}"

    def error_kind(self, status: int, message: str) -> str:
        """ "query" (the server will not run this query: 400), "timeout" (504)
        or "server" (the server failed: 503), from an error answer."""
        if self.name == "virtuoso" and status >= 400:
            # Virtuoso answers 500 for every SPARQL error; its SQL state tells them apart.
            # At the time limit it either times the statement out (S1T00, SR171, S1TAT) or,
            # now and then, cancels it (HY008 "SR203: Async statement killed by SQLCancel").
            if any(state in message for state in ("S1T00", "SR171", "S1TAT", "SR203", "Virtuoso HY008")):
                return "timeout"
            if any(f"Virtuoso {state} Error" in message for state in ("37000", "22023", "22003", "42S22")):
                return "query"
        if 400 <= status < 500:
            return "query"
        return "server"

    def rolled_back(self, status: int, message: str) -> bool:
        """Whether an error answer to a write says the server rolled the whole
        transaction back because it collided with a concurrent one, so that
        sending it again is safe: Virtuoso's deadlock, SQL state 40001
        ("SR172: Transaction deadlocked"; seen when two replicas load the
        reference graphs at the same start-up)."""
        return self.name == "virtuoso" and status >= 400 and "Virtuoso 40001" in message

    def refusal(self, query: str) -> str | None:
        """Why a user query may not be sent to this server, or None."""
        if self.name != "virtuoso":
            return None
        text = _COMMENTS.sub("", _STRINGS.sub('""', query))
        if _PRAGMA.search(text):
            return "server pragmas (DEFINE …) are not allowed"
        if _SQL_NAMESPACE.search(text):
            return "server built-in functions (bif:, sql:) are not allowed"
        return None


VIRTUOSO = Dialect(
    "virtuoso",
    merges_dataset_clauses=True,
    named_graphs_unbounded=True,
    partial_result_state="S1TAT",
    blank_nodes_in_data=False,
    dataset_in_query=True,
)
STANDARD = Dialect("standard", merges_dataset_clauses=False, named_graphs_unbounded=False, partial_result_state=None)
DIALECTS = {d.name: d for d in (VIRTUOSO, STANDARD)}


# -- where dataset clauses go ----------------------------------------------------
_BLANKABLE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*'
)
_FORM = re.compile(r"(?<![\w:?$])(SELECT|ASK|CONSTRUCT|DESCRIBE)\b(?!:)", re.IGNORECASE)
_KEYWORD = re.compile(r"(?<![\w:?$])(FROM|WHERE|ORDER|GROUP|HAVING|LIMIT|OFFSET|VALUES)\b(?!:)", re.IGNORECASE)


def _blank_keeping_positions(query: str) -> str:
    """Strings, IRIs and comments turned to spaces (their delimiters kept), so
    that offsets in the result are offsets in the query."""

    def blank(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("#"):
            return " " * len(text)
        return text[0] + " " * (len(text) - 2) + text[-1]

    return _BLANKABLE.sub(blank, query)


def dataset_clause_position(query: str) -> int:
    """Offset where dataset clauses may be inserted in a (valid) query: before
    its first FROM, else before its WHERE clause (after a CONSTRUCT template),
    else before its solution modifiers, else at the end."""
    text = _blank_keeping_positions(query)
    form = _FORM.search(text)
    if form is None:
        raise ValueError("not a SPARQL query (no SELECT, ASK, CONSTRUCT or DESCRIBE)")
    index, parens = form.end(), 0
    if form.group(1).upper() == "CONSTRUCT":
        start = len(text) - len(text[index:].lstrip())
        if text[start : start + 1] == "{":  # skip the template
            depth = 0
            for index in range(start, len(text)):
                depth += {"{": 1, "}": -1}.get(text[index], 0)
                if depth == 0:
                    index += 1
                    break
    while index < len(text):
        char = text[index]
        if char == "(":
            parens += 1
        elif char == ")":
            parens -= 1
        elif parens == 0 and char == "{":
            return index
        elif parens == 0 and (char.isalpha()) and (keyword := _KEYWORD.match(text, index)):
            if index == 0 or not (text[index - 1].isalnum() or text[index - 1] in "_:?$"):
                return index
            index = keyword.end()
            continue
        index += 1
    return len(text)
