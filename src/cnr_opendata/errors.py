"""Errors and validation results.

Two kinds of failure, as in frictionless-py and sqlite-utils:

- a *data problem* is a result: a :class:`Problem` with a stable ``code`` and a location, collected
  in a :class:`Report`. The catalogue :data:`PROBLEM_TYPES` is the one list of codes; the error
  documentation is generated from it;
- misuse and environment failures raise a :class:`CnrOpendataError` subclass whose message says
  what to do next. The CLI turns them into ``Error: …`` and exit status 1 in one place.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any


class CnrOpendataError(Exception):
    """Base class of every error the library raises on purpose."""


class PackageError(CnrOpendataError):
    """The package cannot be read at all (no descriptor, unreadable JSON, unsafe path…)."""


class InvalidPackageError(CnrOpendataError):
    """An operation needs a valid package and validation found problems."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(
            f"the package is invalid ({len(report.problems)} problem(s)); "
            "run `cnr-opendata validate` for the list"
        )


class ReleaseError(CnrOpendataError):
    """A release folder is missing or incomplete."""


class QueryError(CnrOpendataError):
    """A SPARQL query could not be parsed or evaluated."""


class PublishError(CnrOpendataError):
    """Publishing failed; the message keeps the server's status and message, never a secret."""


class ExtractError(CnrOpendataError):
    """A source document cannot be read."""


@dataclass(frozen=True)
class ProblemType:
    code: str
    title: str
    description: str


#: The catalogue of problem codes. Codes are stable: tools may match on them.
PROBLEM_TYPES: dict[str, ProblemType] = {
    t.code: t
    for t in [
        ProblemType(
            "package-error",
            "Package error",
            "The descriptor cannot be read or is not a valid Data Package descriptor.",
        ),
        ProblemType(
            "unsafe-path",
            "Unsafe path",
            "A resource or schema path points outside the package folder (absolute path, `..`, or a URL).",
        ),
        ProblemType("missing-file", "Missing file", "A resource's data file does not exist."),
        ProblemType(
            "encoding-error",
            "Encoding error",
            "The file is not valid UTF-8 (often Windows-1252 from a spreadsheet): re-save it as « CSV UTF-8 ».",
        ),
        ProblemType(
            "bom-error",
            "Byte order mark",
            "The file starts with a UTF-8 byte order mark (BOM); save it as UTF-8 without BOM.",
        ),
        ProblemType(
            "dialect-error",
            "Wrong delimiter",
            "The file is not comma-separated (e.g. semicolons from a French spreadsheet).",
        ),
        ProblemType(
            "source-error",
            "Malformed CSV",
            "The CSV cannot be parsed: unterminated quote, truncated last line, NUL byte.",
        ),
        ProblemType(
            "header-error",
            "Header error",
            "The header row does not match the schema's field names (missing, extra, renamed or reordered column).",
        ),
        ProblemType(
            "missing-label", "Missing column", "A field of the schema has no column in the file."
        ),
        ProblemType(
            "extra-label", "Extra column", "The file has a column that the schema does not declare."
        ),
        ProblemType(
            "incorrect-label",
            "Unexpected column",
            "A column name differs from the schema's field at that position.",
        ),
        ProblemType("blank-row", "Blank row", "A row has no value at all."),
        ProblemType(
            "missing-cell",
            "Missing cell",
            "A row has fewer cells than the header (often a truncated line).",
        ),
        ProblemType("extra-cell", "Extra cell", "A row has more cells than the header."),
        ProblemType(
            "type-error",
            "Type error",
            "A value does not match the field's type or format (e.g. a date that is not YYYY-MM-DD).",
        ),
        ProblemType(
            "constraint-error",
            "Constraint error",
            "A value breaks a field constraint: required, enum, pattern, minimum, maximum, length.",
        ),
        ProblemType(
            "unique-error", "Unique error", "A field declared unique has a repeated value."
        ),
        ProblemType(
            "primary-key",
            "Primary key error",
            "The primary key of a row repeats an earlier row (duplicate id).",
        ),
        ProblemType(
            "foreign-key",
            "Foreign key error",
            "A reference points to no row of the referenced table.",
        ),
        ProblemType(
            "cross-table",
            "Cross-table rule",
            "A rule that the data itself states is broken (stated counts, hierarchy, date order).",
        ),
    ]
}


@dataclass(frozen=True, order=True)
class Problem:
    """One data problem, located as precisely as possible.

    ``row`` is the physical line number in the file (the header is line 1), as frictionless
    reports it; ``column`` is the field name.
    """

    path: str
    row: int | None
    column: str | None
    code: str
    message: str
    table: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.code not in PROBLEM_TYPES:
            raise ValueError(f"unknown problem code {self.code!r}")

    def format(self) -> str:
        """``path:row:column: code: message``; empty row/column parts are omitted."""
        location = self.path
        if self.row is not None:
            location += f":{self.row}"
        if self.column:
            location += f":{self.column}"
        return f"{location}: {self.code}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """The result of validating a package: valid when it has no problem."""

    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.problems

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def summary(self) -> str:
        tables = self.stats.get("tables", 0)
        rows = self.stats.get("rows", 0)
        if self.valid:
            return f"valid: {tables} tables, {rows} rows, no problem"
        counts = Counter(p.code for p in self.problems)
        detail = ", ".join(f"{n} {code}" for code, n in sorted(counts.items()))
        return (
            f"invalid: {len(self.problems)} problem(s) in {tables} tables, {rows} rows ({detail})"
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "valid": self.valid,
                "stats": self.stats,
                "problems": [p.to_dict() for p in self.problems],
            },
            ensure_ascii=False,
            indent=2,
        )


def problem_types_markdown() -> str:
    """The error reference (``docs/errors.md``), generated from :data:`PROBLEM_TYPES`."""
    lines = [
        "# Problem codes",
        "",
        "Generated from `cnr_opendata.errors.PROBLEM_TYPES`; codes are stable, tools may match",
        "on them. `cnr-opendata validate` prints each problem as `path:row:column: code: message`",
        "(row 1 is the header, as in a spreadsheet and in frictionless).",
        "",
        "| code | title | meaning and fix |",
        "|---|---|---|",
    ]
    lines += [f"| `{t.code}` | {t.title} | {t.description} |" for t in PROBLEM_TYPES.values()]
    return "\n".join(lines) + "\n"
