"""Helpers shared by the RDF tests: a release-like folder with the linked-data export."""

from __future__ import annotations

import shutil
from pathlib import Path

from cnr_opendata.package import load_package
from cnr_opendata.paths import bundled_package_dir
from cnr_opendata.rdf import write_rdf

BASE = "https://w3id.org/cnr-sante"
NAME = "cnr-sante-projets"


def export(folder: Path, package_dir: Path | None = None, base_iri: str = BASE) -> dict[str, int]:
    """Copy a package (the bundled one by default) into ``folder`` and write its RDF there."""
    shutil.copytree(package_dir or bundled_package_dir(), folder)
    return write_rdf(load_package(folder), folder, base_iri=base_iri)
