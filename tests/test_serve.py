"""The SPARQL endpoint over real HTTP on 127.0.0.1: what a SPARQL client and a browser see."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from cnr_opendata.serve import SparqlServer, make_server, negotiate
from sparql_fixtures import BASE, DCT, PROJECTS, SLOW_QUERY, write_release

pytestmark = pytest.mark.integration

TITLES = f"PREFIX dct: <{DCT}>\nSELECT ?p ?t WHERE {{ ?p dct:title ?t }} ORDER BY ?p"
CONSTRUCT = f"PREFIX dct: <{DCT}>\nCONSTRUCT {{ ?p dct:title ?t }} WHERE {{ ?p dct:title ?t }}"
SECRET = "do-not-serve-this-secret"


def start(release: Path, **options: object) -> tuple[SparqlServer, threading.Thread]:
    server = make_server(release, "127.0.0.1", 0, quiet=True, **options)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def stop(server: SparqlServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(10)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    return write_release(root / "build")


@pytest.fixture(scope="module")
def server(release: Path) -> Iterator[SparqlServer]:
    srv, thread = start(release, timeout=60)
    yield srv
    stop(srv, thread)


@pytest.fixture
def client(server: SparqlServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


def raw_get(server: SparqlServer, target: str) -> tuple[int, str]:
    """Send ``target`` exactly as written (clients normalise `..` away)."""
    host, port = server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=30) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


def titles() -> list[tuple[str, str]]:
    return sorted((f"{BASE}/projet/{pid}", title) for pid, title, _ in PROJECTS)


# ---- the SPARQL protocol ---------------------------------------------------------------------


def test_select_in_json_by_get(client: httpx.Client) -> None:
    r = client.get(
        "/sparql",
        params={"query": TITLES},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/sparql-results+json"
    bindings = r.json()["results"]["bindings"]
    assert [(b["p"]["value"], b["t"]["value"]) for b in bindings] == titles()


def test_select_by_post_form_and_by_post_query_body(client: httpx.Client) -> None:
    form = client.post("/sparql", data={"query": TITLES}, headers={"Accept": "text/csv"})
    body = client.post(
        "/sparql",
        content=TITLES.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"},
    )
    assert form.status_code == body.status_code == 200
    assert form.headers["content-type"] == "text/csv; charset=utf-8"
    assert form.content == body.content
    assert form.text.splitlines()[0] == "p,t"


@pytest.mark.parametrize(
    ("accept", "media_type", "first"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml", "<?xml"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", "?p\t?t"),
        ("text/csv;q=0.5, application/json;q=0.9", "application/sparql-results+json", '{"head"'),
        ("*/*", "application/sparql-results+json", '{"head"'),
        ("text/plain", "text/plain; charset=utf-8", "p "),
    ],
)
def test_results_format_follows_accept(
    client: httpx.Client, accept: str, media_type: str, first: str
) -> None:
    r = client.get("/sparql", params={"query": TITLES}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == media_type
    assert r.text.startswith(first)


def test_format_parameter_overrides_accept(client: httpx.Client) -> None:
    r = client.get(
        "/sparql", params={"query": TITLES, "format": "tsv"}, headers={"Accept": "text/csv"}
    )
    assert r.headers["content-type"].startswith("text/tab-separated-values")


def test_construct_in_turtle(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    triples = {
        (q.subject.value, q.object.value) for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)
    }
    assert sorted(triples) == titles()


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
def test_construct_in_ntriples_and_jsonld(
    client: httpx.Client, accept: str, fmt: ox.RdfFormat
) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == accept
    assert len(list(ox.parse(r.content, format=fmt))) == len(PROJECTS)


def test_ask(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": f"ASK {{ <{BASE}/projet/x> ?p ?o }}"})
    assert r.json() == {"head": {}, "boolean": True}


def test_unacceptable_accept_is_406(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": TITLES}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text


def test_update_is_refused(client: httpx.Client) -> None:
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }"
    as_form = client.post("/sparql", data={"update": update})
    as_body = client.post(
        "/sparql", content=update, headers={"Content-Type": "application/sparql-update"}
    )
    as_query = client.get("/sparql", params={"query": update})
    for r in (as_form, as_body, as_query):
        assert r.status_code == 403
        assert "read-only" in r.text and "UPDATE" in r.text
    ask = client.get("/sparql", params={"query": "ASK { <http://example.org/a> ?p ?o }"})
    assert ask.json()["boolean"] is False
    assert client.put("/sparql", content=update).status_code == 405


def test_malformed_query_is_400_with_the_parser_message(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.text.splitlines() == [
        "SPARQL syntax error at line 1, column 25: expected one of LATERAL, SERVICE, [_]",
        "  line 1: SELECT * WHERE { ?s ?p }",
    ]


def test_missing_query_and_bad_content_type(client: httpx.Client) -> None:
    assert client.get("/sparql").status_code == 400
    r = client.post("/sparql", content=b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_head_and_cors_preflight(client: httpx.Client) -> None:
    r = client.head("/sparql", params={"query": TITLES})
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) > 0
    r = client.options("/sparql")
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "*"


# ---- the time limit --------------------------------------------------------------------------


def test_a_slow_query_is_stopped_and_the_server_keeps_answering(release: Path) -> None:
    srv, thread = start(release, timeout=2, workers=2)
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            slow: dict[str, httpx.Response] = {}
            worker = threading.Thread(
                target=lambda: slow.update(r=c.get("/sparql", params={"query": SLOW_QUERY}))
            )
            worker.start()
            time.sleep(0.3)  # let it reach a worker
            meanwhile = c.get("/sparql", params={"query": TITLES})
            assert meanwhile.status_code == 200
            assert worker.is_alive()  # the slow one is still running
            worker.join(60)
            r = slow["r"]
            assert r.status_code == 503
            assert r.text.startswith("the query was stopped at the time limit of 2 s")
            # the killed worker was replaced: both workers answer again
            for _ in range(4):
                assert c.get("/sparql", params={"query": TITLES}).status_code == 200
            assert len(srv.app.pool._all) == 2
            for w in srv.app.pool._all:
                assert w.process.poll() is None
    finally:
        stop(srv, thread)


# ---- the HTML page ---------------------------------------------------------------------------


def test_home_page_has_a_form_and_the_example_queries_escaped(client: httpx.Client) -> None:
    r = client.get("/", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    page = r.text
    assert '<form method="get" action="/sparql">' in page
    assert "Projets par statut" in page
    assert "Titre avec &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page.lower()


def test_query_given_to_the_page_is_escaped(client: httpx.Client) -> None:
    r = client.get("/", params={"query": "</textarea><script>alert(1)</script>"})
    assert "<script" not in r.text.lower()
    assert "&lt;/textarea&gt;&lt;script&gt;" in r.text


def test_html_results_escape_labels(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": TITLES}, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in r.text
    assert "<script" not in r.text.lower()
    assert '<a href="/projet/x">' in r.text  # local IRIs link to their description


def test_html_errors_are_escaped(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT <script>"}, headers={"Accept": "text/html"})
    assert r.status_code == 400
    assert "<script" not in r.text.lower() and "SPARQL syntax error" in r.text


# ---- resources -------------------------------------------------------------------------------


def test_resource_as_html_for_browsers(client: httpx.Client) -> None:
    r = client.get(
        "/projet/var-2023-qpv-toulon",
        headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Santé dans les quartiers prioritaires de Toulon</h1>" in r.text
    assert f"{BASE}/projet/var-2023-qpv-toulon" in r.text
    assert '<a href="/organisation/ars-paca">' in r.text
    assert "EUR" in r.text  # the blank node of the amount, nested


def test_resource_label_is_escaped(client: httpx.Client) -> None:
    r = client.get("/projet/x", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</title>" in r.text
    assert "<script" not in r.text.lower()


def test_resource_as_turtle_is_its_concise_bounded_description(client: httpx.Client) -> None:
    r = client.get("/projet/var-2023-qpv-toulon", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    triples = [q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)]
    iri = ox.NamedNode(f"{BASE}/projet/var-2023-qpv-toulon")
    assert (
        ox.Triple(
            iri,
            ox.NamedNode(f"{DCT}title"),
            ox.Literal("Santé dans les quartiers prioritaires de Toulon", language="fr"),
        )
        in triples
    )
    assert {t.subject for t in triples if t.subject != iri} == {
        t.object for t in triples if isinstance(t.object, ox.BlankNode)
    }


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ],
)
def test_resource_as_jsonld_and_ntriples(
    client: httpx.Client, accept: str, fmt: ox.RdfFormat
) -> None:
    r = client.get("/projet/x", headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"] == accept
    assert len(list(ox.parse(r.content, format=fmt))) == 5
    assert (
        client.get("/projet/x", params={"format": "ttl"})
        .headers["content-type"]
        .startswith("text/turtle")
    )


def test_unknown_resource_is_404(client: httpx.Client) -> None:
    for path in ("/projet/nope", "/nope", "/projet/x%3E%20%3Cy", "/favicon.ico"):
        r = client.get(path, headers={"Accept": "text/turtle"})
        assert r.status_code == 404, path


# ---- the static site and paths outside the release -------------------------------------------


def test_site_files_are_served(client: httpx.Client) -> None:
    r = client.get("/site/")
    assert r.status_code == 200 and "Bienvenue" in r.text
    css = client.get("/site/style.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert client.get("/site").status_code == 301
    assert client.get("/site/missing.html").status_code == 404


@pytest.mark.parametrize(
    "target",
    [
        "/site/../datapackage.json",
        "/site/../../secret.txt",
        "/site/%2e%2e/datapackage.json",
        "/site/%2E%2E/%2E%2E/secret.txt",
        "/site/..%2f..%2fsecret.txt",
        "/site/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/site//etc/passwd",
        "/site/%2fetc%2fpasswd",
        "/site/..%5c..%5csecret.txt",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/site/%00",
        "/site/%ff",
    ],
)
def test_paths_outside_the_release_are_refused(server: SparqlServer, target: str) -> None:
    status, body = raw_get(server, target)
    assert status in (400, 403, 404), target
    assert SECRET not in body and '"baseIri"' not in body and "root:" not in body


def test_a_link_leaving_the_site_is_refused(tmp_path: Path) -> None:
    release = write_release(tmp_path / "build")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    (release / "site" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    srv, thread = start(release, workers=1)
    try:
        status, body = raw_get(srv, "/site/leak.txt")
        assert status == 403 and SECRET not in body
    finally:
        stop(srv, thread)


# ---- negotiation -----------------------------------------------------------------------------


def test_negotiate_uses_q_values_and_specificity() -> None:
    offers = [("application/json", "json"), ("text/csv", "csv"), ("text/html", "html")]
    assert negotiate(None, offers) == "json"
    assert negotiate("text/*", offers) == "csv"
    assert negotiate("text/*;q=0.5, text/html", offers) == "html"
    assert negotiate("*/*;q=0.1, text/csv;q=0.2", offers) == "csv"
    assert negotiate("text/csv;q=0, */*", offers) == "json"
    assert negotiate("image/png", offers) is None


# ---- the command line ------------------------------------------------------------------------


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_cli_serve_binds_loopback_answers_and_stops_cleanly(
    release: Path, stop_signal: signal.Signals
) -> None:
    command = [sys.executable, "-c", "from cnr_opendata.cli import cli; cli()", "serve"]
    proc = subprocess.Popen(
        [*command, "--release", str(release), "--port", "0", "--timeout", "30", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a shell may start background jobs with SIGINT ignored: give Python its Ctrl-C back
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.match(
            r"serving (.+) at (http://127\.0\.0\.1:\d+/) \(SPARQL: \2sparql\)$", line.strip()
        )
        assert m, line
        r = httpx.get(m.group(2) + "sparql", params={"query": TITLES, "format": "json"}, timeout=60)
        bindings = r.json()["results"]["bindings"]
        assert [(b["p"]["value"], b["t"]["value"]) for b in bindings] == titles()
        proc.send_signal(stop_signal)
        assert proc.wait(30) == 0
        _, err = proc.communicate(timeout=30)  # EOF: no worker kept the pipes open
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_serve_refuses_a_port_in_use(release: Path) -> None:
    from click.testing import CliRunner

    from cnr_opendata.cli import cli

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["serve", "--release", str(release), "--port", str(port), "--workers", "1"]
        )
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}: ")


# ---- robustness ------------------------------------------------------------------------------


def test_a_worker_killed_from_outside_is_replaced(release: Path) -> None:
    srv, thread = start(release, workers=2)
    try:
        for w in list(srv.app.pool._all):
            w.process.kill()
            w.process.wait()
        with httpx.Client(base_url=srv.url, timeout=60) as c:
            for _ in range(4):
                assert c.get("/sparql", params={"query": TITLES}).status_code == 200
    finally:
        stop(srv, thread)


def test_an_answer_over_the_size_limit_is_refused_with_advice(release: Path) -> None:
    srv, thread = start(release, workers=1, max_result_bytes=200)
    try:
        r = httpx.get(srv.url + "sparql", params={"query": TITLES}, timeout=60)
        assert r.status_code == 500
        assert r.text == "the answer is larger than 200 bytes: add a LIMIT or narrow the query\n"
        ok = httpx.get(srv.url + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        assert ok.json()["boolean"] is True
    finally:
        stop(srv, thread)


def test_html_answers_for_graphs_and_booleans(client: httpx.Client) -> None:
    html = {"Accept": "text/html"}
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers=html)
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert "<th>sujet</th>" in r.text and f"{len(PROJECTS)} lignes" in r.text
    assert "<script" not in r.text.lower()
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=html)
    assert "<strong>vrai</strong>" in r.text


def test_format_as_a_media_type_and_unknown_formats(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": TITLES, "format": "text/csv"})
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    r = client.get("/sparql", params={"query": TITLES, "format": "yaml"})
    assert r.status_code == 400 and r.text.startswith("unknown format 'yaml'")
    r = client.get("/sparql", params={"query": TITLES, "format": "ttl"})
    assert r.status_code == 400 and "use json, xml, csv or tsv" in r.text
    assert r.headers["access-control-allow-origin"] == "*"  # errors too, for browser clients


def test_accept_that_fits_only_the_other_query_form_is_406(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert r.status_code == 406
    assert r.text == "no acceptable format for the answer of this CONSTRUCT/DESCRIBE query\n"


def test_home_page_shows_the_endpoint_address(server: SparqlServer, client: httpx.Client) -> None:
    page = client.get("/").text
    assert f"{server.url}sparql</code>" in page
    assert '<a href="/site/">Site</a>' in page


def test_a_release_without_site_links_to_none(tmp_path: Path) -> None:
    srv, thread = start(write_release(tmp_path / "build", site=False), workers=1)
    try:
        assert "/site/" not in httpx.get(srv.url, timeout=60).text
        assert httpx.get(srv.url + "site/index.html", timeout=60).status_code == 404
    finally:
        stop(srv, thread)


def test_workers_do_not_outlive_a_killed_server(release: Path) -> None:
    script = f"""
