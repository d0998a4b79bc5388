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
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import IO

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
