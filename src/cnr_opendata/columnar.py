"""Columnar validation of a large table with pyarrow: the problems of the row-by-row path.

A table takes this path only when its raw file is plain (:func:`cnr_opendata.csvio.plain_csv`):
pyarrow's reader then reads the same cells as the strict ``csv`` reader; any raw defect it still
meets (invalid UTF-8, a row of another width) makes :func:`check_table_columnar` return ``None``
and the table is read row by row instead. The file is read in blocks (memory is bounded by a
block plus the key columns). Each column is checked with vectorised kernels that flag a superset
of the bad cells; each flagged cell is then checked by :meth:`FieldCheck.check`, so codes and
messages are those of the row-by-row path. Where a kernel could disagree with Python (a pattern
RE2 reads differently, datetimes), the distinct values are checked in Python instead.
Primary keys, unique fields and the keys other tables refer to are checked on the key columns
at the end of the table; foreign keys are returned for :func:`validate_native` to check.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any

from cnr_opendata.errors import Problem
from cnr_opendata.package import Resource
from cnr_opendata.validate import (
    SEP,
    FieldCheck,
    KeySet,
    PendingForeignKey,
    TableResult,
    _duplicate_key_message,
    _quote,
)

#: Bytes per block of whole records (cut by the raw scan); one block is parsed at a time, so
#: memory stays bounded whatever the file's size. pyarrow's streaming reader would read ahead
#: without bound; parallelism comes from reading two tables at once.
BLOCK_BYTES = 16 << 20

#: Regular expressions (RE2) equivalent to the casters' own checks of each type.
_TYPE_REGEX = {
    "integer": r"^[+-]?[0-9]+$",
    "number": r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$",
    "year": r"^[0-9]{4}$",
    "yearmonth": r"^[0-9]{4}-(0[1-9]|1[0-2])$",
    "date": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
}
#: Constructs where RE2 and Python's ``re`` may accept different strings: negated classes of
#: Unicode-aware shorthands, flags, look-arounds, back-references, anchors RE2 lacks.
_RE2_UNSAFE = re.compile(r"\\[DWSBbAZ0-9]|\(\?|\[\^[^\]]*\\[dws]")


class _Unsure(Exception):
    """A kernel cannot be trusted for this column: check its distinct values in Python."""


def check_table_columnar(
    resource: Resource,
    display: str,
    wanted: set[tuple[str, ...]],
    keep: AbstractSet[str] = frozenset(),
) -> TableResult | None:
    """Check ``resource`` column by column; ``None`` when its raw file needs the exact path.
    ``keep``: columns to return (Arrow arrays) for the cross-table rules."""
    import pyarrow.csv as pacsv

    from cnr_opendata._arrow import pa
    from cnr_opendata.csvio import NotPlain, plain_csv_records

    fields = resource.schema["fields"]
    names = [f["name"] for f in fields]
    table = _Table(resource, display, names, wanted, keep)
    parse_options = pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
    convert_options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=True,
    )
    try:
        for records in plain_csv_records(resource.path, names, BLOCK_BYTES):
            block = pacsv.read_csv(
                pa.py_buffer(records),
                # one chunk per block: the checks' cost per batch is paid once
                read_options=pacsv.ReadOptions(
                    column_names=names, use_threads=False, block_size=len(records) + 1
                ),
                parse_options=parse_options,
                convert_options=convert_options,
            )
            for batch in block.combine_chunks().to_batches():
                table.check_batch(batch)
    except (NotPlain, pa.ArrowException):
        return None  # a raw defect (or invalid UTF-8, a row of another width): the exact path
    return table.finish()


class _Table:
    """The state of one table being checked block by block."""

    def __init__(
        self,
        resource: Resource,
        display: str,
        names: list[str],
        wanted: set[tuple[str, ...]],
        keep: AbstractSet[str],
    ) -> None:
        self.resource = resource
        self.display = display
        self.names = names
        self.checks = [FieldCheck(f) for f in resource.schema["fields"]]
        self.missing_values = sorted(set(resource.schema.get("missingValues", [""])))
        self.result = TableResult()
        self.pk = [names.index(n) for n in resource.primary_key if n in names]
        self.unique = [i for i, c in enumerate(self.checks) if c.unique]
        self.fks = [
            (fk_fields, ref, ref_fields, [names.index(n) for n in fk_fields])
            for fk_fields, ref, ref_fields in resource.foreign_keys()
            if all(n in names for n in fk_fields)
        ]
        self.wanted = {k: [names.index(n) for n in k] for k in wanted if all(n in names for n in k)}
        kept = set(self.pk) | set(self.unique)
        for *_, idx in self.fks:
            kept.update(idx)
        for idx in self.wanted.values():
            kept.update(idx)
        self.keep = [names.index(n) for n in keep if n in names]
        kept.update(self.keep)
        # the key columns and, per cell, whether it is present and valid
        self.columns: dict[int, list[Any]] = {i: [] for i in sorted(kept)}
        self.valid: dict[int, list[Any]] = {i: [] for i in sorted(kept)}

    def problem(self, row: int, column: str | None, code: str, message: str) -> None:
        self.result.problems.append(
            Problem(self.display, row, column, code, message, self.resource.name)
        )

    def check_batch(self, batch: Any) -> None:
        import numpy as np

        first_row = self.result.rows + 2  # the header is row 1
        n = batch.num_rows
        self.result.rows += n
        columns = batch.columns
        missing = [_is_missing(c, self.missing_values) for c in columns]
        blank = np.logical_and.reduce(missing) if missing else np.zeros(n, dtype=bool)
        for j in np.flatnonzero(blank):
            self.problem(first_row + int(j), None, "blank-row", "the row is empty")
        for i, check in enumerate(self.checks):
            col = columns[i]
            present = ~missing[i] & ~blank
            if check.required:
                for j in np.flatnonzero(missing[i] & ~blank):
                    self.problem(
                        first_row + int(j), check.name, "constraint-error", "a value is required"
                    )
            ok = present.copy()
            for j in np.flatnonzero(_candidates(check, col, present, self.missing_values)):
                bad = check.check(col[int(j)].as_py())
                if bad:
                    self.problem(first_row + int(j), check.name, bad[0], bad[1])
                    ok[j] = False
            if i in self.columns:
                self.columns[i].append(col)
                self.valid[i].append(ok)

    def finish(self) -> TableResult:
        import numpy as np

        columns = {i: _combine(chunks) for i, chunks in self.columns.items()}
        valid = {
            i: np.concatenate(v) if v else np.zeros(0, dtype=bool) for i, v in self.valid.items()
        }
        self.columns.clear()
        self.valid.clear()
        self.result.columns = {self.names[i]: columns[i] for i in self.keep}
        encoded = _Encodings(columns)
        for i in self.unique:
            self._duplicates([i], columns, valid, encoded, "unique-error")
        if self.pk:
            self._duplicates(self.pk, columns, valid, encoded, "primary-key")
        for key, idx in self.wanted.items():
            eligible = np.logical_and.reduce([valid[k] for k in idx])
            values = _joined([columns[k] for k in idx], valid, idx)
            if not eligible.all():
                values = values.filter(eligible)
            self.result.keys[key] = KeySet(arrow=values)
        for fk_fields, ref, ref_fields, idx in self.fks:
            # a reference is checked when any of its cells is present and valid; an invalid or
            # missing cell counts as "" (as in the row-by-row path)
            if len(idx) == 1:
                dictionary, indices = encoded.get(idx[0])
            else:
                dictionary, indices = _encode(_joined([columns[k] for k in idx], valid, idx))
            self.result.references.append(
                _ColumnarForeignKey(
                    PendingForeignKey(fk_fields, ref, ref_fields),
                    np.logical_or.reduce([valid[k] for k in idx]),
                    dictionary,
                    indices,
                )
            )
        return self.result

    def _duplicates(
        self,
        idx: list[int],
        columns: dict[int, Any],
        valid: dict[int, Any],
        encoded: _Encodings,
        code: str,
    ) -> None:
        """Report every row whose key repeats an earlier row's (rows with a valid key only)."""
        import numpy as np

        from cnr_opendata._arrow import pc

        eligible = np.logical_and.reduce([valid[k] for k in idx])
        rows = np.flatnonzero(eligible)
        if len(rows) == 0:
            return
        if len(idx) == 1:
            column = columns[idx[0]]
            keys = column if len(rows) == len(column) else column.filter(eligible)
            if pc.count_distinct(keys).as_py() == len(keys):
                return
        codes = encoded.key_codes(idx)[rows]
        if len(idx) > 1:
            # a sorted copy rather than a hash: pyarrow's count_distinct on 3 M int64 codes
            # holds a hash table of 300 MB; the copy is 8 bytes a row
            ordered = np.sort(codes)
            if not (ordered[1:] == ordered[:-1]).any():
                return
        order = np.argsort(codes, kind="stable")  # equal keys: the earliest row first
        ordered = codes[order]
        repeat = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
        run_start = np.maximum.accumulate(
            np.where(np.r_[True, ordered[1:] != ordered[:-1]], np.arange(len(ordered)), 0)
        )
        names = [self.names[k] for k in idx]
        for pos in repeat:
            row, first = int(rows[order[pos]]), int(rows[order[run_start[pos]]])
            value = ", ".join(str(columns[k][row].as_py()) for k in idx)
            if code == "primary-key":
                message = _duplicate_key_message(names, value, first + 2)
            else:
                message = f"{_quote(value)} repeats row {first + 2}"
            self.problem(row + 2, names[0], code, message)


