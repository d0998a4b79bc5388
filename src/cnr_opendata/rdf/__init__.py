"""Linked data: the mapping declared in the Table Schemas, streaming RDF writers, SHACL shapes,
CSVW metadata and the DCAT-AP catalogue.

Entry points for the release build: :func:`write_rdf` and :func:`write_catalog`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from cnr_opendata.paths import vocab_dir
from cnr_opendata.rdf.mapping import Mapping, MappingError, mapping_of
from cnr_opendata.rdf.shapes import ShaclResult

__all__ = [
    "MappingError",
    "ShaclResult",
    "read_shacl_results",
    "vocabulary_files",
    "write_catalog",
    "write_rdf",
]

SHACL_REPORT = "shacl-report.ttl"
#: Above this many triples, Turtle and JSON-LD are written in parallel processes.
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


def write_rdf(package: Any, out_dir: Path, *, base_iri: str) -> dict[str, int]:
    """Write the linked-data export of ``package`` (a loaded
    :class:`~cnr_opendata.package.Package`) into ``out_dir``.

    Writes ``<name>.nt`` (sorted, de-duplicated), ``<name>.ttl``, ``<name>.jsonld``,
    ``csv-metadata.json``, ``vocab/`` (ontology, concept schemes, shapes for this base, JSON-LD
    context, example queries) and ``shacl-report.ttl``. Returns ``{"triples": n,
    "shacl_conforms": 0|1, "shacl_results": k, "shacl_validated_triples": m,
    "shacl_sampled": 0|1}``; read the results with :func:`read_shacl_results`.
    Raises :class:`MappingError` when the schemas' ``x-rdf`` declarations are wrong.
    """
    from cnr_opendata.rdf.csvw import csvw_metadata
    from cnr_opendata.rdf.shapes import generate_shapes, validate_ntriples
    from cnr_opendata.rdf.writers import (
        check_base_iri,
        turtle_prefixes,
        write_jsonld,
        write_ntriples,
        write_turtle,
    )

    check_base_iri(base_iri)
    base = base_iri.rstrip("/")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    mapping = mapping_of(package)
    name = package.name
    nt = out / f"{name}.nt"
    triples = write_ntriples(
        mapping, Path(package.root), nt, base_iri=base, vocabulary=vocabulary_files()
    )
    prefixes = turtle_prefixes(mapping, base)
    # Turtle and JSON-LD re-read the N-Triples through pyoxigraph's Python iterator, which holds
    # the GIL: for a large export they run in two other processes while this one validates
    # (about 40 % off the RDF step at 100,000 projects); each file is the same either way.
    pool = None
    if triples > PARALLEL_TRIPLES and (os.cpu_count() or 1) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
        jobs = [
            pool.submit(write_turtle, nt, out / f"{name}.ttl", prefixes),
            pool.submit(write_jsonld, nt, out / f"{name}.jsonld"),
        ]
    else:
        write_turtle(nt, out / f"{name}.ttl", prefixes)
        write_jsonld(nt, out / f"{name}.jsonld")
    try:
        _write_json(out / CSVW_METADATA, csvw_metadata(mapping, base, package))
        shapes_ttl = generate_shapes(mapping, base)
        _copy_vocabulary(out / "vocab", shapes_ttl)
        outcome = validate_ntriples(nt, shapes_ttl, total=triples)
        if pool is not None:
            for job in jobs:
                job.result()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    (out / SHACL_REPORT).write_text(outcome.report, encoding="utf-8", newline="\n")
    return {
        "triples": triples,
        "shacl_conforms": int(outcome.conforms),
        "shacl_results": len(outcome.results),
        "shacl_validated_triples": outcome.validated_triples,
        "shacl_sampled": int(outcome.sampled),
    }


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
