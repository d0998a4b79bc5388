"""Streaming RDF writers: CSV rows -> N-Triples, then N-Triples -> Turtle and JSON-LD.

N-Triples are written line by line from the CSV rows with templates compiled once per table
(no rdflib Graph, no per-row regex). The lines are then sorted and de-duplicated by an external
merge sort in bounded memory, so the export is canonical: the same input gives the same bytes,
each triple appears once and each subject's triples are adjacent. Turtle and JSON-LD are
streamed from that file by pyoxigraph, which groups adjacent triples by subject.
"""

from __future__ import annotations

import csv
import heapq
import os
import re
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from cnr_opendata.errors import CnrOpendataError
from cnr_opendata.rdf.mapping import (
    XSD_DOUBLE,
    Mapping,
    SpecialNumber,
    TableMap,
    Template,
    TripleMap,
    encode_reserved,
    encode_simple,
)

csv.field_size_limit(1 << 30)

#: Lines sorted in memory at once by the external sort (about 100 MB of short lines).
SORT_CHUNK_LINES = 500_000

# N-Triples string escapes: the two ECHARs that must be escaped, the usual control ECHARs, and
# every other C0 control and DEL as \\uXXXX (canonical N-Triples), so no line ever breaks.
_NT_ESCAPES: dict[int, str] = {c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]}
_NT_ESCAPES.update(
    {
        ord("\\"): "\\\\",
        ord('"'): '\\"',
        ord("\n"): "\\n",
        ord("\r"): "\\r",
        ord("\t"): "\\t",
        ord("\b"): "\\b",
        ord("\f"): "\\f",
    }
)


# Most values need no escape: a C-speed search skips the slower translate for them.
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')


class RdfWriteError(CnrOpendataError):
    """A row cannot be written as RDF (a value the mapping cannot convert)."""


def escape_literal(value: str) -> str:
    """The body of an N-Triples (and Turtle) string literal."""
    return value.translate(_NT_ESCAPES) if _NEEDS_ESCAPE.search(value) else value


