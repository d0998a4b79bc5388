"""Drafting tables from the press kit: both texts against the curated package, --compare,
provenance, the CLI, bad and unusual input, and a kit from another département."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnr_opendata.cli import cli
from cnr_opendata.errors import ExtractError
from cnr_opendata.extract import (
    DRAFTED_TABLES,
    Extraction,
    compare_extraction,
    extract_source,
)
from cnr_opendata.extract.dates import find_dates
from cnr_opendata.extract.figures import Units, find_figures
from cnr_opendata.extract.parse import status_of
from cnr_opendata.extract.reference import Reference, context_entry
from cnr_opendata.extract.text import flatten
from cnr_opendata.package import load_package, validate_package
from cnr_opendata.paths import bundled_package_dir

SOURCES = bundled_package_dir() / "sources"
RAW = SOURCES / "dp-cnr-sante-var-2023-11.pdf-text-layer.txt"
REFLOWED = SOURCES / "dp-cnr-sante-var-2023-11.reflowed.txt"
BOTH = pytest.mark.parametrize("source", [RAW, REFLOWED], ids=["pdf-text-layer", "reflowed"])

#: Every field of a project the extractor reads from the text.
PROJECT_FIELDS = (
    "title",
    "summary",
    "departement_id",
    "territory_id",
    "status",
    "status_stated",
    "status_date",
    "start_date",
    "end_date",
    "date_precision",
    "planned_year",
    "dates_stated",
    "round",
    "source_id",
)


def curated(table: str) -> list[dict[str, str]]:
    path = bundled_package_dir() / "data" / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def by_key(rows: list[dict[str, str]], *key: str) -> dict[tuple[str, ...], dict[str, str]]:
    return {tuple(r[k] for k in key): r for r in rows}


@pytest.fixture(scope="module")
def drafts() -> dict[str, Extraction]:
    return {"pdf-text-layer": extract_source(RAW), "reflowed": extract_source(REFLOWED)}


def reflowed() -> str:
    return REFLOWED.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "dp-cnr-sante-var-2023-11.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# ---- both texts against the curated package ---------------------------------------------------


@BOTH
def test_both_texts_give_the_seven_curated_projects_field_by_field(
    source: Path, drafts: dict[str, Extraction]
) -> None:
    extraction = drafts["pdf-text-layer" if source == RAW else "reflowed"]
    drafted = by_key(extraction.tables["projects"], "id")
    expected = by_key(curated("projects"), "id")
    assert sorted(drafted) == sorted(expected)
    for key, row in expected.items():
        for name in PROJECT_FIELDS:
            assert drafted[key][name] == row[name], (key, name)
    assert extraction.warnings == []


@BOTH
def test_both_texts_give_the_curated_places_partners_challenges_and_figures(
    source: Path, drafts: dict[str, Extraction]
) -> None:
    tables = drafts["pdf-text-layer" if source == RAW else "reflowed"].tables
    places = by_key(tables["project_territories"], "project_id", "territory_id")
    assert {k: (r["role"], r["basis"]) for k, r in places.items()} == {
        k: (r["role"], r["basis"])
        for k, r in by_key(curated("project_territories"), "project_id", "territory_id").items()
    }
    partners = {
        (r["project_id"], r["organization_id"], r["role"]) for r in tables["project_partners"]
    }
    assert partners == {
        (r["project_id"], r["organization_id"], r["role"]) for r in curated("project_partners")
    }
    challenge = ("id", "number", "label", "kind", "round")
    assert sorted(tuple(r[k] for k in challenge) for r in tables["challenges"]) == sorted(
        tuple(r[k] for k in challenge) for r in curated("challenges")
    )
    figure = ("id", "unit", "qualifier", "territory_id", "project_id")
    drafted = {(*tuple(r[k] for k in figure), Decimal(r["value"])) for r in tables["indicators"]}
    assert drafted == {
        (*tuple(r[k] for k in figure), Decimal(r["value"])) for r in curated("indicators")
    }


@BOTH
def test_both_texts_give_the_dated_events(source: Path, drafts: dict[str, Extraction]) -> None:
    events = by_key(
        drafts["pdf-text-layer" if source == RAW else "reflowed"].tables["events"], "id"
    )
    fields = ("kind", "start_date", "end_date", "date_precision", "territory_id")
    for row in curated("events"):
        if row["start_date"] and "bornes" not in row["dates_stated"]:  # stated, not inferred
            assert tuple(events[(row["id"],)][k] for k in fields) == tuple(row[k] for k in fields)
    assert events[("concertation-marseille-2022-11-04",)]["dates_stated"] == (
        "« dès le 4 novembre » (année 2022 déduite du contexte)"
    )


def test_the_two_texts_agree_with_each_other(drafts: dict[str, Extraction]) -> None:
    def rows(tables: dict[str, list[dict[str, str]]], table: str) -> list[tuple[str, ...]]:
        # where a row is said to come from differs (the raw text layer has a heading more)
        return sorted(
            tuple(v for k, v in r.items() if k != "source_location") for r in tables[table]
        )

    a, b = drafts["pdf-text-layer"].tables, drafts["reflowed"].tables
    for table in DRAFTED_TABLES:
        assert rows(a, table) == rows(b, table), table


def test_the_draft_is_a_valid_package_once_in_place(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    shutil.copytree(bundled_package_dir(), package)
    extract_source(RAW, tmp_path / "draft")
    for table in DRAFTED_TABLES:
        shutil.copy(tmp_path / "draft" / f"{table}.csv", package / "data" / f"{table}.csv")
    report = validate_package(package)
    assert report.valid, [p.format() for p in report.problems]


def test_draft_csvs_have_the_package_headers(tmp_path: Path) -> None:
    extract_source(REFLOWED, tmp_path)
    package = load_package()
    for table in DRAFTED_TABLES:
        with (tmp_path / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == package.resource(table).field_names


# ---- compare ----------------------------------------------------------------------------------


@BOTH
def test_extract_compare_reports_no_difference_in_projects_places_partners_and_figures(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "draft"
    result = CliRunner().invoke(
        cli, ["extract", str(source), "-o", str(out), "--compare", str(bundled_package_dir())]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # what the text does not state: the bounds the curators gave the 25 regional meetings
    assert lines[:-1] == [
        "events: ~ reunions-paca-2022-2023 start_date: '2022-11-04' -> ''",
        "events: ~ reunions-paca-2022-2023 end_date: '2023-11-08' -> ''",
        "events: ~ reunions-paca-2022-2023 date_precision: 'jour' -> ''",
        f"compared with {bundled_package_dir()}: 3 difference(s): events 3 changed",
    ]
    assert lines[-1] == (
        f"{source}: 7 projects, 19 figures, 5 challenges, 9 events, 20 partner links, "
        f"10 project territories, 0 warning(s); draft in {out}/"
    )
    changes = compare_extraction(extract_source(source), load_package())
    assert [c.format() for c in changes] == lines[:3]


def test_compare_shows_changed_added_and_removed_rows(tmp_path: Path) -> None:
    text = reflowed().replace("depuis juin 2023", "depuis juillet 2023")
    start = text.index("Var-Est :")
    end = text.index("EN COURS", start) + len("EN COURS")
    text = text[:start] + text[end:]  # Var-Est's project is gone
    new = (
        "\n\nBrignoles : créer une maison de santé pluriprofessionnelle en zone rurale.\n\n"
        "Elle ouvrira ses portes en 2024 avec 12 professionnels de santé.\n\nEN COURS\n"
    )
    text = text.replace("\n\nEt maintenant ?", new + "\nEt maintenant ?")
    changes = compare_extraction(extract_source(write(tmp_path, text)), load_package())
    projects = [c.format() for c in changes if c.table == "projects" and c.field != "summary"]
    assert projects == [
        "projects: ~ var-2023-aval-urgences start_date: '2023-06-01' -> '2023-07-01'",
        "projects: ~ var-2023-aval-urgences dates_stated: '« depuis juin 2023 »' -> "
        "'« depuis juillet 2023 »'",
        "projects: + var-2023-brignoles-creer-maison-sante-pluriprofessionnelle "
        "(Brignoles : créer une maison de santé pluriprofessionnelle en zone rurale.)",
        "projects: - var-2023-transports-var-est "
        "(Var-Est : développer une offre de transports sanitaires dans les zones en tension.)",
    ]
    summary = next(c for c in changes if c.field == "summary")
    assert "juin" in summary.old and "juillet" in summary.new
    assert "project_partners: - var-2023-transports-var-est/ars-paca/soutien" in [
        c.format() for c in changes
    ]


def test_compare_matches_projects_by_title_when_ids_differ(tmp_path: Path, write_package) -> None:
    package = write_package()
    for path in (package / "data").glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("var-2023-snp-saint-tropez", "projet-1"), encoding="utf-8")
    extraction = extract_source(REFLOWED)  # ids from the bundled package
    assert extraction.tables["projects"][0]["id"] == "var-2023-snp-saint-tropez"
    changes = compare_extraction(extraction, load_package(package))
    assert {c.table for c in changes} == {"events"}  # the project and its links matched


# ---- provenance -------------------------------------------------------------------------------


def _matchable(reference: Reference) -> Callable[[str], set[str]]:
    extra = []
    for t in reference.territories.values():
        if t.level == "region":
            extra += [context_entry(t.id, "notre région"), context_entry(t.id, "la région")]
    gazetteer = reference.gazetteer([e for e in extra if e is not None])
    return lambda text: {i for m in gazetteer.find(text) for i in m.candidates}


@BOTH
def test_every_drafted_field_has_provenance_pointing_at_its_snippet(
    source: Path, tmp_path: Path
) -> None:
    extract_source(source, tmp_path)
    raw = source.read_bytes().decode("utf-8")
    with (tmp_path / "provenance.csv").open(encoding="utf-8", newline="") as fh:
        provenance = list(csv.DictReader(fh))
    # every non-empty field of every drafted row has at least one provenance row
    covered = {(p["table"], p["row_id"], p["field"]) for p in provenance}
    reference = Reference.load()
    for table in DRAFTED_TABLES:
        pk = reference.schema(table)["primaryKey"]
        with (tmp_path / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                row_id = "/".join(row[k] for k in pk)
                for name, value in row.items():
                    if value:
                        assert (table, row_id, name) in covered, (table, row_id, name)
    names = _matchable(reference)
    units = Units(reference.enum("indicators", "unit"), reference.glossary)
    for p in provenance:
        assert p["source_file"] == str(source)
        if not p["char_start"]:
            assert p["method"] == "derived" and p["field"] in ("source_id", "basis")
            continue
        snippet = raw[int(p["char_start"]) : int(p["char_end"])]
        assert snippet == p["snippet"] and snippet.strip()
        text, value = flatten(snippet), p["value"]
        where = (p["table"], p["row_id"], p["field"], value, text)
        if p["method"] == "verbatim":
            assert text in value.replace("« ", "").replace(" »", ""), where
        elif p["method"] == "matched":
            assert value in names(text), where
        elif p["method"] == "parsed" and p["field"] == "status":
            assert status_of(text)[1] == value, where
        elif p["method"] == "parsed" and p["field"] in ("value", "unit", "qualifier"):
            read = [
                {"value": f.value, "unit": f.unit, "qualifier": f.qualifier}[p["field"]]
                for f in find_figures(text, units)  # « de 55 à 74 ans » reads as two
            ]
            assert (Decimal(value) if p["field"] == "value" else value) in read, where
        elif p["method"] == "parsed" and p["field"] in ("planned_year", "reference_year", "number"):
            assert value in text, where
        elif p["method"] == "parsed":  # a date
            (date,) = [d for d in find_dates(text) if not d.bare]
            assert value in (date.start_date, date.end_date, date.precision) or (
                date.year is None and value.endswith(date.start_date[4:] or value[4:])
            ), where


def test_provenance_of_a_title_in_the_raw_text_layer_spans_its_broken_lines(
    drafts: dict[str, Extraction],
) -> None:
    extraction = drafts["pdf-text-layer"]
    (p,) = [
        p
        for p in extraction.provenance
        if p.row_id == "var-2023-snp-saint-tropez" and p.field == "title"
    ]
    assert p.snippet.startswith("Structurer un modèle d’exercice \nmixte libéral/salarié")
    assert (
        "d’ur-\ngence" in p.snippet
        and flatten(p.snippet) == extraction.tables["projects"][0]["title"]
    )
    raw = RAW.read_text(encoding="utf-8")
    assert raw[p.char_start : p.char_end] == p.snippet


# ---- the CLI ----------------------------------------------------------------------------------


def test_cli_json_gives_counts_warnings_changes_and_tables(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "extract",
            str(REFLOWED),
            "-o",
            str(tmp_path),
            "--json",
            "--compare",
            str(bundled_package_dir()),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["projects"] == 7 and data["counts"]["indicators"] == 19
    assert data["warnings"] == [] and len(data["changes"]) == 3
    assert data["tables"]["projects"] == extract_source(REFLOWED).tables["projects"]
    assert data["written"] == str(tmp_path)


def test_cli_prints_warnings_with_their_location(tmp_path: Path) -> None:
    text = reflowed().replace("la clinique Malartic", "la clinique Sainte-Marguerite")
    result = CliRunner().invoke(
        cli, ["extract", str(write(tmp_path, text)), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 0
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "Sainte-Marguerite" in t)
    column = text.splitlines()[line - 1].index("clinique Sainte") + 1
    assert result.stderr == (
        f"warning: {tmp_path / 'dp-cnr-sante-var-2023-11.txt'}:{line}:{column}: unknown-organization: « clinique "
        "Sainte-Marguerite » is not in the organizations table: add it, then link it in "
        "project_partners\n"
    )
    with (tmp_path / "out" / "warnings.csv").open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["code"] == "unknown-organization" and row["snippet"] == "clinique Sainte-Marguerite"


# ---- unusual input ----------------------------------------------------------------------------

VARIANTS = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "nbsp-and-ligatures": lambda t: t.replace(" ", "\u00a0", 400).replace("fi", "\ufb01"),
    "narrow-nbsp-before-colon": lambda t: t.replace(" :", "\u202f:"),
    "curly-apostrophes": lambda t: t.replace("'", "\u2019"),
    "curly-double-quotes": lambda t: t.replace("«", "\u201c").replace("»", "\u201d"),
    "straight-double-quotes": lambda t: t.replace("«", '"').replace("»", '"'),
    "byte-order-mark": lambda t: "\ufeff" + t,
    "decomposed-accents": lambda t: __import__("unicodedata").normalize("NFD", t),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_typography_variants_give_the_same_projects(tmp_path: Path, name: str) -> None:
    extraction = extract_source(write(tmp_path, VARIANTS[name](reflowed())))
    drafted = by_key(extraction.tables["projects"], "id")
    for key, row in by_key(curated("projects"), "id").items():
        for field in PROJECT_FIELDS:
            assert drafted[key][field] == row[field], (key, field)
    assert len(extraction.tables["indicators"]) == 19 and extraction.warnings == []


def test_hyphenated_words_from_another_layout_are_joined(tmp_path: Path) -> None:
    text = reflowed().replace(
        "dépistage du cancer du poumon", "dépis-\ntage du can-\ncer du poumon"
    )
    text = text.replace("Provence-Alpes-Côte d'Azur, ce", "Provence-\nAlpes-Côte d'Azur, ce")
    extraction = extract_source(write(tmp_path, text))
    assert by_key(extraction.tables["projects"], "id") == by_key(
        extract_source(REFLOWED).tables["projects"], "id"
    )


def test_blocks_in_another_order_give_the_same_rows(tmp_path: Path) -> None:
    paragraphs = reflowed().split("\n\n")
    start = next(i for i, p in enumerate(paragraphs) if p.startswith("Draguignan"))
    title = next(i for i, p in enumerate(paragraphs) if p.startswith("CNR santé")) + 1
    # the last three projects first, right after the title, and Haut-Var after Var-Est
    moved = (
        paragraphs[:title]
        + paragraphs[start + 6 : start + 9]
        + paragraphs[start : start + 6]
        + paragraphs[title:start]
        + paragraphs[start + 9 :]
    )
    extraction = extract_source(write(tmp_path, "\n\n".join(moved)))
    expected = extract_source(REFLOWED)
    for table in ("project_partners", "project_territories", "indicators", "challenges"):
        assert sorted(map(str, extraction.tables[table])) == sorted(
            map(str, expected.tables[table])
        ), table
    drafted = by_key(extraction.tables["projects"], "id")
    for key, row in by_key(expected.tables["projects"], "id").items():
        assert {k: v for k, v in drafted[key].items() if k != "source_location"} == {
            k: v for k, v in row.items() if k != "source_location"
        }


@pytest.mark.parametrize("source", ["reflowed", "pdf-text-layer"])
def test_a_project_without_status_marker_is_kept_with_a_warning(
    tmp_path: Path, source: str
) -> None:
    text = (REFLOWED if source == "reflowed" else RAW).read_text(encoding="utf-8")
    cut = text.index("EN COURS", text.index("Haut-Var :"))
    text = text[:cut] + text[cut + len("EN COURS") :]
    extraction = extract_source(write(tmp_path, text))
    (warning,) = extraction.warnings
    assert warning.code == "missing-status-marker"
    assert warning.snippet.startswith("Haut-Var : déployer")
    assert warning.line == text[: text.index("Haut-Var :")].count("\n") + 1
    projects = by_key(extraction.tables["projects"], "id")
    assert len(projects) == 7
    assert projects[("var-2023-telemedecine-haut-var",)]["status"] == ""
    assert projects[("var-2023-telemedecine-haut-var",)]["status_date"] == ""
    assert projects[("var-2023-transports-var-est",)]["status"] == "en-cours"


def test_an_unknown_status_marker_is_a_warning(tmp_path: Path) -> None:
    text = reflowed().replace("EN COURS\n\nEt maintenant", "PROJET SUSPENDU\n\nEt maintenant")
    extraction = extract_source(write(tmp_path, text))
    assert [w.code for w in extraction.warnings] == ["unknown-status"]
    row = by_key(extraction.tables["projects"], "id")[("var-2023-transports-var-est",)]
    assert (row["status"], row["status_stated"]) == ("", "PROJET SUSPENDU")


def test_unknown_names_and_unparsed_figures_are_warnings_with_their_snippet(tmp_path: Path) -> None:
    text = (
        reflowed()
        .replace("la clinique Malartic", "la clinique Sainte-Marguerite")
        .replace("Unités mobiles composée", "12 véhicules et unités mobiles composée")
        .replace("Draguignan : promouvoir", "Brignoles : promouvoir")
        .replace("Cette action sera lancée", "Le SAMU et cette action sera lancée")
    )
    extraction = extract_source(write(tmp_path, text))
    found = sorted((w.code, w.snippet) for w in extraction.warnings)
    assert found == [
        ("unknown-organization", "SAMU"),
        ("unknown-organization", "clinique Sainte-Marguerite"),
        ("unknown-territory", "Brignoles"),
        ("unparsed-figure", "12"),
    ]
    for w in extraction.warnings:
        assert text[w.char_start : w.char_end] == w.snippet


def test_counts_the_text_states_are_checked(tmp_path: Path) -> None:
    text = (
        reflowed()
        .replace("émerger 7 projets", "émerger 8 projets")
        .replace("quatre grands défis", "cinq grands défis")
    )
    codes = [(w.code, w.message) for w in extract_source(write(tmp_path, text)).warnings]
    assert ("count-mismatch", "the text announces 5 items, the list has 4") in codes
    assert ("count-mismatch", "the text announces 8 projects, 7 project blocks found") in codes


def test_a_text_without_projects_is_a_result_with_a_warning(tmp_path: Path) -> None:
    extraction = extract_source(write(tmp_path, "Un communiqué.\n\nIl ne parle d'aucun projet.\n"))
    assert extraction.tables["projects"] == []
    assert {w.code for w in extraction.warnings} == {"no-project", "no-reference-date"}


def test_windows_1252_text_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "kit.txt"
    path.write_bytes(reflowed().replace("«", '"').replace("»", '"').encode("cp1252"))
    extraction = extract_source(path)
    assert [w.code for w in extraction.warnings] == ["encoding"]
    assert len(extraction.tables["projects"]) == 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \r\n\n\t", "empty"),
        (b"\x00\x01\x02binary\x00" * 50, "binary"),
        (bytes(range(256)) * 8, "binary"),
    ],
    ids=["empty", "blank", "nul-bytes", "random-bytes"],
)
def test_unreadable_sources_are_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "kit.txt"
    path.write_bytes(content)
    with pytest.raises(ExtractError, match=message):
        extract_source(path)
    result = CliRunner().invoke(cli, ["extract", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}: ") and message in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("what", ["missing", "folder"])
def test_a_missing_source_or_a_folder_is_a_clear_error(tmp_path: Path, what: str) -> None:
    path = tmp_path / ("nothing.pdf" if what == "missing" else "")
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert "Traceback" not in result.output


# ---- the next press kit -----------------------------------------------------------------------

NEXT_KIT = """\
DOSSIER DE PRESSE
CNR santé dans les Hautes-Alpes : bilan

