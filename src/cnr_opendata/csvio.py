"""Strict CSV reading: UTF-8 without BOM, comma-delimited, well-formed, streamed.

Raw defects (encoding, BOM, delimiter, unterminated quote, NUL byte) become :class:`Problem`
results with the file and row; the rows before a fatal defect are still yielded.
"""

from __future__ import annotations

import csv
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


def plain_csv(path: Path, header: list[str], block: int = 1 << 24) -> bool:
    """``True`` when the file is read the same by any RFC 4180 parser and by :func:`read_rows`:
    no BOM, the header is exactly ``header`` unquoted, every CR is part of a CRLF line end, no
    0x1F byte (the separator of composite keys), and every quote opens a field, closes it
    (followed by a comma or a line end) or doubles a quote inside it.

    The quote check is exact and vectorised: scanning the quote characters in order, a run of
    quotes starts outside a quoted field if and only if an even number of quotes precede it
    (every quoted field holds an even number of them); outside, a run must start a field, and an
    even run (open, doubled quotes, close) must end one; inside, an odd run closes the field and
    must end it. Encoding and row widths are checked by the reader that follows; a ``False``
    sends the file to the exact row-by-row reader, which reports the defect.
    """
    import numpy as np

    if any(c in name for name in header for c in ',"\r\n\x1f') or not header:
        return False
    expected = ",".join(header).encode("utf-8")
    parity = 0  # quotes seen so far, modulo 2
    last = ord("\n")  # the byte before the block: the file start is a field start
    with path.open("rb") as fh:
        data = fh.read(block)
        if data.startswith(BOM):
            return False
        end = data.find(b"\n")
        if end < 0 or data[:end].removesuffix(b"\r") != expected:
            return False
        while data:
            # never cut a run of quotes or a CRLF: the checks look one byte ahead
            while data[-1:] in (b'"', b"\r"):
                more = fh.read(1)
                if not more:
                    break
                data += more
            if b"\x1f" in data:
                return False
            if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
                return False
            quotes = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord('"'))
            if len(quotes):
                starts = np.flatnonzero(np.diff(quotes, prepend=-2) != 1)
                lengths = np.diff(np.append(starts, len(quotes)))
                first_pos = quotes[starts]
                after_pos = first_pos + lengths
                before = np.frombuffer(data, dtype=np.uint8)[np.maximum(first_pos - 1, 0)]
                before = np.where(first_pos == 0, last, before)
                # a block never ends in a quote but at the file end, which ends a field
                after = np.frombuffer(data + b"\n", dtype=np.uint8)[after_pos]
                outside = (starts + parity) % 2 == 0
                starts_field = np.isin(before, _FIELD_START)
                ends_field = np.isin(after, _FIELD_END)
                closes = np.where(outside, lengths % 2 == 0, lengths % 2 == 1)
                if not (starts_field | ~outside).all() or not (ends_field | ~closes).all():
                    return False
                parity = (parity + len(quotes)) % 2
            last = data[-1]
            data = fh.read(block)
    return parity == 0
