"""Publishing the release's graph to a real Oxigraph server on 127.0.0.1."""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner

from cnr_opendata.cli import cli
from cnr_opendata.errors import PublishError
from cnr_opendata.publish.graphstore import count_ntriples, publish_to_graphstore
from conftest import REPO, need

pytestmark = pytest.mark.integration
GRAPH = "https://w3id.org/cnr-sante/release/1.0.0"


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("oxigraph")
    need("oxigraph server", exe is not None, "PyPI package oxigraph, in the test extra")
    assert exe is not None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            exe,
            "serve",
            "--location",
            str(tmp_path_factory.mktemp("oxi")),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def sparql(base: str, query: str) -> list[dict[str, str]]:
    response = httpx.post(
        f"{base}/query",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    response.raise_for_status()
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def test_publish_then_the_store_answers_the_competency_queries(
    oxigraph: str, real_release: Path
) -> None:
    result = publish_to_graphstore(real_release, f"{oxigraph}/store", GRAPH)
    assert (
        result.triples
        == result.store_count
        == count_ntriples(real_release / "cnr-sante-projets.nt")
    )
    query = (REPO / "vocab" / "queries" / "01-projets-var-par-statut.rq").read_text(
        encoding="utf-8"
    )
    # the release is in a named graph: query the union of graphs
    rows = sparql(oxigraph, query.replace("WHERE {", f"FROM <{GRAPH}> WHERE {{", 1))
    assert {(r["statut"], r["projets"]) for r in rows} == {("realise", "4"), ("en-cours", "3")}


def test_publishing_again_replaces_the_graph(oxigraph: str, real_release: Path) -> None:
    publish_to_graphstore(real_release, f"{oxigraph}/store", GRAPH)
    again = publish_to_graphstore(real_release, f"{oxigraph}/store", GRAPH)
    count = sparql(oxigraph, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    assert int(count[0]["n"]) == again.triples


def test_cli_publish_sparql(oxigraph: str, real_release: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "publish",
            "sparql",
            f"{oxigraph}/store",
            "--graph",
            GRAPH + "-cli",
            "--release",
            str(real_release),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("published ") and f"into <{GRAPH}-cli>" in result.output


def test_a_wrong_endpoint_is_a_clear_error(oxigraph: str, real_release: Path) -> None:
    with pytest.raises(PublishError, match="HTTP 4"):
        publish_to_graphstore(
            real_release, f"{oxigraph}/nowhere", GRAPH, query_endpoint=f"{oxigraph}/query"
        )


def test_graph_must_be_an_iri(real_release: Path) -> None:
    with pytest.raises(PublishError, match="absolute IRI"):
        publish_to_graphstore(real_release, "http://127.0.0.1:1/store", "not an iri")


def count_answer(n: int) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "head": {"vars": ["n"]},
            "results": {"bindings": [{"n": {"type": "literal", "value": str(n)}}]},
        },
    )


@respx.mock
def test_basic_auth_comes_from_the_environment_and_is_never_shown(
    real_release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPARQL_USER", "loader")
    monkeypatch.setenv("SPARQL_PASSWORD", "s3cret-pass")
    triples = count_ntriples(real_release / "cnr-sante-projets.nt")
    put = respx.put("http://store.test/ds/data", params={"graph": GRAPH}).mock(
        return_value=httpx.Response(204)
    )
    query = respx.post("http://store.test/ds/query").mock(return_value=count_answer(triples))
    result = publish_to_graphstore(real_release, "http://store.test/ds/data", GRAPH)
    expected = "Basic " + base64.b64encode(b"loader:s3cret-pass").decode()
    assert put.calls.last.request.headers["Authorization"] == expected
    assert query.calls.last.request.headers["Authorization"] == expected
    assert put.calls.last.request.headers["Content-Type"] == "application/n-triples"
    assert "s3cret-pass" not in result.summary() + repr(result)


@respx.mock
def test_a_store_that_counts_otherwise_is_an_error(real_release: Path) -> None:
    respx.put("http://store.test/store").mock(return_value=httpx.Response(204))
    respx.post("http://store.test/query").mock(return_value=count_answer(3))
    with pytest.raises(PublishError, match=r"the store counts 3 triples in <.+>, the release has"):
        publish_to_graphstore(real_release, "http://store.test/store", GRAPH)
