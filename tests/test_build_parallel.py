"""The build uses threads (RDF rendering, hashing, zip): the bytes do not depend on how many."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

import cnr_opendata.archive as archive
import cnr_opendata.rdf as rdf
import cnr_opendata.rdf.writers as writers
from cnr_opendata.release import build_release

REPO = Path(__file__).resolve().parent.parent


def digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_builds_with_one_and_two_workers_are_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location("generate", REPO / "benchmarks" / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    pkg = tmp_path / "pkg"
    generate.generate(1_500, pkg)
    # small blocks, no threshold: many batches rendered, deflated and hashed by the threads
    monkeypatch.setattr(rdf, "PARALLEL_TRIPLES", 10)
    monkeypatch.setattr(writers, "BLOCK_BYTES", 64 << 10)
    monkeypatch.setattr(writers, "SAMPLE_LIMIT", 2_000)
    monkeypatch.setattr(archive, "BLOCK", 64 << 10)
    monkeypatch.setattr("cnr_opendata.release.BIG_FILE", 100_000)  # ISA-L path for big files
    two = build_release(pkg, tmp_path / "two", workers=2)
    one = build_release(pkg, tmp_path / "one", workers=1)
    assert two.stats["triples"] > 50_000
    assert digests(two.path) == digests(one.path)