def literal_nt(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    """An N-Triples literal term."""
    body = f'"{escape_literal(value)}"'
    if lang:
        return f"{body}@{lang}"
    if datatype:
        return f"{body}^^<{datatype}>"
    return body


# ---- per-row work, compiled once per table -----------------------------------------------------

Expander = Callable[[list[str]], "str | None"]


def _compile_template(tpl: Template, index: dict[str, int], base: str) -> Expander:
    """A function row -> IRI (``None`` when a cell it needs is empty)."""
    pieces: list[str] = []
    slots: list[tuple[int, Callable[[str], str]]] = []
    pos = 0
    text = tpl.text
    for name, reserved in tpl.variables:
        token = "{" + ("+" if reserved else "") + name + "}"
        at = text.index(token, pos)
        pieces.append(text[pos:at].replace("{", "{{").replace("}", "}}"))
        if name == "base":
            pieces.append(base.replace("{", "{{").replace("}", "}}"))
        else:
            pieces.append("{}")
            slots.append((index[name], encode_reserved if reserved else encode_simple))
        pos = at + len(token)
    pieces.append(text[pos:].replace("{", "{{").replace("}", "}}"))
    fmt = "".join(pieces)
    if not slots:
        constant = fmt.format()
        return lambda row: constant
    if len(slots) == 1:
        ((i, enc),) = slots

        def one(row: list[str]) -> str | None:
            v = row[i]
            return fmt.format(enc(v)) if v else None

        return one

    def many(row: list[str]) -> str | None:
        values = []
        for i, enc in slots:
            v = row[i]
            if not v:
                return None
            values.append(enc(v))
        return fmt.format(*values)

    return many


def _compile_triple(
    t: TripleMap, index: dict[str, int], base: str
) -> Callable[[list[str]], str | None]:
    subject = _compile_template(t.subject, index, base)
    head_p = f" <{t.predicate}> "
    holds = t.when.compile(index) if t.when is not None else None
    if t.value_url is not None:
        obj = _compile_template(t.value_url, index, base)

        def iri_line(row: list[str]) -> str | None:
            if holds is not None and not holds(row):
                return None
            s = subject(row)
            if s is None:
                return None
            o = obj(row)
            if o is None:
                return None
            return f"<{s}>{head_p}<{o}> .\n"

        return iri_line
    if t.constant is not None:
        term = literal_nt(t.constant, t.datatype, t.lang)

        def constant_line(row: list[str]) -> str | None:
            if holds is not None and not holds(row):
                return None
            s = subject(row)
            return None if s is None else f"<{s}>{head_p}{term} .\n"

        return constant_line
    assert t.column is not None
    i = index[t.column]
    convert = t.convert
    if t.lang:
        tail = f'"@{t.lang} .\n'
    elif t.datatype:
        tail = f'"^^<{t.datatype}> .\n'
    else:
        tail = '" .\n'
    where = f"{t.table}.{t.column}"
    needs_escape = _NEEDS_ESCAPE.search

    def literal_line(row: list[str]) -> str | None:
        v = row[i]
        if not v:
            return None
        if holds is not None and not holds(row):
            return None
        s = subject(row)
        if s is None:
            return None
        if convert is not None:
            try:
                v = convert(v)
            except SpecialNumber:
                return f'<{s}>{head_p}"{v}"^^<{XSD_DOUBLE}> .\n'
            except ValueError as exc:
                raise RdfWriteError(f"{where}: {exc}") from exc
        if needs_escape(v):
            v = v.translate(_NT_ESCAPES)
        return f'<{s}>{head_p}"{v}{tail}'

    return literal_line


def _row_writer(tm: TableMap, header: list[str], base: str) -> Callable[[list[str]], list[str]]:
    missing = [c for t in tm.triples for c in t.columns if c not in header]
    if missing:
        raise RdfWriteError(
            f"{tm.path}: the mapping uses column(s) {sorted(set(missing))} that the file lacks"
        )
    index = {name: i for i, name in enumerate(header)}
    emitters = [_compile_triple(t, index, base) for t in tm.triples]
    width = len(header)

    def lines(row: list[str]) -> list[str]:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        out = []
        for emit in emitters:
            line = emit(row)
            if line is not None:
                out.append(line)
        return out

    return lines


def iter_table_lines(tm: TableMap, csv_path: Path, base: str) -> Iterator[str]:
    """The N-Triples lines of one table, row by row (unsorted, possibly repeated)."""
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        header = next(reader, None)
        if header is None:
            return
        write_row = _row_writer(tm, header, base)
        for row in reader:
            if not row:
                continue
            yield from write_row(row)


def iter_vocabulary_lines(files: Iterable[Path]) -> Iterator[str]:
    """N-Triples lines of Turtle vocabulary files (ontology, concept schemes)."""
    import pyoxigraph as ox

    for path in files:
        data = ox.serialize(
            ox.parse(path=str(path), format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES
        )
        assert data is not None
        for line in data.decode("utf-8").splitlines(keepends=True):
            if line.strip():
                yield line


# ---- external sort -----------------------------------------------------------------------------


def _write_run(lines: list[bytes], folder: Path) -> Path:
    lines.sort()
    fd, name = tempfile.mkstemp(prefix=".run-", suffix=".nt", dir=folder)
    with os.fdopen(fd, "wb") as fh:
        fh.writelines(lines)
    return Path(name)


def sort_unique(lines: Iterable[str], target: Path, *, chunk_lines: int = SORT_CHUNK_LINES) -> int:
    """Write ``lines`` to ``target`` sorted (by UTF-8 bytes) without repeats; return the count.

    Memory holds at most ``chunk_lines`` lines: longer inputs are sorted in runs on disk next
    to ``target`` and merged.
    """
    folder = target.parent
    runs: list[Path] = []
    it = (line.encode("utf-8") for line in lines)
    count = 0
    try:
        while True:
            chunk = list(islice(it, chunk_lines))
            if not chunk:
                break
            if len(chunk) < chunk_lines and not runs:
                chunk.sort()
                with target.open("wb") as out:
                    previous = None
                    for line in chunk:
                        if line != previous:
                            out.write(line)
                            count += 1
                            previous = line
                return count
            runs.append(_write_run(chunk, folder))
        with ExitStack() as stack, target.open("wb") as out:
            files: list[IO[bytes]] = [stack.enter_context(run.open("rb")) for run in runs]
            previous = None
            for line in heapq.merge(*files):
                if line != previous:
                    out.write(line)
                    count += 1
                    previous = line
        if not runs:
            target.write_bytes(b"")
        return count
    finally:
        for run in runs:
            run.unlink(missing_ok=True)


# ---- the three serialisations ------------------------------------------------------------------


def package_lines(
    mapping: Mapping, root: Path, base: str, vocabulary: Iterable[Path] = ()
) -> Iterator[str]:
    """Every N-Triples line of a package (tables in mapping order), then the vocabulary's."""
    for tm in mapping.tables:
        yield from iter_table_lines(tm, root / tm.path, base)
    yield from iter_vocabulary_lines(vocabulary)


def write_ntriples(
    mapping: Mapping,
    root: Path,
    target: Path,
    *,
    base_iri: str,
    vocabulary: Iterable[Path] = (),
    chunk_lines: int = SORT_CHUNK_LINES,
) -> int:
    """Write the package's RDF as sorted, de-duplicated N-Triples; return the triple count."""
    check_base_iri(base_iri)
    return sort_unique(
        package_lines(mapping, root, base_iri.rstrip("/"), vocabulary),
        target,
        chunk_lines=chunk_lines,
    )


def turtle_prefixes(mapping: Mapping, base: str) -> dict[str, str]:
    """Prefixes for readable Turtle: the vocabularies', plus one per kind of data IRI
    (``projet:`` for ``{base}/projet/``) when its template is ``{+base}/<kind>/{id}``."""
    prefixes = {k: v for k, v in mapping.prefixes.items() if k not in ("cnrsh", "sh", "owl")}
    for tm in mapping.tables:
        text = tm.subject.text
        if text.startswith("{+base}/") and len(tm.subject.variables) == 2:
            kind, sep, rest = text[len("{+base}/") :].partition("/")
            if sep and rest == "{" + tm.subject.variables[1][0] + "}" and kind.isidentifier():
                prefixes.setdefault(kind, f"{base}/{kind}/")
    return dict(sorted(prefixes.items()))


def write_turtle(ntriples: Path, target: Path, prefixes: dict[str, str]) -> None:
    """Stream sorted N-Triples to Turtle with pyoxigraph (no store, no Graph)."""
    import pyoxigraph as ox

    ox.serialize(
        ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES),
        str(target),
        ox.RdfFormat.TURTLE,
        prefixes=prefixes,
    )
    _end_with_newline(target)


def _end_with_newline(path: Path) -> None:
    """pyoxigraph may end a file without a newline; text tools expect one."""
    with path.open("rb+") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() == 0:
            return
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) != b"\n":
            fh.write(b"\n")


