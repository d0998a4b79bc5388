"""Extracting from a PDF: a two-column press kit made at test time with fpdf2, a scan (no text
layer), a damaged file."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnr_opendata.cli import cli
from cnr_opendata.errors import ExtractError
from cnr_opendata.extract import extract_source
from cnr_opendata.paths import bundled_package_dir
from conftest import need

SOURCES = bundled_package_dir() / "sources"
REFLOWED = SOURCES / "dp-cnr-sante-var-2023-11.reflowed.txt"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}


def curated(table: str) -> list[dict[str, str]]:
    path = bundled_package_dir() / "data" / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def kit_paragraphs() -> tuple[list[str], list[tuple[str, str]]]:
    """The reflowed press kit as (full-width title lines, [(style, paragraph)]): project
    titles, headings and status markers in bold; its banner lines left out (the PDF gets its
    own running header)."""
    lines = [line.strip() for line in REFLOWED.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    titles = {r["title"] for r in curated("projects")}
    head = lines[:3]  # « DOSSIER DE PRESSE », the title on two lines
    body: list[tuple[str, str]] = []
    for line in lines[3:]:
        letters = [c for c in line if c.isalpha()]
        marker = line in ("PROJET RÉALISÉ", "EN COURS")
        if all(c.isupper() for c in letters) and not marker:
            continue
        bold = marker or line in titles or line.endswith("?")
        body.append(("B" if bold else "", line))
    return head, body


def make_press_kit_pdf(path: Path, *, stream: str = "columns", text: bool = True) -> None:
    """A two-column A4 press kit: full-width title, running header « REPUBLIQUE FRANÇAISE »,
    page numbers. ``stream="columns"`` writes the text column after column (reading order);
    ``"rows"`` writes it line by line across the page, as many layout tools do."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    if not text:
        pdf.add_page()
        pdf.set_fill_color(200, 200, 220)
        pdf.rect(20, 20, 170, 250, style="F")
        pdf.output(str(path))
        return
    measure = FPDF(format="A4", unit="mm")  # lays the lines out before the real pages exist
    measure.add_page()
    for style, font in FONTS.items():
        pdf.add_font("DejaVu", style, str(font))
        measure.add_font("DejaVu", style, str(font))
    head, body = kit_paragraphs()
    margin, gutter, top, bottom, size, leading = 15.0, 10.0, 30.0, 280.0, 9.0, 4.2
    col_w = (210 - 2 * margin - gutter) / 2
    placed: list[tuple[int, float, float, str, float, str]] = []  # page, x, y, style, size, text
    page, column, y = 0, 0, top + 22
    for i, line in enumerate(head):
        placed.append((0, margin, top + i * 8, "B", 16.0 if i else 11.0, line))
    for style, paragraph in body:
        measure.set_font("DejaVu", style, size)
        wrapped = measure.multi_cell(col_w, leading, paragraph, dry_run=True, output="LINES")
        for line in wrapped:
            if y > bottom:
                column, y = (1, top) if column == 0 else (0, top)
                page += column == 0
            placed.append((page, margin + column * (col_w + gutter), y, style, size, line))
            y += leading
        y += leading * 0.9
    pages = max(p for p, *_ in placed) + 1
    for n in range(pages):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 8)
        pdf.text(margin, 12, "REPUBLIQUE FRANÇAISE")
        pdf.text(105, 290, str(n + 1))
        here = [p for p in placed if p[0] == n]
        if stream == "rows":
            here.sort(key=lambda p: (round(p[2], 1), p[1]))
        for _, x, y0, style, font_size, line in here:
            pdf.set_font("DejaVu", style, font_size)
            pdf.text(x, y0, line)
    pdf.output(str(path))


@pytest.fixture(scope="module", params=["columns", "rows"])
def kit_pdf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    need("DejaVu fonts", all(f.is_file() for f in FONTS.values()), "Debian fonts-dejavu-core")
    path = tmp_path_factory.mktemp(f"pdf-{request.param}") / "dp-cnr-sante-var-2023-11.pdf"
    make_press_kit_pdf(path, stream=request.param)
    return path


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """Word-level edit distance over the reference's length."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, 1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, 1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)
            )
        previous = current
    return previous[-1] / max(len(reference), 1)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def test_a_two_column_pdf_gives_the_seven_curated_projects(kit_pdf: Path) -> None:
    extraction = extract_source(kit_pdf)
    drafted = {r["id"]: r for r in extraction.tables["projects"]}
    expected = {r["id"]: r for r in curated("projects")}
    assert sorted(drafted) == sorted(expected)
    for pid, row in expected.items():
        for name in (
            "title",
            "summary",
            "status",
            "status_date",
            "territory_id",
            "start_date",
            "end_date",
            "date_precision",
            "planned_year",
            "dates_stated",
        ):
            assert drafted[pid][name] == row[name], (pid, name)
    figures = sorted(
        (r["id"], r["value"], r["unit"], r["qualifier"]) for r in extraction.tables["indicators"]
    )
    assert figures == sorted(
        (r["id"], r["value"], r["unit"], r["qualifier"]) for r in curated("indicators")
    )
    assert extraction.warnings == []


def test_the_pdf_text_is_read_in_reading_order_whatever_the_stream_order(kit_pdf: Path) -> None:
    from cnr_opendata.extract.pdf import pdf_text

    _, body = kit_paragraphs()
    reference = words(" ".join(p for _, p in body))
    text = pdf_text(kit_pdf)
    hypothesis = [w for w in words(text) if w not in ("republique", "française")]
    hypothesis = [w for w in hypothesis if not w.isdigit() or w in reference]
    assert word_error_rate(reference, hypothesis[hypothesis.index("le") :]) < 0.01


def test_pdf_provenance_gives_pages_and_offsets_into_the_text_layer(
    kit_pdf: Path, tmp_path: Path
) -> None:
    extraction = extract_source(kit_pdf, tmp_path / "draft")
    text = (tmp_path / "draft" / "source-text.txt").read_text(encoding="utf-8")
    assert text == extraction.text and text.count("\f") >= 1
    with (tmp_path / "draft" / "provenance.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["char_start"]]
    assert rows and {r["source_file"] for r in rows} == {"source-text.txt"}
    for r in rows:
        start, end = int(r["char_start"]), int(r["char_end"])
        assert text[start:end] == r["snippet"]
        assert int(r["page"]) == text.count("\f", 0, start) + 1
    pages = {r["page"] for r in rows if r["table"] == "projects" and r["field"] == "title"}
    assert len(pages) >= 2  # the projects run over more than one page


def test_a_pdf_without_text_layer_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    make_press_kit_pdf(path, text=False)
    with pytest.raises(ExtractError, match="no text layer"):
        extract_source(path)
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "ocrmypdf" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.4 truncated", b"%PDF-1.7\n" + bytes(range(256)) * 4],
    ids=["truncated", "garbage"],
)
def test_a_damaged_pdf_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "kit.pdf"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "PDF" in result.output
    assert "Traceback" not in result.output
