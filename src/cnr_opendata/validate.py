"""Table Schema validation engines.

``native``: each table is read once, by one of two paths that report the same problems:

- row by row (:func:`_check_table_exact`): strict CSV reading (:mod:`cnr_opendata.csvio`),
  compiled per-field checks, key sets; exact whatever the file holds. Small tables take it;
- columnar (:mod:`cnr_opendata.columnar`): pyarrow reads the file in blocks and checks each
  column with vectorised kernels. Large tables take it when their raw file is plain
  (:func:`cnr_opendata.csvio.plain_csv`); any raw defect sends the table to the exact path.

Tables are read in parallel threads, then foreign keys are checked between them, then the
declarative cross-table rules (:mod:`cnr_opendata.checks`). ``frictionless``: the reference
implementation, its errors mapped to the same problem codes. Rows are numbered as in
frictionless: the header is row 1, rows are logical CSV records.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cnr_opendata.csvio import read_rows
from cnr_opendata.errors import Problem, Report
from cnr_opendata.package import Package, Resource

# A caster returns the typed value, or raises ValueError with a user-facing reason.
Caster = Callable[[str], Any]

_INT = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_YEARMONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def _cast_string(v: str) -> str:
    return v


def _cast_integer(v: str) -> int:
    if not _INT.fullmatch(v):
        raise ValueError("is not an integer")
    return int(v)


def _cast_number(v: str) -> Decimal:
    if not _NUMBER.fullmatch(v):
        raise ValueError("is not a number (use a decimal point, no thousands separator)")
    return Decimal(v)


def _boolean_values(field: dict[str, Any]) -> tuple[set[str], set[str]]:
    true = set(field.get("trueValues", ["true", "True", "TRUE", "1"]))
    false = set(field.get("falseValues", ["false", "False", "FALSE", "0"]))
    return true, false


def _boolean(field: dict[str, Any]) -> Caster:
    true, false = _boolean_values(field)

    def cast(v: str) -> bool:
        if v in true:
            return True
        if v in false:
            return False
        raise ValueError(f"is not a boolean ({'/'.join(sorted(true | false))})")

    return cast


def _cast_date(v: str) -> date:
    if not _DATE.fullmatch(v):
        raise ValueError("is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise ValueError("is not a valid calendar date") from None


def _cast_datetime(v: str) -> datetime:
    try:
        return datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("is not a datetime in the form YYYY-MM-DDThh:mm:ssZ") from None


def _cast_year(v: str) -> int:
    if not _YEAR.fullmatch(v):
        raise ValueError("is not a year (YYYY)")
    return int(v)


def _cast_yearmonth(v: str) -> tuple[int, int]:
    m = _YEARMONTH.fullmatch(v)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError("is not a year and month (YYYY-MM)")
    return int(m.group(1)), int(m.group(2))


def caster_for(field: dict[str, Any]) -> Caster:
    """The function that casts a non-missing cell of ``field`` or raises ValueError."""
    kind = field.get("type", "string")
    if kind == "boolean":
        return _boolean(field)
    casters: dict[str, Caster] = {
        "string": _cast_string,
        "any": _cast_string,
        "integer": _cast_integer,
        "number": _cast_number,
        "date": _cast_date,
        "datetime": _cast_datetime,
        "year": _cast_year,
        "yearmonth": _cast_yearmonth,
    }
    if kind not in casters:
        raise ValueError(f"unsupported field type {kind!r}")
    return casters[kind]


class FieldCheck:
    """Compiled checks of one field: cast, then constraints."""

    def __init__(self, field: dict[str, Any]) -> None:
        self.name: str = field["name"]
        self.type: str = field.get("type", "string")
        self.cast = caster_for(field)
        true, false = _boolean_values(field)
        #: the accepted cells of a boolean field
        self.boolean_values: frozenset[str] = frozenset(true | false)
        c = field.get("constraints", {})
        self.required = bool(c.get("required"))
        self.unique = bool(c.get("unique"))
        self.enum: frozenset[str] | None = (
            frozenset(str(x) for x in c["enum"]) if "enum" in c else None
        )
        self.enum_text = ", ".join(str(x) for x in c.get("enum", []))
        self.pattern = re.compile(c["pattern"]) if "pattern" in c else None
        self.pattern_text = c.get("pattern", "")
        self.minimum = self.cast(str(c["minimum"])) if "minimum" in c else None
        self.maximum = self.cast(str(c["maximum"])) if "maximum" in c else None
        self.min_length = c.get("minLength")
        self.max_length = c.get("maxLength")

    def check(self, value: str) -> tuple[str, str] | None:
        """``None`` when valid, else ``(code, message)`` for a present (non-missing) value."""
        try:
            typed = self.cast(value)
        except ValueError as exc:
            return "type-error", f"{_quote(value)} {exc} (type {self.type})"
        if self.enum is not None and value not in self.enum:
            return "constraint-error", f"{_quote(value)} is not one of: {self.enum_text}"
        if self.pattern is not None and not self.pattern.fullmatch(value):
            return (
                "constraint-error",
                f"{_quote(value)} does not match the pattern {self.pattern_text}",
            )
        if self.minimum is not None and typed < self.minimum:
            return "constraint-error", f"{_quote(value)} is below the minimum {self.minimum}"
        if self.maximum is not None and typed > self.maximum:
            return "constraint-error", f"{_quote(value)} is above the maximum {self.maximum}"
        if self.min_length is not None and len(value) < self.min_length:
            return (
                "constraint-error",
                f"{_quote(value)} is shorter than {self.min_length} characters",
            )
        if self.max_length is not None and len(value) > self.max_length:
            return (
                "constraint-error",
                f"{_quote(value)} is longer than {self.max_length} characters",
            )
        return None


def _quote(value: str, limit: int = 60) -> str:
    """A cell shown safely in one line: repr escapes newlines and control characters."""
    shown = value if len(value) <= limit else value[:limit] + "…"
    return '"' + repr(shown)[1:-1].replace('"', '\\"') + '"'


#: Separator of the values of a composite key joined into one string (the columnar path sends
#: any file holding this byte to the row-by-row path, so joined keys are unambiguous there).
SEP = "\x1f"


class KeySet:
    """The valid values of one key of a table: Python tuples (row-by-row path) or an Arrow
    string array of ``SEP``-joined values (columnar path), each converted only when needed."""

    def __init__(self, values: set[tuple[str, ...]] | None = None, arrow: Any = None) -> None:
        self._py = values
        self._arrow = arrow

    @property
    def has_python(self) -> bool:
        return self._py is not None

    def python(self) -> set[tuple[str, ...]]:
        if self._py is None:
            self._py = {tuple(v.split(SEP)) for v in self._arrow.to_pylist()}
        return self._py

    def arrow(self) -> Any:
        if self._arrow is None:
            from cnr_opendata._arrow import pa

            self._arrow = pa.array([SEP.join(k) for k in self.python()], type=pa.string())
        return self._arrow


class PendingForeignKey:
    """The references of one foreign key of a table, checked once every table is read."""

    def __init__(self, fields: list[str], ref: str, ref_fields: list[str]) -> None:
        self.fields = fields
        self.ref = ref
        self.ref_fields = ref_fields
        self.rows: list[int] = []
        self.values: list[tuple[str, ...]] = []

    def missing(self, keys: KeySet) -> Iterator[tuple[int, tuple[str, ...]]]:
        """``(row, values)`` of each reference that is not a key of ``keys``."""
        if keys.has_python or len(self.rows) < 1000:
            known = keys.python()
            for row, kv in zip(self.rows, self.values, strict=True):
                if kv not in known:
                    yield row, kv
            return
        import numpy as np

        from cnr_opendata._arrow import pa, pc

        joined = pa.array([SEP.join(kv) for kv in self.values], type=pa.string())
        found = pc.is_in(joined, value_set=keys.arrow()).to_numpy(zero_copy_only=False)
        for j in np.flatnonzero(~np.asarray(found, dtype=bool)):
            yield self.rows[int(j)], self.values[int(j)]


@dataclass
class TableResult:
    """What reading one table found: its problems, rows, the keys other tables refer to and its
    own references (checked when every table is read)."""

    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    broken: bool = False  # header or file unusable: references to this table are not checked
    keys: dict[tuple[str, ...], KeySet] = field(default_factory=dict)
    references: list[Any] = field(default_factory=list)  # PendingForeignKey or columnar ones
    columns: dict[str, Any] = field(default_factory=dict)  # kept for the cross-table rules


def _check_table_exact(
    resource: Resource,
    display: str,
    wanted: set[tuple[str, ...]],
    keep: AbstractSet[str] = frozenset(),
) -> TableResult:
    """The row-by-row path: exact for any file, whatever its raw defects. ``keep``: columns
    to return (lists of cells) for the cross-table rules."""
    result = TableResult()
    problems = result.problems
    fields = resource.schema["fields"]
    names = [f["name"] for f in fields]
    checks = [FieldCheck(f) for f in fields]
    missing_values = set(resource.schema.get("missingValues", [""]))
    pk_idx = [names.index(n) for n in resource.primary_key if n in names]
    pk_seen: dict[tuple[str, ...], int] = {}
    unique_seen: dict[int, dict[str, int]] = {i: {} for i, c in enumerate(checks) if c.unique}
    fks = [
        (PendingForeignKey(fk_fields, ref, ref_fields), [names.index(n) for n in fk_fields])
        for fk_fields, ref, ref_fields in resource.foreign_keys()
        if all(n in names for n in fk_fields)
    ]
    result.references = [fk for fk, _ in fks]
    collect = {k: [names.index(n) for n in k] for k in wanted if all(n in names for n in k)}
    key_values: dict[tuple[str, ...], set[tuple[str, ...]]] = {k: set() for k in collect}
    width = len(names)
    kept = {names.index(n): result.columns.setdefault(n, []) for n in keep if n in names}

    def report(p: Problem) -> None:
        if p.code == "missing-file":
            result.broken = True
        problems.append(Problem(p.path, p.row, p.column, p.code, p.message, resource.name))

    def add(row: int, column: str | None, code: str, message: str) -> None:
        problems.append(Problem(display, row, column, code, message, resource.name))

    for row_number, cells in read_rows(resource.path, display, report):
        if row_number == 1:
            if not _check_header(display, resource.name, names, cells, problems):
                result.broken = True
                break
            continue
        result.rows += 1
        for i, column in kept.items():
            column.append(cells[i] if i < len(cells) else "")
        if all(c in missing_values for c in cells):
            add(row_number, None, "blank-row", "the row is empty")
            continue
        n = len(cells)
        for j in range(width, n):
            add(
                row_number,
                None,
                "extra-cell",
                f"cell {j + 1} {_quote(cells[j])} has no column in the header",
            )
        values: list[str | None] = []
        for i, check in enumerate(checks):
            if i >= n:
                add(
                    row_number,
                    check.name,
                    "missing-cell",
                    "the row has no cell for this column (truncated line?)",
                )
                values.append(None)
                continue
            v = cells[i]
            if v in missing_values:
                values.append(None)
                if check.required:
                    add(row_number, check.name, "constraint-error", "a value is required")
                continue
            bad = check.check(v)
            if bad:
                add(row_number, check.name, bad[0], bad[1])
                values.append(None)
                continue
            values.append(v)
            if i in unique_seen:
                first = unique_seen[i].setdefault(v, row_number)
                if first != row_number:
                    add(row_number, check.name, "unique-error", f"{_quote(v)} repeats row {first}")
        if pk_idx and all(values[i] is not None for i in pk_idx):
            key = tuple(values[i] or "" for i in pk_idx)
            first = pk_seen.setdefault(key, row_number)
            if first != row_number:
                add(
                    row_number,
                    names[pk_idx[0]],
                    "primary-key",
                    _duplicate_key_message([names[i] for i in pk_idx], ", ".join(key), first),
                )
        for k, idx in collect.items():
            if all(values[i] is not None for i in idx):
                key_values[k].add(tuple(values[i] or "" for i in idx))
        for fk, idx in fks:
            # a reference is checked when any of its cells is present and valid
            if any(values[i] is not None for i in idx):
                fk.rows.append(row_number)
                fk.values.append(tuple(values[i] or "" for i in idx))
    result.keys = {k: KeySet(v) for k, v in key_values.items()}
    return result


def _duplicate_key_message(fields: list[str], key: str, first: int) -> str:
    return f"duplicate {'/'.join(fields)} {_quote(key)}: same as row {first}"


def _fk_problem(
    display: str,
    table: str,
    row: int,
    fields: list[str],
    kv: tuple[str, ...],
    ref_res: str,
    ref_fields: list[str],
) -> Problem:
    return Problem(
        display,
        row,
        fields[0],
        "foreign-key",
        f"{_quote(', '.join(kv))} is not a {'/'.join(ref_fields)} of table {ref_res!r}",
        table,
    )


def _check_header(
    display: str, table: str, names: list[str], header: list[str], problems: list[Problem]
) -> bool:
    """Report header problems by name (not by position, which would cascade); ``True`` if the
    header matches the schema exactly."""
    if header == names:
        return True
    before = len(problems)
    missing = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    for name in missing:
        problems.append(
            Problem(
                display,
                1,
                name,
                "missing-label",
                f"column {name!r} is missing from the header",
                table,
            )
        )
    for j, label in enumerate(header):
        if label in extra:
            problems.append(
                Problem(
                    display,
                    1,
                    label or f"column {j + 1}",
                    "extra-label",
                    f"column {j + 1} {label!r} is not in the schema",
                    table,
                )
            )
    if not missing and not extra:
        for i, name in enumerate(names):
            if header[i] != name:
                problems.append(
                    Problem(
                        display,
                        1,
                        name,
                        "incorrect-label",
                        f"column {i + 1} is {header[i]!r}, the schema expects {name!r} "
                        "(columns are in another order)",
                        table,
                    )
                )
    if len(problems) > before:
        problems.append(
            Problem(
                display,
                1,
                None,
                "header-error",
                "rows of this table were not checked: fix the header first "
                f"(expected: {','.join(names)})",
                table,
            )
        )
    return False


def _display(resource: Resource) -> str:
    """The resource's path as the user would type it: relative to the current folder if inside."""
    try:
        return str(resource.path.relative_to(Path.cwd()))
    except ValueError:
        return str(resource.path)


