"""Text of a PDF press kit, column by column, with pdfplumber.

Measured by ``benchmarks/pdf_quality.py`` on a two-column PDF of the Var press kit made with
fpdf2 (word-sequence similarity with the reflowed text; projects found): pypdf
``extract_text`` 0.989, 7; pdfplumber ``extract_text`` 0.615, 2 (it reads across the columns);
pdfplumber cropped at the gutter, as here, 0.989, 7. pypdf does as well on this file only because
it follows the content stream, which fpdf2 writes in reading order; layout tools often do not.
Reading by word positions (find the empty vertical band, read left then right, blank lines from
vertical gaps) does not depend on the stream order, so pdfplumber is the library used here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cnr_opendata.errors import ExtractError


def _gutter(words: list[dict[str, Any]], width: float) -> float | None:
    """The x of an empty vertical band near the middle of the page, if the page has two columns."""
    if len(words) < 20:
        return None
    for offset in range(0, int(width * 0.15), 2):
        for x in (width / 2 - offset, width / 2 + offset):
            crossing = sum(1 for w in words if w["x0"] < x < w["x1"])
            left = sum(1 for w in words if w["x1"] <= x)
            right = sum(1 for w in words if w["x0"] >= x)
            if crossing <= len(words) * 0.02 and left > 10 and right > 10:
                return x
    return None


def _lines_text(region: Any) -> str:
    """The text of a page region, one line per line, with a blank line where the vertical gap
    between two lines is larger than a line: that is how a PDF shows a new paragraph."""
    lines = region.extract_text_lines(return_chars=False)
    out: list[str] = []
    previous = None
    for line in lines:
        if previous is not None:
            height = max(previous["bottom"] - previous["top"], 1.0)
            if line["top"] - previous["bottom"] > 0.6 * height:
                out.append("")
        out.append(line["text"])
        previous = line
    return "\n".join(out)


def _join_columns(left: str, right: str) -> str:
    """A paragraph that runs from the bottom of the left column on to the right one stays one."""
    if not left or not right:
        return left or right
    last = left.rstrip().rsplit("\n", 1)[-1].strip()
    ends = last.endswith((".", "!", "?", "»", ":", ";")) or last.isupper()
    return left + ("\n\n" if ends else "\n") + right


def pdf_text(path: Path) -> str:
    """The text of ``path``, pages in order, each page's columns left to right."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises many types for a damaged file
        raise ExtractError(f"{path}: not a readable PDF ({type(exc).__name__})") from None
    pages = []
    with pdf:
        for page in pdf.pages:
            words = page.extract_words()
            gutter = _gutter(words, float(page.width))
            if gutter is None:
                pages.append(_lines_text(page))
                continue
            left = _lines_text(page.crop((0, 0, gutter, page.height)))
            right = _lines_text(page.crop((gutter, 0, page.width, page.height)))
            pages.append(_join_columns(left, right))
    text = "\n\n".join(pages)
    if not text.strip():
        raise ExtractError(
            f"{path}: the PDF has no text layer (a scan?): run OCR first, e.g. `ocrmypdf in.pdf out.pdf`"
        )
    return text
