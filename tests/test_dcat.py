"""The DCAT-AP 3.0.1 description of a release passes the official shapes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyshacl
import pytest
import rdflib

from cnr_opendata.package import load_package
from cnr_opendata.rdf import write_catalog
from conftest import SHARED
from rdf_helpers import BASE, export

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
OFFICIAL = SHARED / "external" / "dcat-ap-3.0.1" / "dcat-ap-SHACL.ttl"


@dataclass(frozen=True)
class File:
    path: str
    title: str
    description: str
    mediatype: str
    role: str
    bytes: int | None
    sha256: str | None


def _files(folder: Path) -> list[File]:
    import hashlib

    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            rel = p.relative_to(folder).as_posix()
            data = p.read_bytes()
            out.append(
                File(
                    rel,
                    rel,
                    "",
                    "text/plain",
                    "documentation",
                    len(data),
                    hashlib.sha256(data).hexdigest(),
                )
            )
    out.append(
        File(
            "cnr-sante-projets-1.0.0.zip", "Archive", "Tout", "application/zip", "main", None, None
        )
    )
    return out


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[File]]:
    folder = tmp_path_factory.mktemp("dcat") / "release"
    export(folder)
    files = _files(folder)
    return write_catalog(load_package(folder), folder, files, base_iri=BASE), files


def test_catalog_conforms_to_the_official_dcat_ap_shapes(catalog: tuple[Path, list[File]]) -> None:
    if not OFFICIAL.is_file():  # shared/ is beside the checkout here and in CI, not on GitHub
        pytest.skip(f"the official DCAT-AP 3.0.1 shapes are not at {OFFICIAL} (../shared/external)")
    data = rdflib.Graph().parse(str(catalog[0]), format="turtle")
    shapes = rdflib.Graph().parse(str(OFFICIAL), format="turtle")
    conforms, _graph, text = pyshacl.validate(data, shacl_graph=shapes, allow_warnings=True)
    assert conforms, text


def test_one_distribution_per_file_with_size_checksum_and_types(
    catalog: tuple[Path, list[File]],
) -> None:
    path, files = catalog
    g = rdflib.Graph().parse(str(path), format="turtle")
    (dataset,) = g.subjects(rdflib.RDF.type, DCAT.Dataset)
    dists = set(g.objects(dataset, DCAT.distribution))
    assert len(dists) == len(files)
    sizes = {int(o) for d in dists for o in g.objects(d, DCAT.byteSize)}
    assert sizes == {f.bytes for f in files if f.bytes is not None}
    zips = [d for d in dists if str(d).endswith(".zip")]
    assert len(zips) == 1 and g.value(zips[0], DCAT.byteSize) is None  # the zip holds catalog.ttl
    eu = "http://publications.europa.eu/resource/authority/"
    assert g.value(dataset, DCT.accrualPeriodicity) == rdflib.URIRef(eu + "frequency/IRREG")
    assert rdflib.URIRef(eu + "data-theme/HEAL") in set(g.objects(dataset, DCAT.theme))
    licence = g.value(dataset, DCT.license)
    assert (licence, rdflib.RDF.type, DCT.LicenseDocument) in g
    spatial = set(g.objects(dataset, DCT.spatial))
    assert rdflib.URIRef(f"{BASE}/territoire/reg-93") in spatial
    assert rdflib.URIRef(f"{BASE}/territoire/dep-83") in spatial
    period = g.value(dataset, DCT.temporal)
    assert str(g.value(period, DCAT.startDate)) == "2022-09-01"
    formats = {str(o) for d in dists for o in g.objects(d, DCT["format"])}
    assert eu + "file-type/RDF_TURTLE" in formats and eu + "file-type/CSV" in formats


def test_catalog_is_deterministic(catalog: tuple[Path, list[File]], tmp_path: Path) -> None:
    path, files = catalog
    again = write_catalog(load_package(path.parent), tmp_path, files, base_iri=BASE)
    assert again.read_bytes() == path.read_bytes()
