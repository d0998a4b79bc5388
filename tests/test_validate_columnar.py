"""The columnar path (pyarrow) reports exactly what the row-by-row path reports: for raw
defects (which send the table to the row-by-row path), and for cell values of every type and
constraint (checked by vectorised kernels or on distinct values)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cnr_opendata.columnar as columnar
import cnr_opendata.validate as validate
from cnr_opendata.csvio import is_plain_csv, plain_csv_records, read_rows
from cnr_opendata.package import load_package
from cnr_opendata.validate import validate_native


def report_lines(pkg: Path, monkeypatch: pytest.MonkeyPatch, columnar_from: int) -> list[str]:
    monkeypatch.setattr(validate, "COLUMNAR_MIN_BYTES", columnar_from)
    report = validate_native(load_package(pkg))
    return [*(p.format() for p in report), json.dumps(report.stats)]


def same_on_both_paths(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    exact = report_lines(pkg, monkeypatch, 1 << 60)
    assert report_lines(pkg, monkeypatch, 0) == exact
    return exact


# ---- the raw scan that decides which path reads a file --------------------------------------

HEADER = ["a", "b"]
TOKENS = [b"a", b"\xc3\xa9", b",", b'"', b'""', b"\n", b"\r\n", b"\r", b" ", b"\x00"]


def pyarrow_rows(path: Path) -> list[list[str]]:
    table = pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in HEADER},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return [list(r.values()) for r in table.to_pylist()]


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_a_plain_file_reads_the_same_in_pyarrow_and_in_the_strict_reader(
    tmp_path: Path, tokens: list[bytes]
) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" + b"".join(tokens))
    if not is_plain_csv(path, HEADER):
        return
    problems: list = []
    strict = [cells for n, cells in read_rows(path, "t.csv", problems.append) if n > 1]
    assert problems == []
    try:
        fast = pyarrow_rows(path)
    except pa.ArrowInvalid:
        return  # a row of another width: the columnar path gives up, the exact one reports it
    # an empty line is a row of empty cells for pyarrow, an empty row for csv: both are blank
    assert fast == [cells if cells else ["", ""] for cells in strict]


@pytest.mark.parametrize(
    "data",
    [
        b'a,b\nx,y\n"quoted, with comma","and ""quotes"""\n',
        b'a,b\r\n"multi\r\nline",y\r\n',
        b'a,b\n"",""\n',
        b"a,b\nx,y",
        b"a,b\n",
    ],
)
def test_well_formed_files_are_plain(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert is_plain_csv(path, HEADER)


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfa,b\nx,y\n",  # BOM
        b'"a",b\nx,y\n',  # quoted header
        b"a;b\nx;y\n",  # another delimiter
        b'a,b\n"x"y,z\n',  # text after a closing quote
        b'a,b\n"x" ,z\n',
        b'a,b\nx"y,z\n',  # a quote inside an unquoted cell
        b'a,b\n"x,z\n',  # unterminated
        b"a,b\nx\ry,z\n",  # a lone carriage return
        b"a,b\rx,y\r",
        b"a,b\nx\x1fy,z\n",  # the separator of composite keys
    ],
)
def test_raw_oddities_are_not_plain(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert not is_plain_csv(path, HEADER)


def test_the_scan_cuts_blocks_of_whole_records(tmp_path: Path) -> None:
    # quote runs, quoted line ends and CRLFs across block boundaries of every possible offset
    body = b"".join(b'"v%d ""q"" ,\r\nx",y\r\n' % i for i in range(200))
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\r\n" + body)
    whole = list(csv.reader(io.StringIO(body.decode(), newline="")))
    for block in range(5, 40):
        blocks = [bytes(b) for b in plain_csv_records(path, HEADER, block=block)]
        assert b"".join(blocks) == body
        rows = [r for b in blocks for r in csv.reader(io.StringIO(b.decode(), newline=""))]
        assert rows == whole, block
    path.write_bytes(b"a,b\r\n" + body + b'"x"y,z\r\n')
    for block in range(5, 40):
        assert not is_plain_csv(path, HEADER, block=block), block


# ---- raw defects: the columnar path hands the table over, the report is the same -------------


@pytest.fixture
def challenges(write_package) -> tuple[Path, str]:
    pkg = write_package()
    path = pkg / "data" / "project_challenges.csv"
    return pkg, path.read_text(encoding="utf-8")


RAW_CASES = {
    "crlf line ends": lambda t: t.replace("\n", "\r\n").encode(),
    "every cell quoted": lambda t: "".join(
        ",".join(f'"{c}"' for c in row) + "\n" for row in csv.reader(io.StringIO(t, newline=""))
    ).encode(),
    "windows-1252": lambda t: t.encode("cp1252", errors="replace"),
    "bom": lambda t: b"\xef\xbb\xbf" + t.encode(),
    "text after a closing quote": lambda t: t.replace('"Lien', '"Lien"x', 1).encode(),
    "quote inside a cell": lambda t: t.replace(",infere,", ',inf"ere,', 1).encode(),
    "lone carriage return": lambda t: t.replace(",infere,", ",inf\rere,", 1).encode(),
    "unterminated quote": lambda t: (t + '"var-2023-x,defi-1,infere,"oops\n').encode(),
    "extra and missing cells": lambda t: (t + "a,defi-1\nb,defi-1,infere,r,extra\n").encode(),
    "blank lines": lambda t: (t + "\n\n,,,\n").encode(),
    "nul byte": lambda t: t.replace(",infere,", ",inf\x00ere,", 1).encode(),
    "unit separator": lambda t: t.replace(",infere,", ",inf\x1fere,", 1).encode(),
    "semicolons": lambda t: t.replace(",", ";").encode(),
    "header only": lambda t: t.splitlines(keepends=True)[0].encode(),
    "empty file": lambda t: b"",
}


@pytest.mark.parametrize("case", sorted(RAW_CASES))
def test_raw_defects_give_the_same_report_on_both_paths(
    challenges, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    pkg, text = challenges
    (pkg / "data" / "project_challenges.csv").write_bytes(RAW_CASES[case](text))
    same_on_both_paths(pkg, monkeypatch)


# ---- cells: every type and constraint, vectorised or on distinct values ----------------------

SCHEMA = {
    "fields": [
        {
            "name": "id",
            "type": "string",
            "constraints": {"required": True, "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        },
        {"name": "n_int", "type": "integer", "constraints": {"minimum": 1, "maximum": 100}},
        {"name": "n_num", "type": "number", "constraints": {"minimum": 0}},
        {"name": "flag", "type": "boolean"},
        {"name": "day", "type": "date", "constraints": {"minimum": "2020-01-01"}},
        {"name": "stamp", "type": "datetime"},
        {"name": "yr", "type": "year", "constraints": {"maximum": 2030}},
        {"name": "ym", "type": "yearmonth"},
        {"name": "code", "type": "string", "constraints": {"enum": ["a", "b", "é"]}},
        {"name": "letters", "type": "string", "constraints": {"pattern": "\\D+"}},
        {"name": "label", "type": "string", "constraints": {"minLength": 2, "maxLength": 5}},
        {"name": "uniq", "type": "string", "constraints": {"unique": True}},
        {"name": "ref", "type": "string"},
    ],
    "primaryKey": ["id"],
    "foreignKeys": [{"fields": "ref", "reference": {"resource": "", "fields": "id"}}],
}
VALUES = {
    "id": ["p-1", "p-2", "p-3", "P1", "p--1", "p-1\n", "é", ""],
    "n_int": [
        "1",
        "100",
        "0",
        "101",
        "+5",
        "-3",
        "007",
        "1.0",
        "x",
        "",
        "99999999999999999999",
        " 5",
    ],
    "n_num": [
        "0",
        "-0",
        "0.0",
        "-0.0000000001",
        "1e3",
        "1e400",
        ".5",
        "5.",
        "-1",
        "1,5",
        "NaN",
        "inf",
        "",
    ],
    "flag": ["true", "false", "TRUE", "1", "0", "yes", "True", ""],
    "day": [
        "2020-01-01",
        "2019-12-31",
        "2023-02-29",
        "2024-02-29",
        "0000-01-01",
        "2023-1-01",
        "2023-13-01",
        "9999-12-31",
        "2023-02-30",
        "",
    ],
    "stamp": ["2023-01-01T10:00:00Z", "2023-01-01", "bad", "2023-01-01T25:00:00", ""],
    "yr": ["2023", "0999", "99", "20230", "2031", "abcd", ""],
    "ym": ["2023-01", "2023-13", "2023-00", "2023-1", ""],
    "code": ["a", "b", "é", "e", "A", "NA", ""],
    "letters": ["abc", "a1", "é", "٣", "x y", ""],
    "label": ["a", "ab", "abcde", "abcdef", "éé", "NA", ""],
    "uniq": ["u1", "u2", "u3", "NA", ""],
    "ref": ["p-1", "p-2", "p-9", "P1", ""],
}
NAMES = [f["name"] for f in SCHEMA["fields"]]


def write_table(root: Path, rows: list[list[str]], missing: list[str]) -> Path:
    (root / "data").mkdir(parents=True, exist_ok=True)
    with (root / "data" / "t.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(NAMES)
        writer.writerows(rows)
    schema = {**SCHEMA, "missingValues": missing}
    descriptor = {"name": "t", "resources": [{"name": "t", "path": "data/t.csv", "schema": schema}]}
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return root


rows_strategy = st.lists(
    st.tuples(*[st.sampled_from(VALUES[n]) for n in NAMES]).map(list), min_size=1, max_size=25
)


@pytest.mark.parametrize("distinct", [True, False], ids=["distinct values", "kernels"])
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, missing=st.sampled_from([[""], ["", "NA"]]))
def test_cells_give_the_same_report_on_both_paths(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    distinct: bool,
    rows: list[list[str]],
    missing: list[str],
) -> None:
    monkeypatch.setattr(columnar, "_few_distinct", lambda column, sample=0: distinct)
    pkg = write_table(tmp_path_factory.mktemp("cells"), rows, missing)
    same_on_both_paths(pkg, monkeypatch)


def test_a_table_read_in_many_blocks_numbers_rows_as_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [
        [
            f"p-{i}",
            "5",
            "1",
            "true",
            "2021-01-01",
            "",
            "2023",
            "2023-01",
            "a",
            "x",
            "ab",
            f"u{i}",
            "",
        ]
        for i in range(3000)
    ]
    rows[1500][1] = "0"  # below the minimum
    rows[2999][0] = "p-7"  # a duplicate id
    rows[2500][12] = "p-99999"  # a broken reference
    pkg = write_table(tmp_path, rows, [""])
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 1 << 12)
    lines = same_on_both_paths(pkg, monkeypatch)
    assert [line.split(": ")[0].rsplit(":", 2)[1:] for line in lines[:-1]] == [
        ["1502", "n_int"],
        ["2502", "ref"],
        ["3001", "id"],
    ]
