"""The curated package, validation and bad input: what a data steward sees."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnr_opendata.cli import cli
from cnr_opendata.errors import Problem
from cnr_opendata.package import load_package, validate_package
from cnr_opendata.paths import bundled_package_dir


def rows(table: str) -> list[dict[str, str]]:
    with (bundled_package_dir() / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def text(table: str) -> str:
    return (bundled_package_dir() / "data" / f"{table}.csv").read_text(encoding="utf-8")


def codes(report) -> set[tuple[str, int | None, str | None]]:
    return {(p.code, p.row, p.column) for p in report}


# ---- the curated package ---------------------------------------------------------------------


def test_bundled_package_is_valid_with_both_engines() -> None:
    for engine in ("native", "frictionless"):
        report = validate_package(engine=engine)
        assert report.valid, [p.format() for p in report]
        assert report.stats["tables"] == 11


def test_seven_var_projects_four_done_three_under_way() -> None:
    projects = rows("projects")
    assert len(projects) == 7
    assert sum(p["status"] == "realise" for p in projects) == 4
    assert sum(p["status"] == "en-cours" for p in projects) == 3
    assert {p["status_date"] for p in projects} == {"2023-11-08"}
    assert {p["departement_id"] for p in projects} == {"dep-83"}


def test_every_figure_of_the_press_kit_is_an_indicator() -> None:
    figures = {(r["value"], r["unit"], r["qualifier"]) for r in rows("indicators")}
    for expected in [
        ("700", "participants", "environ"),
        ("25", "reunions", "exact"),
        ("41", "projets", "exact"),
        ("14", "projets", "exact"),
        ("27", "projets", "exact"),
        ("2900000", "euros", "plus-de"),
        ("3", "reunions", "exact"),
        ("7", "projets", "exact"),
        ("4", "defis", "exact"),
        ("6", "departements", "exact"),
        ("50", "membres", "environ"),
    ]:
        assert expected in figures


def test_stated_facts_are_in_the_tables() -> None:
    events = {e["id"]: e for e in rows("events")}
    assert events["lancement-cnr-sante-2022-10-03"]["start_date"] == "2022-10-03"
    assert events["concertation-marseille-2022-11-04"]["territory_id"] == "com-13055"
    assert events["reunion-hautes-alpes-2023-11-14"]["territory_id"] == "dep-05"
    restitution = events["restitution-2024-t1"]
    assert (restitution["start_date"], restitution["end_date"], restitution["date_precision"]) == (
        "2024-01-01",
        "2024-03-31",
        "trimestre",
    )
    codes_ = {t["insee_code"] for t in rows("territories")}
    assert {"93", "83", "83137", "83126", "83050", "83119", "13055"} <= codes_
    glossary = {g["id"]: g for g in rows("glossary")}
    assert "démocratie sanitaire" in glossary["cts"]["definition"]
    challenges = {c["id"]: c for c in rows("challenges")}
    assert challenges["sante-mentale"]["round"] == "2023-2024"


def test_inferred_links_are_marked_as_inferred() -> None:
    # The press kit never says which challenge a project answers: every link is a curator's.
    assert {r["basis"] for r in rows("project_challenges")} == {"infere"}
    assert all(r["rationale"] for r in rows("project_challenges"))


def test_no_identifier_is_guessed() -> None:
    # Neither FINESS nor SIREN is stated in the press kit: they stay empty.
    assert all(not o["finess"] and not o["siren"] for o in rows("organizations"))


def test_sources_keep_their_sha256() -> None:
    import hashlib

    for s in rows("sources"):
        if s["file"]:
            data = (bundled_package_dir() / s["file"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == s["sha256"]


def test_schemas_have_the_keys_schema_data_gouv_fr_asks() -> None:
    package = load_package()
    for r in package.resources:
        for key in (
            "name",
            "title",
            "description",
            "version",
            "contributors",
            "homepage",
            "path",
            "created",
            "lastModified",
            "licenses",
            "countryCode",
        ):
            assert key in r.schema, (r.name, key)
        for f in r.schema["fields"]:
            assert f.get("title") and f.get("description") and "example" in f, (r.name, f["name"])


# ---- bad input: each defect gets a stable code and a location --------------------------------

HEADER = text("projects").splitlines()[0]


def first_line_of(table: str) -> str:
    return text(table).splitlines(keepends=True)[1]


CASES = {
    "windows-1252": (
        {"raw": {"glossary": text("glossary").encode("cp1252", errors="replace")}},
        ("encoding-error", 2, None),
    ),
    "semicolon": (
        {"csv": {"challenges": text("challenges").replace(",", ";")}},
        ("dialect-error", 1, None),
    ),
    "bom": (
        {"raw": {"challenges": b"\xef\xbb\xbf" + text("challenges").encode()}},
        ("bom-error", 1, None),
    ),
    "missing-column": (
        {
            "csv": {
                "challenges": "\n".join(
                    ",".join(line.split(",")[:-1]) for line in text("challenges").splitlines()
                )
                + "\n"
            }
        },
        ("missing-label", 1, "source_location"),
    ),
    "extra-column": (
        {
            "csv": {
                "challenges": "\n".join(line + ",x" for line in text("challenges").splitlines())
                + "\n"
            }
        },
        ("extra-label", 1, "x"),
    ),
    "duplicate-id": (
        {"csv": {"challenges": text("challenges") + first_line_of("challenges")}},
        ("primary-key", 7, "id"),
    ),
    "broken-foreign-key": (
        {
            "rows": {
                "project_challenges": [
                    {
                        "project_id": "var-2023-qpv-toulon",
                        "challenge_id": "defi-9",
                        "basis": "infere",
                        "rationale": "r",
                    }
                ]
            }
        },
        ("foreign-key", 11, "challenge_id"),
    ),
    "invalid-date": (
        {"csv": {"projects": text("projects").replace("2023-09-30", "2023-09-31")}},
        ("type-error", 2, "end_date"),
    ),
    "value-outside-enum": (
        {
            "csv": {
                "projects": text("projects").replace(
                    ",en-cours,EN COURS,", ",en cours,EN COURS,", 1
                )
            }
        },
        ("constraint-error", 6, "status"),
    ),
    "empty-required-cell": (
        {"csv": {"challenges": text("challenges").replace(",defi,2022-2023,", ",,2022-2023,", 1)}},
        ("constraint-error", 2, "kind"),
    ),
    "truncated-last-line": (
        {
            "csv": {
                "challenges": text("challenges")[
                    : text("challenges").rindex("sante-mentale,,") + 40
                ]
            }
        },
        ("missing-cell", 6, "source_id"),
    ),
    "truncated-in-quotes": (
        {"csv": {"projects": text("projects")[: text("projects").rindex("L'objectif") + 20]}},
        ("source-error", 8, None),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_gets_a_code_and_a_location(write_package, case: str) -> None:
    edits, expected = CASES[case]
    pkg = write_package(**edits)
    report = validate_package(pkg)
    assert not report.valid
    assert expected in codes(report), [p.format() for p in report]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_cli_exit_1_and_builds_nothing(write_package, tmp_path: Path, case: str) -> None:
    edits, (code, row, column) = CASES[case]
    pkg = write_package(**edits)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["validate", str(pkg)])
    assert result.exit_code == 1
    location = f":{row}" + (f":{column}" if column else "")
    assert any(location + f": {code}: " in line for line in result.output.splitlines()), (
        result.output
    )
    assert "Traceback" not in result.output
    build = CliRunner().invoke(cli, ["build", str(pkg), "-o", str(out)])
    assert build.exit_code == 1
    assert "nothing was built" in build.output
    assert not any(out.iterdir()) if out.exists() else True


def test_hostile_text_in_a_text_cell_is_valid_and_kept(write_package, tmp_path: Path) -> None:
    hostile = 'Il a dit "non"\nligne 2 <script>alert(1)</script> \\ fin'
    pkg = write_package(
        rows={
            "glossary": [
                {
                    "id": "hostile",
                    "term": hostile,
                    "expansion": "",
                    "definition": hostile,
                    "basis": "curateur",
                    "source_id": "curation-cnr-opendata",
                    "source_location": "",
                }
            ]
        }
    )
    assert validate_package(pkg).valid
    from cnr_opendata.release import build_release

    release = build_release(pkg, tmp_path / "out")
    with (release.path / "data" / "glossary.csv").open(encoding="utf-8", newline="") as fh:
        kept = {r["id"]: r for r in csv.DictReader(fh)}["hostile"]
    assert kept["definition"] == hostile
    assert "<script>" not in (release.path / "README.md").read_text(encoding="utf-8")


def test_hostile_text_in_an_id_is_reported_on_one_line(write_package) -> None:
    pkg = write_package(
        rows={
            "glossary": [
                {
                    "id": 'x"\n<script>',
                    "term": "t",
                    "expansion": "",
                    "definition": "",
                    "basis": "curateur",
                    "source_id": "curation-cnr-opendata",
                    "source_location": "",
                }
            ]
        }
    )
    report = validate_package(pkg)
    (problem,) = [p for p in report if p.column == "id"]
    assert problem.code == "constraint-error"
    assert "\n" not in problem.format()
    assert "\\n" in problem.message


def test_descriptor_pointing_outside_the_package_is_refused(write_package) -> None:
    def evil(d: dict) -> None:
        d["resources"][0]["path"] = "../../etc/passwd"

    pkg = write_package(descriptor=evil)
    report = validate_package(pkg)
    assert [p.code for p in report] == ["unsafe-path"]
    result = CliRunner().invoke(cli, ["validate", str(pkg)])
    assert result.exit_code == 1 and "unsafe-path" in result.output
    assert "root:" not in result.output


def test_absolute_schema_path_is_refused(write_package) -> None:
    def evil(d: dict) -> None:
        d["resources"][0]["schema"] = "/etc/passwd"

    assert [p.code for p in validate_package(write_package(descriptor=evil))] == ["unsafe-path"]


def test_broken_descriptor_json_is_a_package_error(write_package) -> None:
    pkg = write_package()
    (pkg / "datapackage.json").write_text('{"name": "x", ', encoding="utf-8")
    report = validate_package(pkg)
    assert [p.code for p in report] == ["package-error"]
    assert "invalid JSON" in report.problems[0].message


# ---- cross-table rules -----------------------------------------------------------------------


def test_a_missing_var_project_breaks_the_stated_count(write_package) -> None:
    lines = text("projects").splitlines(keepends=True)
    pkg = write_package(csv={"projects": "".join(lines[:-1])}, rows={})
    # the link tables still refer to the removed project: drop them from the check
    report = validate_package(pkg)
    assert any(p.code == "foreign-key" for p in report)
    pkg2 = write_package(
        name="pkg2",
        descriptor=lambda d: d["rules"].__setitem__(
            0, {**d["rules"][0], "indicator": "projets-realises-paca"}
        ),
    )
    report2 = validate_package(pkg2)
    (problem,) = [p for p in report2 if p.code == "cross-table"]
    assert "var-projects-count" in problem.message and "7 row(s)" in problem.message
    assert problem.path.endswith("indicators.csv") and problem.column == "value"


def test_regional_done_plus_under_way_must_equal_total(write_package) -> None:
    pkg = write_package(
        csv={"indicators": text("indicators").replace(",27,projets,", ",26,projets,")}
    )
    (problem,) = [p for p in validate_package(pkg) if p.code == "cross-table"]
    assert "14 (projets-realises-paca) + 26 (projets-en-cours-paca) = 40" in problem.message


def test_project_territory_must_lie_in_its_departement(write_package) -> None:
    pkg = write_package(
        csv={"projects": text("projects").replace(",dep-83,com-83137,", ",dep-83,com-13055,")}
    )
    (problem,) = [p for p in validate_package(pkg) if p.code == "cross-table"]
    assert problem.column == "territory_id" and "'com-13055' does not lie within" in problem.message


def test_dates_must_be_ordered(write_package) -> None:
    pkg = write_package(
        csv={"projects": text("projects").replace("2023-06-01,2023-09-30", "2023-10-01,2023-09-30")}
    )
    (problem,) = [p for p in validate_package(pkg) if p.code == "cross-table"]
    assert problem.row == 2 and problem.column == "end_date"


# ---- the report ------------------------------------------------------------------------------


def test_problem_format_and_json_report(write_package) -> None:
    pkg = write_package(csv={"projects": text("projects").replace("2023-09-30", "30/09/2023")})
    result = CliRunner().invoke(cli, ["validate", str(pkg), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False
    (p,) = data["problems"]
    assert (p["row"], p["column"], p["code"]) == (2, "end_date", "type-error")
    assert (
        Problem(**p)
        .format()
        .endswith(
            'end_date: type-error: "30/09/2023" is not a date in the form YYYY-MM-DD (type date)'
        )
    )


def test_frictionless_engine_reports_the_same_kinds(write_package) -> None:
    pkg = write_package(csv={"projects": text("projects").replace("2023-09-30", "2023-09-31")})
    native = validate_package(pkg)
    reference = validate_package(pkg, engine="frictionless")
    assert {(p.code, p.row, p.column) for p in native} == {
        (p.code, p.row, p.column) for p in reference
    }


def test_validate_cli_valid_package() -> None:
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0
    assert result.output.strip() == "valid: 11 tables, 127 rows, no problem"
    assert validate_package().summary() == result.output.strip()


def test_validate_cli_usage_error_is_exit_2() -> None:
    assert CliRunner().invoke(cli, ["validate", "--engine", "nope"]).exit_code == 2
