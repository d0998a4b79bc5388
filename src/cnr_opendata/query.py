"""SPARQL over a release, on a persistent embedded store.

Parsing 16 M triples takes pyoxigraph about 100 s, so the N-Triples export of a release is
bulk-loaded once into an on-disk store and reopened read-only afterwards (a few milliseconds).
The store lives in ``<release>/.store/`` (hidden files are not part of a release), or, when the
release folder is read-only, in a cache folder keyed by the sha256 of the N-Triples file.
A stamp (``stamp.json``) records the file's size, modification time and sha256: the store is
reused while the size and time match, or while the content hash matches after a copy or touch,
and rebuilt otherwise. Building takes an exclusive lock and happens in a temporary folder that
is renamed into place, so concurrent callers never see a half-loaded store.

:func:`run_query` answers SELECT, ASK, CONSTRUCT and DESCRIBE in the standard formats (SPARQL
results in JSON, XML, CSV, TSV; graphs in Turtle, N-Triples, JSON-LD) or as an aligned text
``table`` for people.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from cnr_opendata.errors import QueryError, ReleaseError

if TYPE_CHECKING:
    import pyoxigraph

DESCRIPTOR = "datapackage.json"
STORE_DIR = ".store"
STAMP = "stamp.json"
#: Bump when the store layout or stamp changes, so that old stores are rebuilt.
STORE_LAYOUT = 2  # 2: compacted after the bulk load

Progress = Callable[[str], None]


# ---- formats -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    """An output format: its name, media type and which results it applies to."""

    name: str
    media_type: str
    kind: str  # "solutions" (SELECT/ASK), "graph" (CONSTRUCT/DESCRIBE) or "any"
    extension: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in [
        Format("table", "text/plain; charset=utf-8", "any", "txt"),
        Format("json", "application/sparql-results+json", "solutions", "srj"),
        Format("xml", "application/sparql-results+xml", "solutions", "srx"),
        Format("csv", "text/csv; charset=utf-8", "solutions", "csv"),
        Format("tsv", "text/tab-separated-values; charset=utf-8", "solutions", "tsv"),
        Format("ttl", "text/turtle; charset=utf-8", "graph", "ttl"),
        Format("nt", "application/n-triples", "graph", "nt"),
        Format("jsonld", "application/ld+json", "graph", "jsonld"),
    ]
}

#: Other names accepted for a format (``--format turtle``, ``?format=json-ld``).
FORMAT_ALIASES = {
    "text": "table",
    "turtle": "ttl",
    "ntriples": "nt",
    "n-triples": "nt",
    "json-ld": "jsonld",
}

#: Prefixes of the vocabularies the release reuses, for readable Turtle and HTML.
WELL_KNOWN_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "adms": "http://www.w3.org/ns/adms#",
    "cv": "http://data.europa.eu/m8g/",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}


def resolve_format(name: str) -> Format:
    """The :class:`Format` called ``name`` (or one of its aliases); QueryError if unknown."""
    key = FORMAT_ALIASES.get(name.lower(), name.lower())
    if key not in FORMATS:
        known = ", ".join(FORMATS)
        raise QueryError(f"unknown format {name!r}: use one of {known}")
    return FORMATS[key]


# ---- finding a release -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseInfo:
    """What the query layer needs to know about a release folder."""

    path: Path
    name: str
    version: str
    base_iri: str  # without trailing slash
    ntriples: Path


def find_release(path: str | Path | None = None, out_dir: str | Path = "build") -> Path:
    """``path`` if given, else the most recently built release under ``out_dir`` (``build/``).

    Raises :class:`ReleaseError` with what to do when there is none.
    """
    from cnr_opendata.release import find_release as _find

    return _find(path, out_dir)


def read_release(release_dir: str | Path | None = None) -> ReleaseInfo:
    """Describe a release folder (default: the newest under ``build/``) and find its N-Triples."""
    root = find_release(release_dir)
    try:
        descriptor = json.loads((root / DESCRIPTOR).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReleaseError(
            f"{root / DESCRIPTOR} cannot be read ({exc}); rebuild the release"
        ) from exc
    if not isinstance(descriptor, dict):
        raise ReleaseError(f"{root / DESCRIPTOR} is not a JSON object; rebuild the release")
    name = str(descriptor.get("name") or "")
    candidates = [root / f"{name}.nt"] if name else []
    candidates += sorted(p for p in root.glob("*.nt") if p not in candidates)
    ntriples = next((p for p in candidates if p.is_file()), None)
    if ntriples is None:
        raise ReleaseError(
            f"{root} has no RDF export ({name or '<name>'}.nt): "
            "run `cnr-opendata build` first to write it"
        )
    return ReleaseInfo(
        path=root,
        name=name or root.name,
        version=str(descriptor.get("version") or ""),
        base_iri=str(descriptor.get("baseIri") or "").rstrip("/"),
        ntriples=ntriples,
    )


# ---- the persistent store ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoreInfo:
    """Where a release's store is, and whether this call had to (re)build it."""

    path: Path  # the RocksDB folder to open with ``Store.read_only``
    stamp: dict[str, Any]
    built: bool
    seconds: float  # time spent preparing (hashing, loading), 0-ish on reuse


