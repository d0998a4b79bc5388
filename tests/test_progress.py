"""Progress shows on a terminal only."""

from __future__ import annotations

import io

from cnr_opendata.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_a_bar_on_a_terminal() -> None:
    out = Tty()
    progress = Progress(total=4, stream=out)
    progress("writing data/projects.csv")
    progress("writing RDF")
    progress.close()
    text = out.getvalue()
    assert "[##########..........] 2/4 writing RDF" in text
    assert text.endswith("\r")


def test_progress_is_quiet_when_not_a_terminal_or_asked() -> None:
    pipe = io.StringIO()
    Progress(total=2, stream=pipe)("step")
    assert pipe.getvalue() == ""
    tty = Tty()
    Progress(total=2, stream=tty, quiet=True)("step")
    assert tty.getvalue() == ""