def write_jsonld(ntriples: Path, target: Path) -> None:
    """Stream sorted N-Triples to JSON-LD (expanded form: one node object per subject)."""
    import pyoxigraph as ox

    ox.serialize(
        ox.parse(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES),
        str(target),
        ox.RdfFormat.JSON_LD,
    )
    _end_with_newline(target)


def check_base_iri(base_iri: str) -> None:
    """Raise a clear error when the base IRI cannot start valid IRIs."""
    import pyoxigraph as ox

    base = base_iri.rstrip("/")
    try:
        ox.NamedNode(base + "/x")
    except ValueError as exc:
        raise CnrOpendataError(
            f"the base IRI {base_iri!r} is not a valid absolute IRI ({exc}); "
            "use e.g. https://w3id.org/cnr-sante"
        ) from exc
    if "#" in base or "?" in base:
        raise CnrOpendataError(
            f"the base IRI {base_iri!r} must not contain '#' or '?': IRIs are {{base}}/{{kind}}/{{id}}"
        )


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


# ---- the columnar export: what the build runs ---------------------------------------------------
#
# The functions above are the reference implementation (row by row, then an external sort and
# pyoxigraph for Turtle and JSON-LD); the tests compare the two. The build writes the three files
# at once from the same rendered batches (:mod:`cnr_opendata.rdf.columnar`).

