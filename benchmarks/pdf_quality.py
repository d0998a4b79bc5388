"""Which PDF library reads a two-column press kit best? Word-sequence similarity with the
reflowed text, and projects found, for pypdf, pdfplumber as is, and pdfplumber column by column
(what ``cnr_opendata.extract.pdf`` does). Makes the PDF with fpdf2 (DejaVu font).

    python benchmarks/pdf_quality.py
"""

from __future__ import annotations

import difflib
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from cnr_opendata.extract import extract_source  # noqa: E402
from cnr_opendata.extract.parse import _Parser  # noqa: E402
from cnr_opendata.extract.pdf import pdf_text  # noqa: E402
from cnr_opendata.extract.text import normalise  # noqa: E402
from cnr_opendata.package import load_package  # noqa: E402
from test_extract import REFLOWED, make_two_column_pdf  # noqa: E402


def words(text: str) -> list[str]:
    return re.findall(r"\w+", normalise(text).lower())


def main() -> None:
    reference = REFLOWED.read_text(encoding="utf-8")
    paragraphs = [re.sub(r"\s*\n\s*", " ", p.strip()) for p in reference.split("\n\n") if p.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "kit.pdf"
        make_two_column_pdf(pdf, paragraphs)
        import pdfplumber
        import pypdf

        candidates = {
            "pypdf extract_text": "\n".join(
                p.extract_text() or "" for p in pypdf.PdfReader(str(pdf)).pages
            ),
            "pdfplumber extract_text": "\n".join(
                p.extract_text() or "" for p in pdfplumber.open(str(pdf)).pages
            ),
            "pdfplumber by column (used)": pdf_text(pdf),
        }
        ref_words = words(reference)
        package = load_package()
        print("| reader | word similarity | projects found |")
        print("|---|---:|---:|")
        for name, text in candidates.items():
            ratio = difflib.SequenceMatcher(None, ref_words, words(text), autojunk=False).ratio()
            parser = _Parser(normalise(text), "kit", package)
            parser.title()
            projects = len(parser.projects())
            print(f"| {name} | {ratio:.3f} | {projects} |")
        assert len(extract_source(pdf).tables["projects"]) == 7


if __name__ == "__main__":
    main()
