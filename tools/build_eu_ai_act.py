"""Build ``mappings/frameworks/eu-ai-act-2024.ttl`` from the EU AI Act Markdown.

Reads the Markdown copy of Regulation (EU) 2024/1689 in ``../shared/data/eu-ai-act``
(one file per chapter or annex, see its SOURCE.md), parses chapters, sections,
articles, paragraphs, points and annex items into ``cg:Requirement`` nodes,
adds the hand-written obligation metadata (roles, risk categories, dates of
application, assessability) and writes Turtle.

Usage::

    .venv/bin/python tools/build_eu_ai_act.py [SOURCE_DIR] [--output FILE]

The output is deterministic: the same source gives byte-identical Turtle.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, XSD

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "eu-ai-act"
DEFAULT_OUTPUT = REPO / "mappings" / "frameworks" / "eu-ai-act-2024.ttl"

FRAMEWORK_ID = "eu-ai-act-2024"
CG = Namespace("https://w3id.org/ctrlgraph/ns#")
ID = Namespace("https://w3id.org/ctrlgraph/id/")
REQ = Namespace(f"https://w3id.org/ctrlgraph/id/{FRAMEWORK_ID}/")
FRAMEWORK = URIRef(f"https://w3id.org/ctrlgraph/id/{FRAMEWORK_ID}")

SOURCE_REPO = "aicomply-dev/aicomply"
SOURCE_COMMIT = "dbcedff76bd436017dd7d96679e84da974da8685"

ROMANS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
ORDINALS = {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}


class ParseError(RuntimeError):
    """The source does not have the structure the parser expects."""


# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------
def slug(notation: str) -> str:
    """The README slug rule: lower-case, runs of non [a-z0-9] -> '-', trim '-'."""
    return re.sub(r"[^a-z0-9]+", "-", notation.lower()).strip("-")


UPPER_TOKENS = {"AI", "EU", "CE", "SME", "SMES"}
CAPITALISED_TOKENS = {"Article", "Annex", "Union"}


def sentence_case(title: str) -> str:
    """'HIGH-RISK AI SYSTEMS' / 'Prohibited AI Practices' -> 'High-risk AI systems'."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if word.upper() in UPPER_TOKENS:
            return "SMEs" if word.upper() == "SMES" else word.upper()
        if word.capitalize() in CAPITALISED_TOKENS:
            return word.capitalize()
        return word.lower()

    out = re.sub(r"[A-Za-z]+", fix, title)
    return out[:1].upper() + out[1:]


def is_title_case(title: str) -> bool:
    """True for converter-styled headings such as 'Subject Matter'."""
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", title)
    significant = [w for w in words if len(w) > 3]
    return len(words) >= 2 and bool(significant) and all(w[0].isupper() for w in significant)


def short_label(text: str, max_words: int = 10) -> str:
    """First words of a provision, for a prefLabel (< 120 characters)."""
    first = text.split("\n", 1)[0].strip().lstrip("— ")
    words = first.split()
    if len(words) <= max_words:
        label = first.rstrip(" ;:,.")
    else:
        label = " ".join(words[:max_words]).rstrip(" ;:,.") + "…"
    if len(label) >= 120:
        label = label[:116].rstrip(" ;:,.") + "…"
    return label[:1].upper() + label[1:]


# ---------------------------------------------------------------------------
# Pre-processing of one Markdown file
# ---------------------------------------------------------------------------
ORPHAN_MARKER = re.compile(r"^(‘?\(\d+\)|—|\d+(?:\.\d+)*\.)$")


@dataclass(frozen=True)
class Line:
    indent: int
    text: str
    heading: bool  # was a Markdown heading ('#'), now stripped


def preprocess(raw: str) -> list[Line]:
    """Clean one file: drop the Training Note, bold, rules and footers; merge split lines."""
    lines = raw.replace("\u00a0", " ").replace("\t", " ").splitlines()
    out: list[str] = []
    skipping_note = False
    for line in lines:
        if line.startswith("**Training Note:**"):
            skipping_note = True  # not part of the law: drop the whole paragraph
            continue
        if skipping_note:
            if line.strip():
                continue
            skipping_note = False
        line = line.replace("**", "").rstrip()
        if line.strip() == "---":
            continue
        if line.startswith("This Regulation shall be binding in its entirety"):
            break  # final formula, signatures and OJ footnotes after Article 113
        if line.startswith(("ELI:", "ISSN ")):
            continue  # Official Journal page furniture after Annex XIII
        out.append(line)

    # Merge markers the converter split from their text ('1.', '3.1.', '(1)', '—')
    # and stray ';' lines that belong to the previous line.
    merged: list[str] = []
    i = 0
    while i < len(out):
        line = out[i]
        stripped = line.strip()
        if ORPHAN_MARKER.match(stripped):
            j = i + 1
            while j < len(out) and not out[j].strip():
                j += 1
            if j < len(out):
                merged.append(f"{stripped} {out[j].strip()}")
                i = j + 1
                continue
        if stripped in {";", "."} and merged:
            k = len(merged) - 1
            while k >= 0 and not merged[k].strip():
                k -= 1
            merged[k] = merged[k] + stripped
            i += 1
            continue
        merged.append(line)
        i += 1

    result: list[Line] = []
    for line in merged:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        text = " ".join(line.split())
        heading = False
        if text.startswith("#"):
            heading = True
            text = text.lstrip("#").strip()
        if text.startswith(">"):
            text = text.lstrip(">").strip()  # blockquoted subparagraph (Art. 5(1))
        result.append(Line(indent, text, heading))
    return result


