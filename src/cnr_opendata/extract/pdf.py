"""The text layer of a PDF press kit, in reading order, with pdfplumber.

Why pdfplumber, read by word positions: measured by ``benchmarks/pdf_quality.py`` on a
two-column A4 PDF of the Var press kit made with fpdf2 (bold titles, full-width title, running
header, page numbers), written two ways: its content stream column after column (reading order),
or line by line across the page, as many layout tools write it. Word error rate against the
reflowed text (running header and page numbers left out), and projects that ``extract`` finds
in the text (7 expected):

==========================================  ===================  ===================
reader                                      stream by column     stream by line
==========================================  ===================  ===================
pypdf ``extract_text``                      0.0 %, 7 projects    77.9 %, 3 projects
pypdf ``extract_text``, layout mode         77.8 %, 3            77.8 %, 3
pdfplumber ``extract_text``                 77.6 %, 5            77.6 %, 5
pdfplumber by word positions (this module)  0.0 %, 7             0.0 %, 7
==========================================  ===================  ===================

pypdf follows the content stream, so it is right only when the producer wrote the text in
reading order. pdfplumber's ``extract_text`` and pypdf's layout mode read each line across the
whole page and mix the two columns. Reading by word positions does not depend on the stream:
find the empty vertical band between the columns, read the left column then the right one, band
by band between full-width lines, and start a paragraph where the vertical gap is wider than a
line or the font changes (a bold title).

Pages are separated by a form feed (``\\f``), so a character offset gives its page.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnr_opendata.errors import ExtractError


@dataclass
class _Line:
    words: list[dict[str, Any]]

    @property
    def top(self) -> float:
        return min(w["top"] for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w["bottom"] for w in self.words)

    @property
    def x0(self) -> float:
        return min(w["x0"] for w in self.words)

    @property
    def x1(self) -> float:
        return max(w["x1"] for w in self.words)

    @property
    def font(self) -> tuple[str, float]:
        w = self.words[0]
        bold = "bold" in str(w.get("fontname", "")).lower()
        return ("bold" if bold else "regular", round(float(w.get("size", 0)), 1))

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in sorted(self.words, key=lambda w: w["x0"]))


def _rows(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words grouped by baseline (same ``top`` within a third of their height)."""
    rows: list[list[dict[str, Any]]] = []
    for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
        height = max(w["bottom"] - w["top"], 1.0)
        if rows and abs(rows[-1][0]["top"] - w["top"]) <= height / 3:
            rows[-1].append(w)
        else:
            rows.append([w])
    return rows


def _gutter(rows: list[list[dict[str, Any]]], width: float) -> float | None:
    """The middle of the widest empty vertical band in the central half of the page that most
    lines do not cross, if the page has two columns."""
    lo, hi = int(width * 0.25), int(width * 0.75)
    crossing = [0] * (hi - lo)
    for row in rows:
        for w in row:
            for x in range(max(lo, int(w["x0"])), min(hi, int(w["x1"]) + 1)):
                crossing[x - lo] += 1
    limit = max(1, len(rows) // 10)  # full-width lines (titles, banners) may cross it
    best: tuple[int, int] | None = None
    start = None
    for i, n in enumerate([*crossing, limit + 1]):
        if n < limit and start is None:
            start = i
        elif n >= limit and start is not None:
            if best is None or i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    if best is None or best[1] - best[0] < 6:
        return None
    middle = lo + (best[0] + best[1]) / 2
    left = sum(1 for row in rows for w in row if w["x1"] <= middle)
    right = sum(1 for row in rows for w in row if w["x0"] >= middle)
    return middle if left >= 10 and right >= 10 else None


def _column_text(lines: list[_Line]) -> list[str]:
    """Lines of one column, with a blank line where a paragraph ends."""
    if not lines:
        return []
    pitch = statistics.median([b.top - a.top for a, b in itertools.pairwise(lines)] or [0])
    out: list[str] = []
    for i, line in enumerate(lines):
        if i:
            prev = lines[i - 1]
            gap = line.top - prev.top
            # wider than a line of this column, and of this size (a title's own leading)
            normal = max(pitch, 1.3 * (prev.bottom - prev.top))
            if gap > 1.45 * normal or line.font != prev.font:
                out.append("")
        out.append(line.text)
    return out


def _page_text(page: Any) -> str:
    words = page.extract_words(extra_attrs=["fontname", "size"], keep_blank_chars=False)
    rows = _rows(words)
    gutter = _gutter(rows, float(page.width))
    if gutter is None:
        return "\n".join(_column_text([_Line(r) for r in rows]))
    # band by band: a run of lines crossing the gutter (full width) ends the columns above it
    out: list[str] = []
    full: list[_Line] = []
    left: list[_Line] = []
    right: list[_Line] = []

    def flush(*runs: list[_Line]) -> None:
        for run in runs:
            text = _column_text(run)
            if text:
                if out and out[-1] != "":
                    out.append("")
                out.extend(text)
            run.clear()

    for row in rows:
        lw = [w for w in row if w["x1"] <= gutter]
        rw = [w for w in row if w["x0"] >= gutter]
        if len(lw) + len(rw) < len(row):
            flush(left, right)
            full.append(_Line(row))
            continue
        flush(full)
        if lw:
            left.append(_Line(lw))
        if rw:
            right.append(_Line(rw))
    flush(full, left, right)
    return "\n".join(out).strip("\n")


def pdf_text(path: Path) -> str:
    """The text of ``path``: pages in order (separated by ``\\f``), columns left to right,
    blank lines between paragraphs. Raises :class:`ExtractError` for a damaged or encrypted
    PDF and for one with no text layer (a scan)."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises many types for a damaged or encrypted file
        raise ExtractError(
            f"{path}: not a readable PDF ({type(exc).__name__}): check the file, or export it "
            "again as PDF"
        ) from None
    try:
        with pdf:
            pages = [_page_text(page) for page in pdf.pages]
    except Exception as exc:
        raise ExtractError(f"{path}: the PDF cannot be read ({type(exc).__name__})") from None
    text = "\n\f".join(pages)
    if not text.replace("\f", "").strip():
        raise ExtractError(
            f"{path}: the PDF has no text layer (a scan?): run OCR first, e.g. "
            "`ocrmypdf in.pdf out.pdf`, then extract the OCRed file"
        )
    return text
