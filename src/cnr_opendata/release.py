"""Build a release: the folder researchers download and publishers upload.

The build writes everything into a temporary sibling folder and renames it into place at the
end, so a failed build leaves nothing half-written; every file is written in a fixed order with
fixed metadata, so two builds of the same input are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnr_opendata.errors import InvalidPackageError, ReleaseError, Report
from cnr_opendata.normalise import normalise_csv
from cnr_opendata.package import DESCRIPTOR, Package, load_package, validate_package

if TYPE_CHECKING:
    from cnr_opendata.rdf.shacl_worker import ShaclProcess

#: Fixed timestamp for zip entries (the zip format cannot store earlier than 1980).
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
MANIFEST = "publish-manifest.json"
BIG_FILE = 8 << 20
Progress = Callable[[str], None]


@dataclass(frozen=True)
class ReleaseFile:
    """One file of a release, described for catalogues and publishers."""

    path: str
    title: str
    description: str
    mediatype: str
    role: str  # "main" (data) or "documentation"
    bytes: int | None
    sha256: str | None


@dataclass
class Release:
    """A built release folder."""

    path: Path
    name: str
    version: str
    report: Report
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def zip_path(self) -> Path:
        return self.path / f"{self.path.name}.zip"

    def files(self) -> list[ReleaseFile]:
        return release_files(self.path)


#: sha256 of files already hashed, keyed by (path, size, mtime): the site and the catalogue both
#: list every file's checksum, and a large release holds gigabytes of RDF.
_HASHES: dict[tuple[str, int, int], str] = {}


def _remember_hashes(folder: Path, files: dict[str, tuple[str, int]]) -> None:
    """Record the sha256 of files hashed while they were written (``name -> (sha256, bytes)``),
    so that no one reads gigabytes of RDF again to hash them."""
    for name, (digest, size) in files.items():
        stat = (folder / name).stat()
        if stat.st_size == size:
            _HASHES[(str((folder / name).resolve()), stat.st_size, stat.st_mtime_ns)] = digest


def _sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )


def _write_zip(folder: Path, target: Path, workers: int | None = None) -> None:
    """Every file of ``folder`` under ``<prefix>/`` in ``target``, sorted, with fixed dates.

    Deflated by ``workers`` threads (:mod:`cnr_opendata.archive`; same bytes whatever their
    number): zlib level 6 for small files, ISA-L level 1 above :data:`BIG_FILE` (measured on
    RDF: 6.5x faster than zlib level 3 for 20 % more bytes).
    """
    from cnr_opendata.archive import default_workers, level_for_size, write_zip

    prefix = folder.name if not folder.name.startswith(".") else target.stem
    entries = [
        (f"{prefix}/{path.relative_to(folder).as_posix()}", path)
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p != target)
    ]
    write_zip(
        entries,
        target,
        level=level_for_size(BIG_FILE),
        workers=default_workers() if workers is None else max(1, workers),
    )


def _release_descriptor(
    package: Package, base_iri: str, resources: list[dict[str, Any]]
) -> dict[str, Any]:
    d = {k: v for k, v in package.descriptor.items() if k != "resources"}
    d["baseIri"] = base_iri
    d["resources"] = resources
    return d


def build_release(
    package: Package | str | Path | None = None,
    out_dir: str | Path = "build",
    *,
    base_iri: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Release:
    """Validate ``package`` and build ``out_dir/<name>-<version>/``.

    ``workers`` threads write the RDF and the zip (default: the cores available, at most 2);
    the files are the same bytes whatever their number.

    Raises :class:`InvalidPackageError` (with the report) when the package is invalid; in that
    case nothing is written. An existing release folder of the same version is replaced
    atomically.
    """
    from cnr_opendata.rdf.shacl_worker import ShaclProcess

    say = progress or (lambda _msg: None)
    if not isinstance(package, Package):
        package = load_package(package)
    base = (base_iri or package.base_iri).rstrip("/")
    # SHACL's imports and the shapes' parsing happen on the other core while the build runs
    with ShaclProcess(_early_shapes(package, base)) as shacl:
        return _build(package, Path(out_dir), base, say, workers, shacl)


def _early_shapes(package: Package, base: str) -> str | None:
    """The SHACL shapes of ``package``, or None when its mapping is wrong (reported later)."""
    from cnr_opendata.rdf.mapping import MappingError, mapping_of
    from cnr_opendata.rdf.shapes import generate_shapes

    try:
        return generate_shapes(mapping_of(package), base)
    except MappingError:
        return None


def _build(
    package: Package,
    out: Path,
    base: str,
    say: Progress,
    workers: int | None,
    shacl: ShaclProcess,
) -> Release:
    say("validating")
    report = validate_package(package)
    if not report.valid:
        raise InvalidPackageError(report)
    out.mkdir(parents=True, exist_ok=True)
    folder_name = f"{package.name}-{package.version}"
    final = out / folder_name
    tmp = out / f".{folder_name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        previous = _previous_release(out, package.name, folder_name)
        stats = _write_release(package, tmp, base, folder_name, say, previous, workers, shacl)
        say("finishing")
        if final.exists():
            old = out / f".{folder_name}.old-{os.getpid()}"
            final.rename(old)
            tmp.rename(final)
            shutil.rmtree(old)
        else:
            tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Release(final, package.name, package.version, report, stats)


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """``1.10.0`` after ``1.9.2``: numeric parts compare as numbers."""
    return tuple((0, int(x)) if x.isdigit() else (1, x) for x in re.split(r"[.\-+]", version))


def _previous_release(out: Path, name: str, folder_name: str) -> Path | None:
    """The release of the same package in ``out`` that CHANGES.md compares against: the highest
    version below the one being built, else the highest other one; None for a first release.
    Chosen by version, not by date, so the notes do not depend on when folders were touched."""
    version = folder_name[len(name) + 1 :]
    others = []
    for p in out.glob(f"{name}-*"):
        if p.name == folder_name or not (p / DESCRIPTOR).is_file():
            continue
        try:
            d = json.loads((p / DESCRIPTOR).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not a release this build can compare with
        if isinstance(d, dict) and d.get("name") == name and p.name == f"{name}-{d.get('version')}":
            others.append((_version_key(str(d.get("version"))), p))
    if not others:
        return None
    below = [o for o in others if o[0] < _version_key(version)]
    return max(below or others)[1]


def _write_release(
    package: Package,
    tmp: Path,
    base: str,
    folder_name: str,
    say: Progress,
    previous: Path | None = None,
    workers: int | None = None,
    shacl: ShaclProcess | None = None,
) -> dict[str, Any]:
    from cnr_opendata.diff import diff_packages
    from cnr_opendata.docs import write_data_dictionary
    from cnr_opendata.rdf import export_rdf, read_shacl_results, write_catalog
    from cnr_opendata.site import preload_vocabulary, write_site

    (tmp / "data").mkdir()
    (tmp / "schemas").mkdir()
    resources: list[dict[str, Any]] = []
    row_counts: dict[str, int] = {}
    for res in package.resources:
        say(f"writing {res.relpath}")
        target = tmp / "data" / f"{res.table}.csv"
        header = [f["name"] for f in res.schema.get("fields", [])]
        row_counts[res.name], digest = normalise_csv(res.path, target, header)
        _remember_hashes(target.parent, {target.name: (digest, target.stat().st_size)})
        _write_json(tmp / "schemas" / f"{res.table}.json", res.schema)
        entry = {k: v for k, v in res.descriptor.items() if k not in ("schema", "bytes", "hash")}
        entry.update(
            path=f"data/{res.table}.csv",
            format="csv",
            mediatype="text/csv",
            encoding="utf-8",
            bytes=target.stat().st_size,
            hash=f"sha256:{digest}",
            schema=res.schema,
        )
        resources.append(entry)
    sources = []
    for src in package.descriptor.get("sources", []):
        src = dict(src)
        rel = src.get("path")
        if rel and not str(rel).startswith(("http://", "https://")):
            source_file = package.root / rel
            if not source_file.is_file():
                raise ReleaseError(f"source file {rel!r} named in datapackage.json does not exist")
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source_file, tmp / rel)
            src["sha256"] = _sha256(tmp / rel)
            src["bytes"] = (tmp / rel).stat().st_size
        sources.append(src)
    descriptor = _release_descriptor(package, base, resources)
    if sources:
        descriptor["sources"] = sources
    _write_json(tmp / DESCRIPTOR, descriptor)
    released = load_package(tmp)
    say("writing the data dictionary")
    write_data_dictionary(released, tmp / "README.md", row_counts)
    say("writing RDF (N-Triples, Turtle, JSON-LD), CSVW metadata and SHACL report")
    if shacl is not None:
        # while the worker validates: read the vocabulary for the site (and import rdflib)
        shacl.while_waiting = lambda: preload_vocabulary(tmp)
    rdf = export_rdf(released, tmp, base_iri=base, workers=workers, shacl=shacl)
    _remember_hashes(tmp, rdf.files)  # hashed while written
    rdf_stats = rdf.stats
    if not rdf_stats["shacl_conforms"]:
        results = read_shacl_results(tmp / "shacl-report.ttl")
        detail = "; ".join(str(r) for r in results[:5])
        raise ReleaseError(f"the RDF export does not conform to the SHACL shapes: {detail}")
    stats: dict[str, Any] = {
        "rows": sum(row_counts.values()),
        "tables": len(row_counts),
        "row_counts": row_counts,
        "triples": rdf_stats["triples"],
    }
    say("writing the release notes")
    if previous is not None:
        notes = diff_packages(previous, released).to_markdown()
    else:
        notes = f"# Notes de version {package.version}\n\nPremière version publiée.\n"
    (tmp / "CHANGES.md").write_text(notes, encoding="utf-8", newline="\n")
    say("writing the DCAT-AP catalogue")
    zip_name = f"{folder_name}.zip"
    zip_entry = ReleaseFile(
        zip_name, *_describe(zip_name, {}, package.name), "application/zip", None, None
    )
    write_catalog(released, tmp, [*release_files(tmp), zip_entry], base_iri=base)
    say("writing the site")
    write_site(released, tmp, row_counts)  # after every file but the zip: it lists their checksums
    say("writing the zip")
    _write_zip(tmp, tmp / f"{folder_name}.zip", workers)
    return stats


# ---- describing the files of a release ------------------------------------------------------

_MEDIATYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".md": "text/markdown",
    ".txt": "text/plain",
    ".zip": "application/zip",
    ".html": "text/html",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".rq": "application/sparql-query",
}

_FIXED: dict[str, tuple[str, str, str]] = {
    DESCRIPTOR: (
        "Descripteur du paquet de données (Frictionless Data Package)",
        "Métadonnées, schémas des tables, tailles et empreintes des fichiers.",
        "documentation",
    ),
    "README.md": (
        "Dictionnaire des données",
        "Description de chaque table et de chaque champ, générée à partir des schémas.",
        "documentation",
    ),
    "CHANGES.md": (
        "Notes de version",
        "Lignes ajoutées, supprimées et modifiées depuis la version précédente.",
        "documentation",
    ),
    "catalog.ttl": (
        "Description DCAT-AP",
        "Catalogue, jeu de données et distributions en DCAT-AP 3.0.1 (Turtle).",
        "documentation",
    ),
    "csv-metadata.json": (
        "Métadonnées CSVW",
        "Métadonnées CSV on the Web (W3C) des tables : correspondance avec le RDF.",
        "documentation",
    ),
    "shacl-report.ttl": (
        "Rapport de validation SHACL",
        "Conformité de l'export RDF aux formes SHACL du vocabulaire.",
        "documentation",
    ),
}


def _describe(rel: str, resources: dict[str, dict[str, Any]], name: str) -> tuple[str, str, str]:
    if rel in _FIXED:
        return _FIXED[rel]
    if rel in resources:
        r = resources[rel]
        return (f"{r.get('title', r['name'])} (CSV)", str(r.get("description", "")), "main")
    stem, suffix = Path(rel).stem, Path(rel).suffix
    if rel.startswith("schemas/"):
        return (
            f"Schéma de la table {stem} (Table Schema)",
            "Schéma de table au format Table Schema.",
            "documentation",
        )
    if rel.startswith("sources/"):
        return (
            f"Source : {Path(rel).name}",
            "Document source inclus dans le paquet.",
            "documentation",
        )
    if rel.startswith("vocab/"):
        return (
            f"Vocabulaire : {rel[len('vocab/') :]}",
            "Vocabulaire, schémas de concepts, formes SHACL ou requêtes d'exemple.",
            "documentation",
        )
    if rel.startswith("site/"):
        return (
            f"Site : {rel[len('site/') :]}",
            "Page du site statique de la version.",
            "documentation",
        )
    if stem == name and suffix in (".ttl", ".nt", ".jsonld"):
        fmt = {".ttl": "Turtle", ".nt": "N-Triples", ".jsonld": "JSON-LD"}[suffix]
        return (
            f"Export RDF ({fmt})",
            f"Toutes les tables en RDF ({fmt}), vocabulaire documenté dans vocab/.",
            "main",
        )
    if suffix == ".zip":
        return (
            "Archive complète de la version (ZIP)",
            "Tous les fichiers de la version dans une archive.",
            "main",
        )
    return (Path(rel).name, "", "documentation")


def release_files(release_dir: str | Path) -> list[ReleaseFile]:
    """Every file of a release, sorted by path, with title, description, media type, role,
    size and sha256 (the publish manifest and hidden files excluded)."""
    root = Path(release_dir)
    descriptor_path = root / DESCRIPTOR
    if not descriptor_path.is_file():
        raise ReleaseError(
            f"{root} is not a release folder (no {DESCRIPTOR}); run `cnr-opendata build` first"
        )
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    resources = {r["path"]: r for r in descriptor.get("resources", [])}
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if (
            not path.is_file()
            or rel == MANIFEST
            or any(part.startswith(".") for part in rel.split("/"))
        ):
            continue
        title, description, role = _describe(rel, resources, str(descriptor.get("name", "")))
        files.append(
            ReleaseFile(
                rel,
                title,
                description,
                _MEDIATYPES.get(path.suffix, "application/octet-stream"),
                role,
                path.stat().st_size,
                _sha256(path),
            )
        )
    return files


def find_release(path: str | Path | None = None, out_dir: str | Path = "build") -> Path:
    """``path`` if given, else the most recently built release under ``out_dir``."""
    if path is not None:
        p = Path(path)
        if not (p / DESCRIPTOR).is_file():
            raise ReleaseError(
                f"{p} is not a release folder (no {DESCRIPTOR}); run `cnr-opendata build` first"
            )
        return p
    candidates = [
        p for p in Path(out_dir).glob("*/" + DESCRIPTOR) if not p.parent.name.startswith(".")
    ]
    if not candidates:
        raise ReleaseError(
            f"no release under {out_dir}/: run `cnr-opendata build` first, or pass --release DIR"
        )
    return max(candidates, key=lambda p: p.stat().st_mtime).parent
