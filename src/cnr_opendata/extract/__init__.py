"""Draft tables from a press kit (PDF or text), with provenance, for a data steward to review.

``extract_source`` reads the document (:mod:`.text` normalises it and keeps a map back to the
source, :mod:`.pdf` reads PDFs column by column), finds its structure (:mod:`.parse`), dates
(:mod:`.dates`), figures (:mod:`.figures`) and the names of the reference tables
(:mod:`.reference`), and drafts the package's tables (:mod:`.draft`) with the provenance of every
field and warnings; ``compare_extraction`` (:mod:`.compare`) lists what the draft adds, removes
or changes against a curated package.
"""

from __future__ import annotations

from cnr_opendata.extract.compare import Change, compare_extraction
from cnr_opendata.extract.draft import (
    DRAFTED_TABLES,
    WARNING_TYPES,
    Extraction,
    ExtractWarning,
    Provenance,
    extract_source,
    extraction_json,
    write_extraction,
)

__all__ = [
    "DRAFTED_TABLES",
    "WARNING_TYPES",
    "Change",
    "ExtractWarning",
    "Extraction",
    "Provenance",
    "compare_extraction",
    "extract_source",
    "extraction_json",
    "write_extraction",
]