#: Exports up to this many triples get their N-Triples sorted (canonical order: a release diffs
#: line by line against the previous one). Above, sorting would cost an external sort of gigabytes
#: (9 GB of N-Triples at 1,000,000 projects): the order is the tables' order, then the rows'.
SORTED_LIMIT = 250_000
#: Bytes of CSV parsed per batch: about 3,000 projects, some 30 MB of RDF text in flight per batch.
BLOCK_BYTES = 2 << 20
#: CSV bytes of the tables with triples to de-duplicate, per de-duplication bucket on disk.
BUCKET_INPUT_BYTES = 16 << 20
#: Sampled triples validated by SHACL (see :mod:`cnr_opendata.rdf.shapes`).
SAMPLE_LIMIT = 10_000


@dataclass(frozen=True)
class FileDigest:
    """Size and sha256 of a written file, computed while writing it."""

    sha256: str
    bytes: int


@dataclass
class Export:
    """What :func:`write_export` wrote."""

    triples: int
    files: dict[str, FileDigest]  # file name in the output folder -> digest
    sample: str  # N-Triples of the SHACL sample (whole subjects) and the vocabulary
    sampled: bool  # False: ``sample`` holds every triple
    sorted: bool  # the N-Triples are in canonical (sorted) order


class _Sink:
    """A file written in order, hashed as it is written; in its own thread when ``threaded``
    (hashlib and file writes release the GIL, so hashing overlaps the rendering)."""

    def __init__(self, path: Path, threaded: bool) -> None:
        import hashlib
        import queue
        import threading

        self.path = path
        self._fh = path.open("wb")
        self._sha = hashlib.sha256()
        self.size = 0
        self._error: BaseException | None = None
        self._queue: queue.Queue[object] | None = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._queue = queue.Queue(maxsize=16)
            self._thread = threading.Thread(target=self._run, name=f"sink-{path.name}", daemon=True)
            self._thread.start()

    def _do(self, data: Any) -> None:  # bytes or a pyarrow Buffer (buffer protocol)
        self._fh.write(data)
        self._sha.update(data)
        self.size += len(data)

    def _run(self) -> None:
        assert self._queue is not None
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is None:
                try:
                    self._do(data)
                except BaseException as exc:  # re-raised by write() or close()
                    self._error = exc

    def write(self, data: Any) -> None:
        if not len(data):
            return
        if self._error is not None:
            raise self._error
        if self._queue is None:
            self._do(data)
        else:
            self._queue.put(data)

    def close(self) -> FileDigest:
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        self._fh.close()
        if self._error is not None:
            raise self._error
        return FileDigest(self._sha.hexdigest(), self.size)

    def abort(self) -> None:
        if self._queue is not None and self._thread is not None:
            self._error = self._error or RuntimeError("aborted")
            self._queue.put(None)
            self._thread.join()
        self._fh.close()


class _JsonItems:
    """Writes the ``,\\n``-prefixed node objects of the JSON-LD ``@graph`` array, dropping the
    separator before the first one."""

    def __init__(self, sink: _Sink) -> None:
        self.sink = sink
        self.started = False

    def write(self, data: Any) -> None:
        if not len(data):
            return
        if not self.started:
            data = data.slice(2) if hasattr(data, "slice") else data[2:]
            self.started = True
        self.sink.write(data)


