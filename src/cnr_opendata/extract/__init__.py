"""Draft tables from a press kit (PDF or text), with provenance, for a data steward to review.

``extract_source`` reads the document (:mod:`.text` normalises it, :mod:`.pdf` reads PDFs),
recognises its structure (:mod:`.parse`) and returns an :class:`~.parse.Extraction`;
:func:`write_extraction` writes the draft CSVs, ``provenance.csv`` and ``warnings.csv``;
:func:`~.compare.compare_extraction` lists what the draft adds, removes or changes against a
curated package.
"""

from __future__ import annotations

from cnr_opendata.extract.compare import Change, compare_extraction
from cnr_opendata.extract.parse import (
    Extraction,
    Provenance,
    Warning,
    extract_source,
    write_extraction,
)

__all__ = [
    "Change",
    "Extraction",
    "Provenance",
    "Warning",
    "compare_extraction",
    "extract_source",
    "write_extraction",
]
