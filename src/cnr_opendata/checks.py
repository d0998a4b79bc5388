"""Cross-table rules that the data itself states, declared in ``datapackage.json`` (``rules``).

Declaring them in the package (not in code) lets the next press kit bring its own rules. Kinds:

- ``count``: the number of rows of ``table`` matching ``where`` equals an indicator's value,
  read with the indicator's qualifier (exact: equal; environ: within 10 %; plus-de: greater;
  au-moins: greater or equal);
- ``sum``: the values of ``parts`` (indicator ids) add up to ``total`` (an indicator id);
- ``within``: each row's ``field`` territory lies in (is or descends from) its ``container``
  territory, following ``hierarchy`` (table, parent field);
- ``date-order``: ``start`` is not after ``end`` in every row of ``table``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from cnr_opendata.errors import Problem
from cnr_opendata.package import Package, Resource

#: A column of a schema-valid table: an Arrow string array (large tables) or a list of str.
Column = Any
Tables = Mapping[str, Mapping[str, Column]]

#: Tables from this size up are read with pyarrow; smaller ones with the csv module (no
#: pyarrow import when validating a small package).
ARROW_MIN_BYTES = 1 << 20


def _rows(resource: Resource) -> Iterator[tuple[int, dict[str, str]]]:
    with resource.path.open(encoding="utf-8", newline="") as fh:
        yield from enumerate(csv.DictReader(fh), start=2)


def needed_columns(package: Package) -> dict[str, set[str]]:
    """The columns each table must provide to the rules (resource name -> field names)."""
    wanted: dict[str, set[str]] = {}
    for rule in package.descriptor.get("rules", []):
        fields = {
            "count": list(rule.get("where", {})),
            "within": [rule.get("field"), rule.get("container")],
            "date-order": [rule.get("start"), rule.get("end")],
        }.get(str(rule.get("kind")), [])
        try:
            name = package.resource(str(rule.get("table", ""))).name
        except KeyError:
            continue
        wanted.setdefault(name, set()).update(f for f in fields if isinstance(f, str))
    return wanted


class _Columns:
    """The columns of the rules' tables: given by the validator, else read once per table."""

    def __init__(self, package: Package, given: Tables | None) -> None:
        self.package = package
        self.given = given or {}
        self.read: dict[str, dict[str, Column]] = {}

    def get(self, resource: Resource, names: list[str]) -> dict[str, Column]:
        have = {**self.given.get(resource.name, {}), **self.read.get(resource.name, {})}
        if not all(n in have for n in names):
            fields = needed_columns(self.package).get(resource.name, set()) | set(names)
            have = self.read[resource.name] = _read_columns(resource, sorted(fields))
        return {n: have[n] for n in names}


