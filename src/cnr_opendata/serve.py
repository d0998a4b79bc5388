"""A read-only SPARQL 1.1 Protocol endpoint over a release, with an HTML front page.

Routes:

- ``/sparql``: GET ``?query=``, POST ``application/x-www-form-urlencoded`` or
  ``application/sparql-query``; the answer format is negotiated from ``Accept`` (or forced with
  ``?format=``): SPARQL results in JSON, XML, CSV, TSV; graphs in Turtle, N-Triples, JSON-LD;
  HTML for browsers; aligned text for ``text/plain``. UPDATE is refused (403).
- ``/``: a query form and the release's example queries (``vocab/queries/*.rq``).
- ``/site/…``: the release's static site, never a file outside it.
- any other path ``/{kind}/{id}``: the description of ``{baseIri}/{kind}/{id}`` (its Concise
  Bounded Description, i.e. ``DESCRIBE``), as HTML, Turtle, N-Triples or JSON-LD; 404 if unknown.
  A vocabulary document (``/def``) also describes the terms ``rdfs:isDefinedBy`` it, so a hash
  IRI such as ``{baseIri}/def#Challenge`` resolves to its section of that page.

pyoxigraph cannot interrupt a running query, so queries run in a small pool of worker
processes, each with the store opened read-only. A query past the time limit has its worker
killed (SIGKILL) and replaced, and the client gets 503 with the reason; the other workers keep
answering. Measured on 2 cores: starting two workers and answering a first query takes
≈ 0.25 s; a query through the pool costs ≈ 0.3 ms against ≈ 0.1 ms in process; a killed worker
is replaced in ≈ 0.2 s. On a 16 M-triple store (1,000,000 projects) the server listens after
≈ 0.2 s and answers its first query after ≈ 0.4 s.
"""

from __future__ import annotations

import contextlib
import html
import json
import mimetypes
import os
import pickle
import queue
import re
import select
import signal
import socketserver
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from cnr_opendata.errors import CnrOpendataError, QueryError
from cnr_opendata.query import (
    FORMATS,
    WELL_KNOWN_PREFIXES,
    FormatNotAcceptable,
    ReleaseInfo,
    ResultTooLarge,
    evaluate,
    is_update,
    iter_example_queries,
    open_store,
    prepare_store,
    read_release,
)

if TYPE_CHECKING:
    StartResponse = Callable[..., Any]

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RESULT_BYTES = 256 * 1024 * 1024
MAX_BODY_BYTES = 1024 * 1024
HTML_MAX_ROWS = 2000


class ServeError(CnrOpendataError):
    """The server cannot start (address in use, no store…)."""


class QueryTimeout(QueryError):
    """A query ran past the server's time limit and was stopped."""


# ---- the worker pool ---------------------------------------------------------------------------
#
# Workers are plain subprocesses (``python -c``) talking length-prefixed pickles over their stdin
# and stdout: unlike multiprocessing's spawn, this never re-imports the caller's main script, so
# make_app works from any program, guarded by ``if __name__ == "__main__"`` or not.


