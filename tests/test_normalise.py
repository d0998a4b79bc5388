"""Release CSVs: the columnar normaliser writes exactly what the csv module writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnr_opendata.normalise import (
    _stable_utf8,
    is_normal_block,
    normal_records,
    normalise_columnar,
    normalise_csv,
    normalise_rows,
)

HEADER = ["id", "title", "note"]
# Latin-1 and punctuation the fast NFC check accepts, and characters it leaves to the slow one
ALPHABET = list('ab ,"\n\r\u00e9e\u0301\u00ab\u00bb;\t\u2019\u2026\u2000\u0153\u1e9b\u212b')
cell = st.text(alphabet=st.sampled_from(ALPHABET), max_size=12)
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


def _composition_seconds() -> set[int]:
    """Code points that are the second half of a canonical decomposition (they can compose
    with the character before them)."""
    import sys
    import unicodedata

    seconds = set()
    for cp in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    return seconds


def test_the_fast_nfc_ranges_hold_only_characters_that_never_change_under_nfc() -> None:
    import unicodedata

    seconds = _composition_seconds()
    accepted = [*range(0x80, 0x180), *range(0x2002, 0x2040)]
    for cp in accepted:
        ch = chr(cp)
        raw = f"a{ch}b".encode()
        assert _stable_utf8(raw, np.frombuffer(raw, dtype=np.uint8)), hex(cp)
        assert unicodedata.is_normalized("NFC", ch), hex(cp)
        assert unicodedata.combining(ch) == 0 and cp not in seconds, hex(cp)
    for cp in (0x2000, 0x2001, 0x0180, 0x0301, 0x2040, 0x212B, 0x1E9B, 0xAC00, 0x1F600):
        raw = f"a{chr(cp)}b".encode()
        assert not _stable_utf8(raw, np.frombuffer(raw, dtype=np.uint8)), hex(cp)


@pytest.mark.parametrize(
    "raw", [b"a,\xc3\n", b"a,\xe2\x80\n", b"a,\xc3\xa9\xe2\n", b"a,\xc0\xa9\n", b"a,\x80\n"]
)
def test_invalid_utf8_is_never_a_normal_block(raw: bytes) -> None:
    assert not _stable_utf8(raw, np.frombuffer(raw, dtype=np.uint8))
    assert normal_records(raw) is None


def test_normal_records_counts_records_not_line_feeds_inside_cells() -> None:
    block = 'a,"une\nligne, deux",c\nd,« é »,"dit ""oui"""\n'.encode()
    assert normal_records(block) == 2
    assert normal_records(b'a,"b",c\n') is None  # quotes that are not needed


def test_a_write_error_in_the_writer_thread_reaches_the_caller(tmp_path: Path, monkeypatch) -> None:
    from cnr_opendata import normalise

    src, out = tmp_path / "big.csv", tmp_path / "out.csv"
    write(src, [[f"id-{i}", "« titre »", "x"] for i in range(60_000)], csv.QUOTE_MINIMAL, "\n")

    class Full:
        def __init__(self, fh) -> None:
            self.fh = fh

        def write(self, data) -> int:
            raise OSError(28, "No space left on device")

    real = normalise._Sink.__init__
    monkeypatch.setattr(normalise._Sink, "__init__", lambda self, fh: real(self, Full(fh)))
    with pytest.raises(OSError, match="No space left"):
        normalise_csv(src, out, HEADER)
