"""`diff` between releases, and the release notes each build writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from cnr_opendata.cli import cli
from cnr_opendata.diff import diff_packages
from cnr_opendata.release import build_release


def edited_copy(release: Path, tmp_path: Path) -> Path:
    """The release with one project title changed, one glossary row added, one removed."""
    copy = tmp_path / "new"
    shutil.copytree(release, copy, ignore=shutil.ignore_patterns(".store"))
    projects = copy / "data" / "projects.csv"
    projects.write_text(
        projects.read_text(encoding="utf-8").replace(
            "Var-Est : développer une offre", "Var-Est : développer l'offre"
        ),
        encoding="utf-8",
    )
    glossary = copy / "data" / "glossary.csv"
    lines = glossary.read_text(encoding="utf-8").splitlines(keepends=True)
    removed = [line for line in lines if line.startswith("ars,")]
    kept = [line for line in lines if not line.startswith("ars,")]
    kept.append("sas,SAS,service d'accès aux soins,,curateur,curation-cnr-opendata,\n")
    glossary.write_text("".join(kept), encoding="utf-8")
    assert removed
    return copy


def test_diff_reports_exactly_one_change_one_addition_one_removal(
    real_release: Path, tmp_path: Path
) -> None:
    result = diff_packages(real_release, edited_copy(real_release, tmp_path))
    assert result.counts() == (1, 1, 1)
    tables = {t.table: t for t in result.tables}
    assert tables["glossary"].added == ["sas"] and tables["glossary"].removed == ["ars"]
    (change,) = tables["projects"].changed
    assert change.key == "var-2023-transports-var-est"
    assert [f.field for f in change.fields] == ["title"]
    assert all(t.empty for name, t in tables.items() if name not in ("glossary", "projects"))


def test_diff_cli_text_and_json(real_release: Path, tmp_path: Path) -> None:
    new = edited_copy(real_release, tmp_path)
    text = CliRunner().invoke(cli, ["diff", str(real_release), str(new)])
    assert text.exit_code == 0
    assert "glossary: + sas" in text.output and "glossary: - ars" in text.output
    assert "projects: ~ var-2023-transports-var-est title:" in text.output
    assert text.output.rstrip().endswith(
        "1 row(s) added, 1 removed, 1 changed between 1.0.0 and 1.0.0"
    )
    data = json.loads(
        CliRunner().invoke(cli, ["diff", str(real_release), str(new), "--json"]).output
    )
    assert data == json.loads(diff_packages(real_release, new).to_json())


def test_identical_packages_have_no_difference(real_release: Path) -> None:
    assert diff_packages(real_release, real_release).empty


def test_each_build_writes_release_notes_against_the_previous_release(
    write_package, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = build_release(None, out).path
    assert (
        (first / "CHANGES.md").read_text(encoding="utf-8").endswith("Première version publiée.\n")
    )

    def bump(d: dict) -> None:
        d["version"] = "1.1.0"

    pkg = write_package(descriptor=bump)
    glossary = pkg / "data" / "glossary.csv"
    glossary.write_text(
        glossary.read_text(encoding="utf-8")
        + "sas,SAS,service d'accès aux soins,,curateur,curation-cnr-opendata,\n",
        encoding="utf-8",
    )
    second = build_release(pkg, out).path
    notes = (second / "CHANGES.md").read_text(encoding="utf-8")
    assert "Par rapport à la version 1.0.0 : 1 ligne(s) ajoutée(s)" in notes
    assert "- ajoutée : `sas`" in notes


def _release_copy(release: Path, out: Path, name: str, version: str) -> Path:
    """A copy of ``release`` claiming another package name or version."""
    target = out / f"{name}-{version}"
    shutil.copytree(release, target, ignore=shutil.ignore_patterns(".store"))
    path = target / "datapackage.json"
    d = json.loads(path.read_text(encoding="utf-8"))
    d.update(name=name, version=version)
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return target


def test_release_notes_compare_with_the_highest_lower_version_of_the_same_package(
    real_release: Path, write_package, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _release_copy(real_release, out, "cnr-sante-projets", "1.0.0")
    _release_copy(real_release, out, "cnr-sante-projets", "0.9.0")
    newer = _release_copy(real_release, out, "cnr-sante-projets", "1.10.0")  # built last
    (newer / "data" / "glossary.csv").write_text("id\n", encoding="utf-8")
    _release_copy(real_release, out, "cnr-sante-projets-mentale", "1.0.5")  # another package

    def version(d: dict) -> None:
        d["version"] = "1.2.0"

    notes = (build_release(write_package(descriptor=version), out).path / "CHANGES.md").read_text(
        encoding="utf-8"
    )
    assert notes == (
        "# Notes de version 1.2.0\n\nAucune donnée ne change par rapport à la version 1.0.0.\n"
    )


def test_release_notes_list_new_tables_and_columns_and_cut_long_lists(
    real_release: Path, tmp_path: Path, monkeypatch
) -> None:
    import cnr_opendata.diff

    new = edited_copy(real_release, tmp_path)
    glossary = new / "data" / "glossary.csv"
    glossary.write_text(
        glossary.read_text(encoding="utf-8")
        + "sap,SAP,service d'aide à la personne,,curateur,curation-cnr-opendata,\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(cnr_opendata.diff, "NOTES_LIMIT", 1)
    notes = diff_packages(real_release, new).to_markdown()
    assert "Par rapport à la version 1.0.0 : 2 ligne(s) ajoutée(s), 1 supprimée(s)" in notes
    assert "- ajoutée : `sas`" in notes and "`sap`" not in notes
    assert "- … et 1 autre(s) ligne(s) : `cnr-opendata diff` les liste toutes." in notes
    assert (
        "- modifiée : `var-2023-transports-var-est`, `title` : « Var-Est : développer une offre"
        in notes
    )
    full = diff_packages(real_release, new)
    assert [t.added for t in full.tables if t.table == "glossary"] == [["sas", "sap"]]