# ---------------------------------------------------------------------------
# Document tree
# ---------------------------------------------------------------------------
@dataclass(eq=False)
class Node:
    kind: str  # chapter section article paragraph point annex annex_section item subitem
    label: str
    parent: Node | None = None
    title: str = ""
    parts: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    roman: bool = False
    subparagraph: int = 1  # points: the subparagraph of the parent whose list they are in
    heading_item: bool = False  # annex item whose number and title were a Markdown heading
    notation: str = ""
    order: int = 0

    def add(self, child: Node) -> Node:
        child.parent = self
        self.children.append(child)
        return child

    @property
    def text(self) -> str:
        return "\n".join(self.parts)

    def walk(self) -> list[Node]:
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes

    def ancestors_or_self(self) -> list[Node]:
        chain: list[Node] = []
        node: Node | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


CHAPTER_RE = re.compile(r"^CHAPTER ([IVXLC]+)$")
CH_SECTION_RE = re.compile(r"^SECTION (\d+)$")
ARTICLE_RE = re.compile(r"^Article (\d+)$")
ANNEX_RE = re.compile(r"^ANNEX ([IVXLC]+)$")
ANNEX_SECTION_RE = re.compile(r"^Section ([A-Z]|\d+)\s*[.—–-]\s+(.+)$")
PARA_RE = re.compile(r"^(\d+)\.\s+(.+)$")
SUBITEM_RE = re.compile(r"^(\d+)\.(\d+)\.?\s+(.+)$")
POINT_RE = re.compile(r"^[-*]\s+\(([a-z]+)\)\s*(.*)$")
BULLET_RE = re.compile(r"^[-*—]\s+(.+)$")


class Parser:
    """Line-driven state machine over the cleaned lines of all files, in file order."""

    def __init__(self) -> None:
        self.tops: list[Node] = []
        self.chapter: Node | None = None
        self.section: Node | None = None
        self.article: Node | None = None
        self.annex: Node | None = None
        self.annex_section: Node | None = None
        self.container: Node | None = None  # paragraph / annex item / sub-item
        self.letter: Node | None = None
        self.roman: Node | None = None
        self.pending_title: Node | None = None
        self.where = ""

    # -- helpers -------------------------------------------------------------
    def fail(self, message: str) -> ParseError:
        return ParseError(f"{self.where}: {message}")

    def point_parent(self) -> Node:
        node = self.container or self.article or self.annex_section or self.annex
        if node is None:
            raise self.fail("text outside any article or annex")
        return node

    def deepest(self) -> Node:
        return self.roman or self.letter or self.point_parent()

    def reset_points(self) -> None:
        self.letter = None
        self.roman = None

    def start_container(self, node: Node) -> None:
        self.container = node
        self.reset_points()

    # -- main loop -------------------------------------------------------------
    def feed(self, name: str, lines: list[Line]) -> None:
        started = False
        for number, line in enumerate(lines, 1):
            self.where = f"{name}: line {number}: {line.text[:60]!r}"
            text = line.text
            if self.pending_title is not None:
                node = self.pending_title
                title = text
                if title.isupper() or (line.heading and is_title_case(title)):
                    title = sentence_case(title)
                node.title = title
                self.pending_title = None
                continue
            if m := CHAPTER_RE.match(text):
                started = True
                self.chapter = Node("chapter", m.group(1))
                self.tops.append(self.chapter)
                self.section = self.article = self.container = None
                self.reset_points()
                self.pending_title = self.chapter
                continue
            if m := ANNEX_RE.match(text):
                started = True
                self.chapter = self.section = self.article = None
                self.annex = Node("annex", m.group(1))
                self.tops.append(self.annex)
                self.annex_section = self.container = None
                self.reset_points()
                self.pending_title = self.annex
                continue
            if not started:
                continue  # the converter's file heading before the structure starts
            if self.annex is None:
                self.feed_enacting(line)
            else:
                self.feed_annex(line)

    def feed_enacting(self, line: Line) -> None:
        text = line.text
        if m := CH_SECTION_RE.match(text):
            if self.chapter is None:
                raise self.fail("section outside a chapter")
            self.section = self.chapter.add(Node("section", m.group(1)))
            self.article = self.container = None
            self.reset_points()
            self.pending_title = self.section
            return
        if m := ARTICLE_RE.match(text):
            parent = self.section or self.chapter
            if parent is None:
                raise self.fail("article outside a chapter")
            self.article = parent.add(Node("article", m.group(1)))
            self.container = None
            self.reset_points()
            self.pending_title = self.article
            return
        if self.article is None:
            raise self.fail("text outside an article")
        if line.heading:
            raise self.fail("unexpected heading")
        if (m := PARA_RE.match(text)) and line.indent == 0:
            expected = len([c for c in self.article.children if c.kind == "paragraph"]) + 1
            if int(m.group(1)) == expected:
                para = self.article.add(Node("paragraph", m.group(1), parts=[m.group(2)]))
                self.start_container(para)
                return
        self.feed_body(line)

    def feed_annex(self, line: Line) -> None:
        assert self.annex is not None
        text = line.text
        if m := ANNEX_SECTION_RE.match(text):
            self.annex_section = self.annex.add(Node("annex_section", m.group(1), title=m.group(2).strip()))
            self.container = None
            self.reset_points()
            return
        if m := SUBITEM_RE.match(text):
            item = self.current_item()
            if item is None or item.label != m.group(1):
                raise self.fail("sub-item outside its item")
            label = f"{m.group(1)}.{m.group(2)}"
            sub = item.add(Node("subitem", label, parts=[m.group(3)]))
            self.start_container(sub)
            return
        if (m := PARA_RE.match(text)) and line.indent == 0:
            number = int(m.group(1))
            if number in self.expected_item_numbers():
                parent = self.annex_section or self.annex
                item = Node("item", m.group(1), heading_item=line.heading)
                if line.heading:
                    title = m.group(2)
                    item.title = sentence_case(title) if is_title_case(title) else title
                else:
                    item.parts.append(m.group(2))
                self.start_container(parent.add(item))
                return
        if line.heading:
            raise self.fail("unexpected heading")
        self.feed_body(line)

    def current_item(self) -> Node | None:
        node = self.container
        while node is not None and node.kind != "item":
            node = node.parent
        return node

    def expected_item_numbers(self) -> set[int]:
        assert self.annex is not None
        annex_items = [n for n in self.annex.walk() if n.kind == "item"]
        last_in_annex = int(annex_items[-1].label) if annex_items else 0
        if self.annex_section is not None:
            section_items = [c for c in self.annex_section.children if c.kind == "item"]
            if not section_items:
                return {1, last_in_annex + 1}
            return {int(section_items[-1].label) + 1}
        return {last_in_annex + 1}

    def feed_body(self, line: Line) -> None:
        text = line.text
        if m := POINT_RE.match(text):
            self.add_point(m.group(1), m.group(2))
            return
        if m := BULLET_RE.match(text):
            self.deepest().parts.append(f"— {m.group(1)}")  # unlabelled indent/dash item
            return
        if line.indent >= 2:
            self.deepest().parts.append(text)  # indented: continues the current point
            return
        # A flush-left unnumbered subparagraph belongs to the paragraph it follows.
        self.point_parent().parts.append(text)
        self.reset_points()

    def add_point(self, label: str, text: str) -> None:
        parent = self.point_parent()
        letter = self.letter
        if letter is not None and self.roman_open(letter):
            romans = [c for c in letter.children if c.roman]
            if label == ROMANS[len(romans)]:
                self.roman = letter.add(Node("point", label, parts=[text], roman=True))
                return
        letters = [c for c in parent.children if c.kind == "point"]
        if letter is not None:
            expected = chr(ord(letter.label) + 1)
            subparagraph = letter.subparagraph
        else:
            expected = "a"
            subparagraph = max(1, len(parent.parts)) if letters or parent.parts else 1
        if label != expected:
            raise self.fail(f"point ({label}) where ({expected}) was expected")
        node = Node("point", label, parts=[text], subparagraph=subparagraph)
        self.letter = parent.add(node)
        self.roman = None

    @staticmethod
    def roman_open(letter: Node) -> bool:
        return any(c.roman for c in letter.children) or letter.text.rstrip().endswith(":")


