"""The static site of a release, as a person sees it in a browser."""

from __future__ import annotations

import functools
import html
import html.parser
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from cnr_opendata.package import load_package
from cnr_opendata.release import build_release
from cnr_opendata.site import write_site
from conftest import REPO, need

SCRIPT = "<script>document.title='pwned'</script>"
SHOWN = "&lt;script&gt;document.title='pwned'&lt;/script&gt;"  # the same, escaped as text
TITLE = "Projets du Conseil national de la refondation en santé (CNR santé)"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO / "test-output"


@pytest.fixture(scope="module")
def hostile_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real package with a <script> in two text cells the site shows: a glossary
    definition (table page, vocabulary page) and a stated figure (landing page)."""
    from cnr_opendata.paths import bundled_package_dir

    pkg = tmp_path_factory.mktemp("pkg") / "pkg"
    shutil.copytree(bundled_package_dir(), pkg)
    for table, old, new in (
        ("glossary", "Instance départementale", f"Instance {SCRIPT} départementale"),
        ("indicators", "« 25 réunions de concertation »", f"« 25 réunions » {SCRIPT}"),
    ):
        path = pkg / "data" / f"{table}.csv"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return build_release(pkg, tmp_path_factory.mktemp("out")).path


@pytest.fixture(scope="module")
def server(hostile_release: Path) -> Iterator[str]:
    """A static HTTP server over the release folder, on 127.0.0.1 and a free port."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(hostile_release))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def chromium(*args: str, tmp_path: Path) -> str:
    need("chromium", CHROMIUM is not None, "Debian package chromium")
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def dom(url: str, tmp_path: Path) -> str:
    """The DOM after the page ran (a script, had one run, would have changed it)."""
    return chromium("--virtual-time-budget=2000", "--dump-dom", url, tmp_path=tmp_path)


def screenshot(url: str, name: str, tmp_path: Path, height: int = 2000) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    target = SCREENSHOTS / name
    target.unlink(missing_ok=True)
    chromium(f"--screenshot={target}", f"--window-size=1280,{height}", url, tmp_path=tmp_path)
    assert target.stat().st_size > 10_000  # a blank page compresses to a few hundred bytes
    return target


def title_of(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match, page[:500]
    return match[1]


def test_landing_page_shows_the_dataset_and_the_injected_script_does_not_run(
    server: str, tmp_path: Path
) -> None:
    page = dom(f"{server}/site/index.html", tmp_path)
    assert title_of(page) == TITLE
    assert f"<h1>{TITLE}</h1>" in page
    assert SHOWN in page  # the <script> of the cell is text on the page
    assert "<script" not in page
    # what the dataset is, its licence, version and size
    assert "Licence Ouverte / Open Licence version 2.0" in page
    assert "<strong>1.0.0</strong>" in page and "11 tables, 127 lignes" in page
    # key figures from indicators.csv, in French
    for figure in ("41 projets", "environ 700 participants", "plus de 2,9 M€", "7 projets"):
        assert f"<strong>{figure}</strong>" in page, figure
    # the chart: projects by territory and status, inline SVG, with its numbers as a table
    assert "<svg" in page and "Projets par territoire et par statut" in page
    assert "<td>Toulon</td>" in page
    # downloads with size and checksum, and how to cite
    assert 'href="../data/projects.csv"' in page and "5,6 Ko" in page
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', page)
    assert "Citer ce jeu de données" in page and "version 1.0.0 [jeu de données]" in page
    screenshot(f"{server}/site/index.html", "site-index.png", tmp_path, height=2000)


def test_table_page_shows_fields_counts_and_a_preview(server: str, tmp_path: Path) -> None:
    page = dom(f"{server}/site/tables/projects.html", tmp_path)
    assert title_of(page) == f"Projets — {TITLE}"
    assert "<h1>Projets</h1>" in page
    assert '<strong id="lignes">7</strong> lignes' in page
    assert "Date à laquelle le statut est donné (AAAA-MM-JJ)." in page  # a field description
    assert "Date du statut" in page and "obligatoire" in page  # French title, constraint
    assert "var-2023-qpv-toulon" in page  # an example, and a row of the preview
    assert "Var-Est : développer une offre de transports sanitaires" in page
    screenshot(f"{server}/site/tables/projects.html", "site-projects.png", tmp_path)


def test_a_script_in_a_cell_shows_as_text_on_every_page_that_shows_the_cell(
    server: str, hostile_release: Path, tmp_path: Path
) -> None:
    for rel, title in (
        ("site/tables/glossary.html", f"Glossaire — {TITLE}"),
        ("site/vocab.html", f"Vocabulaire — {TITLE}"),
    ):
        page = dom(f"{server}/{rel}", tmp_path)
        assert title_of(page) == title, rel
        assert SHOWN in page, rel
        assert "<script" not in page, rel
    screenshot(f"{server}/site/tables/glossary.html", "site-glossary.png", tmp_path, height=1200)


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def test_every_link_inside_the_site_resolves(hostile_release: Path) -> None:
    pages = sorted((hostile_release / "site").rglob("*.html"))
    assert len(pages) == 1 + 1 + 11 + 2  # landing, tables index, 11 tables, vocabulary, queries
    parsed = {}
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page] = parser
    checked = 0
    for page, parser in parsed.items():
        for link in parser.links:
            if urlparse(link).scheme in ("http", "https", "mailto"):
                continue
            target, fragment = urldefrag(link)
            path = (page.parent / unquote(target)).resolve() if target else page
            where = f"{page.relative_to(hostile_release)} links to {link}"
            assert path.is_file(), f"{where}: no such file"
            assert path.is_relative_to(hostile_release.resolve()), f"{where}: outside the release"
            if fragment and path.suffix == ".html":
                assert unquote(fragment) in parsed[path].ids, f"{where}: no such anchor"
            checked += 1
    assert checked > 200


