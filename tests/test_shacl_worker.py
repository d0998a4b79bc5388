"""SHACL runs in a worker process during a build: same outcome as in process, no leftovers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cnr_opendata.rdf import shacl_worker
from cnr_opendata.rdf.shacl_worker import ShaclProcess
from cnr_opendata.rdf.shapes import ShaclOutcome, validate_sample

EX = "https://example.org/"
SHAPES = f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{EX}ProjectShape> a sh:NodeShape ; sh:targetClass <{EX}Project> ;
  sh:property <{EX}ProjectShape-title>, <{EX}ProjectShape-status> .
<{EX}ProjectShape-title> sh:path <{EX}title> ; sh:minCount 1 ; sh:datatype xsd:string .
<{EX}ProjectShape-status> sh:path <{EX}status> ; sh:in ( <{EX}done> <{EX}ongoing> ) .
"""
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
GOOD = f'<{EX}p1> {RDF_TYPE} <{EX}Project> .\n<{EX}p1> <{EX}title> "Un projet « cité »" .\n'
BAD = (
    f"<{EX}p1> {RDF_TYPE} <{EX}Project> .\n"
    f"<{EX}p2> {RDF_TYPE} <{EX}Project> .\n"
    f'<{EX}p2> <{EX}title> "t" .\n'
    f"<{EX}p2> <{EX}status> <{EX}stopped> .\n"
)


@pytest.mark.parametrize("early", [SHAPES, None], ids=["shapes-sent-early", "shapes-at-the-end"])
@pytest.mark.parametrize("data", [GOOD, BAD], ids=["conforming", "broken"])
def test_the_worker_gives_the_in_process_outcome(early: str | None, data: str) -> None:
    expected = validate_sample(data, SHAPES, sampled=False)
    with ShaclProcess(early) as worker:
        got = worker.validate(data, SHAPES, sampled=False)

    # pyshacl words an sh:in failure with the list in set order (it varies between processes)
    def key(o: ShaclOutcome) -> object:
        found = [(r.focus, r.path, r.value, r.component, r.severity, r.shape) for r in o.results]
        return o.conforms, o.validated_triples, o.sampled, found

    assert key(got) == key(expected)
    assert got.report.count("sh:ValidationResult") == len(got.results)
    if data is BAD:
        assert {r.component for r in got.results} == {
            "MinCountConstraintComponent",
            "InConstraintComponent",
        }


def test_while_waiting_runs_before_the_outcome_is_awaited() -> None:
    seen: list[str] = []
    with ShaclProcess(SHAPES, while_waiting=lambda: seen.append("waited")) as worker:
        outcome = worker.validate(GOOD, SHAPES, sampled=False)
    assert seen == ["waited"] and outcome.conforms


def test_without_a_worker_validation_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    with ShaclProcess(SHAPES) as worker:
        outcome = worker.validate(BAD, SHAPES, sampled=False)
    assert outcome.results and not outcome.conforms


def test_a_failing_worker_gives_the_real_error_from_here(monkeypatch: pytest.MonkeyPatch) -> None:
    # the worker fails on bad N-Triples; the same validation here raises the parser's error
    with ShaclProcess(SHAPES) as worker, pytest.raises(Exception, match="Invalid line"):
        worker.validate("this is not N-Triples\n", SHAPES, sampled=False)


def test_the_worker_is_stopped_when_the_build_fails_early() -> None:
    with ShaclProcess(SHAPES) as worker:
        proc = worker._proc
        assert proc is not None
    assert proc.poll() is not None  # killed and reaped by close()


def test_a_build_leaves_no_worker_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cnr_opendata.release import build_release

    started: list[ShaclProcess] = []
    real_init = ShaclProcess.__init__

    def spy(self: ShaclProcess, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        started.append(self)

    monkeypatch.setattr(shacl_worker.ShaclProcess, "__init__", spy)
    build_release(None, tmp_path)
    assert len(started) == 1 and started[0]._proc is None