# ---------------------------------------------------------------------------
# Notations, titles and source fixes
# ---------------------------------------------------------------------------
def assign_notations(tops: list[Node]) -> None:
    for top in tops:
        if top.kind == "chapter":
            top.notation = f"Chapter {top.label}"
        else:
            top.notation = f"Annex {top.label}"
            sections = [c for c in top.children if c.kind == "annex_section"]
            # Item numbers that restart in a later section need the section in the notation.
            restart = any(
                s.children and s.children[0].kind == "item" and s.children[0].label == "1" for s in sections[1:]
            )
            for s in sections:
                s.notation = f"{top.notation} Section {s.label}"
                for item in s.children:
                    if item.kind == "item":
                        base = s.notation if restart else top.notation
                        item.notation = f"{base}({item.label})"
            for node in top.walk():
                if node.kind == "subitem":  # 'point 3.1 of Annex VII' -> Annex VII(3.1)
                    node.notation = f"{top.notation}({node.label})"
        for node in top.walk()[1:]:
            parent = node.parent
            assert parent is not None
            if node.notation:
                pass
            elif node.kind == "section":
                node.notation = f"{parent.notation} Section {node.label}"
            elif node.kind == "article":
                node.notation = f"Art. {node.label}"
            elif node.kind in {"paragraph", "item", "subitem"}:
                node.notation = f"{parent.notation}({node.label})"
            elif node.kind == "point":
                node.notation = point_notation(node, parent)
            else:
                raise ParseError(f"no notation rule for {node.kind}")


def point_notation(node: Node, parent: Node) -> str:
    if node.roman:
        return f"{parent.notation}({node.label})"
    lists = sorted({c.subparagraph for c in parent.children if c.kind == "point" and not c.roman})
    if len(lists) > 1 and node.subparagraph != lists[0]:
        # A second list of (a), (b) ... in the same paragraph (e.g. Art. 43(1)).
        ordinal = ORDINALS[node.subparagraph]
        return f"{parent.notation}, {ordinal} subparagraph, point ({node.label})"
    return f"{parent.notation}({node.label})"


# Corrections of conversion defects, applied to a node's text; each must match once.
SOURCE_FIXES: list[tuple[str, str, str]] = [
    # The superscript of 10^25 FLOPs was lost in the Markdown ("1025").
    ("Art. 51(2)", "greater than 1025.", "greater than 10^25."),
]


def apply_source_fixes(nodes: dict[str, Node]) -> None:
    for notation, old, new in SOURCE_FIXES:
        node = nodes[notation]
        hits = [i for i, part in enumerate(node.parts) if old in part]
        if len(hits) != 1:
            raise ParseError(f"source fix for {notation} no longer applies")
        node.parts[hits[0]] = node.parts[hits[0]].replace(old, new)


# Short titles of our own where the opening words do not tell siblings apart.
LABELS: dict[str, str] = {
    "Art. 5(1)(a)": "Subliminal, manipulative or deceptive techniques causing significant harm",
    "Art. 5(1)(b)": "Exploitation of vulnerabilities due to age, disability or situation",
    "Art. 5(1)(c)": "Social scoring leading to detrimental or unfavourable treatment",
    "Art. 5(1)(d)": "Crime risk assessment based solely on profiling or personality traits",
    "Art. 5(1)(e)": "Untargeted scraping of facial images for facial recognition databases",
    "Art. 5(1)(f)": "Emotion recognition in the workplace and education institutions",
    "Art. 5(1)(g)": "Biometric categorisation inferring sensitive characteristics",
    "Art. 5(1)(h)": "Real-time remote biometric identification in public spaces for law enforcement",
}


def pref_labels(tops: list[Node]) -> dict[Node, str]:
    """prefLabels for all nodes; siblings with the same opening words get more words."""
    nodes = [node for top in tops for node in top.walk()]
    labels = {node: pref_label(node) for node in nodes}
    for parent in nodes:
        groups: dict[str, list[Node]] = {}
        for child in parent.children:
            groups.setdefault(labels[child], []).append(child)
        for same in groups.values():
            derived = [c for c in same if not c.title and c.notation not in LABELS]
            if len(same) < 2 or not derived:
                continue
            found: dict[Node, str] = {}
            for words in (12, 14, 16):
                found = {c: short_label(c.text, words) for c in derived}
                if len(set(found.values())) == len(derived):
                    break
            else:
                found = elided_labels(derived)
            labels.update(found)
    return labels


