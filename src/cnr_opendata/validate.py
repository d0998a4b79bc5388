"""Table Schema validation engines.

``native``: one streaming pass per table (strict CSV reading, compiled per-field checks, key
sets), then foreign keys, then the declarative cross-table rules. ``frictionless``: the
reference implementation, its errors mapped to the same problem codes.
Rows are numbered as in frictionless: the header is row 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


def _boolean(field: dict[str, Any]) -> Caster:
    true = set(field.get("trueValues", ["true", "True", "TRUE", "1"]))
    false = set(field.get("falseValues", ["false", "False", "FALSE", "0"]))

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


class _TableResult:
    def __init__(self) -> None:
        self.rows = 0
        self.broken = False
        self.keys: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
        self.fk_pending: list[tuple[int, list[str], str, list[str], tuple[str, ...]]] = []


def _validate_table(
    package: Package,
    resource: Resource,
    key_sets: dict[str, dict[tuple[str, ...], set[tuple[str, ...]]]],
    wanted_keys: dict[str, set[tuple[str, ...]]],
    problems: list[Problem],
    broken: set[str],
) -> _TableResult:
    display = _display(package, resource)
    result = _TableResult()
    fields = resource.schema["fields"]
    names = [f["name"] for f in fields]
    checks = [FieldCheck(f) for f in fields]
    missing_values = set(resource.schema.get("missingValues", [""]))
    pk_idx = [names.index(n) for n in resource.primary_key if n in names]
    pk_seen: dict[tuple[str, ...], int] = {}
    unique_seen: dict[int, dict[str, int]] = {i: {} for i, c in enumerate(checks) if c.unique}
    fks = [
        (fk_fields, ref_res, ref_fields, [names.index(n) for n in fk_fields if n in names])
        for fk_fields, ref_res, ref_fields in resource.foreign_keys()
    ]
    collect = {k: [names.index(n) for n in k] for k in wanted_keys.get(resource.name, set())}
    for k in collect:
        result.keys[k] = set()
    width = len(names)

    def report(p: Problem) -> None:
        problems.append(Problem(p.path, p.row, p.column, p.code, p.message, resource.name))

    for row_number, cells in read_rows(resource.path, display, report):
        if row_number == 1:
            if not _check_header(display, resource.name, names, cells, problems):
                result.broken = True
                break
            continue
        result.rows += 1
        if not any(cells):
            problems.append(
                Problem(display, row_number, None, "blank-row", "the row is empty", resource.name)
            )
            continue
        n = len(cells)
        if n > width:
            for j in range(width, n):
                problems.append(
                    Problem(
                        display,
                        row_number,
                        None,
                        "extra-cell",
                        f"cell {j + 1} {_quote(cells[j])} has no column in the header",
                        resource.name,
                    )
                )
        values: list[str | None] = []
        for i, check in enumerate(checks):
            if i >= n:
                problems.append(
                    Problem(
                        display,
                        row_number,
                        check.name,
                        "missing-cell",
                        "the row has no cell for this column (truncated line?)",
                        resource.name,
                    )
                )
                values.append(None)
                continue
            v = cells[i]
            if v in missing_values:
                values.append(None)
                if check.required:
                    problems.append(
                        Problem(
                            display,
                            row_number,
                            check.name,
                            "constraint-error",
                            "a value is required",
                            resource.name,
                        )
                    )
                continue
            bad = check.check(v)
            if bad:
                problems.append(
                    Problem(display, row_number, check.name, bad[0], bad[1], resource.name)
                )
                values.append(None)
                continue
            values.append(v)
            if i in unique_seen:
                first = unique_seen[i].setdefault(v, row_number)
                if first != row_number:
                    problems.append(
                        Problem(
                            display,
                            row_number,
                            check.name,
                            "unique-error",
                            f"{_quote(v)} repeats row {first}",
                            resource.name,
                        )
                    )
        if pk_idx:
            key = tuple(values[i] or "" for i in pk_idx)
            if all(values[i] is not None for i in pk_idx):
                first = pk_seen.setdefault(key, row_number)
                if first != row_number:
                    problems.append(
                        Problem(
                            display,
                            row_number,
                            names[pk_idx[0]],
                            "primary-key",
                            f"duplicate {'/'.join(names[i] for i in pk_idx)} "
                            f"{_quote(', '.join(key))}: same as row {first}",
                            resource.name,
                        )
                    )
        for k, idx in collect.items():
            kv = tuple(values[i] or "" for i in idx)
            if all(values[i] is not None for i in idx):
                result.keys[k].add(kv)
        for fk_fields, ref_res, ref_fields, idx in fks:
            if len(idx) != len(fk_fields):
                continue
            fv = [values[i] for i in idx]
            if all(v is None for v in fv):
                continue
            kv = tuple(v or "" for v in fv)
            if ref_res in broken:
                continue
            known = key_sets.get(ref_res, {}).get(tuple(ref_fields))
            if known is not None and ref_res != resource.name:
                if kv not in known:
                    problems.append(
                        _fk_problem(
                            display, resource.name, row_number, fk_fields, kv, ref_res, ref_fields
                        )
                    )
            else:
                result.fk_pending.append((row_number, fk_fields, ref_res, ref_fields, kv))
    return result


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
    if len(problems) and problems[-1].table == table:
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


def _display(package: Package, resource: Resource) -> str:
    """The resource's path as the user would type it: relative to the current folder if inside."""
    try:
        return str(resource.path.relative_to(Path.cwd()))
    except ValueError:
        return str(resource.path)


