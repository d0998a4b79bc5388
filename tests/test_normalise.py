"""Release CSVs: the columnar normaliser writes exactly what the csv module writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnr_opendata.normalise import (
    is_normal_block,
    normalise_columnar,
    normalise_csv,
    normalise_rows,
)

HEADER = ["id", "title", "note"]
cell = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\u00e9e\u0301\u00ab\u00bb;\t')), max_size=12)
rows_strategy = st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=30)


def write(path: Path, rows: list[list[str]], quoting: int, terminator: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=terminator, quoting=quoting)
    writer.writerow(HEADER)
    # a row made only of empty cells would be a blank line: not in a valid package
    writer.writerows(r if any(r) else ["x", *r[1:]] for r in rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=rows_strategy,
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    terminator=st.sampled_from(["\n", "\r\n"]),
    block=st.sampled_from([64, 256, 1 << 20]),
)
def test_columnar_and_row_paths_write_the_same_bytes(
    tmp_path: Path, rows: list[list[str]], quoting: int, terminator: str, block: int
) -> None:
    src, by_rows, by_columns = tmp_path / "in.csv", tmp_path / "rows.csv", tmp_path / "cols.csv"
    write(src, rows, quoting, terminator)
    expected = normalise_rows(src, by_rows)
    got = normalise_columnar(src, by_columns, HEADER, block=block)
    if got is None:  # not plain CSV (a lone CR): the row path is the one used
        assert not by_columns.exists()
        return
    assert by_columns.read_bytes() == by_rows.read_bytes()
    assert got == expected


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy, quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
def test_a_block_is_normal_exactly_when_normalising_leaves_it_alone(
    tmp_path: Path, rows: list[list[str]], quoting: int
) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write(src, rows, quoting, "\n")
    normalise_rows(src, out)
    body = src.read_bytes().split(b"\n", 1)[1]
    if b"\r" not in body:  # a block of a plain file (a CR makes the file not plain)
        assert is_normal_block(body) == (body == out.read_bytes().split(b"\n", 1)[1])


def test_a_large_file_takes_the_columnar_path_and_keeps_its_bytes(tmp_path: Path) -> None:
    src, out = tmp_path / "big.csv", tmp_path / "out.csv"
    rows = [
        [f"id-{i}", f"Titre « {i} », avec virgule", "ligne 1\nligne 2" if i % 7 else ""]
        for i in range(40_000)
    ]
    write(src, rows, csv.QUOTE_MINIMAL, "\n")
    assert src.stat().st_size > 1 << 20
    n, digest = normalise_csv(src, out, HEADER)
    assert n == 40_000 and out.read_bytes() == src.read_bytes()
    import hashlib

    assert digest == hashlib.sha256(out.read_bytes()).hexdigest()


def test_non_nfc_text_crlf_and_extra_quotes_are_normalised_on_the_columnar_path(
    tmp_path: Path,
) -> None:
    src, out, ref = tmp_path / "big.csv", tmp_path / "out.csv", tmp_path / "ref.csv"
    rows = [[f"id-{i}", 'Cafe\u0301 "noir"', "plain"] for i in range(30_000)]
    write(src, rows, csv.QUOTE_ALL, "\r\n")
    assert src.stat().st_size > 1 << 20
    normalise_csv(src, out, HEADER)
    normalise_rows(src, ref)
    data = out.read_bytes()
    assert data == ref.read_bytes()
    assert b"\r" not in data and 'Café ""noir""'.encode() in data and b'"plain"' not in data
