"""Shared fixtures: a factory that writes a small package for each test, and component checks.

In CI (``CI=true``) a test that needs an installable component (rapper, chromium, udata,
oxigraph) must not skip: `.ci/run` installs them all, so a missing one is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cnr_opendata.paths import bundled_package_dir

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def need(component: str, available: bool, hint: str) -> None:
    """Skip (or, in CI, fail) when an outside component the test needs is absent."""
    if available:
        return
    message = f"{component} is not installed ({hint}); `.ci/run` installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(f"in CI every component must be present: {message}")
    pytest.skip(message)


PackageFactory = Callable[..., Path]


@pytest.fixture
def write_package(tmp_path: Path) -> PackageFactory:
    """Copy the bundled package into ``tmp_path/pkg`` and apply edits.

    ``write_package(csv={"projects": text})`` replaces a CSV's text, ``raw={"projects": bytes}``
    its bytes, ``rows={"projects": [dict, ...]}`` appends rows, ``descriptor=fn`` edits the
    descriptor, ``schema={"projects": fn}`` edits a schema.
    """

    def make(
        *,
        csv: dict[str, str] | None = None,
        raw: dict[str, bytes] | None = None,
        rows: dict[str, list[dict[str, str]]] | None = None,
        descriptor: Callable[[dict[str, Any]], None] | None = None,
        schema: dict[str, Callable[[dict[str, Any]], None]] | None = None,
        name: str = "pkg",
    ) -> Path:
        root = tmp_path / name
        shutil.copytree(bundled_package_dir(), root)
        for table, text in (csv or {}).items():
            (root / "data" / f"{table}.csv").write_text(text, encoding="utf-8", newline="")
        for table, data in (raw or {}).items():
            (root / "data" / f"{table}.csv").write_bytes(data)
        for table, new_rows in (rows or {}).items():
            import csv as _csv

            path = root / "data" / f"{table}.csv"
            with path.open(encoding="utf-8", newline="") as fh:
                header = next(_csv.reader(fh))
            with path.open("a", encoding="utf-8", newline="") as fh:
                writer = _csv.DictWriter(fh, header, lineterminator="\n")
                for row in new_rows:
                    writer.writerow(row)
        if descriptor:
            path = root / "datapackage.json"
            d = json.loads(path.read_text(encoding="utf-8"))
            descriptor(d)
            path.write_text(json.dumps(d, ensure_ascii=False, indent=2), encoding="utf-8")
        for table, edit in (schema or {}).items():
            path = root / "schemas" / f"{table}.json"
            s = json.loads(path.read_text(encoding="utf-8"))
            edit(s)
            path.write_text(json.dumps(s, ensure_ascii=False, indent=2), encoding="utf-8")
        return root

    return make


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def real_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build of the bundled package, shared by the tests that only read it."""
    from cnr_opendata.release import build_release

    return build_release(None, tmp_path_factory.mktemp("release")).path