def elided_labels(nodes: list[Node]) -> dict[Node, str]:
    """'AI systems intended to be used … to assess the risk of…' for long shared openings."""
    texts = [n.text.split("\n", 1)[0].split() for n in nodes]
    common = 0
    while all(len(t) > common and t[common] == texts[0][common] for t in texts):
        common += 1
    out: dict[Node, str] = {}
    for node, words in zip(nodes, texts, strict=True):
        head = " ".join(words[:5])
        tail = short_label(" ".join(words[common:]), 9)
        out[node] = f"{head} … {tail[:1].lower()}{tail[1:]}"
    return out


def pref_label(node: Node) -> str:
    if node.notation in LABELS:
        return LABELS[node.notation]
    if node.title:
        return node.title
    text = node.text
    is_definition = node.kind == "paragraph" and node.parent is not None and node.parent.notation == "Art. 3"
    if is_definition and (m := re.match(r"^'([^']+)'", text)):
        return f"Definition of '{m.group(1)}'"
    if node.kind in {"item", "subitem"} and node.parts:
        first = node.parts[0]
        has_more = len(node.parts) > 1 or bool(node.children)
        if has_more and len(first.split()) <= 12 and not first.endswith((";", ":", ",")):
            return first.rstrip(".")  # a short heading line such as 'Quality management system'
    if not text:
        return node.notation
    return short_label(text)


# ---------------------------------------------------------------------------
# Obligations metadata (hand-written)
# ---------------------------------------------------------------------------
P, D, IMP, DIS, AR, GP = (
    CG.Provider,
    CG.Deployer,
    CG.Importer,
    CG.Distributor,
    CG.AuthorisedRepresentative,
    CG.GpaiModelProvider,
)
PROHIBITED, HIGH, TRANSP, MINIMAL, GPAI, SYSTEMIC = (
    CG.ProhibitedPractice,
    CG.HighRisk,
    CG.TransparencyRisk,
    CG.MinimalRisk,
    CG.GpaiModel,
    CG.GpaiSystemicRisk,
)
NOBODY: tuple[URIRef, ...] = ()


@dataclass(frozen=True)
class Rule:
    """Obligation metadata for a node and (unless overridden) its descendants.

    roles / risks: None = inherit from the nearest ancestor rule.
    assess: 'leaves' = the leaves below are assessable, grouping nodes not;
            'whole'  = this node is assessable as a whole, its points are not;
            'none'   = nothing in this subtree is assessable.
    """

    roles: tuple[URIRef, ...] | None = None
    risks: tuple[URIRef, ...] | None = None
    assess: str | None = None


