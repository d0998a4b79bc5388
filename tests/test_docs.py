"""Every command is documented: in the README, and with an example in its help."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cnr_opendata.cli import cli

REPO = Path(__file__).resolve().parent.parent


def commands(group: click.Group = cli, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from commands(command, full + " ")
        else:
            yield full, command


ALL = [name for name, _ in commands()]


@pytest.mark.parametrize("name", ALL)
def test_command_is_in_the_readme(name: str) -> None:
    assert f"cnr-opendata {name}" in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ALL)
def test_command_help_has_an_example(name: str) -> None:
    result = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output, result.output


def test_help_does_not_import_heavy_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from cnr_opendata.cli import cli; "
        "CliRunner().invoke(cli, ['--help']); "
        "print(sorted(m for m in ('pandas', 'frictionless', 'rdflib', 'pyarrow', 'pyoxigraph', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_citation_and_changelog_name_the_current_versions() -> None:
    import json

    import yaml

    from cnr_opendata import __version__

    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    package = json.loads((REPO / "datapackage" / "datapackage.json").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == __version__
    dataset = citation["preferred-citation"]
    assert dataset["type"] == "data" and str(dataset["version"]) == package["version"]
    assert dataset["title"] == package["title"]
    assert all(a.get("name") for a in [*citation["authors"], *dataset["authors"]])
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{__version__}] — " in changelog