#: Tables from this size up are read by the columnar path (pyarrow); smaller ones row by row,
#: which is as fast for them and keeps pyarrow out of small validations (a fast start).
COLUMNAR_MIN_BYTES = 1 << 20


def _check_table(resource: Resource, wanted: set[tuple[str, ...]], keep: set[str]) -> TableResult:
    display = _display(resource)
    try:
        size = resource.path.stat().st_size
    except OSError:
        size = 0
    if size >= COLUMNAR_MIN_BYTES:
        from cnr_opendata.columnar import check_table_columnar

        result = check_table_columnar(resource, display, wanted, keep)
        if result is not None:
            return result
    return _check_table_exact(resource, display, wanted, keep)


def workers_for(workers: int | None = None) -> int:
    """The number of worker processes or threads to use: ``workers``, else the environment
    variable ``CNR_OPENDATA_WORKERS``, else up to 2 (the cores the benchmarks measured)."""
    if workers is None:
        env = os.environ.get("CNR_OPENDATA_WORKERS", "")
        workers = int(env) if env.strip().isdigit() else min(2, os.cpu_count() or 1)
    return max(1, workers)


def validate_native(package: Package, *, workers: int | None = None) -> Report:
    """Validate every table (in ``workers`` threads: pyarrow's kernels release the GIL), then
    the foreign keys between them. The report is the same whatever ``workers`` is."""
    return _validate_native(package, workers, {})[0]