def _read_columns(resource: Resource, names: list[str]) -> dict[str, Column]:
    if resource.path.stat().st_size < ARROW_MIN_BYTES:
        columns: dict[str, list[str]] = {n: [] for n in names}
        for _, row in _rows(resource):
            for n in names:
                columns[n].append(row[n])
        return columns
    import pyarrow.csv as pacsv

    from cnr_opendata._arrow import pa

    table = pacsv.read_csv(
        resource.path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=names,
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return {n: table.column(n).combine_chunks() for n in names}


def _cell(column: Column, j: int) -> str:
    return str(column[j] if isinstance(column, list) else column[int(j)].as_py())


def _display(resource: Resource) -> str:
    try:
        return str(resource.path.relative_to(Path.cwd()))
    except ValueError:
        return str(resource.path)


def _indicators(
    package: Package, rule: dict[str, Any]
) -> tuple[Resource, dict[str, tuple[int, dict[str, str]]]]:
    res = package.resource(rule.get("indicators_table", "indicators"))
    return res, {row["id"]: (i, row) for i, row in _rows(res)}


def _agrees(actual: Decimal, stated: Decimal, qualifier: str) -> bool:
    if qualifier == "environ":
        return abs(actual - stated) <= stated * Decimal("0.1")
    if qualifier == "plus-de":
        return actual > stated
    if qualifier == "au-moins":
        return actual >= stated
    return actual == stated


def _rule_problem(
    resource: Resource, row: int | None, column: str | None, rule: dict[str, Any], message: str
) -> Problem:
    label = rule.get("id", rule["kind"])
    return Problem(
        _display(resource), row, column, "cross-table", f"rule {label!r}: {message}", resource.name
    )


def _check_count(package: Package, rule: dict[str, Any], columns: _Columns) -> Iterator[Problem]:
    table = package.resource(rule["table"])
    where: dict[str, str] = rule.get("where", {})
    if where:
        cols = columns.get(table, list(where))
        first = cols[next(iter(where))]
        if isinstance(first, list):
            n = sum(all(cols[k][j] == v for k, v in where.items()) for j in range(len(first)))
        else:
            from cnr_opendata._arrow import pc

            mask = None
            for k, v in where.items():
                eq = pc.equal(cols[k], v)
                mask = eq if mask is None else pc.and_(mask, eq)
            n = int(pc.sum(mask).as_py() or 0)
    else:
        n = sum(1 for _ in _rows(table))
    ind_res, indicators = _indicators(package, rule)
    if rule["indicator"] not in indicators:
        yield _rule_problem(
            ind_res, None, "id", rule, f"indicator {rule['indicator']!r} does not exist"
        )
        return
    line, ind = indicators[rule["indicator"]]
    stated = Decimal(ind["value"])
    if not _agrees(Decimal(n), stated, ind["qualifier"]):
        cond = ", ".join(f"{k}={v}" for k, v in where.items()) or "all rows"
        yield _rule_problem(
            ind_res,
            line,
            "value",
            rule,
            f"{rule['table']} has {n} row(s) with {cond}, but the indicator states "
            f"{ind['qualifier']} {ind['value']} ({ind.get('value_stated', '')})",
        )


def _check_sum(package: Package, rule: dict[str, Any], columns: _Columns) -> Iterator[Problem]:
    ind_res, indicators = _indicators(package, rule)
    missing = [i for i in [*rule["parts"], rule["total"]] if i not in indicators]
    if missing:
        yield _rule_problem(
            ind_res, None, "id", rule, f"indicator(s) {', '.join(missing)} do not exist"
        )
        return
    total = sum(Decimal(indicators[i][1]["value"]) for i in rule["parts"])
    line, tot = indicators[rule["total"]]
    if total != Decimal(tot["value"]):
        parts = " + ".join(f"{indicators[i][1]['value']} ({i})" for i in rule["parts"])
        yield _rule_problem(
            ind_res,
            line,
            "value",
            rule,
            f"{parts} = {total}, but {rule['total']} states {tot['value']}",
        )


def _check_within(package: Package, rule: dict[str, Any], columns: _Columns) -> Iterator[Problem]:
    h = rule["hierarchy"]
    parents = {row["id"]: row[h["parent"]] for _, row in _rows(package.resource(h["table"]))}
    table = package.resource(rule["table"])
    cols = columns.get(table, [rule["field"], rule["container"]])
    places, containers = cols[rule["field"]], cols[rule["container"]]

    def outside(place: str, container: str) -> bool:
        seen, node = set(), place
        while node and node != container and node not in seen:
            seen.add(node)
            node = parents.get(node, "")
        return node != container

    rows: list[int]
    if isinstance(places, list):
        pairs = list(zip(places, containers, strict=True))
        bad = {p for p in set(pairs) if p[0] and p[1] and outside(*p)}
        rows = [j for j, p in enumerate(pairs) if p in bad]
    else:
        import numpy as np

        from cnr_opendata._arrow import pa, pc

        joined = pc.binary_join_element_wise(places, containers, "\x1f")
        bad_joined = []
        for pair in pc.unique(joined).to_pylist():  # each distinct (place, container) once
            place, container = pair.split("\x1f")
            if place and container and outside(place, container):
                bad_joined.append(pair)
        rows = []
        if bad_joined:
            found = pc.is_in(joined, value_set=pa.array(bad_joined, type=pa.string()))
            rows = np.flatnonzero(found.to_numpy(zero_copy_only=False)).tolist()
    for j in rows:
        yield _rule_problem(
            table,
            j + 2,
            rule["field"],
            rule,
            f"{_cell(places, j)!r} does not lie within {rule['container']} "
            f"{_cell(containers, j)!r}",
        )


def _check_date_order(
    package: Package, rule: dict[str, Any], columns: _Columns
) -> Iterator[Problem]:
    table = package.resource(rule["table"])
    cols = columns.get(table, [rule["start"], rule["end"]])
    start, end = cols[rule["start"]], cols[rule["end"]]
    # ISO dates compare as strings
    rows: list[int]
    if isinstance(start, list):
        rows = [j for j, (a, b) in enumerate(zip(start, end, strict=True)) if a and b and a > b]
    else:
        import numpy as np

        from cnr_opendata._arrow import pc

        both = pc.and_(pc.not_equal(start, ""), pc.not_equal(end, ""))
        wrong = pc.and_(both, pc.greater(start, end))
        rows = np.flatnonzero(wrong.to_numpy(zero_copy_only=False)).tolist()
    for j in rows:
        yield _rule_problem(
            table,
            j + 2,
            rule["end"],
            rule,
            f"{rule['end']} {_cell(end, j)} is before {rule['start']} {_cell(start, j)}",
        )


_KINDS = {
    "count": _check_count,
    "sum": _check_sum,
    "within": _check_within,
    "date-order": _check_date_order,
}


def check_rules(package: Package, tables: Tables | None = None) -> list[Problem]:
    """Evaluate the package's ``rules`` on schema-valid tables; return the broken ones.

    ``tables`` may give the columns the rules need (:func:`needed_columns`), as the validator
    read them; the others are read from the files, each table once.
    """
    problems: list[Problem] = []
    columns = _Columns(package, tables)
    descriptor = str(package.root / "datapackage.json")
    for rule in package.descriptor.get("rules", []):
        check = _KINDS.get(rule.get("kind", ""))
        if check is None:
            message = f"unknown rule kind {rule.get('kind')!r} (use {', '.join(_KINDS)})"
            problems.append(Problem(descriptor, None, None, "package-error", message))
            continue
        try:
            problems.extend(check(package, rule, columns))
        except KeyError as exc:
            message = (
                f"rule {rule.get('id', rule['kind'])!r} names an unknown table or column {exc}"
            )
            problems.append(Problem(descriptor, None, None, "package-error", message))
    return problems
