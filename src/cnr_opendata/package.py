"""Load a Data Package safely and validate it.

``load_package`` reads ``datapackage.json``, resolves each resource's schema (inline or a path
inside the package) and refuses any path that leaves the package folder. ``validate_package``
returns a :class:`~cnr_opendata.errors.Report`; it never raises for bad data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cnr_opendata.errors import PackageError, Problem, Report
from cnr_opendata.paths import bundled_package_dir

DESCRIPTOR = "datapackage.json"


@dataclass(frozen=True)
class Resource:
    """One tabular resource: its name, its file and its Table Schema (resolved)."""

    name: str
    relpath: str
    path: Path
    schema: dict[str, Any]
    descriptor: dict[str, Any]

    @property
    def table(self) -> str:
        """The file stem (``project_partners``), as used in paths and IRIs."""
        return PurePosixPath(self.relpath).stem

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.schema.get("fields", [])]

    @property
    def primary_key(self) -> list[str]:
        pk = self.schema.get("primaryKey") or []
        return [pk] if isinstance(pk, str) else list(pk)

    def foreign_keys(self) -> Iterator[tuple[list[str], str, list[str]]]:
        """``(fields, referenced resource name, referenced fields)``; self-references resolved."""
        for fk in self.schema.get("foreignKeys") or []:
            fields = fk["fields"]
            ref = fk["reference"]
            ref_fields = ref["fields"]
            yield (
                [fields] if isinstance(fields, str) else list(fields),
                ref.get("resource") or self.name,
                [ref_fields] if isinstance(ref_fields, str) else list(ref_fields),
            )


@dataclass(frozen=True)
class Package:
    """A loaded data package. ``descriptor`` has every schema inlined."""

    root: Path
    descriptor: dict[str, Any]
    resources: list[Resource] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.descriptor["name"])

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", "0.0.0"))

    @property
    def base_iri(self) -> str:
        return str(self.descriptor.get("baseIri", "https://w3id.org/cnr-sante")).rstrip("/")

    def resource(self, name: str) -> Resource:
        for r in self.resources:
            if r.name == name or r.table == name:
                return r
        raise KeyError(name)


def _safe_relpath(value: Any, what: str) -> str:
    """A relative POSIX path that stays inside the package, or a :class:`PackageError`."""
    if not isinstance(value, str) or not value:
        raise PackageError(f"unsafe-path: {what} must be a relative path, got {value!r}")
    if "://" in value or value.startswith(("/", "\\")) or ":" in value.split("/")[0]:
        raise PackageError(
            f"unsafe-path: {what} {value!r} is not a relative path inside the package"
        )
    parts = PurePosixPath(value.replace("\\", "/")).parts
    if any(p == ".." for p in parts):
        raise PackageError(f"unsafe-path: {what} {value!r} points outside the package")
    return "/".join(parts)


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise PackageError(f"no {what} at {path}") from exc
    except UnicodeDecodeError as exc:
        raise PackageError(f"{path}: encoding-error: {what} is not UTF-8") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackageError(
            f"{path}:{exc.lineno}: package-error: invalid JSON in {what}: {exc.msg}"
        ) from exc


def load_package(path: str | Path | None = None) -> Package:
    """Load the package at ``path`` (a folder or its ``datapackage.json``); ``None`` loads
    the bundled CNR santé package.

    Raises :class:`PackageError` when the descriptor is missing, not JSON, lacks required keys or
    points outside the package folder.
    """
    p = Path(path) if path is not None else bundled_package_dir()
    if p.is_dir():
        p = p / DESCRIPTOR
    root = p.parent.resolve()
    descriptor = _read_json(p, "datapackage.json")
    if not isinstance(descriptor, dict):
        raise PackageError(f"{p}: package-error: the descriptor must be a JSON object")
    for key in ("name", "resources"):
        if key not in descriptor:
            raise PackageError(f"{p}: package-error: the descriptor has no {key!r}")
    if not isinstance(descriptor["resources"], list) or not descriptor["resources"]:
        raise PackageError(f"{p}: package-error: 'resources' must be a non-empty list")
    resources: list[Resource] = []
    inlined: list[dict[str, Any]] = []
    for i, res in enumerate(descriptor["resources"]):
        if not isinstance(res, dict) or "name" not in res or "path" not in res:
            raise PackageError(f"{p}: package-error: resource {i} needs a 'name' and a 'path'")
        relpath = _safe_relpath(res["path"], f"resource {res['name']!r} path")
        schema = res.get("schema")
        if isinstance(schema, str):
            schema_rel = _safe_relpath(schema, f"resource {res['name']!r} schema")
            schema = _read_json(root / schema_rel, f"schema {schema_rel}")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            raise PackageError(
                f"{p}: package-error: resource {res['name']!r} has no Table Schema with 'fields'"
            )
        full = root / relpath
        if not full.resolve().is_relative_to(root):
            raise PackageError(
                f"unsafe-path: resource {res['name']!r} resolves outside the package"
            )
        resources.append(Resource(res["name"], relpath, full, schema, res))
        inlined.append({**res, "schema": schema})
    return Package(root, {**descriptor, "resources": inlined}, resources)


def validate_package(
    package: Package | str | Path | None = None,
    *,
    engine: str = "native",
    workers: int | None = None,
) -> Report:
    """Validate a package: Table Schema (types, constraints), keys, foreign keys, then the
    cross-table rules of :mod:`cnr_opendata.checks`.

    ``engine="native"`` uses this project's streaming validator; ``engine="frictionless"`` runs
    frictionless-py and maps its errors to the same :class:`Problem` codes. A package that cannot
    even be loaded gives a report with one ``package-error`` or ``unsafe-path`` problem.
    ``workers`` bounds the native engine's threads (default: ``CNR_OPENDATA_WORKERS`` or 2); the
    report does not depend on it.
    """
    from cnr_opendata.validate import validate_loaded

    if not isinstance(package, Package):
        try:
            package = load_package(package)
        except PackageError as exc:
            message = str(exc)
            code = "unsafe-path" if "unsafe-path" in message else "package-error"
            where = str(package or bundled_package_dir())
            return Report([Problem(where, None, None, code, message)], {"tables": 0, "rows": 0})
    return validate_loaded(package, engine=engine, workers=workers)
