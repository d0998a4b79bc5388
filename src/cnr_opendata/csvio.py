"""Strict CSV reading: UTF-8 without BOM, comma-delimited, well-formed, streamed.

Raw defects (encoding, BOM, delimiter, unterminated quote, NUL byte) become :class:`Problem`
results with the file and row; the rows before a fatal defect are still yielded.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from cnr_opendata.errors import Problem

BOM = b"\xef\xbb\xbf"
csv.field_size_limit(1 << 30)


class _Lines:
    """Decode a binary file line by line, strictly, remembering the physical line number."""

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.line = 0
        self.bad_line: int | None = None
        self.bad_reason = ""

    def __iter__(self) -> Iterator[str]:
        for raw in self.fh:
            self.line += 1
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.bad_line = self.line
                byte = raw[exc.start : exc.start + 1].hex()
                self.bad_reason = f"byte 0x{byte} at column {exc.start + 1} of line {self.line}"
                return


def read_rows(
    path: Path, display: str, report: Callable[[Problem], None]
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(row_number, cells)``, the header first as row 1.

    ``row_number`` counts logical CSV rows (a spreadsheet's row number; the header is 1), as
    frictionless does. Problems found in the raw file are passed to ``report``; after a fatal
    one (encoding, delimiter, malformed CSV) iteration stops.
    """
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        report(Problem(display, None, None, "missing-file", f"no such file: {display}"))
        return
    with fh:
        head = fh.read(len(BOM))
        if head == BOM:
            report(
                Problem(
                    display,
                    1,
                    None,
                    "bom-error",
                    "the file starts with a UTF-8 byte order mark; save it as UTF-8 without BOM",
                )
            )
        else:
            fh.seek(0)
        lines = _Lines(fh)
        reader = csv.reader(lines, strict=True)
        row_number = 0
        try:
            for cells in reader:
                row_number += 1
                if row_number == 1 and len(cells) == 1:
                    for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
                        if sep in cells[0]:
                            report(
                                Problem(
                                    display,
                                    1,
                                    None,
                                    "dialect-error",
                                    f"the file is {name}-separated; the package expects commas "
                                    "(export as « CSV UTF-8 (comma delimited) »)",
                                )
                            )
                            return
                yield row_number, cells
        except csv.Error as exc:
            reason = str(exc)
            if "end of data" in reason or "EOF" in reason:
                reason = "unterminated quoted cell: the file is truncated or a quote is not closed"
            report(Problem(display, row_number + 1, None, "source-error", reason))
            return
        if lines.bad_line is not None:
            report(
                Problem(
                    display,
                    row_number + 1,
                    None,
                    "encoding-error",
                    f"not valid UTF-8 ({lines.bad_reason}); the file may be Windows-1252 "
                    "from a spreadsheet: re-save it as « CSV UTF-8 »",
                )
            )


#: Bytes that may precede an opening quote (a field start) or follow a closing one.
_FIELD_START = [ord(","), ord("\n")]
_FIELD_END = [ord(","), ord("\r"), ord("\n")]


class NotPlain(Exception):
    """The file is not plain CSV: read it with :func:`read_rows`."""


def plain_csv_records(
    path: Path, header: list[str], block: int = 1 << 24
) -> Iterator[bytes | memoryview]:
    """Yield the data of a plain CSV file (after its header) in blocks of whole records of
    about ``block`` bytes; raise :class:`NotPlain` as soon as the file is found not to be plain,
    that is when a general CSV reader (pyarrow's) could read other cells than the strict
    :func:`read_rows`. Memory: one block.

    Plain: no BOM, the header is exactly ``header`` unquoted, every CR is part of a CRLF line
    end, no 0x1F byte (the separator of composite keys), and every quote opens a field, closes
    it (followed by a comma or a line end) or doubles a quote inside it.

    The quote check is exact and vectorised: scanning the quote characters in order, a run of
    quotes starts outside a quoted field if and only if an even number of quotes precede it
    (every quoted field holds an even number of them); outside, a run must start a field, and an
    even run (open, doubled quotes, close) must end one; inside, an odd run closes the field and
    must end it. A line feed with an even number of quotes before it ends a record. Encoding and
    row widths are left to the reader that follows, which must give up on them too.
    """
    import numpy as np

    if any(c in name for name in header for c in ',"\r\n\x1f') or not header:
        raise NotPlain
    expected = ",".join(header).encode("utf-8")
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data = fh.read(max(block, 1 << 16))
        if data.startswith(BOM):
            raise NotPlain
        end = data.find(b"\n")
        if end < 0 or data[:end].removesuffix(b"\r") != expected:
            raise NotPlain
        pos = end + 1  # each block starts at a record start: outside quotes, a field start
        while pos < size:
            fh.seek(pos)
            data = fh.read(block)
            # never cut a run of quotes or a CRLF: the checks look one byte ahead
            while data[-1:] in (b'"', b"\r") and pos + len(data) < size:
                data += fh.read(1)
            at_end = pos + len(data) >= size
            if b"\x1f" in data:
                raise NotPlain
            if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
                raise NotPlain
            array = np.frombuffer(data, dtype=np.uint8)
            quotes = np.flatnonzero(array == ord('"'))
            if len(quotes):
                starts = np.flatnonzero(np.diff(quotes, prepend=-2) != 1)
                lengths = np.diff(np.append(starts, len(quotes)))
                first_pos = quotes[starts]
                before = np.where(first_pos == 0, ord("\n"), array[np.maximum(first_pos - 1, 0)])
                after_pos = first_pos + lengths  # past the block only at the file end
                after = np.where(
                    after_pos >= len(data), ord("\n"), array[np.minimum(after_pos, len(data) - 1)]
                )
                outside = starts % 2 == 0
                closes = np.where(outside, lengths % 2 == 0, lengths % 2 == 1)
                if not (np.isin(before, _FIELD_START) | ~outside).all():
                    raise NotPlain
                if not (np.isin(after, _FIELD_END) | ~closes).all():
                    raise NotPlain
            if at_end:
                if len(quotes) % 2:
                    raise NotPlain  # a quoted cell runs to the end of the file
                yield data
                return
            # the last line feed outside quotes ends the records to yield
            cut, tries = len(data), 0
            while (cut := data.rfind(b"\n", 0, cut)) >= 0 and tries < 10_000:
                tries += 1  # a block inside one huge quoted cell has no cut
                if int(np.searchsorted(quotes, cut)) % 2 == 0:
                    break
            if cut < 0 or tries >= 10_000:
                block *= 2  # one record longer than a block: read more at once
                continue
            yield memoryview(data)[: cut + 1]
            pos += cut + 1


def is_plain_csv(path: Path, header: list[str], block: int = 1 << 24) -> bool:
    """Whether :func:`plain_csv_records` reads the whole file."""
    try:
        for _ in plain_csv_records(path, header, block):
            pass
    except NotPlain:
        return False
    return True
