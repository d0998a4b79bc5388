"""What a draft adds, removes or changes against the curated package, row by row, field by field."""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass

from cnr_opendata.extract.parse import Extraction
from cnr_opendata.package import Package

#: The fields the extractor drafts and a steward reviews first.
PROJECT_FIELDS = (
    "title",
    "status",
    "status_stated",
    "status_date",
    "territory_id",
    "departement_id",
    "start_date",
    "end_date",
    "date_precision",
    "planned_year",
)


@dataclass(frozen=True)
class Change:
    kind: str  # "added", "removed", "changed"
    table: str
    key: str
    field: str = ""
    old: str = ""
    new: str = ""

    def format(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.kind]
        if self.kind == "changed":
            return f"{self.table}: ~ {self.key} {self.field}: {self.old!r} -> {self.new!r}"
        return f"{self.table}: {sign} {self.key}"


def _norm(text: str) -> str:
    return re.sub(r"[\s.]+$", "", re.sub(r"\s+", " ", text.replace("’", "'"))).casefold()


def _rows(package: Package, table: str) -> list[dict[str, str]]:
    with package.resource(table).path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def compare_extraction(
    extraction: Extraction, package: Package, *, all_fields: bool = False
) -> list[Change]:
    """Changes from the curated ``package`` to the draft. Projects are matched by normalised
    title, figures by (value, unit, qualifier), challenges by number."""
    changes: list[Change] = []
    curated = {_norm(r["title"]): r for r in _rows(package, "projects")}
    fields = tuple(package.resource("projects").field_names) if all_fields else PROJECT_FIELDS
    seen = set()
    for row in extraction.tables.get("projects", []):
        old = curated.get(_norm(row["title"]))
        if old is None:
            changes.append(Change("added", "projects", row["id"], new=row["title"]))
            continue
        seen.add(old["id"])
        for f in fields:
            if (
                f in row
                and f != "id"
                and (_norm(row[f]) if f in ("title", "summary") else row[f])
                != (_norm(old[f]) if f in ("title", "summary") else old[f])
            ):
                changes.append(Change("changed", "projects", old["id"], f, old[f], row[f]))
    changes += [
        Change("removed", "projects", r["id"], old=r["title"])
        for r in curated.values()
        if r["id"] not in seen
    ]

    def figure(r: dict[str, str]) -> tuple[str, str, str]:
        return (format(float(r["value"]), "g"), r["unit"], r["qualifier"])

    draft = Counter(figure(r) for r in extraction.tables.get("indicators", []))
    kept = Counter(figure(r) for r in _rows(package, "indicators"))
    for key in sorted((draft - kept).elements()):
        changes.append(Change("added", "indicators", " ".join(key)))
    for key in sorted((kept - draft).elements()):
        changes.append(Change("removed", "indicators", " ".join(key)))

    old_ch = {r["number"]: r for r in _rows(package, "challenges") if r.get("number")}
    for row in extraction.tables.get("challenges", []):
        old = old_ch.pop(row["number"], None)
        if old is None:
            changes.append(Change("added", "challenges", row["id"], new=row["label"]))
        elif _norm(old["label"]) != _norm(row["label"]):
            changes.append(
                Change("changed", "challenges", old["id"], "label", old["label"], row["label"])
            )
    changes += [Change("removed", "challenges", r["id"]) for r in old_ch.values()]
    return changes