def _order(package: Package) -> list[Resource]:
    """Referenced tables first where the references allow it, so most foreign keys are checked
    while streaming; cycles fall back to the descriptor order."""
    done: list[Resource] = []
    pending = list(package.resources)
    while pending:
        for r in pending:
            deps = {ref for _, ref, _ in r.foreign_keys() if ref != r.name}
            if deps <= {d.name for d in done}:
                done.append(r)
                pending.remove(r)
                break
        else:
            done.append(pending.pop(0))
    return done


# ---- columnar fast path ---------------------------------------------------------------------

_TYPE_REGEX = {
    "integer": r"^[+-]?[0-9]+$",
    "number": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$",
    "year": r"^[0-9]{4}$",
    "yearmonth": r"^[0-9]{4}-(0[1-9]|1[0-2])$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
}
_SEP = "\x1f"


def _candidates(check: FieldCheck, col: Any) -> Any | None:
    """A boolean array: True where a present cell may break its type or a constraint. A
    superset of the bad cells (each candidate is checked exactly by :meth:`FieldCheck.check`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    exotic = (
        check.minimum is not None
        or check.maximum is not None
        or check.type in ("datetime", "boolean")
    )
    if exotic:
        return pc.not_equal(col, "\x00never")  # all True: rare fields, checked one by one
    bad = (
        pa.chunked_array([pa.array([False] * len(col))])
        if len(col) == 0
        else pc.equal(col, "\x00never")
    )
    if check.type in _TYPE_REGEX:
        bad = pc.or_(bad, pc.invert(pc.match_substring_regex(col, _TYPE_REGEX[check.type])))
    if check.type == "date":
        parsed = pc.strptime(col, format="%Y-%m-%d", unit="s", error_is_null=True)
        same = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), col)
        bad = pc.or_(bad, pc.invert(pc.fill_null(same, False)))
    if check.enum is not None:
        bad = pc.or_(bad, pc.invert(pc.is_in(col, value_set=pa.array(sorted(check.enum)))))
    if check.pattern is not None:
        try:
            ok = pc.match_substring_regex(col, f"^(?:{check.pattern_text})$")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return pc.not_equal(col, "\x00never")  # a pattern RE2 cannot run: check every cell
        bad = pc.or_(bad, pc.invert(ok))
    if check.min_length is not None or check.max_length is not None:
        length = pc.utf8_length(col)
        if check.min_length is not None:
            bad = pc.or_(bad, pc.less(length, check.min_length))
        if check.max_length is not None:
            bad = pc.or_(bad, pc.greater(length, check.max_length))
    return bad


def _read_arrow(resource: Resource, names: list[str]) -> Any | None:
    """The table as strings, or ``None`` when anything about the raw file is unusual (BOM,
    encoding, delimiter, header, ragged or blank lines): the exact path then reports it."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with resource.path.open("rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    if head.startswith(b"\xef\xbb\xbf") or b"\x00" in head:
        return None
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    if first.decode("utf-8", errors="replace") != ",".join(names):
        return None
    try:
        return pacsv.read_csv(
            resource.path,
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None


def _validate_table_fast(
    package: Package,
    resource: Resource,
    key_sets: dict[str, dict[tuple[str, ...], set[tuple[str, ...]]]],
    wanted_keys: dict[str, set[tuple[str, ...]]],
    problems: list[Problem],
    broken: set[str],
) -> _TableResult | None:
    """Vectorised checks with pyarrow; ``None`` means "use the exact row-by-row path"."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    fields = resource.schema["fields"]
    names = [f["name"] for f in fields]
    table = _read_arrow(resource, names)
    if table is None or table.column_names != names:
        return None
    display = _display(package, resource)
    result = _TableResult()
    n = table.num_rows
    result.rows = n
    missing_values = pa.array(sorted(set(resource.schema.get("missingValues", [""]))))
    columns = [table.column(i) for i in range(len(names))]
    missing = [pc.is_in(c, value_set=missing_values) for c in columns]
    blank = missing[0]
    for m in missing[1:]:
        blank = pc.and_(blank, m)
    blank_np = np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
    for j in np.flatnonzero(blank_np):
        problems.append(
            Problem(display, int(j) + 2, None, "blank-row", "the row is empty", resource.name)
        )
    valid = []  # per column: True where the cell is present and valid
    for i, check in enumerate(FieldCheck(f) for f in fields):
        miss = np.asarray(missing[i].to_numpy(zero_copy_only=False), dtype=bool)
        if check.required:
            for j in np.flatnonzero(miss & ~blank_np):
                problems.append(
                    Problem(
                        display,
                        int(j) + 2,
                        check.name,
                        "constraint-error",
                        "a value is required",
                        resource.name,
                    )
                )
        ok = ~miss & ~blank_np
        cand = np.asarray(
            pc.fill_null(_candidates(check, columns[i]), True).to_numpy(zero_copy_only=False),
            dtype=bool,
        )
        col = columns[i]
        for j in np.flatnonzero(cand & ok):
            value = col[int(j)].as_py()
            bad = check.check(value)
            if bad:
                problems.append(
                    Problem(display, int(j) + 2, check.name, bad[0], bad[1], resource.name)
                )
                ok[j] = False
        if check.unique:
            _duplicates(display, resource.name, [check.name], [col], ok, "unique-error", problems)
        valid.append(ok)

    def key_array(idx: list[int]) -> Any:
        if len(idx) == 1:
            return columns[idx[0]]
        return pc.binary_join_element_wise(*[columns[k] for k in idx], _SEP)

    def eligible(idx: list[int]) -> Any:
        mask = np.ones(n, dtype=bool)
        for k in idx:
            mask &= valid[k]
        return mask

    pk_idx = [names.index(k) for k in resource.primary_key if k in names]
    if pk_idx:
        _duplicates(
            display,
            resource.name,
            [names[k] for k in pk_idx],
            [key_array(pk_idx)],
            eligible(pk_idx),
            "primary-key",
            problems,
        )
    for key in wanted_keys.get(resource.name, set()):
        idx = [names.index(k) for k in key]
        values = key_array(idx).to_pylist()
        mask = eligible(idx)
        if len(idx) == 1:
            result.keys[key] = {(v,) for v, m in zip(values, mask, strict=True) if m}
        else:
            result.keys[key] = {
                tuple(v.split(_SEP)) for v, m in zip(values, mask, strict=True) if m
            }
    for fk_fields, ref_res, ref_fields in resource.foreign_keys():
        if ref_res in broken or any(f not in names for f in fk_fields):
            continue
        idx = [names.index(f) for f in fk_fields]
        # a reference is checked when any of its cells is present and valid (as the exact path)
        any_present = np.zeros(n, dtype=bool)
        for k in idx:
            any_present |= valid[k]
        known = key_sets.get(ref_res, {}).get(tuple(ref_fields))
        values = key_array(idx)
        if known is not None and ref_res != resource.name:
            value_set = pa.array(sorted(_SEP.join(k) for k in known), type=pa.string())
            found = np.asarray(
                pc.fill_null(pc.is_in(values, value_set=value_set), False).to_numpy(
                    zero_copy_only=False
                ),
                dtype=bool,
            )
            for j in np.flatnonzero(any_present & ~found):
                kv = tuple(str(columns[k][int(j)].as_py()) if valid[k][j] else "" for k in idx)
                problems.append(
                    _fk_problem(
                        display, resource.name, int(j) + 2, fk_fields, kv, ref_res, ref_fields
                    )
                )
        else:
            for j in np.flatnonzero(any_present):
                kv = tuple(str(columns[k][int(j)].as_py()) if valid[k][j] else "" for k in idx)
                result.fk_pending.append((int(j) + 2, fk_fields, ref_res, ref_fields, kv))
    return result


def _duplicates(
    display: str,
    table: str,
    fields: list[str],
    keys: list[Any],
    mask: Any,
    code: str,
    problems: list[Problem],
) -> None:
    """Report every row whose key repeats an earlier eligible row."""
    import numpy as np
    import pyarrow.compute as pc

    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return
    encoded = pc.dictionary_encode(keys[0]).combine_chunks()
    codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False))[rows]
    _, first_pos, counts = np.unique(codes, return_index=True, return_counts=True)
    if not (counts > 1).any():
        return
    first_row_of = dict(zip(codes[first_pos].tolist(), rows[first_pos].tolist(), strict=True))
    dup = np.ones(len(rows), dtype=bool)
    dup[first_pos] = False
    dictionary = encoded.dictionary
    for pos in np.flatnonzero(dup):
        j, code_ = int(rows[pos]), int(codes[pos])
        first = first_row_of[code_] + 2
        value = str(dictionary[code_].as_py()).replace(_SEP, ", ")
        if code == "primary-key":
            message = f"duplicate {'/'.join(fields)} {_quote(value)}: same as row {first}"
        else:
            message = f"{_quote(value)} repeats row {first}"
        problems.append(Problem(display, j + 2, fields[0], code, message, table))


def validate_native(package: Package) -> Report:
    problems: list[Problem] = []
    wanted: dict[str, set[tuple[str, ...]]] = {}
    for r in package.resources:
        for _, ref, ref_fields in r.foreign_keys():
            wanted.setdefault(ref, set()).add(tuple(ref_fields))
    key_sets: dict[str, dict[tuple[str, ...], set[tuple[str, ...]]]] = {}
    pending: list[tuple[Resource, _TableResult]] = []
    broken: set[str] = set()
    rows = 0
    for resource in _order(package):
        result = _validate_table_fast(package, resource, key_sets, wanted, problems, broken)
        if result is None:
            result = _validate_table(package, resource, key_sets, wanted, problems, broken)
        key_sets[resource.name] = result.keys
        if result.broken:
            broken.add(resource.name)
        rows += result.rows
        pending.append((resource, result))
    names = {r.name for r in package.resources}
    for resource, result in pending:
        display = _display(package, resource)
        for row, fields, ref_res, ref_fields, kv in result.fk_pending:
            if ref_res in broken:
                continue
            if ref_res not in names:
                problems.append(
                    Problem(
                        display,
                        None,
                        fields[0],
                        "package-error",
                        f"foreign key refers to unknown resource {ref_res!r}",
                        resource.name,
                    )
                )
                continue
            if kv not in key_sets[ref_res].get(tuple(ref_fields), set()):
                problems.append(
                    _fk_problem(display, resource.name, row, fields, kv, ref_res, ref_fields)
                )
    order = {r.name: i for i, r in enumerate(package.resources)}
    problems.sort(key=lambda p: (order.get(p.table or "", 0), p.row or 0, p.column or "", p.code))
    return Report(problems, {"tables": len(package.resources), "rows": rows})


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
        display = _display(package, resource) if resource else task.place
        rows += task.stats.get("rows") or 0
        for err in task.errors:
            code = _FRICTIONLESS_CODES.get(err.type, "package-error")
            row = getattr(err, "row_number", None)
            column = getattr(err, "field_name", None) or getattr(err, "label", None)
            if code in ("foreign-key", "primary-key") and resource is not None:
                cells = getattr(err, "cells", None)
                column = column or _first_key_field(resource, code)
                del cells
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


def validate_loaded(package: Package, *, engine: str = "native") -> Report:
    """Validate a loaded package with ``engine``, then run the cross-table rules when the
    tables themselves are valid (rules on invalid data would only repeat the same problems)."""
    from cnr_opendata.checks import check_rules

    if engine == "native":
        report = validate_native(package)
    elif engine == "frictionless":
        report = validate_frictionless(package)
    else:
        raise ValueError(f"unknown engine {engine!r}: use 'native' or 'frictionless'")
    if report.valid:
        report.extend(check_rules(package))
    return report


__all__ = [
    "FieldCheck",
    "caster_for",
    "validate_frictionless",
    "validate_loaded",
    "validate_native",
]