def _write_frame(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!Q", len(data)) + data)
    stream.flush()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            raise EOFError("the worker closed its pipe")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_frame(stream: IO[bytes]) -> Any:
    (size,) = struct.unpack("!Q", _read_exactly(stream, 8))
    return pickle.loads(_read_exactly(stream, size))  # our own child's output only


def _watch_parent(parent: int) -> None:
    """Exit as soon as the server is gone, even in the middle of a runaway query."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _worker_entry() -> None:
    """Body of a worker process: answer ``(query, formats)`` frames until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # a stray print must not corrupt the reply stream
    config = json.loads(sys.argv[1])
    _watch_parent(os.getppid())
    import pyoxigraph as ox

    store: Any = None
    failure = ""
    try:
        store = ox.Store.read_only(config["store"])
    except OSError as exc:
        failure = f"the store {config['store']} cannot be opened: {exc}"
    while True:
        try:
            request = _read_frame(requests)
        except (EOFError, OSError):
            return
        query, formats = request
        reply: tuple[Any, ...]
        if store is None:
            reply = ("error", 500, failure)
        else:
            try:
                out = evaluate(
                    store,
                    query,
                    formats,
                    base_iri=config["base_iri"],
                    max_bytes=config["max_bytes"],
                )
            except ResultTooLarge as exc:
                reply = ("error", 500, str(exc))
            except FormatNotAcceptable as exc:
                reply = ("error", 406, str(exc))
            except QueryError as exc:
                reply = ("error", 400, str(exc))
            except Exception as exc:  # a bug must not kill the worker silently
                reply = ("error", 500, f"internal error: {type(exc).__name__}: {exc}")
            else:
                reply = ("ok", out.kind, out.format.name, out.data, out.count)
        _write_frame(replies, reply)


@dataclass(frozen=True)
class PoolAnswer:
    """A worker's answer: the result's kind, its format name, its bytes, its triple count."""

    kind: str  # "solutions", "boolean" or "graph"
    format: str
    data: bytes
    count: int | None


class WorkerError(QueryError):
    """A worker refused or failed a query; ``status`` is the HTTP status it deserves."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class _Worker:
    def __init__(self, config: dict[str, Any]) -> None:
        src = str(Path(__file__).resolve().parent.parent)  # cnr_opendata importable as here
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from cnr_opendata.serve import _worker_entry; _worker_entry()",
                json.dumps(config),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=env,
            start_new_session=True,  # Ctrl-C in a terminal reaches the server, not the workers
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests: IO[bytes] = self.process.stdin
        self.replies: IO[bytes] = self.process.stdout

    def wait_readable(self, seconds: float) -> bool:
        ready, _, _ = select.select([self.replies], [], [], max(0.0, seconds))
        return bool(ready)

    def kill(self) -> None:
        self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)  # else the kernel reaps it later; never block the server
        self._close_pipes()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.requests.close()  # end of input: the worker returns
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()
            return
        self._close_pipes()

    def _close_pipes(self) -> None:
        for stream in (self.requests, self.replies):
            with contextlib.suppress(OSError):
                stream.close()


class QueryPool:
    """Worker processes that answer queries on a read-only store, each query under a time limit.

    A query that passes its limit has its worker killed and replaced; :meth:`run` then raises
    :class:`QueryTimeout`. The waiting time for a free worker counts in the limit.
    """

    def __init__(
        self,
        store_path: str | Path,
        *,
        workers: int | None = None,
        base_iri: str | None = None,
        max_bytes: int | None = DEFAULT_MAX_RESULT_BYTES,
    ) -> None:
        self._config = {"store": str(store_path), "base_iri": base_iri, "max_bytes": max_bytes}
        self.size = workers or max(2, os.cpu_count() or 2)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(self.size):
            self._add()

    def _add(self) -> None:
        worker = _Worker(self._config)
        with self._lock:
            self._all.add(worker)
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
            closed = self._closed
        if not closed:
            self._add()

    def run(self, query: str, formats: tuple[str | None, str | None], timeout: float) -> PoolAnswer:
        """Answer ``query`` in a worker (see :func:`~cnr_opendata.query.evaluate` for
        ``formats``); raises :class:`WorkerError` (parser message…) or :class:`QueryTimeout`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise QueryTimeout(
                    f"every query worker ({self.size}) stayed busy for the whole time limit "
                    f"({timeout:g} s); try again later"
                ) from None
            if worker.process.poll() is None:
                break
            self._discard(worker)  # died while idle (killed from outside): replace it
        try:
            _write_frame(worker.requests, (query, formats))
            if not worker.wait_readable(deadline - time.monotonic()):
                self._discard(worker)
                raise QueryTimeout(
                    f"the query was stopped at the time limit of {timeout:g} s; add a LIMIT, "
                    "narrow its patterns, or run it without a limit with `cnr-opendata query`"
                )
            reply = _read_frame(worker.replies)
        except (EOFError, OSError, pickle.UnpicklingError, struct.error):
            self._discard(worker)
            raise WorkerError(
                "the query worker stopped unexpectedly (out of memory?); the query was abandoned",
                500,
            ) from None
        self._idle.put(worker)
        if reply[0] == "error":
            raise WorkerError(reply[2], reply[1])
        _, kind, fmt, data, count = reply
        return PoolAnswer(kind, fmt, data, count)

    def close(self) -> None:
        """Stop every worker (idle ones at once, busy ones are killed)."""
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.stop()


# ---- content negotiation -----------------------------------------------------------------------

#: Media types offered for SELECT/ASK answers, in order of preference.
SOLUTION_OFFERS: list[tuple[str, str]] = [
    ("application/sparql-results+json", "json"),
    ("application/json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("text/html", "html"),
    ("application/xhtml+xml", "html"),
    ("text/plain", "table"),
]
#: Media types offered for CONSTRUCT/DESCRIBE answers and resource descriptions.
GRAPH_OFFERS: list[tuple[str, str]] = [
    ("text/turtle", "ttl"),
    ("application/x-turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "jsonld"),
    ("application/json", "jsonld"),
    ("text/html", "html"),
    ("application/xhtml+xml", "html"),
    ("text/plain", "table"),
]
#: ``?format=`` values: (format for SELECT/ASK, format for graphs).
_FORMAT_NAMES = {
    **{name: name for name in ("json", "xml", "csv", "tsv", "html", "table", "ttl", "nt")},
    **{"jsonld": "jsonld", "json-ld": "jsonld", "turtle": "ttl", "ntriples": "nt"},
    "text": "table",
}
#: ``?format=`` values: (format for SELECT/ASK, format for graphs). A format that does not fit
#: the query's form (``csv`` for a CONSTRUCT) is answered 400 with the formats that do.
FORMAT_PARAMS: dict[str, tuple[str | None, str | None]] = {
    key: (name, "jsonld" if name == "json" else name) for key, name in _FORMAT_NAMES.items()
}


def _parse_accept(header: str) -> list[tuple[str, str, float]]:
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0] or "/" not in fields[0]:
            continue
        main, _, sub = fields[0].lower().partition("/")
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((main, sub, q))
    return ranges


def negotiate(accept: str | None, offers: list[tuple[str, str]]) -> str | None:
    """The format of the offer the client prefers (``Accept``, with q-values); None: none fits.

    A missing or empty header means the first offer; ties go to the earlier offer.
    """
    if not accept or not accept.strip():
        return offers[0][1]
    ranges = _parse_accept(accept)
    best: tuple[float, int] = (0.0, 0)
    choice = None
    for media_type, name in offers:
        main, _, sub = media_type.partition("/")
        matched: tuple[int, float] | None = None  # (specificity, q) of the most specific range
        for r_main, r_sub, q in ranges:
            if (r_main, r_sub) == (main, sub):
                spec = 2
            elif (r_main, r_sub) == (main, "*"):
                spec = 1
            elif (r_main, r_sub) == ("*", "*"):
                spec = 0
            else:
                continue
            if matched is None or spec > matched[0]:
                matched = (spec, q)
        if matched is None or matched[1] <= 0:
            continue
        # Prefer higher q, then an explicit type over a wildcard, then the server's order.
        score = (matched[1], matched[0])
        if choice is None or score > best:
            best, choice = score, name
    return choice


# ---- HTML --------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1e1e1e}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
textarea{width:100%;font:13px/1.4 ui-monospace,monospace;box-sizing:border-box}
pre{background:#f5f5f7;padding:.6rem;overflow:auto;font-size:13px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccd;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#eef}td{white-space:pre-wrap;overflow-wrap:anywhere}
.meta{color:#666;font-size:.85em}.error{color:#a00;white-space:pre-wrap}
nav a{margin-right:1rem}
"""

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _page(title: str, body: str, *, subtitle: str = "", site: bool = False) -> bytes:
    sub = f'<p class="meta">{_e(subtitle)}</p>' if subtitle else ""
    nav = '<a href="/">Requête SPARQL</a>' + ('<a href="/site/">Site</a>' if site else "")
    return (
        "<!doctype html>\n"
        '<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<nav>{nav}</nav>"
        f"<h1>{_e(title)}</h1>{sub}{body}</body></html>\n"
    ).encode()


class _Terms:
    """Renders RDF terms (SPARQL JSON results form) as HTML, linking local IRIs locally."""

    def __init__(self, base_iri: str, prefixes: dict[str, str]) -> None:
        self.base = base_iri
        self.prefixes = prefixes

    def local_path(self, iri: str) -> str | None:
        if self.base and iri.startswith(self.base + "/") and len(iri) > len(self.base) + 1:
            return iri[len(self.base) :]
        return None

    def short(self, iri: str) -> str:
        for prefix, ns in self.prefixes.items():
            rest = iri[len(ns) :]
            if iri.startswith(ns) and re.fullmatch(r"[\w.-]+", rest):
                return f"{prefix}:{rest}"
        return iri

    def html(self, term: dict[str, Any] | None) -> str:
        if not term:
            return ""
        kind, value = term.get("type"), str(term.get("value", ""))
        if kind == "uri":
            local = self.local_path(value)
            label = _e(self.short(value) if local is None else local)
            if local is not None:
                return f'<a href="{_e(local)}">{label}</a>'
            if urllib.parse.urlsplit(value).scheme in ("http", "https"):  # never javascript:
                return f'<a href="{_e(value)}" rel="nofollow">{label}</a>'
            return label
        if kind == "bnode":
            return f"_:{_e(value)}"
        if kind == "triple":
            inner = term.get("value") if isinstance(term.get("value"), dict) else {}
            assert isinstance(inner, dict)
            parts = [self.html(inner.get(k)) for k in ("subject", "predicate", "object")]
            return "&lt;&lt; " + " ".join(parts) + " &gt;&gt;"
        note = ""
        if term.get("xml:lang"):
            note = f' <span class="meta">@{_e(term["xml:lang"])}</span>'
        elif term.get("datatype"):
            note = f' <span class="meta">{_e(self.short(str(term["datatype"])))}</span>'
        return _e(value) + note


def _ox_term(term: Any) -> dict[str, Any]:
    """A pyoxigraph term in the SPARQL 1.1 JSON results form."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _ox_term(term.subject),
                "predicate": _ox_term(term.predicate),
                "object": _ox_term(term.object),
            },
        }
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _html_table(header: list[str], rows: Iterable[list[str]], total: int) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    more = ""
    if total > HTML_MAX_ROWS:
        more = (
            f'<p class="meta">{HTML_MAX_ROWS} premières lignes sur {total} ; '
            "utilisez le format CSV ou JSON pour tout obtenir.</p>"
        )
    noun = "ligne" if total <= 1 else "lignes"
    return f'<p class="meta">{total} {noun}</p><table><tr>{head}</tr>{body}</table>{more}'


# ---- the WSGI application ----------------------------------------------------------------------

_STATUS = {
    200: "200 OK",
    204: "204 No Content",
    301: "301 Moved Permanently",
    400: "400 Bad Request",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    406: "406 Not Acceptable",
    413: "413 Content Too Large",
    415: "415 Unsupported Media Type",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


class _Response(Exception):
    """A finished response, raised from deep inside a handler (errors mostly)."""

    def __init__(
        self, status: int, body: bytes, content_type: str, headers: list[tuple[str, str]]
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers


@dataclass
class _Request:
    method: str
    path: str  # raw (still percent-encoded) path, without the query string
    params: dict[str, list[str]]
    accept: str | None
    environ: dict[str, Any]

    def wants_html(self) -> bool:
        return negotiate(self.accept, [("text/plain", "text"), ("text/html", "html")]) == "html"


class SparqlApp:
    """The WSGI application of :func:`make_app`; call :meth:`close` to stop its workers."""

    def __init__(
        self,
        release_dir: str | Path | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        workers: int | None = None,
        max_result_bytes: int | None = DEFAULT_MAX_RESULT_BYTES,
        cache_dir: str | Path | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        if timeout <= 0:
            raise ServeError("the time limit must be a positive number of seconds")
        self.release: ReleaseInfo = read_release(release_dir)
        self.timeout = timeout
        # Opened (and closed) once here, so a damaged store is rebuilt before workers need it.
        open_store(self.release.path, cache_dir=cache_dir, progress=progress)
        store = prepare_store(self.release.path, cache_dir=cache_dir)
        self.store_path = store.path
        base = f"{self.release.base_iri}/" if self.release.base_iri else None
        self.pool = QueryPool(
            store.path, workers=workers, base_iri=base, max_bytes=max_result_bytes
        )
        self.terms = _Terms(self.release.base_iri, WELL_KNOWN_PREFIXES)

    def close(self) -> None:
        self.pool.close()

    # -- plumbing --

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        try:
            request = self._request(environ)
            status, body, content_type, headers = self._route(request)
        except _Response as r:
            status, body, content_type, headers = r.status, r.body, r.content_type, r.headers
        all_headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
            *headers,
        ]
        if content_type.startswith("text/html"):
            all_headers.append(("Content-Security-Policy", _CSP))
        start_response(_STATUS.get(status, f"{status} Error"), all_headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def _request(self, environ: dict[str, Any]) -> _Request:
        raw = str(environ.get("REQUEST_URI") or "")
        if raw:
            if raw.startswith(("http://", "https://")):  # absolute-form request target
                raw = urllib.parse.urlsplit(raw).path or "/"
            path = raw.split("?", 1)[0]
        else:  # another WSGI server: rebuild the raw path from the decoded one
            decoded = (
                str(environ.get("PATH_INFO") or "/").encode("latin-1").decode("utf-8", "replace")
            )
            path = urllib.parse.quote(decoded, safe="/:@!$&'()*+,;=-._~")
        query_string = str(environ.get("QUERY_STRING") or "")
        params = urllib.parse.parse_qs(query_string, keep_blank_values=True)
        request = _Request(
            method=str(environ.get("REQUEST_METHOD") or "GET").upper(),
            path=path or "/",
            params=params,
            accept=environ.get("HTTP_ACCEPT"),
            environ=environ,
        )
        return request

    def _error(self, request: _Request | None, status: int, message: str, **kw: Any) -> _Response:
        headers: list[tuple[str, str]] = list(kw.get("headers", []))
        if request is not None and request.wants_html():
            body = _page(
                f"Erreur {status}", f'<p class="error">{_e(message)}</p>', site=self.has_site
            )
            return _Response(status, body, "text/html; charset=utf-8", headers)
        return _Response(status, (message + "\n").encode(), "text/plain; charset=utf-8", headers)

    def _route(self, request: _Request) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        path = request.path
        if path == "/sparql":
            return self._sparql(request)
        if request.method not in ("GET", "HEAD"):
            raise self._error(
                request,
                405,
                f"{request.method} is not allowed here",
                headers=[("Allow", "GET, HEAD")],
            )
        if path in ("/", "/index.html"):
            return self._home(request)
        if path == "/site" or path.startswith("/site/"):
            return self._site(request)
        return self._resource(request)

    # -- /sparql --

    def _sparql(self, request: _Request) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        cors = [("Access-Control-Allow-Origin", "*"), ("Vary", "Accept")]
        try:
            status, body, ctype, headers = self._sparql_answer(request)
        except _Response as r:
            r.headers = [*cors, *r.headers]
            raise
        return status, body, ctype, [*cors, *headers]

    def _sparql_answer(self, request: _Request) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        if request.method == "OPTIONS":
            return (
                204,
                b"",
                "text/plain",
                [
                    ("Allow", "GET, HEAD, POST, OPTIONS"),
                    ("Access-Control-Allow-Methods", "GET, POST"),
                    ("Access-Control-Allow-Headers", "Content-Type, Accept"),
                ],
            )
        if request.method not in ("GET", "HEAD", "POST"):
            raise self._error(
                request,
                405,
                f"{request.method} is not allowed: this read-only endpoint answers GET and POST "
                "queries",
                headers=[("Allow", "GET, HEAD, POST, OPTIONS")],
            )
        params = dict(request.params)
        if request.method == "POST":
            params = self._post_params(request, params)
        if "update" in params:
            raise self._error(request, 403, _READ_ONLY)
        queries = params.get("query", [])
        if not queries:
            if request.method in ("GET", "HEAD") and request.wants_html():
                return self._home(request)
            raise self._error(request, 400, "missing `query` parameter (a SPARQL query)")
        if len(queries) > 1:
            raise self._error(request, 400, "give exactly one `query` parameter")
        for key in ("default-graph-uri", "named-graph-uri"):
            if any(v for v in params.get(key, [])):
                raise self._error(
                    request,
                    400,
                    f"`{key}` is not supported: the release is a single default graph",
                )
        query = queries[0]
        if is_update(query):
            raise self._error(request, 403, _READ_ONLY)
        formats = self._formats(request, params)
        html_for = tuple(f == "html" for f in formats)
        worker_formats = (
            "json" if formats[0] == "html" else formats[0],
            "nt" if formats[1] == "html" else formats[1],
        )
        try:
            answer = self.pool.run(query, worker_formats, self.timeout)
        except QueryTimeout as exc:
            raise self._error(request, 503, str(exc)) from None
        except QueryError as exc:
            status = exc.status if isinstance(exc, WorkerError) else 400
            raise self._error(request, status, str(exc)) from None
        if html_for[1 if answer.kind == "graph" else 0]:
            body = self._results_html(query, answer)
            return 200, body, "text/html; charset=utf-8", []
        return 200, answer.data, FORMATS[answer.format].media_type, []

    def _post_params(self, request: _Request, params: dict[str, list[str]]) -> dict[str, list[str]]:
        environ = request.environ
        ctype = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise self._error(request, 400, "invalid Content-Length") from None
        if length > MAX_BODY_BYTES:
            raise self._error(request, 413, f"the request body is over {MAX_BODY_BYTES} bytes")
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise self._error(request, 400, "the request body is not UTF-8") from None
        if ctype == "application/sparql-update":
            raise self._error(request, 403, _READ_ONLY)
        if ctype == "application/sparql-query":
            return {**params, "query": [*params.get("query", []), text]}
        if ctype == "application/x-www-form-urlencoded":
            form = urllib.parse.parse_qs(text, keep_blank_values=True)
            merged = dict(params)
            for key, values in form.items():
                merged[key] = [*merged.get(key, []), *values]
            return merged
        raise self._error(
            request,
            415,
            f"unsupported Content-Type {ctype or '(none)'!r}: POST a query as "
            "application/sparql-query or application/x-www-form-urlencoded",
        )

    def _formats(
        self, request: _Request, params: dict[str, list[str]]
    ) -> tuple[str | None, str | None]:
        wanted = params.get("format", [""])[-1].strip().lower()
        if wanted in FORMAT_PARAMS:
            return FORMAT_PARAMS[wanted]
        if wanted:  # a media type given as format, as some clients do
            formats = (negotiate(wanted, SOLUTION_OFFERS), negotiate(wanted, GRAPH_OFFERS))
            if "/" in wanted and "*" not in wanted and formats != (None, None):
                return formats
            known = ", ".join(FORMAT_PARAMS)
            raise self._error(request, 400, f"unknown format {wanted!r}: use one of {known}")
        formats = (
            negotiate(request.accept, SOLUTION_OFFERS),
            negotiate(request.accept, GRAPH_OFFERS),
        )
        if formats == (None, None):
            offered = ", ".join(dict.fromkeys(m for m, _ in SOLUTION_OFFERS + GRAPH_OFFERS))
            raise self._error(
                request, 406, f"no acceptable format for {request.accept!r}; offered: {offered}"
            )
        return formats

    def _results_html(self, query: str, answer: PoolAnswer) -> bytes:
        import pyoxigraph as ox

        form = self._form(query)
        if answer.kind == "boolean":
            value = json.loads(answer.data).get("boolean")
            result = f"<p><strong>{'vrai' if value else 'faux'}</strong> ({_e(value)})</p>"
        elif answer.kind == "graph":
            triples = list(ox.parse(answer.data, format=ox.RdfFormat.N_TRIPLES))
            rows = (
                [self.terms.html(_ox_term(x)) for x in (t.subject, t.predicate, t.object)]
                for t in triples[:HTML_MAX_ROWS]
            )
            result = _html_table(["sujet", "prédicat", "objet"], rows, len(triples))
        else:
            data = json.loads(answer.data)
            variables = list(data.get("head", {}).get("vars", []))
            bindings = data.get("results", {}).get("bindings", [])
            rows = (
                [self.terms.html(b.get(v)) for v in variables] for b in bindings[:HTML_MAX_ROWS]
            )
            result = _html_table(variables, rows, len(bindings))
        return _page(
            "Résultats",
            form + "<h2>Résultats</h2>" + result,
            subtitle=self._subtitle(),
            site=self.has_site,
        )

    # -- / --

    @property
    def has_site(self) -> bool:
        return (self.release.path / "site").is_dir()

    def _origin(self, request: _Request) -> str:
        host = str(request.environ.get("HTTP_HOST") or "")
        if not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", host):  # only a plain host[:port]
            host = str(request.environ.get("SERVER_NAME", "127.0.0.1"))
            host += f":{request.environ.get('SERVER_PORT', '8000')}"
        return f"http://{host}"

    def _subtitle(self) -> str:
        r = self.release
        return f"{r.name} {r.version} · {r.ntriples.name} · limite {self.timeout:g} s par requête"

    def _form(self, query: str) -> str:
        options = "".join(
            f'<option value="{v}"{" selected" if v == "html" else ""}>{_e(label)}</option>'
            for v, label in [
                ("html", "HTML"),
                ("json", "JSON (SPARQL results / JSON-LD)"),
                ("xml", "XML"),
                ("csv", "CSV"),
                ("tsv", "TSV"),
                ("ttl", "Turtle"),
                ("nt", "N-Triples"),
                ("jsonld", "JSON-LD"),
                ("text", "Texte"),
            ]
        )
        return (
            '<form method="get" action="/sparql">'
            '<label for="query">Requête SPARQL (SELECT, ASK, CONSTRUCT, DESCRIBE)</label>'
            f'<textarea id="query" name="query" rows="12" spellcheck="false">{_e(query)}</textarea>'
            f'<p><label>Format <select name="format">{options}</select></label> '
            '<button type="submit">Exécuter</button></p></form>'
        )

    def _home(self, request: _Request) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        examples = list(iter_example_queries(self.release.path))
        default = examples[0][2] if examples else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
        query = request.params.get("query", [default])[-1]
        parts = [self._form(query)]
        endpoint = "/sparql"
        parts.append(
            '<p class="meta">Point d’accès SPARQL 1.1 en lecture seule : '
            f"<code>{endpoint}</code> (GET <code>?query=</code> ou POST). Exemple : "
            f"<code>curl -H 'Accept: text/csv' --data-urlencode 'query=…' "
            f"{_e(self._origin(request))}{endpoint}</code></p>"
        )
        if examples:
            parts.append("<h2>Requêtes d’exemple</h2>")
        for name, title, text in examples:
            run = "/sparql?" + urllib.parse.urlencode({"query": text, "format": "html"})
            edit = "/?" + urllib.parse.urlencode({"query": text})
            parts.append(
                f'<h3>{_e(title)}</h3><p class="meta">{_e(name)} · '
                f'<a href="{_e(run)}">exécuter</a> · <a href="{_e(edit)}">modifier</a></p>'
                f"<pre>{_e(text)}</pre>"
            )
        body = _page(
            f"SPARQL — {self.release.name} {self.release.version}",
            "".join(parts),
            subtitle=self._subtitle(),
            site=self.has_site,
        )
        return 200, body, "text/html; charset=utf-8", []

    # -- /site/ --

    def _site(self, request: _Request) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        root = self.release.path / "site"
        if request.path == "/site":
            return 301, b"", "text/plain", [("Location", "/site/")]
        try:
            rel = urllib.parse.unquote(request.path[len("/site/") :], errors="strict")
        except UnicodeDecodeError:
            raise self._error(request, 404, f"not found: {request.path}") from None
        segments = rel.split("/")
        if (
            "\x00" in rel
            or "\\" in rel
            or rel.startswith("/")
            or any(s in ("..", ".") for s in segments)
            or re.match(r"^[A-Za-z]:", rel)
        ):
            raise self._error(request, 403, "path outside the release site refused")
        if not root.is_dir():
            raise self._error(request, 404, "this release has no site/ folder")
        base = root.resolve()
        target = (base / rel).resolve()
        if not target.is_relative_to(base):  # e.g. a symbolic link leaving the site
            raise self._error(request, 403, "path outside the release site refused")
        if target.is_dir():
            if not request.path.endswith("/"):
                return 301, b"", "text/plain", [("Location", request.path + "/")]
            target = target / "index.html"
        if not target.is_file():
            raise self._error(request, 404, f"not found: {request.path}")
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        return 200, target.read_bytes(), ctype, []

    # -- resources: /{kind}/{id} --

    def _resource(self, request: _Request) -> tuple[int, bytes, str, list[tuple[str, str]]]:
        import pyoxigraph as ox

        base = self.release.base_iri
        if not base or request.path.endswith("/"):
            raise self._error(request, 404, f"not found: {request.path}")
        candidates = [base + request.path]
        decoded = urllib.parse.unquote(request.path)
        if decoded != request.path:
            candidates.append(base + decoded)
        iri = None
        for candidate in candidates:
            try:
                node = ox.NamedNode(candidate)
            except ValueError:
                continue
            answer = self._run(request, f"ASK {{ {node} ?p ?o }}", ("json", None))
            if json.loads(answer.data).get("boolean"):
                iri = node
                break
        if iri is None:
            raise self._error(request, 404, f"no resource {base + request.path}")
        wanted = request.params.get("format", [""])[-1].strip().lower()
        if wanted:
            fmt = FORMAT_PARAMS.get(wanted, (None, None))[1]
            if fmt is None:
                raise self._error(
                    request, 400, f"unknown format {wanted!r}: use html, ttl, nt or jsonld"
                )
        else:
            fmt = negotiate(request.accept, GRAPH_OFFERS)
        headers = [("Vary", "Accept")]
        if fmt is None:
            raise self._error(
                request,
                406,
                "offered: text/html, text/turtle, application/n-triples, application/ld+json",
            )
        if fmt == "html":
            return 200, self._resource_html(request, iri), "text/html; charset=utf-8", headers
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in WELL_KNOWN_PREFIXES.items())
        # A vocabulary's document describes its terms too (rdfs:isDefinedBy it).
        describe = f"DESCRIBE {iri} ?term WHERE {{ OPTIONAL {{ ?term rdfs:isDefinedBy {iri} }} }}"
        answer = self._run(request, prologue + describe, (None, fmt))
        return 200, answer.data, FORMATS[answer.format].media_type, headers

    def _run(
        self, request: _Request, query: str, formats: tuple[str | None, str | None]
    ) -> PoolAnswer:
        try:
            return self.pool.run(query, formats, self.timeout)
        except QueryTimeout as exc:
            raise self._error(request, 503, str(exc)) from None
        except QueryError as exc:
            raise self._error(
                request, exc.status if isinstance(exc, WorkerError) else 500, str(exc)
            ) from None

    def _resource_html(self, request: _Request, iri: Any) -> bytes:
        query = f"""SELECT ?dir ?p ?o ?bp ?bo WHERE {{
  {{ BIND("out" AS ?dir) {iri} ?p ?o . OPTIONAL {{ ?o ?bp ?bo FILTER(isBlank(?o)) }} }}
  UNION
  {{ SELECT ("in" AS ?dir) ?p ?o WHERE {{ ?o ?p {iri} }} LIMIT 500 }}
}}"""
        bindings = json.loads(self._run(request, query, ("json", None)).data)["results"]
        outbound = [b for b in bindings["bindings"] if b["dir"]["value"] == "out"]
        inbound = [(b["o"], b["p"]) for b in bindings["bindings"] if b["dir"]["value"] == "in"]
        properties, table = self._properties_html(outbound)
        links = " · ".join(
            f'<a href="{_e(request.path)}?format={f}">{label}</a>'
            for f, label in [("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD")]
        )
        body = f'<p><code>{_e(iri.value)}</code></p><p class="meta">Aussi en {links}</p>{table}'
        body += self._defined_terms_html(request, iri)
        if inbound:
            refs = "".join(
                f"<tr><td>{self.terms.html(s)}</td><td>{self.terms.html(p)}</td></tr>"
                for s, p in inbound
            )
            body += (
                "<h2>Cité par</h2><table><tr><th>ressource</th><th>propriété</th></tr>"
                f"{refs}</table>"
            )
        title = _pick_label(properties) or iri.value
        return _page(title, body, subtitle=self._subtitle(), site=self.has_site)

    def _properties_html(
        self, bindings: list[dict[str, Any]]
    ) -> tuple[dict[str, list[dict[str, Any]]], str]:
        """Group ``?p ?o`` bindings (with ``?bp ?bo`` for blank-node objects) into a table."""
        properties: dict[str, list[dict[str, Any]]] = {}
        nested: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        for b in bindings:
            values = properties.setdefault(b["p"]["value"], [])
            if b["o"] not in values:
                values.append(b["o"])
            if "bp" in b:
                key = (b["p"]["value"], json.dumps(b["o"], sort_keys=True))
                nested.setdefault(key, []).append((b["bp"], b["bo"]))
        rows = []
        for predicate in sorted(properties):
            cells = []
            for obj in properties[predicate]:
                cell = self.terms.html(obj)
                inner = nested.get((predicate, json.dumps(obj, sort_keys=True)))
                if inner:
                    cell += (
                        "<table>"
                        + "".join(
                            f"<tr><td>{self.terms.html(p)}</td><td>{self.terms.html(o)}</td></tr>"
                            for p, o in inner
                        )
                        + "</table>"
                    )
                cells.append(cell)
            rows.append(
                f"<tr><th>{self.terms.html({'type': 'uri', 'value': predicate})}</th>"
                f"<td>{'<br>'.join(cells)}</td></tr>"
            )
        return properties, f"<table>{''.join(rows)}</table>"

    def _defined_terms_html(self, request: _Request, iri: Any) -> str:
        """Sections for the terms ``rdfs:isDefinedBy`` this resource (a vocabulary's document),
        each with the ``id`` its hash IRI points to (``/def#Challenge``)."""
        query = f"""SELECT ?s ?p ?o ?bp ?bo WHERE {{
  ?s <{RDFS_IS_DEFINED_BY}> {iri} . ?s ?p ?o .
  OPTIONAL {{ ?o ?bp ?bo FILTER(isBlank(?o)) }}
}} ORDER BY ?s LIMIT 5000"""
        bindings = json.loads(self._run(request, query, ("json", None)).data)["results"]
        terms: dict[str, list[dict[str, Any]]] = {}
        for b in bindings["bindings"]:
            terms.setdefault(b["s"]["value"], []).append(b)
        if not terms:
            return ""
        parts = ["<h2>Termes définis</h2>"]
        for term, rows in terms.items():
            properties, table = self._properties_html(rows)
            fragment = term[len(iri.value) + 1 :] if term.startswith(iri.value + "#") else ""
            anchor = f' id="{_e(fragment)}"' if fragment else ""
            label = _pick_label(properties) or self.terms.short(term)
            link = self.terms.html({"type": "uri", "value": term})
            parts.append(f'<h3{anchor}>{_e(label)}</h3><p class="meta">{link}</p>{table}')
        return "".join(parts)


RDFS_IS_DEFINED_BY = "http://www.w3.org/2000/01/rdf-schema#isDefinedBy"

_READ_ONLY = (
    "SPARQL UPDATE is refused: this endpoint is read-only "
    "(SELECT, ASK, CONSTRUCT and DESCRIBE queries only)"
)

_LABELS = [
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "https://schema.org/name",
    "http://xmlns.com/foaf/0.1/name",
]


def _pick_label(properties: dict[str, list[dict[str, Any]]]) -> str | None:
    for predicate in _LABELS:
        values = [v for v in properties.get(predicate, []) if v.get("type") == "literal"]
        values.sort(key=lambda v: (v.get("xml:lang") != "fr", v.get("xml:lang") is not None))
        if values:
            return str(values[0]["value"])
    return None


def make_app(
    release_dir: str | Path | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int | None = None,
    max_result_bytes: int | None = DEFAULT_MAX_RESULT_BYTES,
    cache_dir: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> SparqlApp:
    """The WSGI application serving a release (default: the newest under ``build/``).

    Builds the release's store on first use (see :func:`cnr_opendata.query.prepare_store`) and
    starts ``workers`` query processes (default: the number of CPUs, at least 2).
    """
    return SparqlApp(
        release_dir,
        timeout=timeout,
        workers=workers,
        max_result_bytes=max_result_bytes,
        cache_dir=cache_dir,
        progress=progress,
    )


# ---- the HTTP server ---------------------------------------------------------------------------


class _Handler(WSGIRequestHandler):
    quiet = False

    def get_environ(self) -> dict[str, Any]:
        env: dict[str, Any] = super().get_environ()
        env["REQUEST_URI"] = self.path  # the raw target: PATH_INFO is already percent-decoded
        return env

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


class _QuietHandler(_Handler):
    quiet = True


class SparqlServer(socketserver.ThreadingMixIn, WSGIServer):
    """A threading WSGI server for a :class:`SparqlApp`; :meth:`server_close` stops the workers."""

    daemon_threads = True
    allow_reuse_address = True
    app: SparqlApp

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"

    def server_close(self) -> None:
        super().server_close()
        app = getattr(self, "app", None)
        if app is not None:
            app.close()


def make_server(
    release_dir: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    quiet: bool = False,
    **app_options: Any,
) -> SparqlServer:
    """A ready (bound, workers started) server for a release; port 0 picks a free port."""
    app = make_app(release_dir, **app_options)
    try:
        server = SparqlServer((host, port), _QuietHandler if quiet else _Handler)
    except OSError as exc:
        app.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    server.set_app(app)
    server.app = app
    return server


def serve_release(
    release_dir: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int | None = None,
    quiet: bool = False,
    ready: Callable[[SparqlServer], None] | None = None,
    **app_options: Any,
) -> None:
    """Serve a release over HTTP until interrupted (Ctrl-C or SIGTERM), then stop the workers.

    Binds 127.0.0.1 by default.
    """
    server = make_server(
        release_dir, host, port, quiet=quiet, timeout=timeout, workers=workers, **app_options
    )
    previous: Any = None
    if threading.current_thread() is threading.main_thread():
        # `docker stop`, systemd and `kill` send SIGTERM: shut down as cleanly as on Ctrl-C.
        previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if ready is not None:
            ready(server)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    return host in ("localhost", "::1") or host.startswith("127.")


__all__ = [
    "PoolAnswer",
    "QueryPool",
    "QueryTimeout",
    "ServeError",
    "SparqlApp",
    "SparqlServer",
    "WorkerError",
    "is_loopback",
    "make_app",
    "make_server",
    "negotiate",
    "serve_release",
]
