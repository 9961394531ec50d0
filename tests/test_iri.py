import pytest

from ctrlgraph.iri import requirement_iri, slug
from ctrlgraph.store.base import Iri, bind, sparql_literal


@pytest.mark.parametrize(
    ("notation", "expected"),
    [
        ("6.1.2", "6-1-2"),
        ("A.6.2.8", "a-6-2-8"),
        ("Art. 9(2)(a)", "art-9-2-a"),
        ("Annex III(4)(a)", "annex-iii-4-a"),
        ("Chapter III Section 2", "chapter-iii-section-2"),
    ],
)
def test_slug_follows_the_documented_rule(notation: str, expected: str) -> None:
    assert slug(notation) == expected


def test_requirement_iri() -> None:
    assert requirement_iri("iso42001-2023", "A.6.2.8") == "https://w3id.org/ctrlgraph/id/iso42001-2023/a-6-2-8"


def test_bind_escapes_literals_and_refuses_bad_iris() -> None:
    text = bind("SELECT * WHERE { ?s ?p {{v}} . ?s ?q {{i}} }", {"v": 'a"b\nc', "i": Iri("http://x/y")})
    assert '"a\\"b\\nc"' in text and "<http://x/y>" in text
    with pytest.raises(ValueError):
        bind("{{i}}", {"i": Iri("http://x/> } ; DROP ALL ; #")})
    with pytest.raises(KeyError):
        bind("{{a}}", {})
    with pytest.raises(KeyError):
        bind("{{a}}", {"a": 1, "b": 2})


def test_literal_types() -> None:
    assert sparql_literal(True).startswith('"true"^^')
    assert sparql_literal(3) == "3"