def _encode(column: Any) -> tuple[Any, Any]:
    """(distinct values, the index of each row's value in them as a numpy array)."""
    import numpy as np

    from cnr_opendata._arrow import pc

    encoded = pc.dictionary_encode(column)
    return encoded.dictionary, np.asarray(encoded.indices.to_numpy(zero_copy_only=False))


class _Encodings:
    """Each key column dictionary-encoded at most once (shared by keys and references)."""

    def __init__(self, columns: dict[int, Any]) -> None:
        self.columns = columns
        self.done: dict[int, tuple[Any, Any]] = {}

    def get(self, i: int) -> tuple[Any, Any]:
        if i not in self.done:
            self.done[i] = _encode(self.columns[i])
        return self.done[i]

    def key_codes(self, idx: list[int]) -> Any:
        """One int64 per row, equal exactly when the rows' values are equal in every column."""
        import numpy as np

        codes = np.zeros(len(self.columns[idx[0]]), dtype=np.int64)
        scale = 1
        for i in idx:
            dictionary, indices = self.get(i)
            size = max(len(dictionary), 1)
            if scale * size >= 1 << 62:  # too many combinations for 64 bits: re-number
                _, codes = np.unique(codes, return_inverse=True)
                codes = codes.astype(np.int64)
                scale = int(codes.max()) + 1
            codes += indices.astype(np.int64) * scale
            scale *= size
        return codes