import sys, threading, time
from cnr_opendata.query import prepare_store
from cnr_opendata.serve import QueryPool
pool = QueryPool(prepare_store(sys.argv[1]).path, workers=2)
threading.Thread(target=pool.run, args=({SLOW_QUERY!r}, ("json", "nt"), 600), daemon=True).start()
time.sleep(1)
print(" ".join(str(w.process.pid) for w in pool._all), flush=True)
import os; os._exit(0)  # like SIGKILL: no clean-up at all
"""
    out = subprocess.run(
        [sys.executable, "-c", script, str(release)], capture_output=True, text=True, timeout=60
    )
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 2, out.stderr

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # not a zombie

    deadline = time.monotonic() + 30
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in pids)


# ---- the real release ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparqlServer]:
    from cnr_opendata.release import build_release

    built = build_release(None, tmp_path_factory.mktemp("real-serve") / "build")
    assert any(p.suffix in (".nt", ".ttl", ".jsonld") for p in built.path.iterdir())
    srv, thread = start(built.path, timeout=60)
    yield srv
    stop(srv, thread)


def test_real_release_example_queries_answer_over_http(real_server: SparqlServer) -> None:
    from cnr_opendata.query import iter_example_queries

    examples = list(iter_example_queries(real_server.app.release.path))
    assert examples, "the release has no vocab/queries/*.rq"
    with httpx.Client(base_url=real_server.url, timeout=60) as c:
        page = c.get("/").text
        for name, _title, text in examples:
            assert name in page
            r = c.post("/sparql", data={"query": text}, headers={"Accept": "*/*"})
            assert r.status_code == 200, (name, r.text)


def test_real_project_dereferences_as_html_and_turtle(real_server: SparqlServer) -> None:
    path = "/projet/var-2023-snp-saint-tropez"
    with httpx.Client(base_url=real_server.url, timeout=60) as c:
        html = c.get(path, headers={"Accept": "text/html"})
        ttl = c.get(path, headers={"Accept": "text/turtle"})
    assert html.status_code == 200 and "<h1>Structurer un modèle" in html.text
    assert ttl.status_code == 200
    base = real_server.app.release.base_iri
    subjects = {q.subject for q in ox.parse(ttl.content, format=ox.RdfFormat.TURTLE)}
    assert ox.NamedNode(base + path) in subjects


def test_a_vocabulary_document_describes_its_hash_terms(client: httpx.Client) -> None:
    html = client.get("/def", headers={"Accept": "text/html"})
    assert html.status_code == 200
    assert "<h1>Vocabulaire de test</h1>" in html.text
    assert '<h3 id="statedStatus">statut déclaré</h3>' in html.text
    assert '<h3 id="Figure">chiffre &lt;b&gt;énoncé&lt;/b&gt;</h3>' in html.text
    assert '<a href="/def#Figure">' in html.text  # where a term's hash IRI leads
    ttl = client.get("/def", headers={"Accept": "text/turtle"})
    subjects = {q.subject.value for q in ox.parse(ttl.content, format=ox.RdfFormat.TURTLE)}
    assert subjects == {f"{BASE}/def", f"{BASE}/def#statedStatus", f"{BASE}/def#Figure"}
