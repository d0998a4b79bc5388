"""Which PDF reader gives a two-column press kit in reading order? Word error rate (word-level
edit distance over the reference's length) against the reflowed Var press kit, and projects
found by ``extract``, for pypdf and pdfplumber, on the same PDF written two ways: its content
stream column after column (reading order), or line by line across the page (what many layout
tools write). The PDF comes from the tests' generator (fpdf2, DejaVu fonts).

    python benchmarks/pdf_quality.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from cnr_opendata.extract import extract_source  # noqa: E402
from cnr_opendata.extract.pdf import pdf_text  # noqa: E402
from test_extract_pdf import kit_paragraphs, make_press_kit_pdf, word_error_rate  # noqa: E402


def words(text: str) -> list[str]:
    # the running header and page numbers are noise every reader gets: leave them out
    found = re.findall(r"\w+", text.lower())
    return [w for w in found if w not in ("republique", "française") and not w.isdigit()]


def pypdf_text(path: Path, mode: str) -> str:
    import pypdf

    reader = pypdf.PdfReader(str(path))
    return "\n".join(p.extract_text(extraction_mode=mode) or "" for p in reader.pages)


def plumber_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


def projects_found(text: str, tmp: Path) -> int:
    source = tmp / "kit.txt"
    source.write_text(text, encoding="utf-8")
    return len(extract_source(source).tables["projects"])


def main() -> None:
    head, body = kit_paragraphs()
    reference = words(" ".join([*head, *(p for _, p in body)]))
    readers: dict[str, Callable[[Path], str]] = {
        "pypdf extract_text": lambda p: pypdf_text(p, "plain"),
        'pypdf extract_text(extraction_mode="layout")': lambda p: pypdf_text(p, "layout"),
        "pdfplumber extract_text": plumber_text,
        "pdfplumber by word positions (cnr_opendata.extract.pdf)": pdf_text,
    }
    print("| reader | stream | word error rate | projects found |")
    print("|---|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for stream in ("columns", "rows"):
            pdf = tmp / f"kit-{stream}.pdf"
            make_press_kit_pdf(pdf, stream=stream)
            for name, read in readers.items():
                text = read(pdf)
                wer = word_error_rate(reference, words(text))
                print(f"| {name} | {stream} | {wer:.1%} | {projects_found(text, tmp)} |")


if __name__ == "__main__":
    main()
