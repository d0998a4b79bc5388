"""The release a researcher downloads: complete, checksummed, deterministic, atomic."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cnr_opendata.cli import cli
from cnr_opendata.errors import InvalidPackageError
from cnr_opendata.release import build_release, find_release, release_files

REPO = Path(__file__).resolve().parent.parent


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_build_writes_the_release_folder(tmp_path: Path) -> None:
    release = build_release(None, tmp_path)
    assert release.path == tmp_path / "cnr-sante-projets-1.0.0"
    names = {p.relative_to(release.path).as_posix() for p in release.path.rglob("*") if p.is_file()}
    assert {
        "datapackage.json",
        "README.md",
        "data/projects.csv",
        "schemas/projects.json",
        "cnr-sante-projets-1.0.0.zip",
    } <= names
    assert release.stats["rows"] == 127


def test_descriptor_has_bytes_and_hash_of_each_csv(real_release: Path) -> None:
    d = json.loads((real_release / "datapackage.json").read_text(encoding="utf-8"))
    for r in d["resources"]:
        data = (real_release / r["path"]).read_bytes()
        assert r["bytes"] == len(data)
        assert r["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert isinstance(r["schema"], dict)  # inlined: one file describes everything


def test_release_passes_frictionless_validate(real_release: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "frictionless",
            "validate",
            "--json",
            str(real_release / "datapackage.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout)
    assert report["valid"], result.stdout[:2000]


def test_csvs_are_normalised(real_release: Path) -> None:
    for csv_path in (real_release / "data").glob("*.csv"):
        data = csv_path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" not in data
        data.decode("utf-8")


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    a = build_release(None, tmp_path / "a").path
    b = build_release(None, tmp_path / "b").path
    assert digests(a) == digests(b)


def test_zip_holds_the_whole_release(real_release: Path) -> None:
    with zipfile.ZipFile(real_release / "cnr-sante-projets-1.0.0.zip") as zf:
        names = set(zf.namelist())
        inside = zf.read("cnr-sante-projets-1.0.0/data/projects.csv")
    on_disk = {
        f"cnr-sante-projets-1.0.0/{p}" for p in digests(real_release) if not p.endswith(".zip")
    }
    assert names == on_disk
    assert inside == (real_release / "data" / "projects.csv").read_bytes()


def test_invalid_package_builds_nothing_and_keeps_the_previous_release(
    write_package, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    good = build_release(None, out).path
    before = digests(good)
    bad = write_package(csv={"projects": "id\n"})
    with pytest.raises(InvalidPackageError) as exc:
        build_release(bad, out)
    assert not exc.value.report.valid
    assert digests(good) == before
    assert sorted(p.name for p in out.iterdir()) == ["cnr-sante-projets-1.0.0"]


def test_failure_during_write_leaves_no_partial_folder(tmp_path: Path, monkeypatch) -> None:
    import cnr_opendata.release as rel

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(rel, "_write_zip", boom)
    with pytest.raises(OSError):
        build_release(None, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_base_iri_is_recorded(tmp_path: Path) -> None:
    release = build_release(None, tmp_path, base_iri="https://example.org/cnr/")
    d = json.loads((release.path / "datapackage.json").read_text(encoding="utf-8"))
    assert d["baseIri"] == "https://example.org/cnr"


def test_release_files_describe_every_file(real_release: Path) -> None:
    files = {f.path: f for f in release_files(real_release)}
    assert files["data/projects.csv"].role == "main"
    assert files["data/projects.csv"].title == "Projets (CSV)"
    assert files["data/projects.csv"].mediatype == "text/csv"
    assert files["README.md"].role == "documentation"
    for f in files.values():
        assert f.sha256 == hashlib.sha256((real_release / f.path).read_bytes()).hexdigest()


def test_find_release_explains_what_to_do(tmp_path: Path) -> None:
    from cnr_opendata.errors import ReleaseError

    with pytest.raises(ReleaseError, match="run `cnr-opendata build` first"):
        find_release(out_dir=tmp_path)


def test_build_cli_matches_library(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "-o", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"built {tmp_path / 'cnr-sante-projets-1.0.0'}: 11 tables, 127 rows"
    )
    assert digests(tmp_path / "cnr-sante-projets-1.0.0") == digests(
        build_release(None, tmp_path / "lib").path
    )


@pytest.mark.slow
def test_wheel_ships_the_package_and_builds_from_any_folder(tmp_path: Path) -> None:
    """`pip install .` then `cnr-opendata build` works outside the source tree."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(REPO),
        ],
        check=True,
    )
    (wheel,) = wheel_dir.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert "cnr_opendata/_bundled/datapackage/datapackage.json" in names
    assert "cnr_opendata/_bundled/datapackage/data/projects.csv" in names
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); import cnr_opendata; assert cnr_opendata.__file__.startswith(sys.argv[1]); from cnr_opendata.cli import cli; cli(args=sys.argv[2:])",
            str(target),
            "build",
            "--quiet",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (work / "build" / "cnr-sante-projets-1.0.0" / "data" / "projects.csv").is_file()


def test_a_carriage_return_inside_a_cell_stays_inside_it(write_package, tmp_path: Path) -> None:
    import csv as _csv

    text = "avant\rretour\r\nfin"
    pkg = write_package(
        rows={
            "glossary": [
                {
                    "id": "cr",
                    "term": text,
                    "expansion": "",
                    "definition": "",
                    "basis": "curateur",
                    "source_id": "curation-cnr-opendata",
                    "source_location": "",
                }
            ]
        }
    )
    release = build_release(pkg, tmp_path / "out")
    with (release.path / "data" / "glossary.csv").open(encoding="utf-8", newline="") as fh:
        kept = {r["id"]: r for r in _csv.DictReader(fh)}
    assert kept["cr"]["term"] == text
