"""The vocabulary: generated files up to date, every term and concept the mapping uses defined,
competency queries answer what their expected files say."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from cnr_opendata.package import load_package
from cnr_opendata.paths import vocab_dir
from cnr_opendata.rdf import vocabulary_files
from cnr_opendata.rdf.generate import query_rows, stale_files
from cnr_opendata.rdf.mapping import CNR, RDF_TYPE, MappingError, compile_table, mapping_of
from conftest import need
from rdf_helpers import export

SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
VOCAB = vocab_dir()
QUERIES = sorted((VOCAB / "queries").glob("*.rq"))


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("vocab") / "release"
    export(folder)
    return folder


@pytest.fixture(scope="module")
def vocabulary() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in vocabulary_files():
        g.parse(str(path), format="turtle")
    return g


def test_generated_files_are_up_to_date() -> None:
    """shapes.ttl, context.jsonld and the README's mapping tables come from the schemas."""
    assert stale_files() == [], "run: python -m cnr_opendata.rdf.generate"


def test_every_vocabulary_file_parses_with_rapper_and_pyoxigraph() -> None:
    files = sorted(VOCAB.rglob("*.ttl"))
    assert len(files) >= 15
    for path in files:
        assert len(list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))) > 0, path
    need("rapper", shutil.which("rapper") is not None, "apt-get install raptor2-utils")
    for path in files:
        run = subprocess.run(
            ["rapper", "-i", "turtle", "-c", str(path)], capture_output=True, text=True
        )
        assert run.returncode == 0 and "Error" not in run.stderr, (path, run.stderr)


def test_every_own_term_the_mapping_uses_is_defined_in_french_and_english(
    vocabulary: rdflib.Graph,
) -> None:
    mapping = mapping_of(load_package())
    used = set()
    for tm in mapping.tables:
        used.update(c for c in tm.classes if c.startswith(CNR))
        for t in tm.triples:
            if t.predicate.startswith(CNR):
                used.add(t.predicate)
            if t.predicate == RDF_TYPE and t.value_url and t.value_url.text.startswith(CNR):
                used.add(t.value_url.text)
    assert used
    for iri in sorted(used):
        node = rdflib.URIRef(iri)
        assert (node, rdflib.RDF.type, None) in vocabulary, f"{iri} is not defined in cnr.ttl"
        for prop in (rdflib.RDFS.label, rdflib.RDFS.comment):
            langs = {o.language for o in vocabulary.objects(node, prop)}
            assert {"fr", "en"} <= langs, (iri, prop)


def test_every_concept_an_enum_can_give_is_in_a_concept_scheme(vocabulary: rdflib.Graph) -> None:
    package = load_package()
    mapping = mapping_of(package)
    checked = 0
    for tm in mapping.tables:
        for t in tm.triples:
            tpl = t.value_url
            if tpl is None or len(tpl.columns) != 1 or "{+base}" in tpl.text:
                continue
            enum = (tm.field(tpl.columns[0]).get("constraints") or {}).get("enum") or []
            for value in enum:
                iri = rdflib.URIRef(tpl.expand({tpl.columns[0]: value}, ""))
                assert (iri, rdflib.RDF.type, SKOS.Concept) in vocabulary, iri
                labels = {o.language for o in vocabulary.objects(iri, SKOS.prefLabel)}
                assert {"fr", "en"} <= labels, iri
                scheme = vocabulary.value(iri, SKOS.inScheme)
                assert (scheme, rdflib.RDF.type, SKOS.ConceptScheme) in vocabulary, iri
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("query", QUERIES, ids=[q.stem for q in QUERIES])
def test_competency_query_gives_its_expected_answer(release: Path, query: Path) -> None:
    expected_file = VOCAB / "queries" / "expected" / f"{query.stem}.csv"
    with expected_file.open(encoding="utf-8", newline="") as fh:
        expected = list(csv.reader(fh))
    rows = query_rows(release / "cnr-sante-projets.nt", query.read_text(encoding="utf-8"))
    assert rows == expected
    assert len(rows) > 1, "a competency query must have an answer"


def test_there_are_at_least_twelve_titled_competency_queries() -> None:
    assert len(QUERIES) >= 12
    for q in QUERIES:
        assert q.read_text(encoding="utf-8").startswith("# "), q  # the title the endpoint shows


def test_the_jsonld_context_compacts_the_terms_the_mapping_uses() -> None:
    context = json.loads((VOCAB / "context.jsonld").read_text(encoding="utf-8"))
    doc = {
        **context,
        "@id": "https://example.org/p",
        "@type": "Project",
        "title": "Un titre",
        "status": "https://w3id.org/cnr-sante/def/statut/realise",
        "statusDate": "2023-11-08",
    }
    g = rdflib.Graph().parse(data=json.dumps(doc), format="json-ld")
    p = rdflib.URIRef("https://example.org/p")
    assert (p, rdflib.RDF.type, rdflib.URIRef("https://schema.org/Project")) in g
    title = g.value(p, rdflib.URIRef("http://purl.org/dc/terms/title"))
    assert title is not None and title.language == "fr"
    assert g.value(p, rdflib.URIRef("http://www.w3.org/ns/adms#status")) == rdflib.URIRef(
        "https://w3id.org/cnr-sante/def/statut/realise"
    )
    date = g.value(p, rdflib.URIRef(CNR + "statusDate"))
    assert date is not None and date.datatype == rdflib.XSD.date


@pytest.mark.parametrize(
    ("xrdf", "message"),
    [
        ({"subject": "{+base}/x/{id}", "class": "nope:Thing"}, "unknown prefix"),
        ({"subject": "{+base}/x/{missing}"}, "not a field"),
        ({"subject": "{+base}/x/{id"}, "not a supported URI template"),
        ({"class": "schema:Thing"}, "needs a 'subject'"),
    ],
)
def test_a_wrong_mapping_is_a_clear_error(xrdf: dict[str, object], message: str) -> None:
    schema = {"fields": [{"name": "id", "type": "string"}], "x-rdf": xrdf}
    with pytest.raises(MappingError, match=message):
        compile_table("things", "things", "data/things.csv", schema)
