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
