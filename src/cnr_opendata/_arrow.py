"""pyarrow and its compute module, without the pandas import pyarrow makes on first use.

The first time pyarrow converts a Python value (``pa.scalar("x")``, ``pc.equal(column, "x")``,
``pa.array([...])``) it imports pandas to check whether the value is a pandas object: about
0.4 s, a fifth of the build of the real package, for a check that never matters here (this
project passes pyarrow plain Python values only). On first import this module makes that one
check find no pandas. pyarrow tries the import again when a pandas conversion is asked for, so
``Table.to_pandas()`` works as before in the same process.

Import ``pa`` and ``pc`` from here rather than from pyarrow.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["pa", "pc"]


class _NoPandas:
    """A meta path finder that reports pandas as missing (for one probe only)."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is not needed by cnr_opendata's pyarrow use")
        return None


def _skip_pandas_probe() -> None:
    if "pandas" in sys.modules:
        return  # already paid for: pyarrow may as well use it
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array(["probe"])  # pyarrow's one-time "is pandas there?" check happens here
    finally:
        sys.meta_path.remove(finder)


_skip_pandas_probe()