HR = (HIGH,)
RULES: dict[str, Rule] = {
    # --- Chapter I -----------------------------------------------------------
    "Art. 4": Rule((P, D), (HIGH, TRANSP, MINIMAL), "leaves"),  # AI literacy: every AI system
    # --- Chapter II: prohibitions bind whoever places on the market or uses --
    "Art. 5": Rule((P, D), (PROHIBITED,), "leaves"),  # (a)-(g) each a banned practice
    "Art. 5(1)(c)": Rule(assess="whole"),  # the ban; (i),(ii) are its alternative outcomes
    "Art. 5(1)(h)": Rule(assess="whole"),  # the ban; (i)-(iii) are the exception objectives
    "Art. 5(2)": Rule((D,), assess="whole"),  # conditions on law-enforcement use (deployer)
    "Art. 5(3)": Rule((D,)),  # prior authorisation of each real-time RBI use
    "Art. 5(4)": Rule((D,)),  # each use notified to the authorities
    "Art. 5(5)": Rule(NOBODY, assess="none"),  # Member States' national rules
    "Art. 5(6)": Rule(NOBODY, assess="none"),  # authorities' annual reports
    "Art. 5(7)": Rule(NOBODY, assess="none"),  # Commission's annual reports
    "Art. 5(8)": Rule(assess="none"),  # relation to other Union law
    # --- Chapter III, Section 1: classification --------------------------------
    "Art. 6": Rule((P,), HR, "none"),  # classification rules, not obligations ...
    "Art. 6(1)": Rule(NOBODY),  # Annex I product route (classification)
    "Art. 6(2)": Rule(NOBODY),  # Annex III route (classification)
    "Art. 6(3)": Rule(NOBODY),  # derogation conditions (classification)
    "Art. 6(4)": Rule(assess="leaves"),  # ... except: provider documents not-high-risk assessment
    "Art. 6(5)": Rule(NOBODY),  # Commission guidelines
    "Art. 6(6)": Rule(NOBODY),  # Commission delegated acts
    "Art. 6(7)": Rule(NOBODY),  # Commission delegated acts
    "Art. 6(8)": Rule(NOBODY),  # limits on those amendments
    # --- Chapter III, Section 2: requirements (met by the provider, Art. 16(a))
    "Art. 8": Rule((P,), HR, "leaves"),
    "Art. 8(1)": Rule(assess="none"),  # umbrella; assessed through Arts 9-15
    "Art. 8(2)": Rule(assess="none"),  # umbrella over Section 2 and the Annex I acts; the rest is permissive
    "Art. 9": Rule((P,), HR, "leaves"),  # risk management system
    "Art. 9(3)": Rule(assess="none"),  # scope of the risks concerned
    "Art. 9(5)": Rule(assess="whole"),  # residual risk acceptable; (a)-(c) are the means
    "Art. 9(7)": Rule(assess="none"),  # permissive ('may include')
    "Art. 9(10)": Rule(assess="none"),  # permissive (may combine with other RM law)
    "Art. 10": Rule((P,), HR, "leaves"),  # data governance; 10(5)(a)-(f) conditions each
    "Art. 10(1)": Rule(assess="none"),  # umbrella; assessed through the criteria of 10(2)-(5)
    "Art. 10(6)": Rule(assess="none"),  # scope rule for systems not trained on data
    "Art. 11": Rule((P,), HR, "leaves"),  # technical documentation
    "Art. 11(3)": Rule(NOBODY, assess="none"),  # Commission delegated acts
    "Art. 12": Rule((P,), HR, "leaves"),  # record-keeping
    "Art. 12(2)": Rule(assess="whole"),  # one logging requirement; (a)-(c) are its purposes
    "Art. 13": Rule((P,), HR, "leaves"),  # instructions for use: each content item
    "Art. 14": Rule((P,), HR, "leaves"),  # human oversight
    "Art. 14(3)": Rule(assess="whole"),  # either or both kinds of measure
    "Art. 14(5)": Rule((P, D)),  # two-person verification falls on the deployer's use
    "Art. 15": Rule((P,), HR, "leaves"),  # accuracy, robustness, cybersecurity
    "Art. 15(2)": Rule(NOBODY, assess="none"),  # Commission benchmarks
    # --- Chapter III, Section 3: operators' obligations ------------------------
    "Art. 16": Rule((P,), HR, "leaves"),  # (a)-(l) each a provider duty
    "Art. 17": Rule((P,), HR, "leaves"),  # QMS: each aspect (a)-(m)
    "Art. 17(3)": Rule(assess="none"),  # permissive (may integrate in sectoral QMS)
    "Art. 17(4)": Rule(assess="none"),  # deemed fulfilled for financial institutions
    "Art. 18": Rule((P,), HR, "leaves"),  # documentation keeping
    "Art. 18(2)": Rule(NOBODY, assess="none"),  # Member States
    "Art. 19": Rule((P,), HR, "leaves"),  # automatically generated logs
    "Art. 20": Rule((P,), HR, "leaves"),  # corrective actions
    "Art. 21": Rule((P,), HR, "leaves"),  # cooperation with authorities
    "Art. 21(3)": Rule(NOBODY, assess="none"),  # authorities' confidentiality
    "Art. 22": Rule((AR,), HR, "leaves"),  # authorised representative ...
    "Art. 22(1)": Rule((P,)),  # ... appointed by third-country providers
    "Art. 22(2)": Rule((P,)),  # ... whom the provider enables
    "Art. 23": Rule((IMP,), HR, "leaves"),  # importers
    "Art. 24": Rule((DIS,), HR, "leaves"),  # distributors
    "Art. 25": Rule((DIS, IMP, D, P), HR, "leaves"),  # value chain
    "Art. 25(1)": Rule((DIS, IMP, D), assess="whole"),  # becomes provider in (a)-(c)
    "Art. 25(2)": Rule((P,)),  # initial provider cooperates with the new provider
    "Art. 25(3)": Rule((P,), assess="whole"),  # product manufacturer becomes provider
    "Art. 25(4)": Rule((P,)),  # written agreement with suppliers
    "Art. 25(5)": Rule(assess="none"),  # without prejudice to IP rights
    "Art. 26": Rule((D,), HR, "leaves"),  # deployers
    "Art. 26(3)": Rule(assess="none"),  # without prejudice clause
    "Art. 27": Rule((D,), HR, "leaves"),  # FRIA: public-law / public-service / Annex III 5(b),(c)
    "Art. 27(5)": Rule(NOBODY, assess="none"),  # AI Office template
    # --- Chapter III, Section 5 -----------------------------------------------
    "Art. 43": Rule((P,), HR, "leaves"),  # conformity assessment
    "Art. 43(1)": Rule(assess="whole"),  # choice of procedure; the lists are options/conditions
    "Art. 43(5)": Rule(NOBODY, assess="none"),  # Commission delegated acts
    "Art. 43(6)": Rule(NOBODY, assess="none"),  # Commission delegated acts
    "Art. 47": Rule((P,), HR, "leaves"),  # EU declaration of conformity
    "Art. 47(5)": Rule(NOBODY, assess="none"),  # Commission delegated acts
    "Art. 48": Rule((P,), HR, "leaves"),  # CE marking
    "Art. 49": Rule((P, AR, D), HR, "leaves"),  # registration
    "Art. 49(1)": Rule((P, AR)),  # provider or authorised representative registers
    "Art. 49(2)": Rule((P, AR)),  # same, for Art. 6(3) not-high-risk systems
    "Art. 49(3)": Rule((D,)),  # deployers that are public authorities
    "Art. 49(4)": Rule((P, AR, D), assess="whole"),  # restricted content; (a)-(d) are references
    "Art. 49(5)": Rule((P,)),  # Annex III point 2: national registration
    # --- Chapter IV ------------------------------------------------------------
    "Art. 50": Rule((P, D), (TRANSP,), "leaves"),
    "Art. 50(1)": Rule((P,)),  # interaction disclosure by design
    "Art. 50(2)": Rule((P,)),  # machine-readable marking of synthetic content
    "Art. 50(3)": Rule((D,)),  # emotion recognition / biometric categorisation
    "Art. 50(4)": Rule((D,)),  # deep fakes and public-interest text
    "Art. 50(5)": Rule((P, D)),  # how and when the information is given
    "Art. 50(6)": Rule(assess="none"),  # relation to Chapter III and other law
    "Art. 50(7)": Rule(NOBODY, assess="none"),  # AI Office / Commission codes of practice
    # --- Chapter V: GPAI (Art. 53/54 also apply to systemic-risk models) -------
    "Art. 52": Rule((GP,), (SYSTEMIC,), "none"),  # designation procedure ...
    "Art. 52(1)": Rule(assess="leaves"),  # ... except the provider's duty to notify
    "Art. 52(3)": Rule(NOBODY),  # Commission decision
    "Art. 52(4)": Rule(NOBODY),  # Commission designation
    "Art. 52(6)": Rule(NOBODY),  # Commission list
    "Art. 53": Rule((GP,), (GPAI, SYSTEMIC), "leaves"),  # (a)-(d); (b)(i),(ii) leaves
    "Art. 53(2)": Rule(assess="none"),  # open-source exemption
    "Art. 53(5)": Rule(NOBODY, assess="none"),  # Commission delegated acts
    "Art. 53(6)": Rule(NOBODY, assess="none"),  # Commission delegated acts
    "Art. 53(7)": Rule(NOBODY, assess="none"),  # authorities' confidentiality
    "Art. 54": Rule((GP, AR), (GPAI, SYSTEMIC), "leaves"),
    "Art. 54(1)": Rule((GP,)),  # third-country GPAI provider appoints a representative
    "Art. 54(2)": Rule((GP,)),  # provider enables the representative
    "Art. 54(3)": Rule((AR,)),  # representative's tasks (a)-(d)
    "Art. 54(4)": Rule((GP, AR)),  # content of the mandate
    "Art. 54(5)": Rule((AR,)),  # termination of the mandate
    "Art. 54(6)": Rule(assess="none"),  # open-source exemption
    "Art. 55": Rule((GP,), (SYSTEMIC,), "leaves"),  # (a)-(d) systemic-risk duties
    "Art. 55(3)": Rule(NOBODY, assess="none"),  # authorities' confidentiality
    # --- Chapter VI: testing in real world conditions outside sandboxes ----------
    "Art. 60": Rule(NOBODY, HR, "none"),  # permissions and procedure ...
    "Art. 60(4)": Rule((P,), assess="leaves"),  # ... except the conditions (a)-(k) the provider meets
    "Art. 60(7)": Rule((P,), assess="whole"),  # serious incidents in testing: report, mitigate or stop
    "Art. 60(8)": Rule((P,), assess="whole"),  # notify suspension, termination and final outcomes
    "Art. 61": Rule(NOBODY, HR, "none"),
    "Art. 61(1)": Rule((P,), assess="whole"),  # informed consent; (a)-(e) are the information items
    # --- Chapter IX --------------------------------------------------------------
    "Art. 72": Rule((P,), HR, "leaves"),  # post-market monitoring
    "Art. 72(4)": Rule(assess="none"),  # permissive (may integrate into sectoral PMM)
    "Art. 73": Rule((P, D), HR, "leaves"),  # serious incidents (deployer via Art. 26(5))
    "Art. 73(1)": Rule((P,)),  # provider reports
    "Art. 73(5)": Rule(assess="none"),  # permissive (initial incomplete report)
    "Art. 73(6)": Rule((P,)),  # provider investigates and cooperates
    "Art. 73(7)": Rule(NOBODY, assess="none"),  # authorities / Commission guidance
    "Art. 73(8)": Rule(NOBODY, assess="none"),  # market surveillance authority
    "Art. 73(9)": Rule((P,), assess="none"),  # scope limitation, not a duty
    "Art. 73(10)": Rule((P,), assess="none"),  # scope limitation, not a duty
    "Art. 73(11)": Rule(NOBODY, assess="none"),  # national authorities notify Commission
    "Art. 79": Rule(NOBODY, HR, "none"),  # authorities' procedure for systems presenting a risk ...
    "Art. 79(4)": Rule((P, IMP, DIS), assess="whole"),  # ... except: the operator takes corrective action
    "Art. 80": Rule(NOBODY, HR, "none"),  # systems the provider classified as not high-risk ...
    "Art. 80(4)": Rule((P,), assess="whole"),  # ... the provider brings the system into compliance
    "Art. 80(5)": Rule((P,), assess="whole"),  # ... and takes corrective action on every system concerned
    "Art. 82": Rule(NOBODY, HR, "none"),  # compliant systems presenting a risk ...
    "Art. 82(2)": Rule((P, IMP, DIS), assess="whole"),  # ... the operator takes corrective action in time
    "Art. 86": Rule((D,), HR, "leaves"),  # deployer explains individual decisions
    "Art. 86(2)": Rule(assess="none"),  # exceptions under other law
    "Art. 86(3)": Rule(assess="none"),  # subsidiarity
    # --- Chapter IX, Section 5 and Chapter XIII: GPAI providers' duties ---------
    "Art. 91": Rule(NOBODY, (GPAI, SYSTEMIC), "none"),  # AI Office requests ...
    "Art. 91(5)": Rule((GP,), assess="whole"),  # ... the provider supplies the information
    "Art. 92": Rule(NOBODY, (GPAI, SYSTEMIC), "none"),  # AI Office evaluations ...
    "Art. 92(5)": Rule((GP,), assess="whole"),  # ... the provider gives the access requested
    "Art. 111": Rule(NOBODY, assess="none"),  # transitional provisions ...
    "Art. 111(3)": Rule((GP,), (GPAI, SYSTEMIC), "whole"),  # ... GPAI models already on the market comply by 2027
    # --- Annexes -----------------------------------------------------------------
    "Annex IV": Rule((P,), HR, "leaves"),  # technical documentation content (Art. 11(1))
    "Annex XI": Rule((GP,), (GPAI, SYSTEMIC), "leaves"),  # GPAI technical doc (Art. 53(1)(a))
    "Annex XI Section 2": Rule(risks=(SYSTEMIC,)),  # additional items for systemic risk
    "Annex XII": Rule((GP,), (GPAI, SYSTEMIC), "leaves"),  # downstream info (Art. 53(1)(b))
}

