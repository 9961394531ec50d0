"""HTTP content negotiation for SPARQL results (RFC 9110 Accept, q-values)."""

from __future__ import annotations

from dataclasses import dataclass

#: Result formats per query form, in the server's order of preference (the
#: first is the default when the client accepts anything).
SOLUTION_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = [
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/trig",
]
#: Common aliases clients send, and the type answered for them.
ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "text/plain": "application/n-triples",
    "application/x-turtle": "text/turtle",
}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def matches(self, media_type: str) -> int:
        """Specificity of the match (3 exact, 2 type/*, 1 */*), 0 if none."""
        main, _, sub = media_type.partition("/")
        if self.type == main and self.subtype == sub:
            return 3
        if self.type == main and self.subtype == "*":
            return 2
        if self.type == "*" and self.subtype == "*":
            return 1
        return 0


def parse_accept(header: str | None, aliases: dict[str, str] | None = None) -> list[MediaRange]:
    """Parse an Accept header; a missing or empty header accepts anything.
    ``aliases`` renames media types first (e.g. :data:`ALIASES` for SPARQL)."""
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges: list[MediaRange] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        media = (aliases or {}).get(media, media)
        main, _, sub = media.partition("/")
        ranges.append(MediaRange(main, sub, q))
    return ranges


def choose(ranges: list[MediaRange], offered: list[str]) -> str | None:
    """The offered type with the highest q (most specific range decides a
    type's q), ties broken by the server's order; None if none is acceptable."""
    best: tuple[float, int, str] | None = None
    for index, media_type in enumerate(offered):
        specificity, q = 0, 0.0
        for r in ranges:
            s = r.matches(media_type)
            if s > specificity:
                specificity, q = s, r.q
        if specificity and q > 0:
            key = (q, -index, media_type)
            if best is None or key > best:
                best = key
    return best[2] if best else None
