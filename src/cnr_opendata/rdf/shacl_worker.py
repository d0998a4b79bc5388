"""SHACL validation in a second process, started when a build starts.

pyshacl and rdflib cost about half a second to import and warm up (rdflib's SPARQL parser,
pyshacl's own graphs), a quarter of the build of the real package. :class:`ShaclProcess`
starts ``python -m cnr_opendata.rdf.shacl_worker`` first thing and sends it the shapes, so
that cost (and parsing the shapes) is paid on the other core while the build validates the
tables and writes the CSV and RDF; when the export's sample is ready, the worker validates it
and sends the outcome back. Meanwhile the build can do other work (``while_waiting``).

Protocol, one JSON document per line: the worker reads ``{"shapes": Turtle or null}``, warms
up, reads ``{"data": N-Triples, "shapes": Turtle, "sampled": bool}``, writes one
:class:`~cnr_opendata.rdf.shapes.ShaclOutcome` and exits. When the worker cannot start or
fails, validation runs in the build's own process: the outcome (or the error) is the same.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import Any

from cnr_opendata.rdf.shapes import ShaclOutcome, ShaclResult, validate_sample

_TINY_DATA = "<urn:x:a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <urn:x:C> .\n"


class ShaclProcess:
    """A pyshacl worker process; use as a context manager (the worker is stopped on exit).

    ``shapes_ttl``: the shapes, when known at the start (the worker parses them while it
    waits). ``while_waiting``: called in this process once the sample is sent, before the
    outcome is awaited.
    """

    def __init__(
        self, shapes_ttl: str | None = None, while_waiting: Callable[[], None] | None = None
    ) -> None:
        self.while_waiting = while_waiting
        self._proc: subprocess.Popen[bytes] | None = None
        src = str(Path(__file__).resolve().parents[2])  # the folder holding cnr_opendata
        path = os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "cnr_opendata.rdf.shacl_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": path},
            )
            assert self._proc.stdin is not None
            self._proc.stdin.write(_line({"shapes": shapes_ttl}))
            self._proc.stdin.flush()
        except OSError:
            self.close()

    def validate(self, ntriples: str, shapes_ttl: str, *, sampled: bool) -> ShaclOutcome:
        """:func:`~cnr_opendata.rdf.shapes.validate_sample`, in the worker when it runs."""
        proc, self._proc = self._proc, None
        answer: dict[str, Any] = {}
        if proc is not None:
            request = _line({"data": ntriples, "shapes": shapes_ttl, "sampled": sampled})

            def talk() -> None:
                try:
                    out, _err = proc.communicate(request)
                except OSError:
                    return
                if proc.returncode == 0:
                    answer.update(json.loads(out))

            thread = threading.Thread(target=talk, name="shacl-worker", daemon=True)
            thread.start()
            try:
                if self.while_waiting is not None:
                    self.while_waiting()
            finally:
                thread.join()
        if answer:
            return _outcome(answer)
        # no worker, or it failed: validate here (the same outcome, or the real error)
        return validate_sample(ntriples, shapes_ttl, sampled=sampled)

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.communicate()

    def __enter__(self) -> ShaclProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n"


def _outcome(data: dict[str, Any]) -> ShaclOutcome:
    return ShaclOutcome(
        bool(data["conforms"]),
        [ShaclResult(**r) for r in data["results"]],
        str(data["report"]),
        int(data["validated_triples"]),
        bool(data["sampled"]),
    )


def main() -> int:
    first = json.loads(sys.stdin.buffer.readline() or b"{}")
    from cnr_opendata.rdf.shapes import parse_shapes

    early = first.get("shapes")
    parsed = parse_shapes(early) if early else None
    # imports and first-use costs: a one-triple graph through the same code
    validate_sample(_TINY_DATA, parsed if parsed is not None else "", sampled=False)
    request = json.loads(sys.stdin.buffer.readline())
    shapes = parsed if parsed is not None and request["shapes"] == early else request["shapes"]
    outcome = validate_sample(request["data"], shapes, sampled=request["sampled"])
    sys.stdout.write(json.dumps(asdict(outcome), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