# Art. 113: dates of application.
EARLY = date(2025, 2, 2)  # Art. 113(a): Chapters I and II
GOVERNANCE = date(2025, 8, 2)  # Art. 113(b)
GENERAL = date(2026, 8, 2)  # Art. 113, second paragraph
ANNEX_I_ROUTE = date(2027, 8, 2)  # Art. 113(c): Art. 6(1) and its obligations

# Annexes take the date of the provisions that use them.
ANNEX_DATES: dict[str, date] = {
    "Annex II": EARLY,  # offences for the Art. 5(1)(h)(iii) exception
    "Annex III": GENERAL,  # Art. 6(2) high-risk areas
    "Annex IV": GENERAL,  # Art. 11(1) technical documentation
    "Annex V": GENERAL,  # Art. 47 EU declaration of conformity
    "Annex VI": GENERAL,  # Art. 43 internal control
    "Annex VII": GENERAL,  # Art. 43 notified-body procedure
    "Annex VIII": GENERAL,  # Art. 49 registration data
    "Annex IX": GENERAL,  # Art. 60 real-world testing registration
    "Annex XI": GOVERNANCE,  # Art. 53(1)(a), Chapter V
    "Annex XII": GOVERNANCE,  # Art. 53(1)(b), Chapter V
    "Annex XIII": GOVERNANCE,  # Art. 51, Chapter V
    # Annex I (used by Art. 6(1) from 2027 and by other articles from 2026) and
    # Annex X (Art. 111 transitional deadlines) get no single date.
}