class _Dedupe:
    """Triples that may repeat, partitioned on disk by a fingerprint of their line, then each
    partition sorted and de-duplicated in memory (about 64 MB at a time)."""

    def __init__(self, folder: Path, buckets: int) -> None:
        self.folder = folder
        self.buckets = buckets
        self._writers: dict[int, Any] = {}
        self._files: dict[int, Any] = {}

    def _writer(self, b: int) -> Any:
        from cnr_opendata._arrow import pa
        from cnr_opendata.rdf.columnar import EXTRA_SCHEMA

        if b not in self._writers:
            self._files[b] = pa.OSFile(str(self.folder / f"bucket-{b:04d}.arrows"), "wb")
            self._writers[b] = pa.ipc.new_stream(self._files[b], EXTRA_SCHEMA)
        return self._writers[b]

    def add(self, batch: Any) -> None:
        import numpy as np

        from cnr_opendata._arrow import pa

        if batch.num_rows == 0:
            return
        if self.buckets == 1:
            self._writer(0).write_batch(batch)
            return
        bucket = (batch.column(3).to_numpy() % np.uint64(self.buckets)).astype(np.int64)
        order = np.argsort(bucket, kind="stable")
        counts = np.bincount(bucket, minlength=self.buckets)
        ordered = batch.take(pa.array(order))
        start = 0
        for b, count in enumerate(counts.tolist()):
            if count:
                self._writer(b).write_batch(ordered.slice(start, count))
                start += count

    def drain(self, exclude: list[str]) -> Iterator[tuple[Any, Any, Any, int]]:
        """Per bucket: (N-Triples, Turtle, JSON-LD text, triples) without repeats, and without
        the lines in ``exclude`` (the vocabulary's, written elsewhere)."""
        from cnr_opendata._arrow import pa, pc
        from cnr_opendata.rdf.columnar import text_of

        for writer in self._writers.values():
            writer.close()
        for f in self._files.values():
            f.close()
        excluded = pa.array(exclude, pa.string()) if exclude else None
        for b in sorted(self._writers):
            path = self.folder / f"bucket-{b:04d}.arrows"
            with pa.OSFile(str(path), "rb") as fh:
                table = pa.ipc.open_stream(fh).read_all().combine_chunks()
            path.unlink()
            table = table.take(pc.sort_indices(table, sort_keys=[("nt", "ascending")]))
            nt = table.column("nt").combine_chunks()
            if len(nt) > 1:
                differs = pc.not_equal(nt.slice(1), nt.slice(0, len(nt) - 1))
                keep = pa.concat_arrays([pa.array([True]), differs])
            else:
                keep = pa.array([True] * len(nt))
            if excluded is not None:
                keep = pc.and_(keep, pc.invert(pc.is_in(nt, value_set=excluded)))
            table = table.filter(keep)
            yield (
                text_of(table.column("nt")),
                text_of(table.column("ttl")),
                text_of(table.column("json")),
                table.num_rows,
            )


