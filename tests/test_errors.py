"""The error reference cannot drift from the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnr_opendata.errors import PROBLEM_TYPES, Problem, problem_types_markdown

REPO = Path(__file__).resolve().parent.parent


def test_docs_errors_md_is_generated_from_the_catalogue() -> None:
    assert (REPO / "docs" / "errors.md").read_text(encoding="utf-8") == problem_types_markdown()


def test_every_code_is_documented() -> None:
    text = (REPO / "docs" / "errors.md").read_text(encoding="utf-8")
    for code in PROBLEM_TYPES:
        assert f"`{code}`" in text


def test_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError):
        Problem("x.csv", 1, None, "no-such-code", "m")


def test_problem_format_omits_empty_parts() -> None:
    assert (
        Problem("a.csv", None, None, "missing-file", "gone").format() == "a.csv: missing-file: gone"
    )
    assert (
        Problem("a.csv", 3, "id", "primary-key", "dup").format() == "a.csv:3:id: primary-key: dup"
    )
