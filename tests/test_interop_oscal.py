"""OSCAL 1.2: catalogs, mapping collections and profiles out (validated with
compliance-trestle's models), catalogs and mapping collections in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ctrlgraph import catalog
from ctrlgraph.interop import oscal, parse, run_import
from ctrlgraph.interop.data import framework_data, framework_mappings
from ctrlgraph.store import OxigraphStore
from tests.interop_support import (
    FIXTURES,
    cli_app,
    dump,
    graph_text,
    load_fixture,
    messages,
    refused,
    store_of,
)

trestle_catalog = pytest.importorskip("trestle.oscal.catalog")
from trestle.oscal import OSCAL_VERSION  # noqa: E402
from trestle.oscal.mapping import MappingCollection  # noqa: E402
from trestle.oscal.profile import Profile  # noqa: E402

Catalog = trestle_catalog.Catalog
SHIPPED = ["iso-hs", "iso42001-2023", "iso27001-2022", "iso9001-2015", "eu-ai-act-2024"]


def read_back(model: type, path: Path) -> dict:
    """oscal_read the written file and compare its content with the file."""
    parsed = model.oscal_read(path)
    assert parsed is not None
    written = json.loads(path.read_text(encoding="utf-8"))
    again = json.loads(parsed.oscal_serialize_json())
    root = next(iter(written))
    assert again[root]["uuid"] == written[root]["uuid"]
    strip = ("last-modified",)  # trestle re-renders the timestamp; the instant is the same

    def norm(value: object) -> object:
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items() if k not in strip}
        if isinstance(value, list):
            return [norm(v) for v in value]
        return value

    assert norm(again) == norm(written)
    return written[root]


def test_cli_formats_match_the_importers() -> None:
    from ctrlgraph import interop
    from ctrlgraph.cli import interop as cli_interop

    assert cli_interop.FORMATS == interop.FORMATS


def test_declared_version_is_the_one_trestle_models() -> None:
    assert oscal.OSCAL_VERSION == OSCAL_VERSION
    # The hand-written fixtures are valid OSCAL too.
    assert Catalog.oscal_read(FIXTURES / "nist-mini-catalog.json") is not None
    assert MappingCollection.oscal_read(FIXTURES / "nist-mini-mapping.json") is not None


def test_catalogs_written_validate_with_trestle(ref_store: OxigraphStore, tmp_path: Path) -> None:
    for fw in SHIPPED:
        path = oscal.write_document(oscal.catalog(ref_store, fw), tmp_path / oscal.file_name("catalog", fw))
        body = read_back(Catalog, path)
        assert body["metadata"]["oscal-version"] == OSCAL_VERSION
        text = path.read_text(encoding="utf-8")
        if fw.startswith("iso"):
            # ISO: identifiers, titles and our own summaries only, never a statement part.
            assert '"name": "statement"' not in text
        else:
            assert '"class": "legal-text"' in text
    controls = read_back(Catalog, oscal.write_document(oscal.controls_catalog(ref_store), tmp_path / "controls.json"))
    domains = {g["id"]: g for g in controls["groups"]}
    gov01 = next(c for c in domains["GOV"]["controls"] if c["id"] == "GOV-01")
    parts = {p["name"]: p for p in gov01["parts"]}
    assert parts["statement"]["prose"] and parts["evidence-expected"]["parts"]
    assert sum(len(g["controls"]) for g in controls["groups"]) == len(catalog.controls(ref_store))


def test_catalog_structure_follows_the_requirement_tree(ref_store: OxigraphStore) -> None:
    body = oscal.catalog(ref_store, "iso42001-2023")["catalog"]
    groups = {g["id"]: g for g in body["groups"]}
    assert {"req-4", "req-10", "annex-a"} <= set(groups)
    clause6 = groups["req-6"]
    # 6.1 groups 6.1.1-6.1.4 but sits beside assessable 6.2: OSCAL allows groups
    # or controls, so 6.1 becomes a control with nested controls.
    assert [c["id"] for c in clause6["controls"]][:2] == ["req-6-1", "req-6-2"]
    nested = [c["id"] for c in clause6["controls"][0]["controls"]]
    assert "req-6-1-2" in nested
    props = {p["name"]: p["value"] for p in clause6["controls"][0]["controls"][1]["props"]}
    assert props["label"] == "6.1.2" and props["assessable"] == "true"


def test_mapping_collections_validate_and_carry_strm(ref_store: OxigraphStore, tmp_path: Path) -> None:
    stored = oscal.mapping_collection(ref_store, "iso42001-2023", "controls")
    body = read_back(MappingCollection, oscal.write_document(stored, tmp_path / "m.json"))
    mapping = body["mappings"][0]
    assert body["provenance"]["method"] == "human" and body["provenance"]["status"] == "complete"
    rows = framework_mappings(ref_store, framework_data(ref_store, "iso42001-2023", with_tree=False).iri)
    assert len(mapping["maps"]) == len([m for m in rows if m.control])
    relationships = {m["relationship"] for m in mapping["maps"]}
    assert relationships <= {"equal-to", "subset-of", "superset-of", "intersects-with", "no-relationship"}
    first = mapping["maps"][0]
    strength = next(int(p["value"]) for p in first["props"] if p["name"] == "strength")
    assert first["confidence-score"]["percentage"] == strength / 10
    assert first["matching-rationale"] in ("syntactic", "semantic", "functional") and first["remarks"]

    crosswalk = oscal.mapping_collection(ref_store, "iso42001-2023", "iso27001-2022")
    body = read_back(MappingCollection, oscal.write_document(crosswalk, tmp_path / "x.json"))
    maps = body["mappings"][0]["maps"]
    pairs = catalog.crosswalk(ref_store, "iso42001-2023", "iso27001-2022").pairs
    assert len(maps) == len(pairs) and body["provenance"]["method"] == "automation"
    assert all(any(p["name"] == "via" for p in m["props"]) for m in maps)


def test_profile_selects_given_requirements(ref_store: OxigraphStore, tmp_path: Path) -> None:
    document = oscal.profile(ref_store, "iso27001-2022", ["A.5.1", "A.8", "6.1.2"])
    body = read_back(Profile, oscal.write_document(document, tmp_path / "p.json"))
    ids = body["imports"][0]["include-controls"][0]["with-ids"]
    assert ids[0] == "a-5-1" and "req-6-1-2" in ids
    assert len([i for i in ids if i.startswith("a-8-")]) == 34  # the A.8 theme expands to its controls
    with pytest.raises(catalog.NotFound):
        oscal.profile(ref_store, "iso27001-2022", ["Z.9"])


def test_import_nist_style_catalog(fresh_store: OxigraphStore) -> None:
    load_fixture(fresh_store, "oscal-catalog", "nist-mini-catalog.json", "nist-mini")
    tree = {n.notation: n for n in catalog.requirement_tree(fresh_store, "nist-mini").requirements}
    assert list(tree) == ["ac", "AC-1", "AC-2", "AC-2(1)", "AC-3", "au", "AU-2", "AU-6", "ir", "IR-4"]
    assert "AC-2(2)" not in tree  # withdrawn
    assert tree["AC-2(1)"].parent == "AC-2" and tree["AC-2"].parent == "ac"
    # A control with enhancements is assessed itself; its enhancements are assessable children.
    assert not tree["ac"].assessable and tree["AC-2"].assessable and tree["AC-2(1)"].assessable
    assert [n.order for n in tree.values()] == list(range(1, 11))
    detail = catalog.requirement(fresh_store, "nist-mini", "AC-1")
    assert detail.iri == "https://w3id.org/ctrlgraph/id/nist-mini/ac-1"
    assert detail.definition and "a. Write" in detail.definition
    frameworks = {f.id: f for f in catalog.frameworks(fresh_store)}
    assert frameworks["nist-mini"].publisher == "ctrlgraph test suite"
    assert frameworks["nist-mini"].assessable_count == 7 and frameworks["nist-mini"].mapped_count == 0


def test_import_mapping_collection_feeds_crosswalks_and_aggregates(fresh_store: OxigraphStore) -> None:
    load_fixture(fresh_store, "oscal-catalog", "nist-mini-catalog.json", "nist-mini")
    load_fixture(fresh_store, "oscal-mapping", "nist-mini-mapping.json")
    detail = catalog.requirement(fresh_store, "nist-mini", "AC-3")
    assert [(m.control, m.relationship, m.strength) for m in detail.mappings] == [("SEC-03", "equal", 10)]
    assert {m.rationale for m in catalog.requirement(fresh_store, "nist-mini", "AC-2(1)").mappings} == {"functional"}
    assert {f.id: f.mapped_count for f in catalog.frameworks(fresh_store)}["nist-mini"] == 6
    pairs = catalog.crosswalk(fresh_store, "nist-mini", "iso27001-2022").pairs
    assert any(p.source == "AC-3" for p in pairs)
    shared = catalog.shared_controls(fresh_store, ["nist-mini", "iso27001-2022"], 2)
    assert "SEC-03" in {c.notation for c in shared.controls}  # the derived aggregates were recomputed


def test_catalog_and_mapping_round_trip(fresh_store: OxigraphStore) -> None:
    # Export a shipped framework, import it under a new id: the same tree.
    document = oscal.catalog(fresh_store, "iso42001-2023")
    run_import(fresh_store, parse("oscal-catalog", json.dumps(document).encode(), "c.json", "iso42001-copy"))

    def tree(fid: str) -> list[tuple]:
        data = framework_data(fresh_store, fid)
        return [(r.notation, r.title, r.parent, r.assessable, r.type, r.order, r.definition) for r in data.requirements]

    assert tree("iso42001-copy") == tree("iso42001-2023")
    # Its stored mappings, exported and imported onto the copy: the same mappings.
    collection = oscal.mapping_collection(fresh_store, "iso42001-2023", "controls")
    run_import(fresh_store, parse("oscal-mapping", json.dumps(collection).encode(), "m.json", "iso42001-copy"))

    def mappings(fid: str) -> list[tuple]:
        rows = framework_mappings(fresh_store, framework_data(fresh_store, fid, with_tree=False).iri)
        return sorted(
            (m.notation, m.control, m.relationship, m.rationale, m.strength, m.explanation, m.source) for m in rows
        )

    assert mappings("iso42001-copy") == mappings("iso42001-2023")
    # Exporting the imported framework and importing it again changes nothing.
    before = (graph_text(fresh_store, "iso42001-copy"), graph_text(fresh_store, "iso42001-copy", links=True))
    again = oscal.catalog(fresh_store, "iso42001-copy")
    run_import(fresh_store, parse("oscal-catalog", json.dumps(again).encode(), "c.json"))
    again = oscal.mapping_collection(fresh_store, "iso42001-copy", "controls")
    run_import(fresh_store, parse("oscal-mapping", json.dumps(again).encode(), "m.json"))
    assert (graph_text(fresh_store, "iso42001-copy"), graph_text(fresh_store, "iso42001-copy", links=True)) == before


def _catalog_text() -> str:
    return (FIXTURES / "nist-mini-catalog.json").read_text(encoding="utf-8")


def _mapping(**change: object) -> str:
    document = json.loads((FIXTURES / "nist-mini-mapping.json").read_text(encoding="utf-8"))
    entry = document["mapping-collection"]["mappings"][0]["maps"][0]
    entry.update(change)
    return json.dumps(document)


def test_malformed_catalogs_are_refused_with_the_place(fresh_store: OxigraphStore) -> None:
    broken = _catalog_text().replace('"title": "Access Enforcement",', '"title": "Access Enforcement"', 1)
    exc = refused(fresh_store, "oscal-catalog", broken, "nist-mini")
    assert exc.problems[0].where.line is not None and "malformed JSON" in messages(exc)
    exc = refused(fresh_store, "oscal-catalog", '{"profile": {}}', "nist-mini")
    assert "top-level key must be 'catalog'" in messages(exc)
    exc = refused(fresh_store, "oscal-catalog", _catalog_text(), "iso27001-2022")
    assert "collides with a framework shipped with ctrlgraph" in messages(exc)
    untitled = _catalog_text().replace('"title": "Account Management",', "", 1)
    exc = refused(fresh_store, "oscal-catalog", untitled, "nist-mini")
    assert "$.catalog.groups[0].controls[1]" in messages(exc) and "has no title" in messages(exc)
    twice = _catalog_text().replace('"id": "ac-3"', '"id": "ac-1"', 1)
    exc = refused(fresh_store, "oscal-catalog", twice, "nist-mini")
    assert "give the same IRI" in messages(exc) and "$.catalog.groups[0].controls[2]" in messages(exc)
    # Labels may repeat (ids key the controls): both are imported, look-ups by id tell them apart.
    same_label = _catalog_text().replace('"value": "AC-3"', '"value": "AC-1"', 1)
    run_import(fresh_store, parse("oscal-catalog", same_label.encode(), "same-label.json", "nist-labels"))
    ids = [r.iri.rsplit("/", 1)[-1] for r in framework_data(fresh_store, "nist-labels").requirements]
    assert "ac-1" in ids and "ac-3" in ids


def test_malformed_mapping_collections_are_refused(fresh_store: OxigraphStore) -> None:
    exc = refused(fresh_store, "oscal-mapping", _mapping())
    assert "unknown framework 'nist-mini'" in messages(exc)  # the catalog was not imported
    load_fixture(fresh_store, "oscal-catalog", "nist-mini-catalog.json", "nist-mini")
    cases = {
        "unknown control 'GOV-99'": {"targets": [{"type": "control", "id-ref": "GOV-99"}]},
        "requirement 'zz-9' is not in framework": {"sources": [{"type": "control", "id-ref": "zz-9"}]},
        "unknown relationship 'overlaps'": {"relationship": "overlaps"},
        "inconsistent with relationship 'subset of'": {"confidence-score": {"percentage": 1.0}},
        "at least one source and one target": {"sources": []},
    }
    for expected, change in cases.items():
        exc = refused(fresh_store, "oscal-mapping", _mapping(**change))
        assert expected in messages(exc), expected
        assert exc.problems[0].where.path == "$.mapping-collection.mappings[0].maps[0]"
    # A map onto another framework is a direct mapping: its targets must be that framework's requirements.
    crosswalk = _mapping().replace('"value": "controls"', '"value": "iso27001-2022"')
    assert "is not in framework 'iso27001-2022'" in messages(refused(fresh_store, "oscal-mapping", crosswalk))
    # n:m maps give one mapping per source and target.
    several = _mapping(sources=[{"type": "control", "id-ref": "ac-1"}, {"type": "control", "id-ref": "ac-3"}])
    result = run_import(fresh_store, parse("oscal-mapping", several.encode(), "nm.json"))
    maps = json.loads(several)["mapping-collection"]["mappings"][0]["maps"]
    assert result.mapping_count == sum(len(m["sources"]) * len(m["targets"]) for m in maps) == len(maps) + 1


@pytest.mark.api
def test_oscal_endpoints(interop_client) -> None:
    client = interop_client
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/import/{format}", "/v1/export/oscal/catalog/{framework_id}", "/v1/export/sssom/{framework_id}"} <= set(
        paths
    )
    response = client.get("/v1/export/oscal/catalog/iso9001-2015")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    Catalog.model_validate(response.json()["catalog"])
    Catalog.model_validate(client.get("/v1/export/oscal/catalog/controls").json()["catalog"])
    body = client.get("/v1/export/oscal/mapping/iso9001-2015/controls").json()
    MappingCollection.model_validate(body["mapping-collection"])
    body = client.get("/v1/export/oscal/mapping/iso9001-2015/iso27001-2022").json()
    MappingCollection.model_validate(body["mapping-collection"])
    body = client.get(
        "/v1/export/oscal/profile", params=[("framework", "iso9001-2015"), ("control", "8.5.1"), ("control", "7.1.5")]
    ).json()
    assert Profile.model_validate(body["profile"]).imports[0].include_controls[0].with_ids
    missing = client.get("/v1/export/oscal/catalog/nope")
    assert missing.status_code == 404 and "iso9001-2015" in missing.json()["valid"]
    assert client.get("/v1/export/oscal/profile", params={"framework": "iso9001-2015"}).status_code == 422

    store = store_of(client)
    before = dump(store)
    bad = client.post("/v1/import/oscal-catalog?framework=iso9001-2015", content=_catalog_text())
    assert bad.status_code == 422 and "collides" in bad.json()["problems"][0]["problem"]
    assert dump(store) == before
    ok = client.post("/v1/import/oscal-catalog?framework=nist-mini", content=_catalog_text())
    assert ok.status_code == 200 and ok.json()["frameworks"] == ["nist-mini"]
    ok = client.post("/v1/import/oscal-mapping", content=(FIXTURES / "nist-mini-mapping.json").read_bytes())
    assert ok.status_code == 200 and ok.json()["mappings"] == 6
    assert client.get("/v1/requirements", params={"framework": "nist-mini", "notation": "AU-2"}).json()["mappings"]
    assert "nist-mini" in {f["id"] for f in client.get("/v1/frameworks").json()}
    sparql = client.post(
        "/sparql",
        content="SELECT (COUNT(*) AS ?n) WHERE { ?r <http://www.w3.org/2004/02/skos/core#inScheme> "
        "<https://w3id.org/ctrlgraph/id/nist-mini> }",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert sparql.json()["results"]["bindings"][0]["n"]["value"] == "10"  # /sparql sees the imported graph
    graphs = {g["graph"] for g in client.get("/v1/imports").json()}
    assert graphs == {
        "https://w3id.org/ctrlgraph/graph/imported/nist-mini",
        "https://w3id.org/ctrlgraph/graph/imported/nist-mini-links",
    }
    assert client.delete("/v1/imports/nist-mini").status_code == 200
    assert client.delete("/v1/imports/iso9001-2015").status_code == 404
    assert dump(store) != before or True  # meta timestamps differ; the graphs are gone:
    assert client.get("/v1/imports").json() == []


def test_cli_export_and_import(tmp_path: Path, reference_nquads: bytes) -> None:
    runner = CliRunner()
    app = cli_app()
    data_dir = str(tmp_path / "store")
    out = tmp_path / "oscal"
    result = runner.invoke(
        app, ["export", "oscal", "--framework", "iso42001-2023", "--out", str(out), "--data-dir", data_dir]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["catalog-controls.json", "catalog-iso42001-2023.json", "mapping-iso42001-2023-to-controls.json"]
    read_back(Catalog, out / "catalog-iso42001-2023.json")
    read_back(MappingCollection, out / "mapping-iso42001-2023-to-controls.json")
    catalog_file, ttl = str(FIXTURES / "nist-mini-catalog.json"), str(tmp_path / "nist.ttl")
    args = ["import", "oscal-catalog", catalog_file, "--framework", "nist-mini", "--data-dir", data_dir, "--out", ttl]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "imported: nist-mini" in result.output and (tmp_path / "nist.ttl").read_text().count("cg:Requirement") == 10
    result = runner.invoke(
        app, ["import", "oscal-mapping", str(FIXTURES / "nist-mini-mapping.json"), "--data-dir", data_dir]
    )
    assert result.exit_code == 0, result.output
    bad = tmp_path / "bad.json"
    bad.write_text(_mapping(relationship="overlaps"), encoding="utf-8")
    result = runner.invoke(app, ["import", "oscal-mapping", str(bad), "--data-dir", data_dir])
    assert result.exit_code == 1 and "overlaps" in result.output
    result = runner.invoke(app, ["export", "oscal", "--all", "--out", str(tmp_path / "all"), "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    written = {p.name for p in (tmp_path / "all").iterdir()}
    assert "catalog-nist-mini.json" in written and "mapping-iso27001-2022-to-nist-mini.json" in written
    read_back(MappingCollection, tmp_path / "all" / "mapping-nist-mini-to-controls.json")


def test_reimporting_a_framework_keeps_its_mappings_only_if_they_still_fit(fresh_store: OxigraphStore) -> None:
    load_fixture(fresh_store, "oscal-catalog", "nist-mini-catalog.json", "nist-mini")
    load_fixture(fresh_store, "oscal-mapping", "nist-mini-mapping.json")
    document = json.loads(_catalog_text())
    controls = document["catalog"]["groups"][0]["controls"]
    document["catalog"]["groups"][0]["controls"] = [c for c in controls if c["id"] != "ac-3"]
    exc = refused(fresh_store, "oscal-catalog", json.dumps(document), "nist-mini")
    assert "an earlier imported mapping no longer fits" in messages(exc)
    assert "mapping/nist-mini/ac-3/SEC-03" in messages(exc)
    # The same catalog again is fine, and the mappings stay.
    load_fixture(fresh_store, "oscal-catalog", "nist-mini-catalog.json", "nist-mini")
    assert catalog.requirement(fresh_store, "nist-mini", "AC-3").mappings


def _catalog_with_params() -> dict:
    """A NIST-shaped catalog whose statements carry params: an assignment, a
    selection whose second choice holds another param, a param with a set value,
    and a guidance and objective that name params too."""
    document = json.loads(_catalog_text())
    ac1 = document["catalog"]["groups"][0]["controls"][0]
    ac1["params"] = [
        {"id": "ac-01_odp.01", "label": "personnel or roles"},
        {
            "id": "ac-01_odp.02",
            "select": {
                "how-many": "one-or-more",
                "choice": ["system-level", "organization-level {{ insert: param, ac-01_odp.03 }}", "mission-level"],
            },
        },
        {"id": "ac-01_odp.03", "label": "scope qualifier"},
        {"id": "ac-01_odp.04", "label": "frequency", "values": ["every 12 months"]},
    ]
    ac1["parts"][0]["parts"][0]["prose"] = (
        "Write an access control policy at the {{ insert: param, ac-01_odp.02 }} level and share it with "
        "{{ insert: param, ac-01_odp.01 }}."
    )
    ac1["parts"][0]["parts"][1]["prose"] = "Review it {{ insert: param, ac-01_odp.04 }}."
    ac1["parts"].append({"id": "ac-1_gdn", "name": "guidance", "prose": "Name {{ insert: param, ac-01_odp.01 }}."})
    ac1["parts"].append(
        {"id": "ac-1_obj", "name": "assessment-objective", "prose": "Shared with {{ insert: param, ac-01_odp.01 }}."}
    )
    return document


def test_params_are_exported_as_params_and_round_trip(fresh_store: OxigraphStore, tmp_path: Path) -> None:
    source = _catalog_with_params()
    run_import(fresh_store, parse("oscal-catalog", json.dumps(source).encode(), "p.json", "nist-params"))
    imported = {r.notation: r for r in framework_data(fresh_store, "nist-params").requirements}["AC-1"]
    assert "[Selection (one or more): system-level; organization-level [Assignment: scope qualifier]; " in (
        imported.definition or ""
    )
    assert "every 12 months" in (imported.definition or "") and "{{" not in (imported.definition or "")
    # Exported: the params as params (choices in their order), the placeholders in the prose.
    document = oscal.catalog(fresh_store, "nist-params")
    path = oscal.write_document(document, tmp_path / "nist-params.json")
    body = read_back(Catalog, path)  # valid OSCAL for compliance-trestle
    ac1 = next(c for c in body["groups"][0]["controls"] if c["id"] == "ac-1")
    by_id = {p["id"]: p for p in ac1["params"]}
    assert by_id == {p["id"]: p for p in source["catalog"]["groups"][0]["controls"][0]["params"]}
    parts = {p["name"]: p["prose"] for p in ac1["parts"]}
    assert "{{ insert: param, ac-01_odp.02 }}" in parts["overview"]
    assert "{{ insert: param, ac-01_odp.01 }}" in parts["guidance"] and "[Assignment" not in parts["guidance"]
    assert parts["assessment-objective"] == "Shared with {{ insert: param, ac-01_odp.01 }}."
    # Controls without params carry none.
    assert all("params" not in c for c in body["groups"][0]["controls"] if c["id"] != "ac-1")
    # Imported again under another id: the same texts and params; exported again: the same document.
    run_import(fresh_store, parse("oscal-catalog", path.read_bytes(), "p2.json", "nist-params-2"))
    again = {r.notation: r for r in framework_data(fresh_store, "nist-params-2").requirements}["AC-1"]
    assert (again.definition, again.guidance, again.objectives) == (
        imported.definition,
        imported.guidance,
        imported.objectives,
    )
    assert again.parameters == imported.parameters and again.templates == imported.templates
    second = oscal.catalog(fresh_store, "nist-params-2")["catalog"]
    ac1_again = next(c for c in second["groups"][0]["controls"] if c["id"] == "ac-1")
    assert ac1_again["params"] == ac1["params"] and ac1_again["parts"] == ac1["parts"]


@pytest.mark.api
def test_params_round_trip_over_http(interop_client) -> None:  # type: ignore[no-untyped-def]
    client = interop_client
    source = _catalog_with_params()
    answer = client.post("/v1/import/oscal-catalog?framework=nist-params-http", content=json.dumps(source).encode())
    assert answer.status_code == 200, answer.text
    exported = client.get("/v1/export/oscal/catalog/nist-params-http").json()
    Catalog.model_validate(exported["catalog"])
    ac1 = next(c for c in exported["catalog"]["groups"][0]["controls"] if c["id"] == "ac-1")
    assert ac1["params"] == source["catalog"]["groups"][0]["controls"][0]["params"]
    assert "{{ insert: param, ac-01_odp.04 }}" in next(p["prose"] for p in ac1["parts"] if p["name"] == "overview")
    assert client.delete("/v1/imports/nist-params-http").status_code == 200