class _Sampler:
    """The SHACL sample: every triple of the subjects whose fingerprint ends with ``level`` zero
    bits, with the smallest level that keeps at most ``limit`` triples. The result depends on the
    data only (not on batches or threads); memory holds at most twice ``limit`` lines."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.level = 0
        self.count = 0
        self._parts: list[tuple[Any, Any]] = []

    def add(self, parts: Iterable[tuple[Any, Any]]) -> None:
        for lines, fps in parts:
            if len(lines):
                self._parts.append((lines, fps))
                self.count += len(lines)
        self._refilter()
        while self.count > 2 * self.limit and self.level < 63:
            self.level += 1
            self._refilter()

    def _refilter(self) -> None:
        import numpy as np

        from cnr_opendata._arrow import pa, pc

        mask = np.uint64((1 << self.level) - 1)
        kept = []
        for lines, fps in self._parts:
            keep = (fps & mask) == 0
            if not keep.all():
                lines, fps = pc.filter(lines, pa.array(keep)), fps[keep]
            if len(lines):
                kept.append((lines, fps))
        self._parts = kept
        self.count = sum(len(lines) for lines, _ in kept)

    def finish(self) -> tuple[str, bool]:
        from cnr_opendata.rdf.columnar import text_of

        while self.count > self.limit and self.level < 63:
            self.level += 1
            self._refilter()
        text = b"".join(bytes(text_of(lines)) for lines, _ in self._parts)
        return text.decode("utf-8"), self.level > 0


def _safe_prefixes(prefixes: dict[str, str]) -> dict[str, str]:
    """Prefixes usable both as Turtle prefix names and JSON-LD compact-IRI prefixes."""
    return {
        p: ns
        for p, ns in prefixes.items()
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", p) and ns.endswith(("/", "#"))
    }


def _csv_header(path: Path) -> list[str] | None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh, strict=True), None)


def _batches(plan: Any, path: Path, block_bytes: int, threads: bool) -> Iterator[Any]:
    """The rows of a table as record batches of the columns the mapping reads (strings; empty
    cells null)."""
    import pyarrow.csv as pcsv

    from cnr_opendata._arrow import pa

    header = _csv_header(path)
    if header is None:
        return
    missing = [c for c in plan.columns if c not in header]
    if missing:
        raise RdfWriteError(
            f"{plan.table.path}: the mapping uses column(s) {sorted(set(missing))} that the file lacks"
        )
    try:
        reader = pcsv.open_csv(
            str(path),
            read_options=pcsv.ReadOptions(block_size=block_bytes, use_threads=threads),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in plan.columns},
                include_columns=plan.columns,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        for batch in reader:
            if batch.num_rows:
                yield batch
    except pa.ArrowInvalid as exc:
        raise RdfWriteError(f"{plan.table.path}: {exc}") from exc


def _vocabulary(
    files: Iterable[Path], prefixes: dict[str, str]
) -> tuple[list[str], str, list[str], set[str]]:
    """The vocabulary's triples: N-Triples lines (no repeats), a Turtle body (no prefix lines),
    JSON-LD node objects (expanded form) and the subject IRIs."""
    import json

    import pyoxigraph as ox

    triples: list[Any] = []
    seen: set[Any] = set()
    for path in files:
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if t not in seen:
                seen.add(t)
                triples.append(t)
    if not triples:
        return [], "", [], set()
    nt = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    lines = [line + "\n" for line in nt.split("\n") if line.strip()]
    ttl = (ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b"").decode()
    body = "".join(
        line for line in ttl.splitlines(keepends=True) if not line.startswith("@prefix ")
    ).lstrip("\n")
    if body and not body.endswith("\n"):
        body += "\n"
    doc = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"[]")
    nodes = doc.get("@graph", []) if isinstance(doc, dict) else doc
    items = [",\n" + json.dumps(node, ensure_ascii=False) for node in nodes]
    subjects = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    return lines, body, items, subjects


def _sort_file(path: Path) -> tuple[FileDigest, int]:
    """Sort a (small) N-Triples file's lines by their UTF-8 bytes, dropping repeats."""
    import hashlib

    lines = sorted({line for line in path.read_bytes().split(b"\n") if line})
    data = b"".join(line + b"\n" for line in lines)
    path.write_bytes(data)
    return FileDigest(hashlib.sha256(data).hexdigest(), len(data)), len(lines)


