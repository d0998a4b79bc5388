"""The native validator reports the same problems as frictionless on a generated package of
10,000 projects with defects injected in five tables (same rows, fields and kinds), whichever
path reads each table (columnar or row by row) and however many threads read them; and it
finds every injected defect."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

import cnr_opendata.validate as validate
from cnr_opendata.errors import Report
from cnr_opendata.package import validate_package

REPO = Path(__file__).resolve().parent.parent


def load_generator():
    spec = importlib.util.spec_from_file_location("generate", REPO / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


Located = tuple[str, int | None, str | None, str]


def located(report: Report) -> set[Located]:
    """(file stem, row, column, code) of every problem."""
    return {(Path(p.path).stem, p.row, p.column, p.code) for p in report}


@pytest.fixture(scope="module")
def defective(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("diff") / "pkg"
    injected = load_generator().generate(10_000, out, defects=True)
    return out, injected


@pytest.fixture(scope="module")
def reference(defective) -> set[Located]:
    """frictionless' problems, less one deliberate difference: frictionless reports a blank row
    twice (blank-row, and primary-key "cells composing the primary keys are all None"); the
    native engine reports it once, as a blank row."""
    report = validate_package(defective[0], engine="frictionless")
    found = located(report)
    blank = {(t, r) for t, r, _, code in found if code == "blank-row"}
    return {p for p in found if not (p[3] == "primary-key" and (p[0], p[1]) in blank)}


PATHS = {
    "columnar for large tables": validate.COLUMNAR_MIN_BYTES,
    "columnar for every table": 0,
    "row by row for every table": 1 << 60,
}


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(PATHS))
def test_native_and_frictionless_report_the_same_problems(
    defective, reference, monkeypatch, path: str
) -> None:
    monkeypatch.setattr(validate, "COLUMNAR_MIN_BYTES", PATHS[path])
    native = validate_package(defective[0])
    assert not native.valid
    assert located(native) == reference
    assert len(reference) >= 20


def test_every_injected_defect_is_found(defective) -> None:
    pkg, injected = defective
    found = located(validate_package(pkg))
    assert {d["table"] for d in injected} == {
        "projects",
        "organizations",
        "indicators",
        "project_partners",
        "project_territories",
    }
    for d in injected:
        assert (d["table"], d["row"], d["column"], d["code"]) in found, d


def test_one_or_two_threads_give_the_same_report(defective) -> None:
    one = validate_package(defective[0], workers=1)
    two = validate_package(defective[0], workers=2)
    assert [p.format() for p in one] == [p.format() for p in two]
    assert one.stats == two.stats


def test_the_clean_generated_package_is_valid_for_both_engines(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    load_generator().generate(2_000, out)
    for engine in ("native", "frictionless"):
        report = validate_package(out, engine=engine)
        assert report.valid, (engine, [p.format() for p in report][:5])


def test_generation_is_deterministic(tmp_path: Path) -> None:
    generate = load_generator().generate
    first = generate(500, tmp_path / "a", defects=True, seed=7)
    second = generate(500, tmp_path / "b", defects=True, seed=7)
    assert first == second
    for path in sorted((tmp_path / "a" / "data").glob("*.csv")):
        assert path.read_bytes() == (tmp_path / "b" / "data" / path.name).read_bytes()


def test_generated_text_is_realistic(tmp_path: Path) -> None:
    load_generator().generate(300, tmp_path / "pkg")
    with (tmp_path / "pkg" / "data" / "projects.csv").open(encoding="utf-8", newline="") as fh:
        projects = [r for r in csv.DictReader(fh) if r["id"].startswith("synth-")]
    assert len(projects) == 300
    summaries = [p["summary"] for p in projects]
    assert all(200 <= len(s) <= 600 for s in summaries)
    text = "".join(summaries)
    for feature in ("é", "«", '"', ",", "\n"):
        assert feature in text, feature
    with (tmp_path / "pkg" / "data" / "territories.csv").open(encoding="utf-8") as fh:
        communes = [r for r in csv.DictReader(fh) if r["level"] == "commune"]
    assert len(communes) >= 3000


# ---- header defects: the native engine names them and skips the table's rows ----------------

LABELS = {"missing-label", "extra-label", "incorrect-label"}


def _rewrite_header(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(edit(row) for row in rows)


HEADER_DEFECTS = {
    "missing column": lambda row: row[:-1],
    "extra column": lambda row: [*row, "x"],
    "two columns swapped": lambda row: [row[1], row[0], *row[2:]],
}


@pytest.mark.parametrize("case", sorted(HEADER_DEFECTS))
def test_header_defects_are_the_labels_frictionless_reports(tmp_path: Path, case: str) -> None:
    """A deliberate difference: frictionless goes on to check every row against the shifted
    columns (thousands of errors for one defect); the native engine reports the header problem
    by column name plus one header-error, and skips the rows. So only the label problems are
    compared: same codes."""
    pkg = tmp_path / "pkg"
    load_generator().generate(200, pkg)
    _rewrite_header(pkg / "data" / "project_challenges.csv", HEADER_DEFECTS[case])
    native = validate_package(pkg)
    reference = validate_package(pkg, engine="frictionless")
    assert {p.code for p in native} <= LABELS | {"header-error"}
    assert {p.code for p in native} & LABELS == {p.code for p in reference} & LABELS
    assert [p.code for p in native].count("header-error") == 1
