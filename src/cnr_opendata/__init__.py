"""cnr-opendata: publish the projects of the CNR santé as open data.

The public API is re-exported lazily so that ``import cnr_opendata`` (and the CLI's ``--help``)
stays fast: heavy libraries are imported only by the functions that need them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_package": "cnr_opendata.package",
    "validate_package": "cnr_opendata.package",
    "Package": "cnr_opendata.package",
    "build_release": "cnr_opendata.release",
    "Release": "cnr_opendata.release",
    "Problem": "cnr_opendata.errors",
    "Report": "cnr_opendata.errors",
    "CnrOpendataError": "cnr_opendata.errors",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cnr_opendata' has no attribute {name!r}")
    return getattr(import_module(module), name)