def write_export(
    mapping: Mapping,
    root: Path,
    out_dir: Path,
    name: str,
    *,
    base_iri: str,
    vocabulary: Iterable[Path] = (),
    workers: int = 1,
    block_bytes: int | None = None,
    sorted_limit: int | None = None,
    sample_limit: int | None = None,
) -> Export:
    """Write ``<name>.nt``, ``<name>.ttl`` and ``<name>.jsonld`` into ``out_dir`` from the
    package's CSVs under ``root``, in one pass over each table, with ``workers`` threads.

    The three files hold the same triples, each once. The bytes depend on the input only, not
    on ``workers``: batches are rendered in parallel and written in order. Memory stays bounded
    (a few batches in flight, a de-duplication bucket, the SHACL sample), whatever the size.

    At 100,000 generated projects (6.2 M triples, 2 GB written) on this project's 2-core
    machine: about 10 s with 2 workers, 19 s with 1; the CPU goes to the string kernels
    (about 5 s), SHA-256 of the output (about 8 s: no SHA extensions on this CPU) and the
    writes (see ``benchmarks/run.py`` for the whole build).
    """
    import json
    import shutil
    from concurrent.futures import Future, ThreadPoolExecutor

    from cnr_opendata.rdf.columnar import Rendered, compile_plans

    # the module's constants, read at each call (tests shrink them)
    block_bytes = BLOCK_BYTES if block_bytes is None else block_bytes
    sorted_limit = SORTED_LIMIT if sorted_limit is None else sorted_limit
    sample_limit = SAMPLE_LIMIT if sample_limit is None else sample_limit
    check_base_iri(base_iri)
    base = base_iri.rstrip("/")
    out = Path(out_dir)
    prefixes = _safe_prefixes(turtle_prefixes(mapping, base))
    vocab_lines, vocab_ttl, vocab_json, vocab_subjects = _vocabulary(vocabulary, prefixes)
    plans = compile_plans(mapping, base, prefixes, vocab_subjects)
    dedupe_bytes = sum(
        (root / p.table.path).stat().st_size
        for p in plans
        if any(not m.keyed for m in p.maps) and (root / p.table.path).is_file()
    )
    buckets = max(1, min(1024, dedupe_bytes // BUCKET_INPUT_BYTES + 1))
    threaded = workers > 1
    files = {
        "nt": out / f"{name}.nt",
        "ttl": out / f"{name}.ttl",
        "jsonld": out / f"{name}.jsonld",
    }
    sinks = {key: _Sink(path, threaded) for key, path in files.items()}
    json_items = _JsonItems(sinks["jsonld"])
    scratch = Path(tempfile.mkdtemp(prefix=".rdf-", dir=out))
    dedupe = _Dedupe(scratch, buckets)
    sampler = _Sampler(sample_limit)
    triples = 0

    def consume(r: Rendered) -> None:
        nonlocal triples
        sinks["nt"].write(r.nt)
        sinks["ttl"].write(r.ttl)
        json_items.write(r.json)
        triples += r.triples
        if r.extra is not None:
            dedupe.add(r.extra)
        sampler.add(r.sample)

    pool = ThreadPoolExecutor(workers, thread_name_prefix="rdf") if threaded else None
    try:
        sinks["ttl"].write(
            "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(prefixes.items())).encode()
            + b"\n"
        )
        context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False, indent=2)
        sinks["jsonld"].write(f'{{\n"@context": {context},\n"@graph": [\n'.encode())
        pending: deque[Future[Rendered]] = deque()
        for plan in plans:
            path = root / plan.table.path
            if not path.is_file():
                raise RdfWriteError(f"{plan.table.path}: no such file")
            for batch in _batches(plan, path, block_bytes, threaded):
                if pool is None:
                    consume(plan.render(batch, sampler.level))
                    continue
                pending.append(pool.submit(plan.render, batch, sampler.level))
                while len(pending) > workers:
                    consume(pending.popleft().result())
        while pending:
            consume(pending.popleft().result())
        for nt, ttl, js, count in dedupe.drain(vocab_lines):
            sinks["nt"].write(nt)
            sinks["ttl"].write(ttl)
            json_items.write(js)
            triples += count
        sinks["nt"].write("".join(vocab_lines).encode())
        sinks["ttl"].write(vocab_ttl.encode())
        json_items.write("".join(vocab_json).encode())
        triples += len(vocab_lines)
        sinks["jsonld"].write(b"\n]}\n")
        digests = {files[key].name: sink.close() for key, sink in sinks.items()}
    except BaseException:
        for sink in sinks.values():
            sink.abort()
        raise
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        shutil.rmtree(scratch, ignore_errors=True)
    is_sorted = triples <= sorted_limit
    if is_sorted:
        digests[files["nt"].name], triples = _sort_file(files["nt"])
    sample, sampled = sampler.finish()
    return Export(triples, digests, sample + "".join(vocab_lines), sampled, is_sorted)
