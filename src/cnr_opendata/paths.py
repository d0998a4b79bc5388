"""Where the bundled data package and vocabulary live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    # In a wheel, hatch force-includes the top-level folders under cnr_opendata/_bundled/.
    installed = _HERE / "_bundled" / name
    if installed.is_dir():
        return installed
    # In a source checkout (editable install, tests), they sit at the repository root.
    return _HERE.parent.parent / name


def bundled_package_dir() -> Path:
    """The curated CNR santé data package shipped with the tool."""
    return _bundled("datapackage")


def vocab_dir() -> Path:
    """The project's vocabulary folder (ontology, SKOS schemes, shapes, context, queries)."""
    return _bundled("vocab")