def default_cache_dir() -> Path:
    """``$CNR_OPENDATA_CACHE``, else ``$XDG_CACHE_HOME/cnr-opendata``, else ``~/.cache/cnr-opendata``."""
    if env := os.environ.get("CNR_OPENDATA_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cnr-opendata"


def _fingerprint(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _pyoxigraph_version() -> str:
    import pyoxigraph

    return str(getattr(pyoxigraph, "__version__", "?"))


def _stamp_matches(stamp: dict[str, Any] | None, fingerprint: dict[str, Any]) -> bool:
    return (
        stamp is not None
        and stamp.get("layout") == STORE_LAYOUT
        and stamp.get("pyoxigraph") == _pyoxigraph_version()
        and stamp.get("bytes") == fingerprint["bytes"]
        and stamp.get("mtime_ns") == fingerprint["mtime_ns"]
    )


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """An exclusive advisory lock held across processes (released if the holder dies)."""
    import fcntl

    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


class _StoreLocation:
    """The store folder of a release: in the release if writable, else in the cache."""

    def __init__(self, info: ReleaseInfo, cache_dir: Path | None) -> None:
        self.info = info
        self.in_release = cache_dir is None and _writable(info.path)
        self.cache = None if self.in_release else (cache_dir or default_cache_dir())
        if self.in_release:
            self.home: Path | None = info.path / STORE_DIR
            self.lock = info.path / f"{STORE_DIR}.lock"
        else:
            assert self.cache is not None
            # Which sha256 this file had at this size and time: saves hashing gigabytes each call.
            key = hashlib.sha256(str(info.ntriples.resolve()).encode()).hexdigest()[:32]
            self.pointer = self.cache / "by-path" / f"{key}.json"
            self.home = None  # known once the content hash is known
            self.lock = self.cache / "by-path" / f"{key}.lock"

    def home_for(self, sha256: str) -> Path:
        if self.in_release:
            assert self.home is not None
            return self.home
        assert self.cache is not None
        return self.cache / "stores" / sha256

    def fast_home(self, fingerprint: dict[str, Any]) -> Path | None:
        """The store folder if it can be found without hashing the N-Triples file."""
        if self.in_release:
            return self.home
        pointer = _read_json(self.pointer)
        if (
            pointer
            and pointer.get("bytes") == fingerprint["bytes"]
            and pointer.get("mtime_ns") == fingerprint["mtime_ns"]
            and pointer.get("sha256")
        ):
            return self.home_for(str(pointer["sha256"]))
        return None

    def remember(self, fingerprint: dict[str, Any], sha256: str) -> None:
        if not self.in_release:
            self.pointer.parent.mkdir(parents=True, exist_ok=True)
            _write_json_atomic(self.pointer, {**fingerprint, "sha256": sha256})


def prepare_store(
    release_dir: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
    rebuild: bool = False,
) -> StoreInfo:
    """Make sure the release's on-disk store exists and matches its N-Triples file.

    Fast path (store up to date): a few ``stat`` calls and a small JSON read. Otherwise, under
    an exclusive lock, the N-Triples file is hashed; a store with that hash is reused, else one
    is bulk-loaded into a temporary folder and renamed into place. ``rebuild`` forces a new load
    (for a store damaged on disk).
    """
    say = progress or (lambda _msg: None)
    info = read_release(release_dir)
    loc = _StoreLocation(info, Path(cache_dir) if cache_dir is not None else None)
    started = time.perf_counter()
    fingerprint = _fingerprint(info.ntriples)
    home = loc.fast_home(fingerprint)
    if home is not None and not rebuild:
        stamp = _read_json(home / STAMP)
        if _stamp_matches(stamp, fingerprint) and (home / "db").is_dir():
            assert stamp is not None
            return StoreInfo(home / "db", stamp, False, time.perf_counter() - started)
    with _locked(loc.lock):
        return _prepare_locked(info, loc, started, say, rebuild)


def _prepare_locked(
    info: ReleaseInfo, loc: _StoreLocation, started: float, say: Progress, rebuild: bool
) -> StoreInfo:
    # Someone may have built it while we waited for the lock.
    fingerprint = _fingerprint(info.ntriples)
    home = loc.fast_home(fingerprint)
    if home is not None and not rebuild:
        stamp = _read_json(home / STAMP)
        if _stamp_matches(stamp, fingerprint) and (home / "db").is_dir():
            assert stamp is not None
            return StoreInfo(home / "db", stamp, False, time.perf_counter() - started)
    say(f"hashing {info.ntriples.name}")
    sha256 = _sha256(info.ntriples)
    loc.remember(fingerprint, sha256)
    home = loc.home_for(sha256)
    stamp = _read_json(home / STAMP)
    base_stamp = {"layout": STORE_LAYOUT, "pyoxigraph": _pyoxigraph_version(), "sha256": sha256}
    if (
        not rebuild
        and stamp is not None
        and all(stamp.get(k) == v for k, v in base_stamp.items())
        and (home / "db").is_dir()
    ):
        # Same content (the file was copied or touched): keep the store, refresh the stamp.
        stamp.update(fingerprint)
        _write_json_atomic(home / STAMP, stamp)
        return StoreInfo(home / "db", stamp, False, time.perf_counter() - started)
    say(f"loading {info.ntriples.name} into {home} (once)")
    stamp = _build_store(
        info.ntriples, home, {**base_stamp, "source": info.ntriples.name, **fingerprint}
    )
    return StoreInfo(home / "db", stamp, True, time.perf_counter() - started)


def _build_store(ntriples: Path, home: Path, stamp: dict[str, Any]) -> dict[str, Any]:
    """Bulk-load ``ntriples`` into ``home/db`` via a temporary sibling folder; return the stamp."""
    import pyoxigraph as ox

    home.parent.mkdir(parents=True, exist_ok=True)
    # We hold the lock: leftovers of a build that was killed can go.
    for stale in home.parent.glob(f"{home.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = home.with_name(f"{home.name}.tmp-{os.getpid()}")
    tmp.mkdir()
    started = time.perf_counter()
    try:
        store = ox.Store(str(tmp / "db"))
        try:
            store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as exc:
            raise ReleaseError(
                f"{ntriples} is not valid N-Triples ({exc}); rebuild the release"
            ) from exc
        loaded = time.perf_counter()
        # The bulk loader leaves overlapping files that every lookup has to merge; compacted
        # once, joins over many subjects run 3-4x faster (13-liens-par-fondement: 30 s -> 8 s at
        # 100,000 projects) for 35-40 % more load time and twice the disk space.
        store.optimize()
        store.flush()
        del store  # closes RocksDB: the folder must not stay open read-write
        done = time.perf_counter()
        stamp = {
            **stamp,
            "load_seconds": round(loaded - started, 3),
            "optimize_seconds": round(done - loaded, 3),
        }
        _write_json_atomic(tmp / STAMP, stamp)
        if home.exists():
            old = home.with_name(f"{home.name}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            home.rename(old)
            tmp.rename(home)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(home)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return stamp


def open_store(
    release_dir: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> pyoxigraph.Store:
    """The release's store, opened read-only; built from its N-Triples on first use."""
    import pyoxigraph as ox

    prepared = prepare_store(release_dir, cache_dir=cache_dir, progress=progress)
    try:
        return ox.Store.read_only(str(prepared.path))
    except OSError:
        pass  # damaged on disk (a file deleted by hand, a disk full during a copy): load again
    prepared = prepare_store(release_dir, cache_dir=cache_dir, progress=progress, rebuild=True)
    try:
        return ox.Store.read_only(str(prepared.path))
    except OSError as exc:
        raise ReleaseError(f"the store {prepared.path} cannot be opened: {exc}") from exc


# ---- running queries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryOutput:
    """A serialised answer: which kind of result it is, its format and its bytes."""

    kind: str  # "solutions", "boolean" or "graph"
    format: Format
    data: bytes
    count: int | None = None  # triples of a graph answer (None for SELECT/ASK)

    @property
    def media_type(self) -> str:
        return self.format.media_type

    def text(self) -> str:
        return self.data.decode("utf-8")


class QuerySyntaxError(QueryError):
    """The query does not parse; ``line`` and ``column`` are where the parser stopped."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class FormatNotAcceptable(QueryError):
    """None of the formats the caller accepts fits the query's form (SELECT vs CONSTRUCT)."""


class ResultTooLarge(QueryError):
    """The serialised answer passed the size limit."""


class _CappedBuffer(io.RawIOBase):
    """A binary buffer that refuses to grow past ``limit`` bytes (None: no limit)."""

    def __init__(self, limit: int | None) -> None:
        super().__init__()
        self.limit = limit
        self.buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        if self.limit is not None and len(self.buffer) + len(data) > self.limit:
            raise ResultTooLarge(
                f"the answer is larger than {self.limit:,} bytes: add a LIMIT or narrow the query"
            )
        self.buffer += data
        return len(data)


_SYNTAX_RE = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)
_PREFIX_RE = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>\s]*)>", re.I)
_UPDATE_RE = re.compile(
    r"^\s*(?:(?:BASE\s*<[^>]*>|PREFIX\s+[\w.-]*:\s*<[^>]*>)\s*)*"
    r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b",
    re.I,
)


def _strip_comments(query: str) -> str:
    # Good enough to look at the prologue: drops `# ...` outside IRIs and strings on each line.
    return "\n".join(re.sub(r"#(?![^<]*>)(?![^\"]*\").*$", "", line) for line in query.splitlines())


def is_update(query: str) -> bool:
    """Whether ``query`` looks like a SPARQL UPDATE (INSERT, DELETE, LOAD, CLEAR, DROP…)."""
    return _UPDATE_RE.match(_strip_comments(query)) is not None


def query_prefixes(query: str) -> dict[str, str]:
    """The ``PREFIX`` declarations of a query, for display."""
    return {m.group(1) or "": m.group(2) for m in _PREFIX_RE.finditer(_strip_comments(query))}


def syntax_error(query: str, exc: BaseException) -> QueryError:
    """A QueryError carrying the parser's message, with line, column and that line of the query."""
    message = str(exc)
    m = _SYNTAX_RE.match(message)
    if not m:
        return QuerySyntaxError(f"SPARQL syntax error: {message}")
    line, column, detail = int(m.group(1)), int(m.group(2)), m.group(3)
    lines = query.splitlines()
    context = f"\n  line {line}: {lines[line - 1].strip()}" if 0 < line <= len(lines) else ""
    return QuerySyntaxError(
        f"SPARQL syntax error at line {line}, column {column}: {detail}{context}", line, column
    )


def _parse_error(query: str, exc: BaseException) -> QueryError:
    if is_update(query):
        return QueryError(
            "SPARQL UPDATE is not allowed: the release store is read-only "
            "(only SELECT, ASK, CONSTRUCT and DESCRIBE)"
        )
    return syntax_error(query, exc)


def evaluate(
    store: pyoxigraph.Store,
    query: str,
    formats: tuple[str | None, str | None] = ("table", "table"),
    *,
    base_iri: str | None = None,
    max_bytes: int | None = None,
) -> QueryOutput:
    """Run ``query`` on ``store`` and serialise the answer.

    ``formats`` is (format for SELECT/ASK, format for CONSTRUCT/DESCRIBE), so a server can
    negotiate both before it knows the query's form; None refuses that form.
    """
    import pyoxigraph as ox

    try:
        result = store.query(query, base_iri=base_iri)
    except SyntaxError as exc:
        raise _parse_error(query, exc) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryError(f"the query failed: {exc}") from None
    kind = (
        "boolean"
        if isinstance(result, ox.QueryBoolean)
        else "graph"
        if isinstance(result, ox.QueryTriples)
        else "solutions"
    )
    name = formats[1] if kind == "graph" else formats[0]
    if name is None:
        form = "CONSTRUCT/DESCRIBE" if kind == "graph" else "SELECT/ASK"
        raise FormatNotAcceptable(f"no acceptable format for the answer of this {form} query")
    fmt = resolve_format(name)
    if fmt.kind not in ("any", "graph" if kind == "graph" else "solutions"):
        if kind == "graph":
            raise QueryError(
                f"format {fmt.name!r} is for SELECT/ASK results; this query returns a graph: "
                "use ttl, nt or jsonld"
            )
        raise QueryError(
            f"format {fmt.name!r} is for graphs (CONSTRUCT/DESCRIBE); this query returns "
            "a table: use json, xml, csv or tsv"
        )
    out = _CappedBuffer(max_bytes)
    sink = cast("IO[bytes]", out)
    prefixes = query_prefixes(query)
    try:
        if kind == "graph":
            seen: set[pyoxigraph.Triple] = set()
            triples = _distinct(cast("ox.QueryTriples", result), seen)
            if fmt.name == "table":
                out.write(format_table(triples, prefixes, graph=True).encode())
            else:
                ox.serialize(
                    triples,
                    sink,
                    _rdf_format(fmt.name),
                    prefixes=(prefixes or None) if fmt.name == "ttl" else None,
                )
        elif fmt.name == "table":
            out.write(format_table(result, prefixes).encode())
        else:
            cast("ox.QuerySolutions", result).serialize(sink, _results_format(fmt.name))
    except QueryError:
        raise
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryError(f"the query failed: {exc}") from None
    count = len(seen) if kind == "graph" else None
    return QueryOutput(kind, fmt, bytes(out.buffer), count)


def _distinct(
    triples: Iterable[pyoxigraph.Triple], seen: set[pyoxigraph.Triple]
) -> Iterator[pyoxigraph.Triple]:
    # A CONSTRUCT answer is a graph, a set: pyoxigraph streams one triple per solution.
    for t in triples:
        if t not in seen:
            seen.add(t)
            yield t


def _rdf_format(name: str) -> Any:
    import pyoxigraph as ox

    return {
        "ttl": ox.RdfFormat.TURTLE,
        "nt": ox.RdfFormat.N_TRIPLES,
        "jsonld": ox.RdfFormat.JSON_LD,
    }[name]


def _results_format(name: str) -> Any:
    import pyoxigraph as ox

    return {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
    }[name]


def run_query(
    release_dir: str | Path | None,
    query: str,
    *,
    format: str = "table",
    graph_format: str | None = None,
    cache_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> bytes | str:
    """Answer a SPARQL query over a release (default: the newest under ``build/``).

    ``format`` is one of :data:`FORMATS` (``table``, ``json``, ``xml``, ``csv``, ``tsv`` for
    SELECT/ASK; ``table``, ``ttl``, ``nt``, ``jsonld`` for CONSTRUCT/DESCRIBE); ``graph_format``,
    if given, replaces it for CONSTRUCT/DESCRIBE answers. Returns ``str`` for ``table`` and the
    exact bytes of the standard format otherwise. Raises :class:`QueryError` for a syntax error
    (the parser's message, with line and column), an UPDATE, or a format that does not fit the
    query's form; :class:`ReleaseError` when there is no release or no N-Triples file in it.
    """
    fmt = resolve_format(format)
    gfmt = resolve_format(graph_format) if graph_format else fmt
    info = read_release(release_dir)
    store = open_store(info.path, cache_dir=cache_dir, progress=progress)
    base_iri = f"{info.base_iri}/" if info.base_iri else None
    output = evaluate(store, query, (fmt.name, gfmt.name), base_iri=base_iri)
    return output.text() if output.format.name == "table" else output.data


# ---- the human table ---------------------------------------------------------------------------

MAX_CELL = 60


def display_term(term: Any, prefixes: dict[str, str] | None = None) -> str:
    """A short human form of an RDF term: prefixed name or <IRI>, literal value, _:blank."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        for prefix, ns in (prefixes or {}).items():
            if ns and iri.startswith(ns) and re.fullmatch(r"[\w.-]*", iri[len(ns) :]):
                return f"{prefix}:{iri[len(ns) :]}"
        return f"<{iri}>"
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        parts = (term.subject, term.predicate, term.object)
        return "<< " + " ".join(display_term(t, prefixes) for t in parts) + " >>"
    return str(term)


def _cell(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\n", "⏎").replace("\t", " ")
    text = "".join(c if c.isprintable() else "�" for c in text)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _is_number(term: Any) -> bool:
    import pyoxigraph as ox

    return isinstance(term, ox.Literal) and term.datatype.value.rsplit("#", 1)[-1] in {
        "integer",
        "decimal",
        "double",
        "float",
        "int",
        "long",
        "nonNegativeInteger",
        "positiveInteger",
    }


def _align(header: list[str], rows: list[list[tuple[str, bool]]]) -> str:
    widths = [len(h) for h in header]
    numeric = [True] * len(header)  # right-align a column whose every value is a number
    for row in rows:
        for i, (text, is_number) in enumerate(row):
            widths[i] = max(widths[i], len(text))
            numeric[i] = numeric[i] and (is_number or not text)
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for row in rows:
        cells = [
            text.rjust(w) if right else text.ljust(w)
            for (text, _), w, right in zip(row, widths, numeric, strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def format_table(
    result: Any, prefixes: dict[str, str] | None = None, *, graph: bool | None = None
) -> str:
    """Aligned text: SELECT rows, ``true``/``false`` for ASK, subject/predicate/object for graphs.

    ``result`` is what ``Store.query`` returns (``graph`` tells an iterable of triples apart).
    Cells longer than 60 characters are cut with ``…``; newlines show as ``⏎``.
    """
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        return "true\n" if bool(result) else "false\n"
    rows: list[list[tuple[str, bool]]] = []
    if graph or (graph is None and isinstance(result, ox.QueryTriples)):
        header = ["subject", "predicate", "object"]
        for t in result:
            rows.append(
                [(_cell(display_term(x, prefixes)), False) for x in (t.subject, t.predicate)]
                + [(_cell(display_term(t.object, prefixes)), _is_number(t.object))]
            )
        noun = "triple"
    else:
        variables = [v.value for v in result.variables]
        header = variables
        for solution in result:
            row = []
            for v in variables:
                term = solution[v]
                row.append((_cell(display_term(term, prefixes)), _is_number(term)))
            rows.append(row)
        noun = "row"
    if not header:
        return f"({len(rows)} {noun}{'s' if len(rows) != 1 else ''})\n"
    return _align(header, rows) + f"({len(rows)} {noun}{'' if len(rows) == 1 else 's'})\n"


def iter_example_queries(release_dir: str | Path) -> Iterable[tuple[str, str, str]]:
    """``(file name, title, text)`` of each ``vocab/queries/*.rq`` of a release, sorted.

    The title is the first comment line of the file (``# title``), else the file stem.
    """
    folder = Path(release_dir) / "vocab" / "queries"
    if not folder.is_dir():
        return []
    examples = []
    for path in sorted(folder.glob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # an unreadable example should not take the page down
        title = next(
            (
                line.lstrip("#").strip()
                for line in text.splitlines()
                if line.startswith("#") and line.lstrip("#").strip()
            ),
            path.stem,
        )
        examples.append((path.name, title, text))
    return examples
