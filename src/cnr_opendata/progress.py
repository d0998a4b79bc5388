"""Progress on a terminal: one status line with a bar, rewritten in place on stderr.

Quiet when stderr is not a terminal (pipes, CI, logs) or when asked; the commands print their
one-line summary on stdout either way.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO


class Progress:
    """A callable that reports a step: ``progress("writing data/projects.csv")``."""

    def __init__(
        self, total: int | None = None, *, quiet: bool = False, stream: TextIO | None = None
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = not quiet and self.stream.isatty()
        self.total = total
        self.done = 0

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        self.done += 1
        width = shutil.get_terminal_size((80, 20)).columns
        if self.total:
            filled = min(self.done, self.total) * 20 // self.total
            head = (
                f"[{'#' * filled}{'.' * (20 - filled)}] {min(self.done, self.total)}/{self.total} "
            )
        else:
            head = f"[{self.done}] "
        line = (head + message)[: width - 1]
        self.stream.write("\r" + line.ljust(width - 1))
        self.stream.flush()

    def close(self) -> None:
        """Clear the status line."""
        if self.enabled and self.done:
            width = shutil.get_terminal_size((80, 20)).columns
            self.stream.write("\r" + " " * (width - 1) + "\r")
            self.stream.flush()