def article_date(article: Node) -> date:
    number = int(article.label)
    section = article.parent if article.parent and article.parent.kind == "section" else None
    chapter = section.parent if section else article.parent
    assert chapter is not None
    ch = chapter.label
    if ch in {"I", "II"}:
        return EARLY
    if number == 101:
        return GENERAL  # Art. 113(b) 'with the exception of Article 101'
    if (ch == "III" and section is not None and section.label == "4") or ch in {
        "V",
        "VII",
        "XII",
    }:
        return GOVERNANCE
    if number == 78:
        return GOVERNANCE
    return GENERAL


def node_date(node: Node) -> date | None:
    chain = node.ancestors_or_self()
    if any(n.notation == "Art. 6(1)" for n in chain):
        return ANNEX_I_ROUTE
    for n in chain:
        if n.kind == "article":
            return article_date(n)
        if n.kind == "annex":
            return ANNEX_DATES.get(n.notation)
    # Chapters and sections: a date only if every article in them shares it.
    dates = {node_date(d) for d in node.walk() if d.kind in {"article", "paragraph", "point"}}
    return dates.pop() if len(dates) == 1 else None


def resolve(node: Node) -> tuple[tuple[URIRef, ...], tuple[URIRef, ...], bool]:
    roles: tuple[URIRef, ...] | None = None
    risks: tuple[URIRef, ...] | None = None
    assessable: bool | None = None
    for n in node.ancestors_or_self():
        rule = RULES.get(n.notation)
        if rule is None:
            continue
        if roles is None:
            roles = rule.roles
        if risks is None:
            risks = rule.risks
        if assessable is None and rule.assess is not None:
            if rule.assess == "none":
                assessable = False
            elif rule.assess == "whole":
                assessable = n is node
            elif rule.assess == "leaves":
                assessable = not node.children
            else:
                raise ValueError(rule.assess)
    return roles or (), risks or (), bool(assessable)


# ---------------------------------------------------------------------------
# Graph
# ---------------------------------------------------------------------------
TYPES = {
    "chapter": CG.ChapterType,
    "section": CG.SectionType,
    "annex_section": CG.SectionType,
    "article": CG.ArticleType,
    "paragraph": CG.ParagraphType,
    "item": CG.ParagraphType,
    "subitem": CG.PointType,
    "point": CG.PointType,
    "annex": CG.AnnexType,
}


def framework_triples(g: Graph) -> None:
    fw = FRAMEWORK
    g.add((fw, RDF.type, CG.Framework))
    g.add((fw, DCTERMS.identifier, Literal(FRAMEWORK_ID)))
    g.add((fw, DCTERMS.title, Literal("Regulation (EU) 2024/1689 (Artificial Intelligence Act)", lang="en")))
    g.add((fw, DCTERMS.publisher, Literal("European Parliament and Council of the European Union")))
    g.add((fw, OWL.versionInfo, Literal("OJ L, 2024/1689, 12.7.2024")))
    g.add((fw, DCTERMS.issued, Literal(date(2024, 6, 13))))
    g.add((fw, DCTERMS.source, URIRef("http://data.europa.eu/eli/reg/2024/1689/oj")))
    g.add(
        (
            fw,
            DCTERMS.rights,
            Literal(
                "© European Union, https://eur-lex.europa.eu. Reused under Commission Decision "
                "2011/833/EU; only the Official Journal edition is authentic."
            ),
        )
    )
    g.add(
        (
            fw,
            DCTERMS.bibliographicCitation,
            Literal(
                "Regulation (EU) 2024/1689, OJ L, 2024/1689, 12.7.2024, "
                "ELI: http://data.europa.eu/eli/reg/2024/1689/oj — © European Union"
            ),
        )
    )
    g.add(
        (
            fw,
            DCTERMS.description,
            Literal(
                "The enacting terms (Chapters I-XIII, Articles 1-113) and Annexes I-XIII of the EU "
                "Artificial Intelligence Act as requirement nodes, with the legal text of each "
                "provision in cg:legalText. Generated by tools/build_eu_ai_act.py from the Markdown "
                f"conversion of the Official Journal text in the {SOURCE_REPO} repository "
                f"(MIT licence; src/lib/data/regulation/, commit {SOURCE_COMMIT}), with the "
                "converter's notes and emphasis removed. That conversion lays out some annex "
                "passages (notably Annexes III and IV) as lists with added headings; only the "
                "Official Journal edition is authentic. Recitals are not included.",
                lang="en",
            ),
        )
    )


