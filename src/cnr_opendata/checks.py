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
    table = package.resource(rule["table"])
    where: dict[str, str] = rule.get("where", {})
    n = sum(1 for _, row in _rows(table) if all(row.get(k) == v for k, v in where.items()))
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
    h = rule["hierarchy"]
    parents = {row["id"]: row[h["parent"]] for _, row in _rows(package.resource(h["table"]))}
    table = package.resource(rule["table"])
    for line, row in _rows(table):
        place, container = row.get(rule["field"], ""), row.get(rule["container"], "")
        if not place or not container:
            continue
        seen, node = set(), place
        while node and node != container and node not in seen:
            seen.add(node)
            node = parents.get(node, "")
        if node != container:
            yield _rule_problem(
                table,
                line,
                rule["field"],
                rule,
                f"{place!r} does not lie within {rule['container']} {container!r}",
            )


def _check_date_order(package: Package, rule: dict[str, Any]) -> Iterator[Problem]:
    table = package.resource(rule["table"])
    for line, row in _rows(table):
        start, end = row.get(rule["start"], ""), row.get(rule["end"], "")
        if start and end and start > end:  # ISO dates compare as strings
            yield _rule_problem(
                table,
                line,
                rule["end"],
                rule,
                f"{rule['end']} {end} is before {rule['start']} {start}",
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
    for rule in package.descriptor.get("rules", []):
        check = _KINDS.get(rule.get("kind", ""))
        if check is None:
            problems.append(
                Problem(
                    str(package.root / "datapackage.json"),
                    None,
                    None,
                    "package-error",
                    f"unknown rule kind {rule.get('kind')!r} (use {', '.join(_KINDS)})",
                )
            )
            continue
        try:
            problems.extend(check(package, rule))
        except KeyError as exc:
            problems.append(
                Problem(
                    str(package.root / "datapackage.json"),
                    None,
                    None,
                    "package-error",
                    f"rule {rule.get('id', rule['kind'])!r} names an unknown table or column {exc}",
                )
            )
    return problems