class _ColumnarForeignKey:
    """The references of one foreign key, dictionary-encoded: each distinct value is looked up
    once."""

    def __init__(self, fk: PendingForeignKey, checked: Any, dictionary: Any, indices: Any) -> None:
        self.fields = fk.fields
        self.ref = fk.ref
        self.ref_fields = fk.ref_fields
        self.checked = checked  # per data row: whether the reference is checked
        self.dictionary = dictionary
        self.indices = indices

    def missing(self, keys: KeySet) -> Any:
        import numpy as np

        from cnr_opendata._arrow import pc

        known = pc.is_in(self.dictionary, value_set=keys.arrow())
        found = np.asarray(known.to_numpy(zero_copy_only=False), dtype=bool)[self.indices]
        for j in np.flatnonzero(self.checked & ~found):
            value = self.dictionary[int(self.indices[j])].as_py()
            yield int(j) + 2, tuple(str(value).split(SEP))


def _combine(chunks: list[Any]) -> Any:
    """One contiguous array (large offsets past 1 GiB, where 32-bit offsets would overflow)."""
    from cnr_opendata._arrow import pa

    column = pa.chunked_array(chunks, type=pa.string())
    if column.nbytes > 1 << 30:
        column = column.cast(pa.large_string())
    return column.combine_chunks()


def _joined(columns: list[Any], valid: dict[int, Any], idx: list[int]) -> Any:
    """The values of one key per row: the column itself, or the columns joined with ``SEP``
    (an invalid cell of a composite key counts as "")."""
    from cnr_opendata._arrow import pa, pc

    if len(columns) == 1:
        return columns[0]
    parts = [
        c if valid[k].all() else pc.if_else(pa.array(valid[k]), c, "")
        for c, k in zip(columns, idx, strict=True)
    ]
    return pc.binary_join_element_wise(*parts, SEP)


def _is_missing(column: Any, missing_values: list[str]) -> Any:
    import numpy as np

    from cnr_opendata._arrow import pa, pc

    if missing_values == [""]:
        mask = pc.equal(pc.binary_length(column), 0)
    else:
        mask = pc.is_in(column, value_set=pa.array(missing_values, type=pa.string()))
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def _candidates(check: FieldCheck, column: Any, present: Any, missing: list[str]) -> Any:
    """A boolean mask: True where a present cell may break its type or a constraint (a superset
    of the bad cells; each is checked exactly afterwards)."""
    import numpy as np

    if not present.any() or not _constrained(check):
        return np.zeros(len(column), dtype=bool)
    if _few_distinct(column):
        return _distinct_flags(check, column, missing) & present
    try:
        return _flags(check, column, present) & present
    except _Unsure:
        return _distinct_flags(check, column, missing) & present


def _constrained(check: FieldCheck) -> bool:
    """Whether a present cell of this field can be bad at all."""
    limits = (check.enum, check.pattern, check.minimum, check.maximum)
    lengths = (check.min_length, check.max_length)
    return check.type not in ("string", "any") or any(c is not None for c in (*limits, *lengths))


