"""SPARQL over a release with `query`: what a SPARQL user sees, library and command line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from cnr_opendata.cli import cli
from cnr_opendata.errors import QueryError, ReleaseError
from cnr_opendata.query import (
    STAMP,
    STORE_LAYOUT,
    find_release,
    format_table,
    iter_example_queries,
    open_store,
    prepare_store,
    read_release,
    run_query,
)
from sparql_fixtures import BASE, DCT, PROJECTS, write_release

TITLES = f"PREFIX dct: <{DCT}>\nSELECT ?p ?t WHERE {{ ?p dct:title ?t }} ORDER BY ?p"
FUNDING = (
    "PREFIX schema: <https://schema.org/>\n"
    "CONSTRUCT { ?p schema:funding ?m . ?m ?k ?v } WHERE { ?p schema:funding ?m . ?m ?k ?v }"
)
TOULON = f"{BASE}/projet/var-2023-qpv-toulon"


@pytest.fixture
def release(tmp_path: Path) -> Path:
    return write_release(tmp_path / "build")


def expected_titles() -> list[tuple[str, str]]:
    return sorted((f"{BASE}/projet/{pid}", title) for pid, title, _ in PROJECTS)


def graph(data: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(data, format=fmt)}


# ---- SELECT in each format -------------------------------------------------------------------


def test_select_as_a_table_aligns_columns_and_counts_rows(release: Path) -> None:
    text = run_query(release, TITLES)
    assert isinstance(text, str)
    lines = text.splitlines()
    assert lines[0].split() == ["p", "t"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[-1] == "(4 rows)"
    assert f"<{TOULON}>" in text and "Bus santé « Haut-Var »" in text
    # every value column starts at the same offset
    assert len({line.index("<https") for line in lines[2:-1]}) == 1


def test_select_in_sparql_json(release: Path) -> None:
    data = run_query(release, TITLES, format="json")
    assert isinstance(data, bytes)
    results = json.loads(data)
    assert results["head"]["vars"] == ["p", "t"]
    got = [(b["p"]["value"], b["t"]["value"]) for b in results["results"]["bindings"]]
    assert got == expected_titles()
    assert results["results"]["bindings"][0]["t"]["xml:lang"] == "fr"


def test_select_in_csv_and_tsv(release: Path) -> None:
    rows = list(csv.reader(io.StringIO(run_query(release, TITLES, format="csv").decode())))
    assert rows[0] == ["p", "t"]
    assert [tuple(r) for r in rows[1:]] == expected_titles()
    tsv = run_query(release, TITLES, format="tsv").decode().splitlines()
    assert tsv[0] == "?p\t?t"
    assert tsv[1].startswith(f"<{BASE}/projet/var-2023-cpts-dracenie>\t")


def test_select_in_sparql_xml(release: Path) -> None:
    root = ET.fromstring(run_query(release, TITLES, format="xml"))
    ns = {"r": "http://www.w3.org/2005/sparql-results#"}
    assert [v.get("name") for v in root.findall("r:head/r:variable", ns)] == ["p", "t"]
    uris = [u.text for u in root.findall("r:results/r:result/r:binding/r:uri", ns)]
    assert uris == [p for p, _ in expected_titles()]


def test_ask_true_and_false(release: Path) -> None:
    assert run_query(release, f"ASK {{ <{TOULON}> ?p ?o }}") == "true\n"
    assert json.loads(run_query(release, "ASK { ?s ?p <urn:nothing> }", format="json")) == {
        "head": {},
        "boolean": False,
    }


# ---- graphs ----------------------------------------------------------------------------------


def test_construct_in_turtle_ntriples_and_jsonld_is_the_same_graph(release: Path) -> None:
    ttl = run_query(release, FUNDING, format="ttl")
    assert isinstance(ttl, bytes)
    assert ttl.startswith(b"@prefix schema: <https://schema.org/> .")  # the query's prefixes
    nt = run_query(release, FUNDING, format="nt")
    jsonld = run_query(release, FUNDING, format="jsonld")
    g = graph(ttl, ox.RdfFormat.TURTLE)
    assert len(g) == 4  # funding link + type, value, currency of the amount (no duplicates)
    assert len(nt.splitlines()) == 4
    assert len(graph(nt, ox.RdfFormat.N_TRIPLES)) == 4
    assert len(graph(jsonld, ox.RdfFormat.JSON_LD)) == 4
    values = {t.object.value for t in g if t.predicate.value == "https://schema.org/value"}
    assert values == {"120000"}


def test_describe_gives_the_concise_bounded_description(release: Path) -> None:
    g = graph(run_query(release, f"DESCRIBE <{TOULON}>", format="nt"), ox.RdfFormat.N_TRIPLES)
    subjects = {t.subject for t in g}
    assert ox.NamedNode(TOULON) in subjects
    # the blank node of the amount is described too, other projects are not
    assert any(isinstance(s, ox.BlankNode) for s in subjects)
    assert not any(isinstance(s, ox.NamedNode) and s.value != TOULON for s in subjects)
    table = run_query(release, f"DESCRIBE <{TOULON}>")
    assert table.splitlines()[0].split() == ["subject", "predicate", "object"]


def test_relative_iris_resolve_against_the_base_iri(release: Path) -> None:
    assert run_query(release, "ASK { <projet/x> ?p ?o }") == "true\n"


def test_a_format_that_does_not_fit_the_query_is_explained(release: Path) -> None:
    with pytest.raises(QueryError, match="use json, xml, csv or tsv"):
        run_query(release, TITLES, format="ttl")
    with pytest.raises(QueryError, match="use ttl, nt or jsonld"):
        run_query(release, FUNDING, format="csv")
    with pytest.raises(QueryError, match="unknown format 'yaml'"):
        run_query(release, TITLES, format="yaml")


# ---- errors ----------------------------------------------------------------------------------


def test_syntax_error_gives_the_parser_message_with_line_and_column(release: Path) -> None:
    with pytest.raises(QueryError) as info:
        run_query(release, "PREFIX dct: <http://purl.org/dc/terms/>\nSELECT * WHERE { ?s ?p }")
    message = str(info.value)
    assert message.startswith("SPARQL syntax error at line 2, column ")
    assert "expected" in message  # the parser's own words
    assert "line 2: SELECT * WHERE { ?s ?p }" in message
    assert (info.value.line, info.value.column) == (2, 25)  # type: ignore[attr-defined]


def test_update_is_refused_as_read_only(release: Path) -> None:
    with pytest.raises(QueryError, match="UPDATE is not allowed"):
        run_query(release, "PREFIX ex: <http://example.org/>\nINSERT DATA { ex:a ex:b ex:c }")
    assert run_query(release, "ASK { <http://example.org/a> ?p ?o }") == "false\n"


def test_no_release_says_to_build_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ReleaseError, match=r"run `cnr-opendata build` first"):
        run_query(None, "ASK {}")
    empty = tmp_path / "build" / "cnr-test-0.0.1"
    empty.mkdir(parents=True)
    (empty / "datapackage.json").write_text('{"name": "cnr-test"}', encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"no RDF export \(cnr-test.nt\).*cnr-opendata build"):
        run_query(None, "ASK {}")


def test_default_release_is_the_newest_under_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = write_release(tmp_path / "build", version="0.0.1", projects=PROJECTS[:1])
    new = write_release(tmp_path / "build", version="0.0.2")
    os.utime(old / "datapackage.json", (1_000_000_000, 1_000_000_000))
    monkeypatch.chdir(tmp_path)
    assert find_release().resolve() == new.resolve()
    assert run_query(None, "SELECT (COUNT(*) AS ?n) { ?p a <https://schema.org/Project> }") == (
        "n\n-\n4\n(1 row)\n"
    )


# ---- the persistent store --------------------------------------------------------------------


def test_store_is_built_once_then_reused(release: Path) -> None:
    first = prepare_store(release)
    assert first.built and first.path == release / ".store" / "db"
    stamp = release / ".store" / STAMP
    before = (stamp.stat().st_mtime_ns, (release / ".store").stat().st_ino)
    run_query(release, TITLES)
    run_query(release, TITLES, format="json")
    again = prepare_store(release)
    assert not again.built
    assert (stamp.stat().st_mtime_ns, (release / ".store").stat().st_ino) == before
    assert again.stamp["sha256"] == first.stamp["sha256"]
    assert again.stamp["source"] == "cnr-test.nt"


def test_a_store_of_an_older_layout_is_loaded_again_and_compacted(release: Path) -> None:
    first = prepare_store(release)
    assert first.stamp["layout"] == STORE_LAYOUT
    assert first.stamp["optimize_seconds"] >= 0  # compacted after the bulk load
    stamp_path = release / ".store" / STAMP
    old = json.loads(stamp_path.read_text(encoding="utf-8"))
    stamp_path.write_text(json.dumps({**old, "layout": 1}), encoding="utf-8")
    again = prepare_store(release)
    assert again.built  # a store from before compaction is not reused
    assert again.stamp["layout"] == STORE_LAYOUT
    assert run_query(release, "ASK { ?s ?p ?o }") == "true\n"


def test_store_follows_a_changed_ntriples_file(release: Path) -> None:
    assert run_query(release, f"ASK {{ <{BASE}/projet/nouveau> ?p ?o }}") == "false\n"
    nt = release / "cnr-test.nt"
    nt.write_text(
        nt.read_text(encoding="utf-8") + f'<{BASE}/projet/nouveau> <{DCT}title> "Nouveau" .\n',
        encoding="utf-8",
    )
    assert run_query(release, f"ASK {{ <{BASE}/projet/nouveau> ?p ?o }}") == "true\n"
    assert prepare_store(release).built is False


def test_touching_the_file_without_changing_it_keeps_the_store(release: Path) -> None:
    prepare_store(release)
    nt = release / "cnr-test.nt"
    os.utime(nt, (2_000_000_000, 2_000_000_000))
    again = prepare_store(release)
    assert again.built is False  # same sha256: only the stamp is refreshed
    assert again.stamp["mtime_ns"] == nt.stat().st_mtime_ns


def test_store_in_a_cache_folder_keyed_by_content_for_read_only_releases(
    release: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    info = prepare_store(release, cache_dir=cache)
    assert info.built
    assert info.path == cache / "stores" / info.stamp["sha256"] / "db"
    assert not (release / ".store").exists()  # the release folder is left alone
    assert run_query(release, "ASK { ?s ?p ?o }", cache_dir=cache) == "true\n"
    assert prepare_store(release, cache_dir=cache).built is False
    # a copy of the same release reuses the same store
    copy = write_release(tmp_path / "elsewhere")
    assert prepare_store(copy, cache_dir=cache).path == info.path


def test_the_store_is_opened_read_only(release: Path) -> None:
    store = open_store(release)
    with pytest.raises(OSError if sys.platform == "win32" else RuntimeError):
        store.update("INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }")


def test_concurrent_first_queries_build_the_store_once(release: Path) -> None:
    script = (
        "import sys, json\n"
        "from cnr_opendata.query import prepare_store, run_query\n"
        "info = prepare_store(sys.argv[1])\n"
        "print(json.dumps([info.built, run_query(sys.argv[1], 'ASK { ?s ?p ?o }')]))\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(release)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outputs = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert [answer for _, answer in outputs] == ["true\n"] * 4
    assert sum(built for built, _ in outputs) == 1


# ---- helpers ---------------------------------------------------------------------------------


def test_table_cuts_long_cells_and_shows_newlines() -> None:
    store = ox.Store()
    store.add(
        ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("a\nb" * 40))
    )
    text = format_table(store.query("SELECT ?o ?none { ?s ?p ?o }"))
    row = text.splitlines()[2]
    assert row.startswith("a⏎ba⏎b") and row.endswith("…")
    assert len(row) == 60


def test_example_queries_with_titles(release: Path) -> None:
    examples = list(iter_example_queries(release))
    assert [(name, title) for name, title, _ in examples] == [
        ("01-statuts.rq", "Projets par statut"),
        ("02-script.rq", "Titre avec <script>alert(1)</script>"),
    ]


# ---- the command line ------------------------------------------------------------------------


def test_cli_query_prints_the_same_as_the_library(release: Path) -> None:
    result = CliRunner().invoke(cli, ["query", TITLES, "--release", str(release), "-f", "-"])
    assert result.exit_code == 2  # QUERY and -f together
    result = CliRunner().invoke(
        cli, ["query", TITLES, "--release", str(release), "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == run_query(release, TITLES, format="csv")


def test_cli_query_from_a_file_and_default_formats_when_piped(release: Path) -> None:
    rq = release / "vocab" / "queries" / "01-statuts.rq"
    result = CliRunner().invoke(cli, ["query", "-f", str(rq), "--release", str(release)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "statut,n",
        f"{BASE}/statut/en-cours,2",
        f"{BASE}/statut/realise,2",
    ]
    assert "loading cnr-test.nt" in result.stderr  # the first query builds the store
    result = CliRunner().invoke(cli, ["query", "--release", str(release)], input=FUNDING)
    assert result.exit_code == 2 and "give a QUERY or -f FILE" in result.output
    result = CliRunner().invoke(cli, ["query", "-f", "-", "--release", str(release)], input=FUNDING)
    assert result.exit_code == 0
    assert result.stdout.startswith("@prefix schema:")  # Turtle for a graph
    assert result.stderr == ""  # the store is reused: nothing to report


def test_cli_query_syntax_error_is_one_line_no_traceback(release: Path) -> None:
    result = CliRunner().invoke(cli, ["query", "SELECT ?s { ?s a }", "--release", str(release)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-2:] == [
        "Error: SPARQL syntax error at line 1, column 19: expected one of FILTER, SELECT, VALUES, [_]",
        "  line 1: SELECT ?s { ?s a }",
    ]


def test_cli_query_without_a_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["query", "ASK {}"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: no release under build/: run `cnr-opendata build` first, or pass --release DIR\n"
    )


# ---- the real release ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cnr_opendata.release import build_release

    built = build_release(None, tmp_path_factory.mktemp("real") / "build")
    rdf = [p.name for p in built.path.iterdir() if p.suffix in (".nt", ".ttl", ".jsonld")]
    assert rdf, "the release build writes no RDF"
    return read_release(built.path).path  # RDF but no N-Triples: a failure, not a skip


def test_real_release_answers_every_example_query(real_release: Path) -> None:
    examples = list(iter_example_queries(real_release))
    assert examples, "the release has no vocab/queries/*.rq"
    for name, _title, text in examples:
        data = run_query(real_release, text, format="json", graph_format="nt")
        assert data, name


def test_real_release_projects_have_titles(real_release: Path) -> None:
    info = read_release(real_release)
    rows = json.loads(
        run_query(
            real_release,
            f"PREFIX dct: <{DCT}>\nSELECT ?p ?t {{ ?p dct:title ?t FILTER(STRSTARTS(STR(?p), "
            f'"{info.base_iri}/projet/")) }}',
            format="json",
        )
    )["results"]["bindings"]
    assert len(rows) >= 7  # the seven Var projects of the press kit


def test_a_store_damaged_on_disk_is_loaded_again(release: Path) -> None:
    db = prepare_store(release).path
    (db / "CURRENT").unlink()
    assert run_query(release, f"ASK {{ <{TOULON}> ?p ?o }}") == "true\n"
    assert (db / "CURRENT").is_file()
