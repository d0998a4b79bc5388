"""Release CSVs in one normal form: UTF-8 (NFC), comma, LF, minimal quoting.

The normal form is what Python's ``csv.writer`` writes with an LF terminator, except that a
row holding a carriage return in a cell is written with every cell quoted (with an LF
terminator, the csv module would leave a lone CR unquoted, and a reader would cut the row
there). :func:`normalise_csv` writes it row by row with the csv module for small or unusual
files, and, for large plain files (:func:`cnr_opendata.csvio.plain_csv_records`), builds the
same bytes column by column with pyarrow kernels: about 20 times faster, the same output (a
property test compares the two on random cells).
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
from functools import reduce
from pathlib import Path
from typing import Any

#: Files from this size up take the columnar path when they are plain CSV.
COLUMNAR_MIN_BYTES = 1 << 20
BLOCK_BYTES = 16 << 20


def normalise_csv(src: Path, dst: Path, header: list[str] | None = None) -> tuple[int, str]:
    """Rewrite a valid CSV ``src`` in the normal form at ``dst``; return its data rows and the
    sha256 of what was written. ``header``: the expected column names (the columnar path is
    taken only when the file's header is exactly these)."""
    if header and src.stat().st_size >= COLUMNAR_MIN_BYTES:
        done = normalise_columnar(src, dst, header)
        if done is not None:
            return done
    return normalise_rows(src, dst)


def normalise_rows(src: Path, dst: Path) -> tuple[int, str]:
    """The reference: the csv module, row by row."""
    rows = -1
    digest = hashlib.sha256()

    class _Hashing:
        def __init__(self, fh: Any) -> None:
            self.fh = fh

        def write(self, text: str) -> None:
            self.fh.write(text)
            digest.update(text.encode("utf-8"))

    with (
        src.open(encoding="utf-8", newline="") as fin,
        dst.open("w", encoding="utf-8", newline="") as fout,
    ):
        sink = _Hashing(fout)
        writer = csv.writer(sink, lineterminator="\n")
        quoted = csv.writer(sink, lineterminator="\n", quoting=csv.QUOTE_ALL)
        for row in csv.reader(fin, strict=True):
            cells = [unicodedata.normalize("NFC", c) for c in row]
            (quoted if any("\r" in c for c in cells) else writer).writerow(cells)
            rows += 1
    return max(rows, 0), digest.hexdigest()


def normalise_columnar(
    src: Path, dst: Path, header: list[str], block: int = BLOCK_BYTES
) -> tuple[int, str] | None:
    """The columnar path; None (and ``dst`` removed) when ``src`` is not plain CSV."""
    import pyarrow.csv as pacsv

    from cnr_opendata._arrow import pa
    from cnr_opendata.csvio import NotPlain, plain_csv_records

    parse_options = pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
    convert_options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=True,
    )
    rows = 0
    try:
        with dst.open("wb") as out, _Sink(out) as sink:
            sink.put(_header_line(header))
            for records in plain_csv_records(src, header, block):
                count = normal_records(records) if len(header) > 1 else None
                if count is not None:
                    sink.put(records)  # already in the normal form: as it is
                    rows += count
                    continue
                table = pacsv.read_csv(
                    pa.py_buffer(records),
                    read_options=pacsv.ReadOptions(
                        column_names=header, use_threads=False, block_size=len(records) + 1
                    ),
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
                for batch in table.combine_chunks().to_batches():
                    sink.put(render_rows(batch.columns))
                    rows += batch.num_rows
    except (NotPlain, pa.ArrowException):
        dst.unlink(missing_ok=True)
        return None
    return rows, sink.hexdigest()


class _Sink:
    """Writes and hashes blocks in order in a thread (both release the GIL) while the caller
    checks or renders the next block; at most two blocks wait. An error of the thread (a full
    disk) is raised by the next :meth:`put` or on exit."""

    def __init__(self, out: Any) -> None:
        import queue
        import threading

        self.out = out
        self.digest = hashlib.sha256()
        self.queue: queue.Queue[bytes | memoryview | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="csv-sink", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self.out.write(data)
                    self.digest.update(data)
                except BaseException as exc:  # handed to the caller's thread
                    self.error = exc

    def put(self, data: bytes | memoryview) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(data)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and exc_type is None:
            raise self.error


def is_normal_block(data: bytes | memoryview) -> bool:
    """Whether a block of whole records of a plain CSV file (see
    :func:`cnr_opendata.csvio.plain_csv_records`; more than one column) is in the normal form
    already, so it can be copied: LF line ends, the last record ended, NFC text, and every
    quoted cell needing its quotes (holding a comma, a quote or a line feed). A plain file
    quotes every cell that needs it (a quote inside an unquoted cell is not plain)."""
    return normal_records(data) is not None


def normal_records(data: bytes | memoryview) -> int | None:
    """The number of records of a block in the normal form (see :func:`is_normal_block`), or
    None when it is not in the normal form.

    Vectorised: in a plain block, a quote with an even index in the list of quotes opens a cell
    unless it ends a doubled quote; one with an odd index closes it unless a quote follows. A
    line feed ends a record when an even number of quotes precede it.
    """
    import numpy as np

    raw = bytes(data) if isinstance(data, memoryview) else data
    if not raw.endswith(b"\n") or b"\r" in raw:
        return None
    array = np.frombuffer(raw, dtype=np.uint8)
    if not raw.isascii() and not _stable_utf8(raw, array):
        try:
            if not unicodedata.is_normalized("NFC", raw.decode("utf-8")):
                return None
        except UnicodeDecodeError:
            return None
    newlines = np.flatnonzero(array == ord("\n"))
    quotes = np.flatnonzero(array == ord('"'))
    if not len(quotes):
        return len(newlines)
    index = np.arange(len(quotes))
    follows = np.zeros(len(quotes), dtype=bool)  # the next byte is a quote too
    follows[:-1] = quotes[1:] == quotes[:-1] + 1
    after_quote = np.zeros(len(quotes), dtype=bool)  # the byte before is a quote
    after_quote[1:] = follows[:-1]
    opens = np.flatnonzero((index % 2 == 0) & ~after_quote)
    closes = np.flatnonzero((index % 2 == 1) & ~follows)
    if len(opens) != len(closes):
        return None  # not plain after all: let the parser decide
    inner = closes - opens > 1  # quotes inside: a doubled quote
    at_open, at_close = quotes[opens], quotes[closes]
    for special in (newlines, np.flatnonzero(array == ord(","))):
        inner |= np.searchsorted(special, at_close) > np.searchsorted(special, at_open)
    if not inner.all():
        return None
    return int((np.searchsorted(quotes, newlines) % 2 == 0).sum())


def _stable_utf8(raw: bytes, array: Any) -> bool:
    """True when ``raw`` is valid UTF-8 whose non-ASCII characters all lie in U+0080-U+017F
    (Latin-1 and Latin Extended-A: é, à, ç, «, », œ...) or U+2002-U+203F (’, “, ”, –, —, …):
    then it is in NFC, since none of these characters decomposes, combines or composes with
    what precedes it (U+2000 and U+2001 do decompose: excluded; ``tests/test_normalise.py``
    checks the ranges against the Unicode database). False means "not known": the caller
    decodes and asks :func:`unicodedata.is_normalized` (about 3x slower on French text)."""
    import numpy as np

    from cnr_opendata._arrow import pa

    # lead bytes: C2-C5 start U+0080-U+017F; E2 80 82-BF is U+2002-U+203F; any other is unknown
    three = np.flatnonzero(array == 0xE2)
    if int(np.count_nonzero(array >= 0xC6)) != len(three) or b"\xc0" in raw or b"\xc1" in raw:
        return False
    if len(three):
        if int(three[-1]) + 2 >= len(array):
            return False
        if not ((array[three + 1] == 0x80) & (array[three + 2] >= 0x82)).all():
            return False
    try:  # pyarrow's UTF-8 check (vectorised), without a copy
        offsets = pa.py_buffer(np.array([0, len(raw)], dtype=np.int32).tobytes())
        pa.Array.from_buffers(pa.binary(), 1, [None, offsets, pa.py_buffer(raw)]).cast(pa.string())
    except pa.ArrowInvalid:
        return False
    return True


def _header_line(header: list[str]) -> bytes:
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([unicodedata.normalize("NFC", h) for h in header])
    return buf.getvalue().encode("utf-8")


def render_rows(columns: list[Any]) -> memoryview:
    """The normal-form lines of string columns (pyarrow arrays, no nulls), as one buffer."""
    import numpy as np

    from cnr_opendata._arrow import pa, pc

    cells = [pc.utf8_normalize(c, "NFC") for c in columns]
    # a row with a CR anywhere is quoted throughout
    cr_row = reduce(pc.or_, [pc.match_substring(c, "\r") for c in cells])
    quote, empty = pa.scalar('"'), pa.scalar("")
    out = []
    for c in cells:
        needs = pc.or_(pc.match_substring_regex(c, '[,"\n]'), cr_row)
        if len(cells) == 1:  # csv.writer quotes the one empty cell of a row: ""
            needs = pc.or_(needs, pc.equal(c, ""))
        escaped = pc.replace_substring(c, '"', '""')
        out.append(pc.if_else(needs, pc.binary_join_element_wise(quote, escaped, quote, empty), c))
    lines = pc.binary_join_element_wise(*out, ",") if len(out) > 1 else out[0]
    lines = pc.binary_join_element_wise(lines, empty, "\n")  # each line ends with LF
    if len(lines) == 0:
        return memoryview(b"")
    lines = pa.concat_arrays([lines])  # a fresh array: offset 0
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1)
    return memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