def _few_distinct(column: Any, sample: int = 8192) -> bool:
    """Whether the column looks like a code list (enums, dates, references to small tables):
    then its distinct values are checked in Python, which is exact and cheap."""
    from cnr_opendata._arrow import pc

    head = column.slice(0, sample)
    return int(pc.count_distinct(head).as_py()) * 8 <= len(head)


def _np(mask: Any, null: bool = False) -> Any:
    """An Arrow boolean array as a numpy one, nulls read as ``null``."""
    import numpy as np

    from cnr_opendata._arrow import pc

    return np.asarray(pc.fill_null(mask, null).to_numpy(zero_copy_only=False), dtype=bool)


def _flags(check: FieldCheck, column: Any, present: Any) -> Any:
    import numpy as np

    from cnr_opendata._arrow import pa, pc

    n = len(column)
    flags = np.zeros(n, dtype=bool)
    kind = check.type
    if kind == "datetime":
        raise _Unsure
    type_ok = None
    if kind in _TYPE_REGEX:
        type_ok = _np(pc.match_substring_regex(column, _TYPE_REGEX[kind]))
        if kind == "date":
            # calendar dates: a date that does not survive a round trip is checked in Python
            parsed = pc.strptime(column, format="%Y-%m-%d", unit="s", error_is_null=True)
            type_ok &= _np(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), column))
            type_ok &= ~_np(pc.starts_with(column, "0000"))  # Python has no year 0
        flags |= ~type_ok
    elif kind == "boolean":
        accepted = pa.array(sorted(check.boolean_values), type=pa.string())
        flags |= ~_np(pc.is_in(column, value_set=accepted))
    if check.enum is not None:
        allowed = pa.array(sorted(check.enum), type=pa.string())
        flags |= ~_np(pc.is_in(column, value_set=allowed))
    if check.pattern is not None:
        if _RE2_UNSAFE.search(check.pattern_text):
            raise _Unsure
        try:
            ok = pc.match_substring_regex(column, f"^(?:{check.pattern_text})$")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise _Unsure from None
        flags |= ~_np(ok)
    if check.min_length is not None or check.max_length is not None:
        length = pc.utf8_length(column)
        if check.min_length is not None:
            flags |= _np(pc.less(length, check.min_length))
        if check.max_length is not None:
            flags |= _np(pc.greater(length, check.max_length))
    if check.minimum is not None or check.maximum is not None:
        flags |= _out_of_range(check, column, present if type_ok is None else present & type_ok)
    return flags


def _out_of_range(check: FieldCheck, column: Any, ok: Any) -> Any:
    """Cells that may lie outside [minimum, maximum] (with a margin for float rounding)."""
    import numpy as np

    from cnr_opendata._arrow import pa, pc

    if check.type in ("integer", "number"):
        try:
            values = pc.cast(pc.if_else(pa.array(ok), column, "0"), pa.float64())
        except pa.ArrowInvalid:
            raise _Unsure from None
        flags = np.zeros(len(column), dtype=bool)
        for bound, below in ((check.minimum, True), (check.maximum, False)):
            if bound is None:
                continue
            limit = float(bound)
            margin = max(abs(limit), 1.0) * 1e-9
            test = (
                pc.less_equal(values, limit + margin)
                if below
                else pc.greater_equal(values, limit - margin)
            )
            flags |= _np(test, True)
        return flags
    if check.type in ("date", "year", "yearmonth", "string", "any"):
        # ISO dates, 4-digit years and strings compare as strings
        flags = np.zeros(len(column), dtype=bool)
        for bound, below in ((check.minimum, True), (check.maximum, False)):
            if bound is None:
                continue
            text = _iso(bound)
            test = pc.less_equal(column, text) if below else pc.greater_equal(column, text)
            flags |= _np(test, True)
        return flags
    raise _Unsure


def _iso(bound: Any) -> str:
    if isinstance(bound, tuple):  # yearmonth
        return f"{bound[0]:04d}-{bound[1]:02d}"
    if isinstance(bound, int):  # year
        return f"{bound:04d}"
    return bound.isoformat() if hasattr(bound, "isoformat") else str(bound)


def _distinct_flags(check: FieldCheck, column: Any, missing: list[str]) -> Any:
    """Exact flags from the distinct values, each checked in Python (missing values are never
    flagged: a value is missing wherever it appears)."""
    import numpy as np

    from cnr_opendata._arrow import pa, pc

    skip = set(missing)
    bad = [v for v in pc.unique(column).to_pylist() if v not in skip and check.check(v)]
    if not bad:
        return np.zeros(len(column), dtype=bool)
    return _np(pc.is_in(column, value_set=pa.array(bad, type=pa.string())))
