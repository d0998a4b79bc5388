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
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from cnr_opendata.errors import Problem
from cnr_opendata.package import Package, Resource


def _rows(resource: Resource) -> Iterator[tuple[int, dict[str, str]]]:
    with resource.path.open(encoding="utf-8", newline="") as fh:
        yield from enumerate(csv.DictReader(fh), start=2)


def _columns(resource: Resource, names: list[str]) -> dict[str, Any]:
    """Some columns of a (schema-valid) table as pyarrow string arrays: vectorised rules."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

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


def _check_count(package: Package, rule: dict[str, Any]) -> Iterator[Problem]:
    import pyarrow.compute as pc

    table = package.resource(rule["table"])
    where: dict[str, str] = rule.get("where", {})
    if where:
        cols = _columns(table, list(where))
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


def _check_sum(package: Package, rule: dict[str, Any]) -> Iterator[Problem]:
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


def _check_within(package: Package, rule: dict[str, Any]) -> Iterator[Problem]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    h = rule["hierarchy"]
    parents = {row["id"]: row[h["parent"]] for _, row in _rows(package.resource(h["table"]))}
    table = package.resource(rule["table"])
    cols = _columns(table, [rule["field"], rule["container"]])
    pairs = pc.binary_join_element_wise(cols[rule["field"]], cols[rule["container"]], "\x1f")
    bad = []
    for pair in pc.unique(pairs).to_pylist():  # each distinct (place, container) once
        place, container = pair.split("\x1f")
        if not place or not container:
            continue
        seen, node = set(), place
        while node and node != container and node not in seen:
            seen.add(node)
            node = parents.get(node, "")
        if node != container:
            bad.append(pair)
    if not bad:
        return
    rows = np.flatnonzero(pc.is_in(pairs, value_set=pa.array(bad)).to_numpy(zero_copy_only=False))
    for j in rows:
        place, container = pairs[int(j)].as_py().split("\x1f")
        yield _rule_problem(
            table,
            int(j) + 2,
            rule["field"],
            rule,
            f"{place!r} does not lie within {rule['container']} {container!r}",
        )


def _check_date_order(package: Package, rule: dict[str, Any]) -> Iterator[Problem]:
    import numpy as np
    import pyarrow.compute as pc

    table = package.resource(rule["table"])
    cols = _columns(table, [rule["start"], rule["end"]])
    start, end = cols[rule["start"]], cols[rule["end"]]
    both = pc.and_(pc.not_equal(start, ""), pc.not_equal(end, ""))
    # ISO dates compare as strings
    wrong = pc.and_(both, pc.greater(start, end))
    for j in np.flatnonzero(wrong.to_numpy(zero_copy_only=False)):
        yield _rule_problem(
            table,
            int(j) + 2,
            rule["end"],
            rule,
            f"{rule['end']} {end[int(j)].as_py()} is before {rule['start']} {start[int(j)].as_py()}",
        )


_KINDS = {
    "count": _check_count,
    "sum": _check_sum,
    "within": _check_within,
    "date-order": _check_date_order,
}


def check_rules(package: Package) -> list[Problem]:
    """Evaluate the package's ``rules`` on schema-valid tables; return the broken ones."""
    problems: list[Problem] = []
    descriptor = str(package.root / "datapackage.json")
    for rule in package.descriptor.get("rules", []):
        check = _KINDS.get(rule.get("kind", ""))
        if check is None:
            message = f"unknown rule kind {rule.get('kind')!r} (use {', '.join(_KINDS)})"
            problems.append(Problem(descriptor, None, None, "package-error", message))
            continue
        try:
            problems.extend(check(package, rule))
        except KeyError as exc:
            message = (
                f"rule {rule.get('id', rule['kind'])!r} names an unknown table or column {exc}"
            )
            problems.append(Problem(descriptor, None, None, "package-error", message))
    return problems
