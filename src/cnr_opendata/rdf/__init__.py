"""Linked data: the mapping declared in the Table Schemas, streaming RDF writers, SHACL shapes,
CSVW metadata and the DCAT-AP catalogue.

Entry points for the release build: :func:`write_rdf` and :func:`write_catalog`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnr_opendata.paths import vocab_dir
from cnr_opendata.rdf.mapping import Mapping, MappingError, mapping_of
from cnr_opendata.rdf.shapes import ShaclResult

if TYPE_CHECKING:
    from cnr_opendata.rdf.shacl_worker import ShaclProcess

__all__ = [
    "MappingError",
    "RdfExport",
    "ShaclResult",
    "default_workers",
    "export_rdf",
    "read_shacl_results",
    "vocabulary_files",
    "write_catalog",
    "write_rdf",
]

SHACL_REPORT = "shacl-report.ttl"
#: Exports estimated below this many triples are rendered by one thread (no pool to start).
PARALLEL_TRIPLES = 200_000
CSVW_METADATA = "csv-metadata.json"
#: Files of ``vocab/`` copied into a release (plus ``shapes.ttl``, regenerated for its base).
_VOCAB_GLOBS = (
    "*.ttl",
    "*.jsonld",
    "README.md",
    "concepts/*.ttl",
    "queries/*.rq",
    "queries/expected/*",
)


def vocabulary_files(folder: Path | None = None) -> list[Path]:
    """The Turtle files whose triples go into the export with the data: the ontology and the
    SKOS concept schemes (not the shapes)."""
    root = folder or vocab_dir()
    return [root / "cnr.ttl", *sorted((root / "concepts").glob("*.ttl"))]


def _copy_vocabulary(target: Path, shapes_ttl: str) -> None:
    root = vocab_dir()
    for pattern in _VOCAB_GLOBS:
        for src in sorted(root.glob(pattern)):
            if src.name == "shapes.ttl" or not src.is_file():
                continue
            dst = target / src.relative_to(root)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
    (target / "shapes.ttl").write_text(shapes_ttl, encoding="utf-8", newline="\n")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@dataclass
class RdfExport:
    """What :func:`export_rdf` wrote: the statistics :func:`write_rdf` returns, and the size and
    sha256 of each RDF file, computed while writing it (a release lists every file's checksum;
    re-reading gigabytes to hash them would cost as much again)."""

    stats: dict[str, int]
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (sha256, bytes)


def default_workers() -> int:
    """Threads the RDF export and the zip use by default: the cores available, at most 2."""
    from cnr_opendata.archive import default_workers as cores

    return cores()


def _estimated_triples(package: Any, mapping: Mapping) -> int:
    """About one triple per 20 bytes of mapped CSV (18 in the synthetic benchmark packages)."""
    root = Path(package.root)
    return (
        sum((root / tm.path).stat().st_size for tm in mapping.tables if (root / tm.path).is_file())
        // 20
    )


def write_rdf(
    package: Any, out_dir: Path, *, base_iri: str, workers: int | None = None
) -> dict[str, int]:
    """Write the linked-data export of ``package`` (a loaded
    :class:`~cnr_opendata.package.Package`) into ``out_dir``.

    Writes ``<name>.nt``, ``<name>.ttl``, ``<name>.jsonld`` (the same triples, each once;
    the N-Triples sorted up to :data:`~cnr_opendata.rdf.writers.SORTED_LIMIT` triples),
    ``csv-metadata.json``, ``vocab/`` (ontology, concept schemes, shapes for this base, JSON-LD
    context, example queries) and ``shacl-report.ttl``. ``workers`` threads render the RDF
    (default: :func:`default_workers`); the files are the same bytes whatever their number.
    Returns ``{"triples": n, "shacl_conforms": 0|1, "shacl_results": k,
    "shacl_validated_triples": m, "shacl_sampled": 0|1}``; read the results with
    :func:`read_shacl_results`. Raises :class:`MappingError` when the schemas' ``x-rdf``
    declarations are wrong. The primary keys must hold (the build validates the package first).
    """
    return export_rdf(package, out_dir, base_iri=base_iri, workers=workers).stats


def export_rdf(
    package: Any,
    out_dir: Path,
    *,
    base_iri: str,
    workers: int | None = None,
    shacl: ShaclProcess | None = None,
) -> RdfExport:
    """:func:`write_rdf`, also returning the size and sha256 of each RDF file. ``shacl``: a
    worker process started earlier that validates the sample (else it is done here)."""
    from cnr_opendata.rdf.csvw import csvw_metadata
    from cnr_opendata.rdf.shapes import generate_shapes, validate_sample
    from cnr_opendata.rdf.writers import check_base_iri, write_export

    check_base_iri(base_iri)
    base = base_iri.rstrip("/")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    mapping = mapping_of(package)
    threads = default_workers() if workers is None else max(1, workers)
    if _estimated_triples(package, mapping) < PARALLEL_TRIPLES:
        threads = 1
    export = write_export(
        mapping,
        Path(package.root),
        out,
        package.name,
        base_iri=base,
        vocabulary=vocabulary_files(),
        workers=threads,
    )
    _write_json(out / CSVW_METADATA, csvw_metadata(mapping, base, package))
    shapes_ttl = generate_shapes(mapping, base)
    _copy_vocabulary(out / "vocab", shapes_ttl)
    check = shacl.validate if shacl is not None else validate_sample
    outcome = check(export.sample, shapes_ttl, sampled=export.sampled)
    (out / SHACL_REPORT).write_text(outcome.report, encoding="utf-8", newline="\n")
    stats = {
        "triples": export.triples,
        "shacl_conforms": int(outcome.conforms),
        "shacl_results": len(outcome.results),
        "shacl_validated_triples": outcome.validated_triples,
        "shacl_sampled": int(outcome.sampled),
    }
    files = {name: (d.sha256, d.bytes) for name, d in export.files.items()}
    return RdfExport(stats, files)


def read_shacl_results(report: Path) -> list[ShaclResult]:
    """The results of a ``shacl-report.ttl`` written by :func:`write_rdf`, sorted."""
    import rdflib

    from cnr_opendata.rdf.shapes import _results

    return _results(rdflib.Graph().parse(str(report), format="turtle"))


def write_catalog(package: Any, out_dir: Path, files: list[Any], *, base_iri: str) -> Path:
    """Write ``catalog.ttl``: the DCAT-AP 3.0.1 description of the release in ``out_dir``,
    one distribution per item of ``files`` (objects with ``path``, ``title``, ``description``,
    ``mediatype``, ``role``, ``bytes`` and ``sha256``; ``bytes``/``sha256`` may be ``None``)."""
    from cnr_opendata.rdf.dcat import CATALOG_PREFIXES, catalog_graph, sorted_turtle

    try:
        mapping: Mapping | None = mapping_of(package)
    except MappingError:
        mapping = None
    graph = catalog_graph(package, files, base_iri=base_iri, mapping=mapping)
    target = Path(out_dir) / "catalog.ttl"
    target.write_bytes(sorted_turtle(graph, CATALOG_PREFIXES))
    return target
