"""Progress on a terminal: one status line with a bar, rewritten in place on stderr.

A :class:`Progress` is a plain callable, so it fits every ``progress: Callable[[str], None]``
parameter of the library (``build_release``, ``publish_to_datagouv``, ...). It is quiet when
stderr is not a terminal (pipes, CI, logs) or when asked; the commands print their one-line
summary on stdout either way.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 20


class Progress:
    """Reports steps: ``progress("writing data/projects.csv")`` redraws the status line.

    With ``total`` (the number of steps expected) the line has a bar and ``done/total``; without
    it, a step counter. Both show the seconds since the first step. A total that turns out too
    small only fills the bar early. Use it as a context manager, or call :meth:`close`, to clear
    the line before printing anything else.
    """

    def __init__(
        self,
        total: int | None = None,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = not quiet and bool(isatty and isatty())
        self.total = total if total and total > 0 else None
        self.done = 0
        self.clock = clock
        self.started: float | None = None

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        if self.started is None:
            self.started = self.clock()
        self.done += 1
        elapsed = f"{self.clock() - self.started:.0f} s"
        if self.total:
            n = min(self.done, self.total)
            filled = n * BAR_WIDTH // self.total
            head = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {n}/{self.total} {elapsed} "
        else:
            head = f"[{self.done}] {elapsed} "
        width = self._width()
        self.stream.write("\r" + (head + message)[: width - 1].ljust(width - 1))
        self.stream.flush()

    def close(self) -> None:
        """Clear the status line (nothing to do if nothing was drawn)."""
        if self.enabled and self.done:
            self.stream.write("\r" + " " * (self._width() - 1) + "\r")
            self.stream.flush()
            self.done = 0

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _width() -> int:
        return max(shutil.get_terminal_size((80, 20)).columns, 20)