def _validate_native(
    package: Package, workers: int | None, keep: dict[str, set[str]]
) -> tuple[Report, dict[str, dict[str, Any]]]:
    """The report, and the columns ``keep`` names (resource name -> fields) as read."""
    wanted: dict[str, set[tuple[str, ...]]] = {}
    for r in package.resources:
        for _, ref, ref_fields in r.foreign_keys():
            wanted.setdefault(ref, set()).add(tuple(ref_fields))
    resources = package.resources
    n = workers_for(workers)
    big = [r for r in resources if _size(r) >= COLUMNAR_MIN_BYTES]

    def check(r: Resource) -> TableResult:
        return _check_table(r, wanted.get(r.name, set()), keep.get(r.name, set()))

    if n > 1 and len(big) > 1:
        from concurrent.futures import ThreadPoolExecutor

        # largest tables first, so the threads finish together
        by_size = sorted(resources, key=_size, reverse=True)
        with ThreadPoolExecutor(max_workers=n) as pool:
            futures = {r.name: pool.submit(check, r) for r in by_size}
            results = {name: f.result() for name, f in futures.items()}
    else:
        results = {r.name: check(r) for r in resources}
    problems: list[Problem] = []
    for r in resources:
        problems.extend(results[r.name].problems)
    broken = {name for name, res in results.items() if res.broken}
    for resource in resources:
        display = _display(resource)
        for fk in results[resource.name].references:
            if fk.ref in broken:
                continue
            keys = results[fk.ref].keys.get(tuple(fk.ref_fields)) if fk.ref in results else None
            if keys is None:
                what = "resource" if fk.ref not in results else f"fields {fk.ref_fields} of"
                problems.append(
                    Problem(
                        display,
                        None,
                        fk.fields[0],
                        "package-error",
                        f"foreign key refers to unknown {what} {fk.ref!r}",
                        resource.name,
                    )
                )
                continue
            for row, kv in fk.missing(keys):
                problems.append(
                    _fk_problem(display, resource.name, row, fk.fields, kv, fk.ref, fk.ref_fields)
                )
    order = {r.name: i for i, r in enumerate(resources)}
    problems.sort(key=lambda p: (order.get(p.table or "", 0), p.row or 0, p.column or "", p.code))
    rows = sum(res.rows for res in results.values())
    report = Report(problems, {"tables": len(resources), "rows": rows})
    return report, {name: res.columns for name, res in results.items()}


