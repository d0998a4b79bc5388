"""Progress shows on a terminal only; every command ends with its summary line."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from cnr_opendata.cli import cli
from cnr_opendata.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def ticking(*times: float) -> Callable[[], float]:
    """A clock that reads ``times`` one after the other."""
    values = iter(times)
    return lambda: next(values)


def test_progress_draws_a_bar_with_the_elapsed_time_on_a_terminal() -> None:
    out = Tty()
    progress = Progress(total=4, stream=out, clock=ticking(10.0, 10.0, 13.4))
    progress("writing data/projects.csv")
    progress("writing RDF")
    assert "\r[#####...............] 1/4 0 s writing data/projects.csv" in out.getvalue()
    assert "\r[##########..........] 2/4 3 s writing RDF" in out.getvalue()
    progress.close()
    assert out.getvalue().endswith("\r")  # the line is cleared for what comes next


def test_without_a_total_progress_counts_steps() -> None:
    out = Tty()
    with Progress(stream=out, clock=ticking(0.0, 0.0)) as progress:
        progress("validating")
    assert "\r[1] 0 s validating" in out.getvalue()


def test_a_total_too_small_fills_the_bar_and_stops_there() -> None:
    out = Tty()
    progress = Progress(total=1, stream=out, clock=ticking(0.0, 0.0, 1.0))
    progress("one")
    progress("two")
    assert "[####################] 1/1 1 s two" in out.getvalue()


def test_progress_is_quiet_when_not_a_terminal_or_asked() -> None:
    pipe = io.StringIO()
    Progress(total=2, stream=pipe)("step")
    assert pipe.getvalue() == ""
    tty = Tty()
    quiet = Progress(total=2, stream=tty, quiet=True)
    quiet("step")
    quiet.close()
    assert tty.getvalue() == ""


def test_build_off_a_terminal_prints_only_its_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()  # no progress lines, just the summary
    assert line.startswith(f"built {tmp_path / 'cnr-sante-projets-1.0.0'}: 11 tables, 127 rows, ")
    assert (tmp_path / "cnr-sante-projets-1.0.0" / "site" / "index.html").is_file()
