"""The linked-data export of the real package: parsers agree, SHACL, determinism, base IRI."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from cnr_opendata.errors import CnrOpendataError
from cnr_opendata.package import load_package
from cnr_opendata.rdf import read_shacl_results, write_rdf
from conftest import PackageFactory, need
from rdf_helpers import BASE, NAME, export

DCT = "http://purl.org/dc/terms/"
ADMS = "http://www.w3.org/ns/adms#"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rdf") / "release"
    stats = export(folder)
    assert stats["shacl_conforms"] == 1, (folder / "shacl-report.ttl").read_text()
    return folder


def _rdflib(path: Path, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(str(path), format=fmt)


def _assert_isomorphic(a: rdflib.Graph, b: rdflib.Graph, what: str) -> None:
    if not isomorphic(a, b):
        _both, first, second = graph_diff(to_isomorphic(a), to_isomorphic(b))
        print(f"only in first ({what}):\n", first.serialize(format="nt")[:3000])
        print(f"only in second ({what}):\n", second.serialize(format="nt")[:3000])
        pytest.fail(f"{what} are not isomorphic")


def test_export_writes_every_file_and_counts_its_triples(out: Path) -> None:
    for name in (
        f"{NAME}.nt",
        f"{NAME}.ttl",
        f"{NAME}.jsonld",
        "csv-metadata.json",
        "shacl-report.ttl",
    ):
        assert (out / name).stat().st_size > 0, name
    for name in ("cnr.ttl", "shapes.ttl", "context.jsonld", "concepts/statut.ttl"):
        assert (out / "vocab" / name).is_file(), name
    assert len(list((out / "vocab" / "queries").glob("*.rq"))) >= 12
    lines = (out / f"{NAME}.nt").read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(lines), key=lambda s: s.encode())  # sorted, no repeats


def test_rapper_parses_the_ntriples_and_turtle_to_the_same_count(out: Path) -> None:
    need("rapper", shutil.which("rapper") is not None, "apt-get install raptor2-utils")
    counts = {}
    for fmt, name in (("ntriples", f"{NAME}.nt"), ("turtle", f"{NAME}.ttl")):
        run = subprocess.run(
            ["rapper", "-i", fmt, "-c", str(out / name)], capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        assert "Error" not in run.stderr, run.stderr
        counts[fmt] = int(run.stderr.split("returned")[1].split()[0])
    n = len(list(ox.parse(path=str(out / f"{NAME}.nt"), format=ox.RdfFormat.N_TRIPLES)))
    assert counts == {"ntriples": n, "turtle": n}
    # rapper has no JSON-LD parser: the JSON-LD is checked with pyoxigraph and rdflib below


def test_turtle_ntriples_and_jsonld_are_the_same_graph(out: Path) -> None:
    nt = _rdflib(out / f"{NAME}.nt", "nt")
    _assert_isomorphic(nt, _rdflib(out / f"{NAME}.ttl", "turtle"), "N-Triples and Turtle")
    _assert_isomorphic(nt, _rdflib(out / f"{NAME}.jsonld", "json-ld"), "N-Triples and JSON-LD")
    sets = {}
    for name, fmt in (
        (f"{NAME}.nt", ox.RdfFormat.N_TRIPLES),
        (f"{NAME}.ttl", ox.RdfFormat.TURTLE),
        (f"{NAME}.jsonld", ox.RdfFormat.JSON_LD),
    ):
        sets[name] = set(ox.parse(path=str(out / name), format=fmt))
    assert sets[f"{NAME}.nt"] == sets[f"{NAME}.ttl"] == sets[f"{NAME}.jsonld"]
    assert len(sets[f"{NAME}.nt"]) == len(nt)


def test_a_project_is_described_with_the_reused_vocabularies(out: Path) -> None:
    g = _rdflib(out / f"{NAME}.nt", "nt")
    p = rdflib.URIRef(f"{BASE}/projet/var-2023-qpv-toulon")
    types = set(g.objects(p, rdflib.RDF.type))
    assert types == {
        rdflib.URIRef("https://schema.org/Project"),
        rdflib.URIRef("http://www.w3.org/ns/prov#Activity"),
    }
    assert g.value(p, rdflib.URIRef(ADMS + "status")) == rdflib.URIRef(
        "https://w3id.org/cnr-sante/def/statut/realise"
    )
    title = g.value(p, rdflib.URIRef(DCT + "title"))
    assert title is not None and title.language == "fr" and str(title).startswith("Toulon :")
    toulon = rdflib.URIRef(f"{BASE}/territoire/com-83137")
    code = g.value(toulon, rdflib.URIRef("http://rdf.insee.fr/def/geo#codeINSEE"))
    assert str(code) == "83137"
    assert not any("id.insee.fr" in str(t) for t in g.all_nodes())
    money = rdflib.URIRef(f"{BASE}/chiffre/engagement-ars-paca-2023")
    assert rdflib.URIRef("https://schema.org/MonetaryAmount") in set(
        g.objects(money, rdflib.RDF.type)
    )
    value = g.value(money, rdflib.URIRef("https://schema.org/value"))
    assert str(value) == "2900000"  # canonical xsd:decimal


def test_two_exports_are_byte_identical(tmp_path: Path, out: Path) -> None:
    again = tmp_path / "again"
    export(again)
    for path in sorted(p for p in out.rglob("*") if p.is_file() and p.suffix != ".csv"):
        rel = path.relative_to(out)
        if rel.parts[0] in ("data", "schemas", "sources") or rel.name == "datapackage.json":
            continue
        assert (again / rel).read_bytes() == path.read_bytes(), rel


def test_the_base_iri_changes_data_iris_not_vocabulary_iris(tmp_path: Path) -> None:
    export(tmp_path / "x", base_iri="https://example.org/cnr/")
    g = _rdflib(tmp_path / "x" / f"{NAME}.nt", "nt")
    p = rdflib.URIRef("https://example.org/cnr/projet/var-2023-qpv-toulon")
    assert g.value(p, rdflib.URIRef(ADMS + "status")) == rdflib.URIRef(
        "https://w3id.org/cnr-sante/def/statut/realise"
    )
    assert not any(str(s).startswith(BASE + "/projet/") for s in g.subjects())


def test_a_bad_base_iri_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CnrOpendataError, match="base IRI"):
        export(tmp_path / "x", base_iri="not an iri")


# ---- SHACL: a deliberately broken copy ---------------------------------------------------------


def _edit_csv(path: Path, edit: Any) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        header = list(rows[0].keys())
    edit(rows, header)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_shacl_finds_a_project_without_title_and_a_bad_status(
    tmp_path: Path, write_package: PackageFactory
) -> None:
    root = write_package()

    def break_rows(rows: list[dict[str, str]], _header: list[str]) -> None:
        rows[0]["title"] = ""
        rows[1]["status"] = "termine"

    _edit_csv(root / "data" / "projects.csv", break_rows)
    stats = write_rdf(load_package(root), tmp_path / "out", base_iri=BASE)
    assert stats["shacl_conforms"] == 0
    results = read_shacl_results(tmp_path / "out" / "shacl-report.ttl")
    found = {(r.focus, r.path, r.component) for r in results}
    assert (
        f"{BASE}/projet/var-2023-snp-saint-tropez",
        DCT + "title",
        "MinCountConstraintComponent",
    ) in found
    assert (
        f"{BASE}/projet/var-2023-aval-urgences",
        ADMS + "status",
        "InConstraintComponent",
    ) in found
    assert stats["shacl_results"] == len(results)
    messages = " ".join(str(r) for r in results)
    assert "Less than 1 values" in messages and "termine" in messages


def test_a_new_column_gets_into_the_rdf_by_editing_its_schema_only(
    tmp_path: Path, write_package: PackageFactory
) -> None:
    def add_field(schema: dict[str, Any]) -> None:
        schema["fields"].append(
            {
                "name": "budget",
                "type": "number",
                "title": "Budget",
                "description": "Budget annoncé (euros).",
                "x-rdf": {"predicate": "schema:funding", "datatype": "xsd:decimal"},
            }
        )

    root = write_package(schema={"projects": add_field})

    def add_column(rows: list[dict[str, str]], header: list[str]) -> None:
        header.append("budget")
        for row in rows:
            row["budget"] = ""
        rows[3]["budget"] = "0120000.50"

    _edit_csv(root / "data" / "projects.csv", add_column)
    stats = write_rdf(load_package(root), tmp_path / "out", base_iri=BASE)
    assert stats["shacl_conforms"] == 1
    nt = (tmp_path / "out" / f"{NAME}.nt").read_text(encoding="utf-8")
    assert (
        f"<{BASE}/projet/var-2023-qpv-toulon> <https://schema.org/funding> "
        '"120000.5"^^<http://www.w3.org/2001/XMLSchema#decimal> .'
    ) in nt
    assert nt.count("<https://schema.org/funding>") == 1  # empty cells give no triple
    shapes = (tmp_path / "out" / "vocab" / "shapes.ttl").read_text(encoding="utf-8")
    assert "sh:path schema:funding" in shapes
    meta = json.loads((tmp_path / "out" / "csv-metadata.json").read_text(encoding="utf-8"))
    projects = next(t for t in meta["tables"] if t["url"] == "data/projects.csv")
    column = next(c for c in projects["tableSchema"]["columns"] if c.get("name") == "budget")
    assert column["propertyUrl"] == "https://schema.org/funding"


# ---- CSVW metadata says what the export holds ---------------------------------------------------


def _expand(template: str, row: dict[str, str]) -> str | None:
    from cnr_opendata.rdf.mapping import Template

    tpl = Template.parse(template, "test")
    if any(not row.get(c) for c in tpl.columns):
        return None
    return tpl.expand(row, "")


def test_csv_metadata_maps_columns_to_the_triples_of_the_export(out: Path) -> None:
    """A minimal CSVW processor (aboutUrl, propertyUrl, valueUrl, virtual columns) over the
    CSVs gives only triples that are in the export."""
    meta = json.loads((out / "csv-metadata.json").read_text(encoding="utf-8"))
    assert meta["@context"][0] == "http://www.w3.org/ns/csvw"
    triples = set(ox.parse(path=str(out / f"{NAME}.nt"), format=ox.RdfFormat.N_TRIPLES))
    iri_triples = {
        (t.subject.value, t.predicate.value, t.object.value)
        for t in triples
        if isinstance(t.object, ox.NamedNode)
    }
    literal_triples = {
        (t.subject.value, t.predicate.value, t.object.value)
        for t in triples
        if isinstance(t.object, ox.Literal)
    }
    checked = 0
    for table in meta["tables"]:
        schema = table["tableSchema"]
        with (out / table["url"]).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        names = [c["name"] for c in schema["columns"] if not c.get("virtual")]
        assert names == list(rows[0].keys()), table["url"]
        for row in rows:
            for col in schema["columns"]:
                if col.get("suppressOutput"):
                    continue
                subject = _expand(col.get("aboutUrl", schema["aboutUrl"]), row)
                if subject is None:
                    continue
                if "valueUrl" in col:
                    obj = _expand(col["valueUrl"], row)
                    if obj is None:
                        continue
                    assert (subject, col["propertyUrl"], obj) in iri_triples, (table["url"], col)
                    checked += 1
                elif row[col["name"]] and col.get("datatype") == "string":
                    assert (subject, col["propertyUrl"], row[col["name"]]) in literal_triples
                    checked += 1
    assert checked > 500