def _size(resource: Resource) -> int:
    try:
        return resource.path.stat().st_size
    except OSError:
        return 0


# ---- frictionless engine ---------------------------------------------------------------------

_FRICTIONLESS_CODES = {
    "type-error": "type-error",
    "constraint-error": "constraint-error",
    "unique-error": "unique-error",
    "primary-key": "primary-key",
    "foreign-key": "foreign-key",
    "missing-label": "missing-label",
    "extra-label": "extra-label",
    "incorrect-label": "incorrect-label",
    "duplicate-label": "header-error",
    "blank-label": "header-error",
    "blank-row": "blank-row",
    "missing-cell": "missing-cell",
    "extra-cell": "extra-cell",
    "encoding-error": "encoding-error",
    "source-error": "source-error",
    "scheme-error": "missing-file",
}


def validate_frictionless(package: Package) -> Report:
    """Validate with frictionless-py, mapping its errors to this project's problems."""
    import frictionless

    fpackage = frictionless.Package(package.descriptor, basepath=str(package.root))
    freport = fpackage.validate()
    problems: list[Problem] = []
    by_name = {r.name: r for r in package.resources}
    rows = 0
    for task in freport.tasks:
        resource = by_name.get(task.name)
        display = _display(resource) if resource else task.place
        rows += task.stats.get("rows") or 0
        for err in task.errors:
            code = _FRICTIONLESS_CODES.get(err.type, "package-error")
            row = getattr(err, "row_number", None)
            column = getattr(err, "field_name", None) or getattr(err, "label", None)
            if code == "foreign-key" and getattr(err, "field_names", None):
                column = err.field_names[0]
            elif code in ("foreign-key", "primary-key") and resource is not None:
                column = column or _first_key_field(resource, code)
            problems.append(Problem(display, row, column, code, err.message, task.name))
    for err in freport.errors:
        problems.append(Problem(str(package.root), None, None, "package-error", err.message))
    return Report(problems, {"tables": len(package.resources), "rows": rows})


