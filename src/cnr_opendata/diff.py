"""What changed between two releases or package folders: rows added, removed and changed per
table (matched by primary key), field by field. Used for ``CHANGES.md`` in each release."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cnr_opendata.package import Package, Resource, load_package

#: Rows listed per table and kind of change in the release notes; ``diff`` lists them all.
NOTES_LIMIT = 200


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
            lines += [f"- colonne ajoutée : `{_md(c)}`" for c in t.columns_added]
            lines += [f"- colonne supprimée : `{_md(c)}`" for c in t.columns_removed]
            entries = [f"- ajoutée : `{_md(k)}`" for k in t.added[:NOTES_LIMIT]]
            entries += [f"- supprimée : `{_md(k)}`" for k in t.removed[:NOTES_LIMIT]]
            for rc in t.changed[:NOTES_LIMIT]:
                entries += [
                    f"- modifiée : `{_md(rc.key)}`, `{_md(fc.field)}` : "
                    f"« {_md(fc.old)} » → « {_md(fc.new)} »"
                    for fc in rc.fields
                ]
            lines += entries
            more = sum(max(len(x) - NOTES_LIMIT, 0) for x in (t.added, t.removed, t.changed))
            if more:
                lines.append(
                    f"- … et {more} autre(s) ligne(s) : `cnr-opendata diff` les liste toutes."
                )
            lines.append("")
        for name in self.tables_added:
            lines += [f"## {name}", "", "Nouvelle table.", ""]
        for name in self.tables_removed:
            lines += [f"## {name}", "", "Table supprimée.", ""]
        return "\n".join(lines).rstrip() + "\n"


def _short(value: str, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 2] + "…'"


def _md(value: str) -> str:
    """A value safe inside a Markdown line: one line, no HTML, no code span break."""
    return value.replace("\r", " ").replace("\n", " ").replace("<", "&lt;").replace("`", "'")


def _rows(resource: Resource) -> Iterator[dict[str, str]]:
    with resource.path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _key(pk: list[str], row: dict[str, str], position: int) -> str:
    return "/".join(row.get(k) or "" for k in pk) if pk else f"row {position}"


def _digest(row: dict[str, str], columns: list[str]) -> bytes:
    return hashlib.blake2b(
        repr([row.get(c) or "" for c in columns]).encode(), digest_size=16
    ).digest()


def diff_tables(old: Resource, new: Resource) -> TableDiff:
    """Rows of ``new`` against ``old``, matched by ``new``'s primary key (by position when the
    table has none), compared on the columns both have.

    Memory holds a 16-byte digest per old row and the changed rows only, not the tables: the
    old table is read twice, the new one once.
    """
    result = TableDiff(new.name)
    old_cols, new_cols = old.field_names, new.field_names
    result.columns_added = [c for c in new_cols if c not in old_cols]
    result.columns_removed = [c for c in old_cols if c not in new_cols]
    shared = [c for c in new_cols if c in old_cols]
    pk = new.primary_key
    before = {_key(pk, r, i): _digest(r, shared) for i, r in enumerate(_rows(old), start=2)}
    changed: dict[str, dict[str, str]] = {}
    for i, row in enumerate(_rows(new), start=2):
        key = _key(pk, row, i)
        digest = before.pop(key, None)
        if digest is None:
            result.added.append(key)
        elif digest != _digest(row, shared):
            changed[key] = row
    result.removed = list(before)  # what no new row claimed, in the old order
    if changed:
        fields: dict[str, list[FieldChange]] = {}
        for i, row in enumerate(_rows(old), start=2):
            key = _key(pk, row, i)
            if key in changed:
                now = changed[key]
                fields[key] = [
                    FieldChange(c, row.get(c) or "", now.get(c) or "")
                    for c in shared
                    if (row.get(c) or "") != (now.get(c) or "")
                ]
        result.changed = [RowChange(key, fields[key]) for key in changed if fields.get(key)]
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
