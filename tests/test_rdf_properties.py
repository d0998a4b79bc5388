"""Property tests: any text survives every writer; any id gives a valid, percent-encoded IRI."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnr_opendata.package import load_package
from cnr_opendata.rdf.mapping import mapping_of
from cnr_opendata.rdf.writers import write_jsonld, write_ntriples, write_turtle

BASE = "https://example.org/base"
TITLE = "http://purl.org/dc/terms/title"
NOTE = "http://www.w3.org/2000/01/rdf-schema#comment"

SCHEMA = {
    "fields": [
        {"name": "id", "type": "string", "x-rdf": {"predicate": "dct:identifier"}},
        {"name": "title", "type": "string", "x-rdf": {"predicate": "dct:title", "lang": "fr"}},
        {"name": "note", "type": "string", "x-rdf": {"predicate": "rdfs:comment"}},
    ],
    "x-rdf": {"subject": "{+base}/chose/{id}", "class": "schema:Thing"},
}

# any Unicode text but lone surrogates (not encodable as UTF-8, so never in a CSV file)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)))
AWKWARD = st.sampled_from(
    [
        '"""',
        "\\",
        '\\"',
        "<script>alert(1)</script>",
        "a\r\nb",
        "\r",
        "\x00\x01\x7f",
        "'''",
        "\u2028",
    ]
)


def _package(folder: Path, rows: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    descriptor = {
        "name": "t",
        "resources": [{"name": "things", "path": "data/things.csv", "schema": SCHEMA}],
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with (folder / "data" / "things.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["id", "title", "note"], quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    return folder


def _write_all(folder: Path) -> dict[str, set[ox.Triple]]:
    package = load_package(folder)
    mapping = mapping_of(package)
    nt = folder / "t.nt"
    write_ntriples(mapping, folder, nt, base_iri=BASE)
    write_turtle(nt, folder / "t.ttl", {"dct": "http://purl.org/dc/terms/"})
    write_jsonld(nt, folder / "t.jsonld")
    return {
        "nt": set(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES)),
        "ttl": set(ox.parse(path=str(folder / "t.ttl"), format=ox.RdfFormat.TURTLE)),
        "jsonld": set(ox.parse(path=str(folder / "t.jsonld"), format=ox.RdfFormat.JSON_LD)),
    }


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=st.one_of(TEXT, AWKWARD, st.builds("".join, st.lists(AWKWARD))), note=TEXT)
def test_any_text_round_trips_through_every_writer(tmp_path_factory, title: str, note: str) -> None:
    folder = _package(tmp_path_factory.mktemp("p"), [{"id": "x", "title": title, "note": note}])
    graphs = _write_all(folder)
    subject = ox.NamedNode(f"{BASE}/chose/x")
    for fmt, triples in graphs.items():
        titles = [t.object for t in triples if t.subject == subject and t.predicate.value == TITLE]
        notes = [t.object for t in triples if t.subject == subject and t.predicate.value == NOTE]
        if title:
            assert [(x.value, x.language) for x in titles] == [(title, "fr")], fmt
        else:
            assert titles == [], fmt  # an empty cell is null: no triple
        if note:
            assert [x.value for x in notes] == [note], fmt
            assert notes[0].language is None
    assert graphs["nt"] == graphs["ttl"] == graphs["jsonld"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ident=TEXT.filter(bool))
def test_any_value_in_an_iri_template_is_percent_encoded(tmp_path_factory, ident: str) -> None:
    folder = _package(tmp_path_factory.mktemp("p"), [{"id": ident, "title": "t", "note": ""}])
    graphs = _write_all(folder)  # pyoxigraph rejects any invalid IRI while parsing
    subjects = {t.subject.value for t in graphs["nt"]}
    assert len(subjects) == 1
    iri = subjects.pop()
    prefix = f"{BASE}/chose/"
    assert iri.startswith(prefix)
    local = iri[len(prefix) :]
    assert all(c.isascii() and (c.isalnum() or c in "-._~%") for c in local), local
    assert unquote(local, errors="strict") == ident
    ox.NamedNode(iri)
