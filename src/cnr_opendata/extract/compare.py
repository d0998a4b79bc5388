"""What a draft adds, removes or changes against a curated package, row by row, field by field.

Rows are matched by id (or primary key), then by what identifies them in the text: a project by
its normalised title, a figure by unit, value and project, an event by kind, date and place, a
challenge by kind and number (or label), a link by its project (matched first) and its other
key. Only the fields the extractor reads from the text are compared (:data:`COMPARED`); labels,
notes and titles that curators write are not.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cnr_opendata.extract.draft import DRAFTED_TABLES, Extraction
from cnr_opendata.extract.reference import tokens
from cnr_opendata.package import Package

#: Per table, the fields a draft fills from the text and a steward checks.
COMPARED: dict[str, tuple[str, ...]] = {
    "projects": (
        "title",
        "summary",
        "departement_id",
        "territory_id",
        "status",
        "status_stated",
        "status_date",
        "start_date",
        "end_date",
        "date_precision",
        "planned_year",
        "dates_stated",
        "round",
        "source_id",
    ),
    "project_territories": ("role", "basis"),
    "project_partners": ("basis",),
    "challenges": ("number", "label", "kind", "round"),
    "indicators": ("value", "unit", "qualifier", "territory_id", "project_id"),
    "events": ("kind", "start_date", "end_date", "date_precision", "territory_id"),
}


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed", "changed"
    table: str
    key: str  # the row's id (primary key joined by "/"), the curated one when both exist
    field: str = ""
    old: str = ""  # in the curated package
    new: str = ""  # in the draft

    def format(self) -> str:
        if self.kind == "changed":
            return f"{self.table}: ~ {self.key} {self.field}: {self.old!r} -> {self.new!r}"
        sign = "+" if self.kind == "added" else "-"
        about = self.new if self.kind == "added" else self.old
        return f"{self.table}: {sign} {self.key}" + (f" ({about})" if about else "")


def _text(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("\u2019", "'")).strip()


def _same(name: str, old: str, new: str) -> bool:
    if name == "value":
        try:
            return Decimal(old or "nan") == Decimal(new or "nan")
        except InvalidOperation:
            return old == new
    return _text(old) == _text(new)


def _title(value: str) -> str:
    return " ".join(t.folded for t in tokens(value))


def _number(value: str) -> str:
    try:
        return format(Decimal(value).normalize(), "f")
    except InvalidOperation:
        return value


_NATURAL: dict[str, Callable[[dict[str, str]], tuple[str, ...]]] = {
    "projects": lambda r: (_title(r.get("title", "")),),
    "challenges": lambda r: (r.get("kind", ""), r.get("number") or _title(r.get("label", ""))),
    "indicators": lambda r: (
        r.get("unit", ""),
        _number(r.get("value", "")),
        r.get("project_id", ""),
    ),
    "events": lambda r: (r.get("kind", ""), r.get("start_date", ""), r.get("territory_id", "")),
}


def _curated(
    package: Package, table: str, keep: Callable[[dict[str, str]], bool]
) -> list[dict[str, str]] | None:
    """The rows of ``table`` that ``keep`` accepts, streamed (the package may be large)."""
    try:
        resource = package.resource(table)
    except KeyError:
        return None
    with resource.path.open(encoding="utf-8-sig", newline="") as fh:
        return [row for row in csv.DictReader(fh) if keep(row)]


def _scope(names: list[str], source: str, projects: set[str]) -> Callable[[dict[str, str]], bool]:
    """Which curated rows come from the draft's document."""
    if "source_id" in names:
        return lambda row: row.get("source_id") == source
    if "project_id" in names:
        return lambda row: row.get("project_id") in projects
    return lambda row: True


def compare_extraction(extraction: Extraction, package: Package) -> list[Change]:
    """Changes from the curated ``package`` to the draft, table by table (see the module doc).

    Only the package's rows from the same document are compared (``source_id``, or for links
    the project's): a kit from another département adds rows and removes none.
    """
    changes: list[Change] = []
    project_ids: dict[str, str] = {}  # draft project id -> curated one
    source = extraction.source_id
    in_scope: set[str] = set()  # the package's projects from this document
    for table in DRAFTED_TABLES:
        try:
            names = package.resource(table).field_names
        except KeyError:
            continue
        keep = _scope(names, source, in_scope)
        old_rows = _curated(package, table, keep)
        if old_rows is None:
            continue
        if table == "projects":
            in_scope = {r.get("id", "") for r in old_rows}
        pk = package.resource(table).primary_key or ["id"]
        draft = [dict(r) for r in extraction.tables.get(table, [])]
        for row in draft:  # links follow the projects' matching
            for name in ("project_id",):
                if row.get(name) in project_ids:
                    row[name] = project_ids[row[name]]

        def key(row: dict[str, str], pk: list[str] = pk) -> str:
            return "/".join(row.get(k, "") for k in pk)

        by_key = {key(r): r for r in old_rows}
        matched: dict[int, dict[str, str]] = {}
        used: set[str] = set()
        for i, row in enumerate(draft):
            old = by_key.get(key(row))
            if old is not None and key(old) not in used:
                matched[i] = old
                used.add(key(old))
        natural = _NATURAL.get(table)
        if natural is not None:
            by_natural: dict[tuple[str, ...], list[dict[str, str]]] = {}
            for r in old_rows:
                if key(r) not in used:
                    by_natural.setdefault(natural(r), []).append(r)
            for i, row in enumerate(draft):
                if i in matched:
                    continue
                hits = by_natural.get(natural(row), [])
                if hits:
                    matched[i] = hits.pop(0)
                    used.add(key(matched[i]))
        fields = [f for f in COMPARED.get(table, ()) if f in extraction.fields.get(table, [])]
        for i, row in enumerate(draft):
            old = matched.get(i)
            if old is None:
                about = row.get("title") or row.get("label") or ""
                changes.append(Change("added", table, key(row), new=about))
                continue
            if table == "projects" and row.get("id") and row["id"] != old.get("id"):
                project_ids[row["id"]] = old["id"]
            for name in fields:
                if not _same(name, old.get(name, ""), row.get(name, "")):
                    changes.append(
                        Change(
                            "changed", table, key(old), name, old.get(name, ""), row.get(name, "")
                        )
                    )
        for r in old_rows:
            if key(r) not in used:
                changes.append(
                    Change("removed", table, key(r), old=r.get("title") or r.get("label") or "")
                )
    return changes


def summarize_changes(changes: list[Change]) -> str:
    """``3 difference(s): projects 1 changed; indicators 1 added, 1 removed``."""
    if not changes:
        return "no difference"
    per: dict[str, dict[str, int]] = {}
    for c in changes:
        per.setdefault(c.table, {}).setdefault(c.kind, 0)
        per[c.table][c.kind] += 1
    detail = "; ".join(
        f"{table} " + ", ".join(f"{n} {kind}" for kind, n in kinds.items())
        for table, kinds in per.items()
    )
    return f"{len(changes)} difference(s): {detail}"