def _first_key_field(resource: Resource, code: str) -> str | None:
    if code == "primary-key":
        return resource.primary_key[0] if resource.primary_key else None
    for fields, _, _ in resource.foreign_keys():
        return fields[0]
    return None


def validate_loaded(
    package: Package, *, engine: str = "native", workers: int | None = None
) -> Report:
    """Validate a loaded package with ``engine``, then run the cross-table rules when the
    tables themselves are valid (rules on invalid data would only repeat the same problems).
    ``workers``: threads of the native engine (see :func:`workers_for`)."""
    from cnr_opendata.checks import check_rules, needed_columns

    tables: dict[str, dict[str, Any]] | None = None
    if engine == "native":
        # the rules' columns come from the same reading (a large table is read once)
        report, tables = _validate_native(package, workers, needed_columns(package))
    elif engine == "frictionless":
        report = validate_frictionless(package)
    else:
        raise ValueError(f"unknown engine {engine!r}: use 'native' or 'frictionless'")
    if report.valid:
        report.extend(check_rules(package, tables))
    return report


__all__ = [
    "COLUMNAR_MIN_BYTES",
    "FieldCheck",
    "KeySet",
    "PendingForeignKey",
    "TableResult",
    "caster_for",
    "validate_frictionless",
    "validate_loaded",
    "validate_native",
    "workers_for",
]
