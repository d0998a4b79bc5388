"""Drafting tables from the press kit: both texts, a generated two-column PDF, bad input."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnr_opendata.cli import cli
from cnr_opendata.errors import ExtractError
from cnr_opendata.extract import compare_extraction, extract_source, write_extraction
from cnr_opendata.package import load_package
from cnr_opendata.paths import bundled_package_dir
from conftest import need

SOURCES = bundled_package_dir() / "sources"
RAW = SOURCES / "dp-cnr-sante-var-2023-11.pdf-text-layer.txt"
REFLOWED = SOURCES / "dp-cnr-sante-var-2023-11.reflowed.txt"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FIELDS = (
    "title",
    "status",
    "status_stated",
    "status_date",
    "territory_id",
    "departement_id",
    "start_date",
    "end_date",
    "date_precision",
    "planned_year",
)


def curated(table: str) -> list[dict[str, str]]:
    with (bundled_package_dir() / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def by_title(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {re.sub(r"\s+", " ", r["title"]).rstrip("."): r for r in rows}


def figures(rows: list[dict[str, str]]) -> list[tuple[float, str, str]]:
    return sorted((float(r["value"]), r["unit"], r["qualifier"]) for r in rows)


@pytest.mark.parametrize("source", [RAW, REFLOWED], ids=["pdf-text-layer", "reflowed"])
def test_both_texts_give_the_curated_projects_and_figures(source: Path) -> None:
    extraction = extract_source(source)
    drafted = by_title(extraction.tables["projects"])
    expected = by_title(curated("projects"))
    assert sorted(drafted) == sorted(expected)
    for title, row in expected.items():
        for f in FIELDS:
            assert drafted[title][f] == row[f], (title, f)
    assert figures(extraction.tables["indicators"]) == figures(curated("indicators"))
    labels = {r["number"]: r["label"] for r in extraction.tables["challenges"]}
    assert labels == {r["number"]: r["label"] for r in curated("challenges") if r["number"]}
    assert extraction.warnings == []


def test_the_two_texts_agree_with_each_other() -> None:
    a, b = extract_source(RAW), extract_source(REFLOWED)
    key = ("title", "status", "territory_id", "start_date", "end_date", "planned_year", "summary")
    assert sorted(tuple(p[k] for k in key) for p in a.tables["projects"]) == sorted(
        tuple(p[k] for k in key) for p in b.tables["projects"]
    )
    assert figures(a.tables["indicators"]) == figures(b.tables["indicators"])
    assert a.tables["events"] == b.tables["events"]


def test_events_dates_and_quarter() -> None:
    events = {r["start_date"]: r for r in extract_source(RAW).tables["events"]}
    assert (
        events["2024-01-01"]["end_date"] == "2024-03-31"
        and events["2024-01-01"]["date_precision"] == "trimestre"
    )
    assert "2022-11-04" in events and "2023-11-14" in events and "2022-10-03" in events


def test_compare_with_the_curated_package_reports_no_difference(tmp_path: Path) -> None:
    for source in (RAW, REFLOWED):
        result = CliRunner().invoke(
            cli,
            [
                "extract",
                str(source),
                "-o",
                str(tmp_path / source.stem),
                "--compare",
                str(bundled_package_dir()),
            ],
        )
        assert result.exit_code == 0, result.output
        assert f"0 difference(s) with {bundled_package_dir()}" in result.output
        assert (
            result.output.rstrip().splitlines()[-1].startswith("extracted 7 projects, 19 figures")
        )
        lib = compare_extraction(extract_source(source), load_package())
        assert lib == []


def test_compare_shows_a_changed_field(tmp_path: Path) -> None:
    text = REFLOWED.read_text(encoding="utf-8").replace("depuis juin 2023", "depuis juillet 2023")
    source = tmp_path / "kit.txt"
    source.write_text(text, encoding="utf-8")
    changes = compare_extraction(extract_source(source), load_package())
    assert [c.format() for c in changes] == [
        "projects: ~ var-2023-aval-urgences start_date: '2023-06-01' -> '2023-07-01'"
    ]


def test_every_drafted_field_has_provenance_pointing_at_its_snippet(tmp_path: Path) -> None:
    extraction = extract_source(RAW)
    out = write_extraction(extraction, tmp_path / "draft")
    text = (out / "source-normalised.txt").read_text(encoding="utf-8")
    with (out / "provenance.csv").open(encoding="utf-8", newline="") as fh:
        provenance = list(csv.DictReader(fh))
    assert provenance
    for p in provenance:
        assert text[int(p["char_start"]) : int(p["char_end"])] == p["snippet"]
    flat = {(p["row_id"], p["field"]): re.sub(r"\s+", " ", p["snippet"]) for p in provenance}
    for row in extraction.tables["projects"]:
        for f in ("title", "summary", "status", "territory_id"):
            assert (row["id"], f) in flat, (row["id"], f)
        assert flat[(row["id"], "title")] == row["title"]
        assert row["status_stated"] in flat[(row["id"], "status")].upper()
    for row in extraction.tables["indicators"]:
        snippet = flat[(row["id"], "value")].lower()
        assert (
            row["value_stated"].strip("« »").lower() in snippet
            or snippet in row["value_stated"].lower()
        )
    toulon = next(r for r in extraction.tables["projects"] if r["title"].startswith("Toulon"))
    assert flat[(toulon["id"], "territory_id")] == "Toulon"


def test_draft_csvs_have_the_package_headers(tmp_path: Path) -> None:
    out = write_extraction(extract_source(REFLOWED), tmp_path / "draft")
    package = load_package()
    for table in ("projects", "indicators", "challenges", "events", "project_partners"):
        with (out / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == package.resource(table).field_names


# ---- a PDF made at test time ------------------------------------------------------------------


def make_two_column_pdf(path: Path, paragraphs: list[str], *, with_text: bool = True) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    if not with_text:
        pdf.set_fill_color(200, 200, 220)
        pdf.rect(20, 20, 170, 250, style="F")
        pdf.output(str(path))
        return
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=9)
    with pdf.text_columns(ncols=2, gutter=12, text_align="LEFT", l_margin=15, r_margin=15) as cols:
        for para in paragraphs:
            cols.write(text=para)
            cols.ln()
            cols.ln()
    pdf.output(str(path))


@pytest.fixture(scope="module")
def kit_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need("DejaVu font", FONT.is_file(), "Debian package fonts-dejavu-core")
    paragraphs = [
        p.strip() for p in REFLOWED.read_text(encoding="utf-8").split("\n\n") if p.strip()
    ]
    path = tmp_path_factory.mktemp("pdf") / "dossier.pdf"
    make_two_column_pdf(path, [re.sub(r"\s*\n\s*", " ", p) for p in paragraphs])
    return path


def test_two_column_pdf_gives_the_seven_projects(kit_pdf: Path) -> None:
    from cnr_opendata.extract.pdf import pdf_text

    assert "\n" in pdf_text(kit_pdf)
    extraction = extract_source(kit_pdf)
    drafted = by_title(extraction.tables["projects"])
    expected = by_title(curated("projects"))
    assert sorted(drafted) == sorted(expected)
    for title, row in expected.items():
        for f in ("status", "territory_id", "start_date", "end_date", "planned_year"):
            assert drafted[title][f] == row[f], (title, f)
    assert figures(extraction.tables["indicators"]) == figures(curated("indicators"))


def test_a_pdf_without_text_layer_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    make_two_column_pdf(path, [], with_text=False)
    with pytest.raises(ExtractError, match="no text layer"):
        extract_source(path)
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Error:" in result.output and "ocrmypdf" in result.output
    assert "Traceback" not in result.output


# ---- robustness -------------------------------------------------------------------------------


def variant(tmp_path: Path, text: str, name: str = "kit.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def reflowed() -> str:
    return REFLOWED.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "transform",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace(" ", "\u00a0", 200).replace("fi", "\ufb01"),
        lambda t: t.replace("'", "\u2019"),
        lambda t: t.replace("«", '"').replace("»", '"'),
    ],
    ids=["crlf", "nbsp-ligatures", "curly-quotes", "straight-quotes"],
)
def test_typography_variants_give_the_same_projects(tmp_path: Path, transform) -> None:
    extraction = extract_source(variant(tmp_path, transform(reflowed())))
    assert sorted(by_title(extraction.tables["projects"])) == sorted(by_title(curated("projects")))
    assert len(extraction.tables["indicators"]) == 19


def test_blocks_in_another_order(tmp_path: Path) -> None:
    paragraphs = reflowed().split("\n\n")
    start = next(i for i, p in enumerate(paragraphs) if p.startswith("Draguignan"))
    moved = paragraphs[start : start + 6] + paragraphs[:start] + paragraphs[start + 6 :]
    extraction = extract_source(variant(tmp_path, "\n\n".join(moved)))
    assert len(extraction.tables["projects"]) == 7


def test_a_project_without_status_marker_is_a_warning(tmp_path: Path) -> None:
    text = reflowed()
    cut = text.index("EN COURS", text.index("Var-Est"))
    extraction = extract_source(variant(tmp_path, text[:cut] + text[cut + len("EN COURS") :]))
    (warning,) = [w for w in extraction.warnings if w.code == "missing-status"]
    assert "Var-Est" in warning.snippet
    var_est = next(p for p in extraction.tables["projects"] if p["title"].startswith("Var-Est"))
    assert var_est["status"] == ""
    assert len(extraction.tables["projects"]) == 7


def test_unknown_organization_and_unparsed_figure_are_warnings(tmp_path: Path) -> None:
    text = (
        reflowed()
        .replace("la clinique Malartic", "la clinique Sainte-Marguerite")
        .replace("Unités mobiles composée", "12 véhicules et unités mobiles composée")
    )
    extraction = extract_source(variant(tmp_path, text))
    codes = {(w.code, w.snippet) for w in extraction.warnings}
    assert ("unknown-organization", "la clinique Sainte-Marguerite") in codes
    assert any(code == "unparsed-figure" and snippet == "12" for code, snippet in codes)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\x00\x01\x02binary\x00" * 50, "binary"),
        (b"%PDF-1.4 truncated", "not a readable PDF"),
    ],
    ids=["empty", "blank", "binary", "broken-pdf"],
)
def test_unreadable_sources_are_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "kit.bin"
    path.write_bytes(content)
    with pytest.raises(ExtractError, match=message):
        extract_source(path)
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", str(tmp_path / "out")])
    assert (
        result.exit_code == 1
        and result.output.startswith("Error: ")
        and "Traceback" not in result.output
    )


def test_windows_1252_text_is_read(tmp_path: Path) -> None:
    path = tmp_path / "kit.txt"
    path.write_bytes(
        reflowed().replace("«", '"').replace("»", '"').encode("cp1252", errors="replace")
    )
    assert len(extract_source(path).tables["projects"]) == 7