def test_vocabulary_terms_have_their_iri_and_an_anchor(hostile_release: Path) -> None:
    vocab = (hostile_release / "site" / "vocab.html").read_text(encoding="utf-8")
    assert 'id="ChallengeLink"' in vocab
    assert "https://w3id.org/cnr-sante/def#ChallengeLink" in vocab
    assert 'id="statut/realise"' in vocab and "réalisé" in vocab
    assert 'id="statut"' in vocab and "Statuts de projet" in vocab  # a concept scheme
    # the challenges scheme's concepts are rows of a table: they come from the release's RDF
    assert "https://w3id.org/cnr-sante/defi/defi-1" in vocab


def test_queries_page_shows_each_query_with_its_result(hostile_release: Path) -> None:
    queries = (hostile_release / "site" / "queries.html").read_text(encoding="utf-8")
    files = sorted((hostile_release / "vocab" / "queries").glob("*.rq"))
    assert files
    for rq in files:
        assert f'<h2 id="{rq.stem}">' in queries
    assert "<tr><td>realise</td><td>réalisé</td><td>4</td></tr>" in queries
    assert "<tr><td>en-cours</td><td>en cours</td><td>3</td></tr>" in queries


def test_the_site_needs_nothing_from_the_internet(hostile_release: Path) -> None:
    for page in (hostile_release / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text, page
        assert not re.search(r'(src|stylesheet" href)="(https?:)?//', text), page
    css = (hostile_release / "site" / "style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def _copy(release: Path, tmp_path: Path) -> Path:
    copy = tmp_path / release.name
    shutil.copytree(release, copy, ignore=shutil.ignore_patterns(".store"))
    return copy


def test_the_same_release_gives_the_same_site(real_release: Path, tmp_path: Path) -> None:
    copy = _copy(real_release, tmp_path)
    shutil.rmtree(copy / "site")
    write_site(load_package(copy), copy)
    for page in sorted((real_release / "site").rglob("*")):
        if page.is_file():
            rel = page.relative_to(real_release)
            assert (copy / rel).read_bytes() == page.read_bytes(), rel


def test_without_a_vocabulary_in_the_release_the_projects_vocabulary_is_used(
    real_release: Path, tmp_path: Path
) -> None:
    copy = _copy(real_release, tmp_path)
    shutil.rmtree(copy / "vocab")
    write_site(load_package(copy), copy)
    vocab = html.unescape((copy / "site" / "vocab.html").read_text(encoding="utf-8"))
    assert "le vocabulaire du projet (cette version n'en a pas de copie)" in vocab
    assert 'id="ChallengeLink"' in vocab
    queries = (copy / "site" / "queries.html").read_text(encoding="utf-8")
    assert "<td>realise</td><td>réalisé</td><td>4</td>" in queries


def test_without_vocabulary_or_rdf_the_pages_say_so(
    real_release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _copy(real_release, tmp_path)
    shutil.rmtree(copy / "vocab")
    (copy / "cnr-sante-projets.nt").unlink()
    empty = tmp_path / "no-vocab"
    empty.mkdir()
    monkeypatch.setattr("cnr_opendata.site.vocab_dir", lambda: empty)
    index = write_site(load_package(copy), copy)
    assert index == copy / "site" / "index.html" and index.is_file()
    vocab = html.unescape((copy / "site" / "vocab.html").read_text(encoding="utf-8"))
    assert "Aucun vocabulaire n'est encore disponible" in vocab
    queries = html.unescape((copy / "site" / "queries.html").read_text(encoding="utf-8"))
    assert "Aucune requête d'exemple n'est encore disponible" in queries


def test_query_results_need_the_rdf_export(real_release: Path, tmp_path: Path) -> None:
    copy = _copy(real_release, tmp_path)
    (copy / "cnr-sante-projets.nt").unlink()
    write_site(load_package(copy), copy)
    queries = html.unescape((copy / "site" / "queries.html").read_text(encoding="utf-8"))
    assert (
        "Résultat non calculé : cette version n'a pas d'export RDF (cnr-sante-projets.nt)"
        in queries
    )
    assert "<td>realise</td>" not in queries