Au 15 octobre 2024, le bilan compte plus de 12 projets dans notre région.

Dans les Hautes-Alpes, 4 réunions se sont tenues.

Gap : créer une équipe mobile de gériatrie avec le centre hospitalier de
Gap et la CPTS du Gapençais.
L'équipe, lancée en mars 2024, suit près de 150 patients.
PROJET RÉALISÉ

Briançon : ouvrir un centre de soins non programmés.
Il ouvrira en 2025.
EN COURS
"""


def test_a_kit_from_another_departement_needs_no_code_change(tmp_path: Path, write_package) -> None:
    package = write_package(
        rows={
            "territories": [
                {
                    "id": "com-05061",
                    "name": "Gap",
                    "level": "commune",
                    "insee_code": "05061",
                    "parent_id": "dep-05",
                    "source_id": "insee-cog-2023",
                    "note": "",
                },
            ],
            "organizations": [
                {
                    "id": "ch-gap",
                    "name": "Centre hospitalier de Gap",
                    "acronym": "CH",
                    "kind": "etablissement-sante",
                    "is_group": "false",
                    "group_size": "",
                    "territory_id": "com-05061",
                    "finess": "",
                    "siren": "",
                    "name_basis": "declare",
                    "source_id": "dp-cnr-sante-var-2023-11",
                    "note": "",
                },
            ],
        }
    )
    extraction = extract_source(
        write(tmp_path, NEXT_KIT, "dp-hautes-alpes.txt"), reference=load_package(package)
    )
    projects = extraction.tables["projects"]
    assert [(p["id"], p["territory_id"], p["departement_id"], p["status"]) for p in projects] == [
        ("hautes-alpes-2024-gap-creer-equipe-mobile-geriatrie", "com-05061", "dep-05", "realise"),
        ("hautes-alpes-2024-briancon-ouvrir-centre-soins-non", "dep-05", "dep-05", "en-cours"),
    ]
    gap, briancon = projects
    assert (gap["start_date"], gap["date_precision"], gap["status_date"], gap["round"]) == (
        "2024-03-01",
        "mois",
        "2024-10-15",
        "2023-2024",
    )
    assert gap["source_id"] == "dp-hautes-alpes"
    assert (briancon["planned_year"], briancon["dates_stated"]) == (
        "2025",
        "« Il ouvrira en 2025. »",
    )
    places = [
        (r["territory_id"], r["basis"], r["note"]) for r in extraction.tables["project_territories"]
    ]
    assert places[1] == ("dep-05", "infere", "Territoire du document (« Hautes-Alpes »)")
    partners = extraction.tables["project_partners"]
    assert [(r["organization_id"], r["role"]) for r in partners] == [("ch-gap", "partenaire")]
    figures = [
        (r["value"], r["unit"], r["qualifier"], r["territory_id"])
        for r in extraction.tables["indicators"]
    ]
    assert figures == [("12", "projets", "plus-de", "reg-93"), ("4", "reunions", "exact", "dep-05")]
    assert [(e["id"], e["kind"], e["territory_id"]) for e in extraction.tables["events"]] == [
        ("bilan-2024-10-15", "bilan", "reg-93"),
        ("reunions-hautes-alpes-2023-2024", "ensemble-de-reunions", "dep-05"),
    ]
    changes = compare_extraction(extraction, load_package(package))
    assert {c.kind for c in changes} == {"added"}  # nothing of the Var kit is « removed »
    assert [c.key for c in changes if c.table == "projects"] == [p["id"] for p in projects]
    assert [(w.code, w.snippet) for w in extraction.warnings] == [
        ("unknown-territory", "Briançon"),
        ("unknown-organization", "CPTS du Gapençais"),
        ("unparsed-figure", "près de 150"),
    ]


def test_a_project_given_twice_gets_two_ids(tmp_path: Path) -> None:
    text = reflowed()
    start = text.index("Var-Est :")
    block = text[start : text.index("EN COURS", start) + len("EN COURS")]
    extraction = extract_source(write(tmp_path, text.replace(block, f"{block}\n\n{block}")))
    ids = [r["id"] for r in extraction.tables["projects"]]
    assert len(ids) == len(set(ids)) == 8
    assert "var-2023-transports-var-est" in ids
    assert "var-2023-var-est-developper-offre-transports-sanitaires" in ids


PIECES = [
    *"aé Z:;.,-/'«»\n\r\t\f\u00a0\u00ad\ufb01\x0012",
    "PROJET RÉALISÉ",
    "EN COURS",
    "Toulon : renforcer",
    "du 1er juin au 30 septembre 2023",
    "près de 700 participants",
    "1. ",
    "au 8 novembre 2023",
    "CPTS",
    "l'ARS",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_any_text_gives_a_result_or_a_clear_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "kit.txt"
    path.write_bytes(text.encode("utf-8"))
    try:
        extraction = extract_source(path)
    except ExtractError as exc:
        assert str(exc).startswith(f"{path}: ")
        return
    for p in extraction.provenance:
        if p.char_start is not None:
            assert text[p.char_start : p.char_end] == p.snippet