def build_graph(tops: list[Node]) -> tuple[Graph, Counter[str]]:
    g = Graph(bind_namespaces="none")
    for prefix, ns in (
        ("cg", CG),
        ("dcterms", DCTERMS),
        ("owl", OWL),
        ("rdf", RDF),
        ("skos", SKOS),
        ("xsd", XSD),
        ("fw", ID),
        ("euaiact", REQ),
    ):
        g.bind(prefix, ns)
    framework_triples(g)
    counts: Counter[str] = Counter()
    labels = pref_labels(tops)
    order = 0
    for top in tops:
        for node in top.walk():
            order += 1
            node.order = order
            iri = REQ[slug(node.notation)]
            g.add((iri, RDF.type, CG.Requirement))
            g.add((iri, SKOS.inScheme, FRAMEWORK))
            g.add((iri, SKOS.notation, Literal(node.notation)))
            g.add((iri, SKOS.prefLabel, Literal(labels[node], lang="en")))
            g.add((iri, CG.requirementType, TYPES[node.kind]))
            g.add((iri, CG.documentOrder, Literal(order)))
            if node.parent is None:
                g.add((iri, SKOS.topConceptOf, FRAMEWORK))
            else:
                g.add((iri, SKOS.broader, REQ[slug(node.parent.notation)]))
            if node.text:
                g.add((iri, CG.legalText, Literal(node.text)))
            _, risks, assessable = resolve(node)
            roles = sorted({r for d in node.walk() for r in resolve(d)[0]})
            for role in roles:
                g.add((iri, CG.bindsRole, role))
            for risk in risks:
                g.add((iri, CG.appliesToRiskCategory, risk))
            applicable = node_date(node)
            if applicable is not None:
                g.add((iri, CG.applicableFrom, Literal(applicable)))
            g.add((iri, CG.assessable, Literal(assessable)))
            counts[TYPES[node.kind].fragment] += 1
            counts[node.kind] += 1
            if assessable:
                counts["assessable"] += 1
    return g, counts


# ---------------------------------------------------------------------------
# Checks and main
# ---------------------------------------------------------------------------
def roman(n: int) -> str:
    table = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, numeral in table:
        while n >= value:
            out += numeral
            n -= value
    return out


def check(tops: list[Node]) -> dict[str, Node]:
    chapters = [t for t in tops if t.kind == "chapter"]
    annexes = [t for t in tops if t.kind == "annex"]
    articles = [n for t in chapters for n in t.walk() if n.kind == "article"]
    assert [c.label for c in chapters] == [roman(i) for i in range(1, 14)], "13 chapters"
    assert [a.label for a in annexes] == [roman(i) for i in range(1, 14)], "13 annexes"
    assert [int(a.label) for a in articles] == list(range(1, 114)), "113 articles"
    nodes: dict[str, Node] = {}
    slugs: set[str] = set()
    for top in tops:
        for node in top.walk():
            assert node.notation not in nodes, f"duplicate notation {node.notation}"
            assert slug(node.notation) not in slugs, f"duplicate slug {node.notation}"
            nodes[node.notation] = node
            slugs.add(slug(node.notation))
            if node.kind in {"chapter", "section", "article", "annex", "annex_section"}:
                assert node.title, f"{node.notation} has no title"
            assert "**" not in node.text + node.title, f"bold left in {node.notation}"
            assert "Training Note" not in node.text + node.title
    for node in nodes.values():
        if node.parent is not None:
            assert node.parent.notation in nodes, f"{node.notation}: broader missing"
    for notation in RULES:
        assert notation in nodes, f"obligation table names unknown node {notation}"
    return nodes


def check_graph(g: Graph) -> None:
    for _, _, broader in g.triples((None, SKOS.broader, None)):
        assert (broader, RDF.type, CG.Requirement) in g, f"dangling broader {broader}"
    for node in nodes_with_assessable_parent(g):
        raise AssertionError(f"both {node} and its broader node are assessable")


def nodes_with_assessable_parent(g: Graph) -> list[URIRef]:
    bad: list[URIRef] = []
    for s, _, parent in g.triples((None, SKOS.broader, None)):
        if (s, CG.assessable, Literal(True)) in g:
            for ancestor in g.transitive_objects(parent, SKOS.broader):
                if (ancestor, CG.assessable, Literal(True)) in g:
                    bad.append(URIRef(str(s)))
    return bad


def parse_source(source: Path) -> list[Node]:
    files = sorted(p for p in source.glob("*.md") if p.name != "SOURCE.md")
    if not files:
        raise ParseError(f"no Markdown files in {source}")
    parser = Parser()
    for path in files:
        parser.feed(path.name, preprocess(path.read_text(encoding="utf-8")))
    return parser.tops


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"EU AI Act Markdown folder (default: {DEFAULT_SOURCE})",
    )
    ap.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"Turtle file to write (default: {DEFAULT_OUTPUT})"
    )
    args = ap.parse_args(argv)

    tops = parse_source(args.source)
    assign_notations(tops)
    nodes = check(tops)
    apply_source_fixes(nodes)
    g, counts = build_graph(tops)
    check_graph(g)

    header = (
        "# EU AI Act (Regulation (EU) 2024/1689) as ctrlgraph requirement nodes.\n"
        "# GENERATED by tools/build_eu_ai_act.py from ../shared/data/eu-ai-act -- do not edit.\n"
        "# Legal text: (c) European Union, reused under Commission Decision 2011/833/EU.\n\n"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(header + g.serialize(format="turtle"), encoding="utf-8")

    print(f"wrote {args.output} ({len(g)} triples)")
    print(f"chapters:   {counts['chapter']}")
    print(
        f"sections:   {counts['SectionType']} ({counts['section']} in chapters, {counts['annex_section']} in annexes)"
    )
    print(f"articles:   {counts['article']}")
    print(
        f"paragraphs: {counts['ParagraphType']} "
        f"({counts['paragraph']} article paragraphs, {counts['item']} annex items)"
    )
    print(
        f"points:     {counts['PointType']} "
        f"({counts['point']} lettered/roman points, {counts['subitem']} annex sub-items)"
    )
    print(f"annexes:    {counts['annex']}")
    print(f"assessable: {counts['assessable']}")
    assert counts["article"] == 113 and counts["chapter"] == 13 and counts["annex"] == 13
    return 0


if __name__ == "__main__":
    sys.exit(main())
