"""Large exports write Turtle and JSON-LD in parallel processes: the bytes do not change."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

import cnr_opendata.rdf as rdf
from cnr_opendata.release import build_release

REPO = Path(__file__).resolve().parent.parent


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_parallel_and_serial_builds_are_byte_identical(tmp_path: Path, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("generate", REPO / "benchmarks" / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    pkg = tmp_path / "pkg"
    generate.generate(1_500, pkg)
    monkeypatch.setattr(rdf, "PARALLEL_TRIPLES", 10)
    parallel = build_release(pkg, tmp_path / "parallel")
    assert parallel.stats["triples"] > 10
    monkeypatch.setattr(rdf, "PARALLEL_TRIPLES", 10**12)
    serial = build_release(pkg, tmp_path / "serial")
    assert digests(parallel.path) == digests(serial.path)
