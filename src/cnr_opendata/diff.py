"""What changed between two releases or package folders: rows added, removed and changed per
table (matched by primary key), field by field. Used for ``CHANGES.md`` in each release."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cnr_opendata.package import Package, Resource, load_package


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class RowChange:
    key: str
    fields: list[FieldChange]


@dataclass
class TableDiff:
    table: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.added or self.removed or self.changed or self.columns_added or self.columns_removed
        )


@dataclass
class Diff:
    old: str
    new: str
    old_version: str
    new_version: str
    tables: list[TableDiff] = field(default_factory=list)
    tables_added: list[str] = field(default_factory=list)
    tables_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.tables_added or self.tables_removed) and all(t.empty for t in self.tables)

    def counts(self) -> tuple[int, int, int]:
        return (
            sum(len(t.added) for t in self.tables),
            sum(len(t.removed) for t in self.tables),
            sum(len(t.changed) for t in self.tables),
        )

    def summary(self) -> str:
        added, removed, changed = self.counts()
        return f"{added} row(s) added, {removed} removed, {changed} changed between {self.old_version} and {self.new_version}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        lines = []
        for name in self.tables_added:
            lines.append(f"+ table {name}")
        for name in self.tables_removed:
            lines.append(f"- table {name}")
        for t in self.tables:
            for c in t.columns_added:
                lines.append(f"{t.table}: + column {c}")
            for c in t.columns_removed:
                lines.append(f"{t.table}: - column {c}")
            lines += [f"{t.table}: + {k}" for k in t.added]
            lines += [f"{t.table}: - {k}" for k in t.removed]
            for rc in t.changed:
                for fc in rc.fields:
                    lines.append(
                        f"{t.table}: ~ {rc.key} {fc.field}: {_short(fc.old)} -> {_short(fc.new)}"
                    )
        lines.append(self.summary())
        return "\n".join(lines)

    def to_markdown(self) -> str:
        lines = [f"# Notes de version {self.new_version}", ""]
        if self.empty:
            lines.append(f"Aucune donnée ne change par rapport à la version {self.old_version}.")
            return "\n".join(lines) + "\n"
        added, removed, changed = self.counts()
        lines += [
            f"Par rapport à la version {self.old_version} : {added} ligne(s) ajoutée(s), "
            f"{removed} supprimée(s), {changed} modifiée(s).",
            "",
        ]
        for t in self.tables:
            if t.empty:
                continue
            lines += [f"## {t.table}", ""]
            lines += [f"- colonne ajoutée : `{c}`" for c in t.columns_added]
            lines += [f"- colonne supprimée : `{c}`" for c in t.columns_removed]
            lines += [f"- ajoutée : `{k}`" for k in t.added]
            lines += [f"- supprimée : `{k}`" for k in t.removed]
            for rc in t.changed:
                for fc in rc.fields:
                    lines.append(
                        f"- modifiée : `{rc.key}`, `{fc.field}` : « {_md(fc.old)} » → « {_md(fc.new)} »"
                    )
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _short(value: str, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…'"


def _md(value: str) -> str:
    return value.replace("\n", " ").replace("<", "&lt;").replace("`", "'")


def _rows(resource: Resource) -> Iterator[dict[str, str]]:
    with resource.path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _key(resource: Resource, row: dict[str, str], position: int) -> str:
    pk = resource.primary_key
    return "/".join(row.get(k, "") for k in pk) if pk else f"row {position}"


def diff_tables(old: Resource, new: Resource) -> TableDiff:
    """Rows of ``new`` against ``old``, matched by ``new``'s primary key."""
    result = TableDiff(new.name)
    old_cols, new_cols = old.field_names, new.field_names
    result.columns_added = [c for c in new_cols if c not in old_cols]
    result.columns_removed = [c for c in old_cols if c not in new_cols]
    shared = [c for c in new_cols if c in old_cols]
    before = {_key(new, r, i): r for i, r in enumerate(_rows(old), start=2)}
    seen: set[str] = set()
    for i, row in enumerate(_rows(new), start=2):
        key = _key(new, row, i)
        seen.add(key)
        previous = before.get(key)
        if previous is None:
            result.added.append(key)
            continue
        changes = [
            FieldChange(c, previous.get(c, ""), row.get(c, ""))
            for c in shared
            if previous.get(c, "") != row.get(c, "")
        ]
        if changes:
            result.changed.append(RowChange(key, changes))
    result.removed = [k for k in before if k not in seen]
    return result


def diff_packages(old: Package | str | Path, new: Package | str | Path) -> Diff:
    """Compare two releases or package folders (anything :func:`load_package` takes)."""
    old_p = old if isinstance(old, Package) else load_package(old)
    new_p = new if isinstance(new, Package) else load_package(new)
    old_by = {r.name: r for r in old_p.resources}
    new_by = {r.name: r for r in new_p.resources}
    result = Diff(str(old_p.root), str(new_p.root), old_p.version, new_p.version)
    result.tables_added = [n for n in new_by if n not in old_by]
    result.tables_removed = [n for n in old_by if n not in new_by]
    result.tables = [diff_tables(old_by[n], new_by[n]) for n in new_by if n in old_by]
    return result
