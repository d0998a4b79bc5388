"""The static site of a release, as a person sees it in a browser."""

from __future__ import annotations

import functools
import html.parser
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from cnr_opendata.release import build_release
from conftest import REPO, need

SCRIPT = "<script>document.title='pwned'</script>"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def hostile_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real package with a <script> in a text cell that the site shows."""
    from cnr_opendata.paths import bundled_package_dir

    pkg = tmp_path_factory.mktemp("pkg") / "pkg"
    shutil.copytree(bundled_package_dir(), pkg)
    path = pkg / "data" / "indicators.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("« 25 réunions de concertation »", f"« 25 réunions » {SCRIPT}"),
        encoding="utf-8",
    )
    return build_release(pkg, tmp_path_factory.mktemp("out")).path


@pytest.fixture(scope="module")
def server(hostile_release: Path) -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(hostile_release))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


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


def test_landing_page_renders_and_the_injected_script_does_not_run(
    server: str, tmp_path: Path
) -> None:
    dom = chromium(
        "--virtual-time-budget=2000", "--dump-dom", f"{server}/site/index.html", tmp_path=tmp_path
    )
    assert (
        "<title>Projets du Conseil national de la refondation en santé (CNR santé)</title>" in dom
    )
    assert "pwned" not in dom.split("</title>")[0]
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom  # shown as text
    assert "41 projets" in dom and "environ 700 participants" in dom and "plus de 2,9 M€" in dom
    assert "Téléchargements" in dom and "data/projects.csv" in dom
    out = REPO / "test-output"
    out.mkdir(exist_ok=True)
    chromium(
        f"--screenshot={out / 'site-index.png'}",
        "--window-size=1280,1800",
        f"{server}/site/index.html",
        tmp_path=tmp_path,
    )
    assert (out / "site-index.png").stat().st_size > 10_000


def test_table_page_renders_counts_and_field_descriptions(server: str, tmp_path: Path) -> None:
    dom = chromium("--dump-dom", f"{server}/site/tables/projects.html", tmp_path=tmp_path)
    assert "<h1>Projets</h1>" in dom
    assert "<strong>7</strong> lignes" in dom
    assert "Date à laquelle le statut est donné" in dom
    assert "Var-Est : développer une offre de transports sanitaires" in dom
    chromium(
        f"--screenshot={REPO / 'test-output' / 'site-projects.png'}",
        "--window-size=1280,1400",
        f"{server}/site/tables/projects.html",
        tmp_path=tmp_path,
    )


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
    assert len(pages) >= 14
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
            assert path.is_file(), f"{page.relative_to(hostile_release)} links to missing {link}"
            if fragment and path.suffix == ".html":
                assert fragment in parsed[path].ids, (
                    f"{page.name}: no anchor #{fragment} in {path.name}"
                )
            checked += 1
    assert checked > 50


def test_vocabulary_page_anchors_terms_and_queries_page_shows_results(
    hostile_release: Path,
) -> None:
    vocab = (hostile_release / "site" / "vocab.html").read_text(encoding="utf-8")
    assert 'id="ChallengeLink"' in vocab and "https://w3id.org/cnr-sante/def#ChallengeLink" in vocab
    assert 'id="statut/realise"' in vocab
    queries = (hostile_release / "site" / "queries.html").read_text(encoding="utf-8")
    assert "<td>realise</td><td>réalisé</td><td>4</td>" in queries


def test_the_site_needs_nothing_from_the_internet(hostile_release: Path) -> None:
    for page in (hostile_release / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text
        assert 'src="http' not in text and 'stylesheet" href="http' not in text
