"""Draft the package's tables from a press kit, with the provenance of every field.

:func:`extract_source` reads the document (text or PDF), finds its structure
(:mod:`.parse`), its dates (:mod:`.dates`), figures (:mod:`.figures`) and the organizations and
places of the reference tables (:mod:`.reference`), and drafts ``projects``,
``project_territories``, ``project_partners``, ``challenges``, ``indicators`` and ``events`` in
the package's schemas. :func:`write_extraction` writes them with ``provenance.csv`` and
``warnings.csv``.

Provenance: for each non-empty drafted field, the character span of the source it comes from
(offsets in characters of the decoded file, or of the PDF's text layer, which is then written as
``source-text.txt``, pages separated by form feeds) and how the value was obtained:

- ``verbatim``: the value is the snippet, normalised (titles, summaries, labels);
- ``parsed``: the value is read from the snippet (dates, figures, status);
- ``matched``: an id of a reference table whose name, acronym or alias is the snippet;
- ``derived``: computed from the snippet (ids, rounds, links, scopes), or a convention with no
  snippet (``basis``, ``source_id``: no span).

Ids: a drafted row takes the id of the reference package's row it matches (projects by title,
figures by unit, value and project, events by kind, date and place, challenges by kind and
number); otherwise an id is made from its content (``var-2023-toulon-renforcer-parcours-…``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cnr_opendata.errors import ExtractError
from cnr_opendata.extract.dates import DateMention, find_dates, resolve_years
from cnr_opendata.extract.figures import WORD_NUMBERS, Figure, Units, find_figures
from cnr_opendata.extract.parse import Block, Paragraph, Structure, parse_structure
from cnr_opendata.extract.reference import (
    Mention,
    Reference,
    context_entry,
    fold,
    slug,
    tokens,
)
from cnr_opendata.extract.text import decode_text, normalise_characters, sentences
from cnr_opendata.package import Package

#: The tables the extractor drafts, in the order they are written.
DRAFTED_TABLES = (
    "projects",
    "project_territories",
    "project_partners",
    "challenges",
    "indicators",
    "events",
)
PDF_TEXT_FILE = "source-text.txt"

#: Warning codes: stable, a tool may match on them.
WARNING_TYPES = {
    "missing-status-marker": "A project has no status marker (« PROJET RÉALISÉ », « EN COURS »).",
    "unknown-status": "A status marker has no code in projects.status.",
    "project-without-title": "A status marker has no project title above it.",
    "unknown-territory": "A place (a title prefix) is not in the territories table.",
    "unknown-organization": "An organization named in the text is not in the organizations table.",
    "ambiguous-organization": "A name (an acronym) fits several organizations.",
    "unparsed-figure": "A number whose unit or qualifier has no code in indicators.",
    "count-mismatch": "The text states a count (« 7 projets », « quatre défis ») that differs "
    "from what was found.",
    "no-reference-date": "No « au <day> <month> <year> » date: statuses have no date.",
    "no-project": "No project block was found.",
    "encoding": "The file is not UTF-8; it was read as Windows-1252.",
}


@dataclass(frozen=True)
class Provenance:
    table: str
    row_id: str
    field: str
    value: str
    method: str  # verbatim, parsed, matched, derived
    source_file: str
    char_start: int | None
    char_end: int | None
    page: int | None
    snippet: str


@dataclass(frozen=True)
class ExtractWarning:
    code: str
    message: str
    source_file: str
    line: int
    column: int
    page: int | None
    char_start: int
    char_end: int
    snippet: str

    def format(self) -> str:
        where = f"{self.source_file}:{self.line}:{self.column}"
        if self.page is not None:
            where += f" (page {self.page})"
        return f"{where}: {self.code}: {self.message}"


@dataclass
class Extraction:
    """The draft tables of one document, with provenance and warnings."""

    source: Path
    source_id: str
    text: str  # what the provenance offsets point into
    text_file: str  # the file holding ``text``: the source, or source-text.txt for a PDF
    encoding: str
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)
    provenance: list[Provenance] = field(default_factory=list)
    warnings: list[ExtractWarning] = field(default_factory=list)
    written: Path | None = None

    @property
    def is_pdf(self) -> bool:
        return self.text_file == PDF_TEXT_FILE

    def counts(self) -> dict[str, int]:
        return {t: len(self.tables.get(t, [])) for t in DRAFTED_TABLES}

    def summary(self) -> str:
        n = self.counts()
        where = f"; draft in {self.written}/" if self.written else ""
        return (
            f"{n['projects']} projects, {n['indicators']} figures, {n['challenges']} challenges, "
            f"{n['events']} events, {n['project_partners']} partner links, "
            f"{n['project_territories']} project territories, {len(self.warnings)} warning(s)"
            f"{where}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "source_id": self.source_id,
            "written": str(self.written) if self.written else None,
            "counts": self.counts(),
            "warnings": [asdict(w) for w in self.warnings],
            "tables": self.tables,
        }


# ---- reading ------------------------------------------------------------------------------


def _read(path: Path) -> tuple[str, str, str]:
    """``(text, text_file, encoding)``."""
    if not path.exists():
        raise ExtractError(f"{path}: no such file")
    if path.is_dir():
        raise ExtractError(f"{path}: is a folder; give the press kit's PDF or text file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractError(f"{path}: cannot be read ({exc.strerror})") from None
    if data[:1024].lstrip().startswith(b"%PDF-"):
        from cnr_opendata.extract.pdf import pdf_text

        return pdf_text(path), PDF_TEXT_FILE, "pdf"
    text, encoding = decode_text(data, str(path))
    return text, str(path), encoding


def extract_source(
    source: str | Path,
    out_dir: str | Path | None = None,
    *,
    reference: Package | None = None,
) -> Extraction:
    """Draft tables from a press kit (a PDF or a text file).

    Names are matched against ``reference`` (default: the bundled package), whose row ids the
    draft reuses where rows match. With ``out_dir``, the draft is written there too
    (:func:`write_extraction`). Raises :class:`ExtractError` for a missing, empty, binary or
    unreadable file and for a PDF with no text layer; anything doubtful in a readable document
    is a warning, never an exception.
    """
    path = Path(source)
    raw, text_file, encoding = _read(path)
    ref = Reference.load(reference)
    structure = parse_structure(normalise_characters(raw))
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    source_id = ref.source_id_for(sha) or slug(path.name.split(".")[0]) or "source"
    drafter = _Drafter(raw, text_file, source_id, ref, structure)
    if encoding == "cp1252":
        drafter.warn("encoding", "the file is not UTF-8: read as Windows-1252", (0, 0))
    drafter.run()
    extraction = Extraction(
        path,
        source_id,
        raw,
        text_file,
        encoding,
        drafter.tables,
        {t: ref.fields(t) for t in DRAFTED_TABLES},
        drafter.provenance(),
        drafter.warnings,
    )
    if out_dir is not None:
        write_extraction(extraction, out_dir)
    return extraction


# ---- drafting -------------------------------------------------------------------------------

_ARTICLES = frozenset(
    [
        "le",
        "la",
        "les",
        "l",
        "un",
        "une",
        "des",
        "du",
        "de",
        "d",
        "a",
        "au",
        "aux",
        "et",
        "ou",
        "en",
        "pour",
        "par",
        "sur",
        "dans",
        "avec",
    ]
)
_ORG_HINT = re.compile(
    r"\b(?:clinique|hôpital|centre hospitalier|CHU|CH|CPTS|GHT|EHPAD|"
    r"maison de santé|centre de santé|MSP)\s+(?:(?:de la|de l'|du|des|de|d')\s*)?"
    r"[A-ZÀ-Ý][\w'-]+(?:[ -][A-ZÀ-Ý][\w'-]+)*"
)
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,7}\b")
_SUPPORT = re.compile(
    r"\bprojets?\b[^.;]*?\b(?:soutenus?|financ[ée]e?s?|accompagn[ée]e?s?)\s+par\s+", re.I
)
_EVENT_KINDS = (
    ("restitution", re.compile(r"\brestitution", re.I)),
    ("bilan", re.compile(r"\bbilan\b", re.I)),
    ("concertation", re.compile(r"\bconcertations?\b", re.I)),
    ("cycle", re.compile(r"\bcycle\b", re.I)),
    ("lancement", re.compile(r"\blanc(?:ement|ée?s?|er)\b", re.I)),
)
_ZOOM = re.compile(
    r"\bzoom\s+(?:particulier\s+)?sur\s+(?:la\s+question\s+(?:de\s+|des\s+|du\s+))?"
    r"(?P<label>(?:la |le |l'|les )?[^,.;()]+?)(?=\s+et\s+|[,.;()]|$)",
    re.I,
)


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _number(value: str) -> str:
    try:
        return _fmt(Decimal(value))
    except ArithmeticError:
        return value


def _folded(text: str) -> str:
    return " ".join(t.folded for t in tokens(text))


@dataclass
class _Prov:
    table: str
    row: dict[str, str]
    field: str
    span: tuple[int, int] | None
    method: str


class _Drafter:
    def __init__(
        self, raw: str, text_file: str, source_id: str, ref: Reference, structure: Structure
    ) -> None:
        self.raw = raw
        self.text_file = text_file
        self.source_id = source_id
        self.ref = ref
        self.s = structure
        self.tables: dict[str, list[dict[str, str]]] = {t: [] for t in DRAFTED_TABLES}
        self.warnings: list[ExtractWarning] = []
        self._prov: list[_Prov] = []
        self._pks = {t: ref.schema(t).get("primaryKey") or ["id"] for t in DRAFTED_TABLES}
        self.units = Units(ref.enum("indicators", "unit"), ref.glossary)
        self.block_of: dict[int, Block] = {
            p.index: b for b in structure.blocks for p in b.paragraphs
        }
        self.project_row: dict[int, dict[str, str]] = {}  # id(block) -> row
        self.main_territory: dict[int, tuple[str, tuple[int, int] | None]] = {}
        self.main_stated: dict[int, bool] = {}
        self._titles: dict[Hashable, list[str]] | None = None
        self._figure_ids: dict[Hashable, list[str]] | None = None
        self._event_ids: dict[tuple[str, ...], dict[Hashable, list[str]]] = {}

    # -- helpers -------------------------------------------------------------------------

    def warn(self, code: str, message: str, span: tuple[int, int]) -> None:
        start, end = span
        line = self.raw.count("\n", 0, start) + 1
        column = start - (self.raw.rfind("\n", 0, start) + 1) + 1
        page = self.raw.count("\f", 0, start) + 1 if "\f" in self.raw else None
        self.warnings.append(
            ExtractWarning(
                code, message, self.text_file, line, column, page, start, end, self.raw[start:end]
            )
        )

    def put(
        self,
        table: str,
        row: dict[str, str],
        name: str,
        value: str,
        span: tuple[int, int] | None,
        method: str,
    ) -> None:
        row[name] = value
        if value:
            self._prov.append(_Prov(table, row, name, span, method))

    def note_more(
        self, table: str, row: dict[str, str], name: str, span: tuple[int, int], method: str
    ) -> None:
        """Another span for a field already set (a summary over two paragraphs)."""
        self._prov.append(_Prov(table, row, name, span, method))

    def row_id(self, table: str, row: dict[str, str]) -> str:
        return "/".join(row.get(k, "") for k in self._pks[table])

    def provenance(self) -> list[Provenance]:
        out = []
        for p in self._prov:
            start, end = p.span if p.span else (None, None)
            page = None
            if start is not None and "\f" in self.raw:
                page = self.raw.count("\f", 0, start) + 1
            snippet = self.raw[start:end] if start is not None else ""
            out.append(
                Provenance(
                    p.table,
                    self.row_id(p.table, p.row),
                    p.field,
                    p.row.get(p.field, ""),
                    p.method,
                    self.text_file,
                    start,
                    end,
                    page,
                    snippet,
                )
            )
        return out

    def new_row(self, table: str) -> dict[str, str]:
        row = dict.fromkeys(self.ref.fields(table), "")
        self.tables[table].append(row)
        return row

    def sentence_of(self, p: Paragraph, pos: int) -> tuple[int, int]:
        for s, e in sentences(p.value):
            if s <= pos < e:
                return s, e
        return 0, len(p.value)

    # -- mentions ------------------------------------------------------------------------

    def mentions(
        self, p: Paragraph, kind: str, within: tuple[int, int] | None = None
    ) -> list[Mention]:
        """Mentions of one kind, without those nested in a longer one that they add nothing to:
        an organization inside another's name, a territory inside a place it contains
        (« Var » in « littoral Var Ouest »)."""
        found = self._found.setdefault(p.index, self.gazetteer.find(p.value))
        if within is not None:
            found = [m for m in found if within[0] <= m.start and m.end <= within[1]]
        same = [m for m in found if m.kind == kind]
        out: list[Mention] = []
        for m in same:
            outer = [o for o in same if m.within(o)]
            if kind == "organization" and outer:
                continue
            if kind == "territory" and any(
                m.ident in self.ref.ancestors(o.ident) or m.ident == o.ident for o in outer
            ):
                continue
            if any(o.start == m.start and o.end == m.end and o is not m for o in out):
                continue
            out.append(m)
        return out

    def most_specific(self, ms: list[Mention]) -> Mention | None:
        if not ms:
            return None
        return max(ms, key=lambda m: (self.ref.depth(m.ident), m.end - m.start))

    # -- the document --------------------------------------------------------------------

    def run(self) -> None:
        self._found: dict[int, list[Mention]] = {}
        self._reported: list[tuple[int, int, int]] = []
        self.gazetteer = self.ref.gazetteer()
        self._document_scope()
        self._dates()
        self._projects()
        self._project_links()
        self._challenges()
        figures = self._figures()
        self._events(figures)
        self._indicators(figures)
        self._unknown_organizations()

    def _document_scope(self) -> None:
        """The département and région the kit is about: named in its title, else the most
        named; « notre région » and « notre département » then stand for them."""
        self.dep, self.dep_span = "", None
        self.region = ""
        counted: Counter[str] = Counter()
        first_span: dict[str, tuple[int, int]] = {}
        for p in self.s.paragraphs:
            for m in self.mentions(p, "territory"):
                counted[m.ident] += 1
                first_span.setdefault(m.ident, p.span(m.start, m.end))
        level = {t: self.ref.territories[t].level for t in counted}
        if self.s.title is not None:
            for m in self.mentions(self.s.title, "territory"):
                if level.get(m.ident) == "departement":
                    self.dep, self.dep_span = m.ident, self.s.title.span(m.start, m.end)
                    break
        if not self.dep:
            deps = [t for t, _ in counted.most_common() if level[t] == "departement"]
            if deps:
                self.dep, self.dep_span = deps[0], first_span[deps[0]]
        if self.dep:
            self.region = self.ref.ancestor_at(self.dep, "region")
        if not self.region:
            regions = [t for t, _ in counted.most_common() if level[t] == "region"]
            self.region = regions[0] if regions else ""
        extra = []
        if self.region:
            extra += [
                context_entry(self.region, "notre région"),
                context_entry(self.region, "la région"),
            ]
        if self.dep:
            extra.append(context_entry(self.dep, "notre département"))
        self.gazetteer = self.ref.gazetteer([e for e in extra if e is not None])
        self._found = {}

    def _dates(self) -> None:
        found: list[tuple[Paragraph, DateMention]] = []
        for p in self.s.paragraphs:
            found += [(p, d) for d in find_dates(p.value)]
        resolved = resolve_years([d for _, d in found])
        self.dates: dict[int, list[DateMention]] = {}
        for (p, _), d in zip(found, resolved, strict=True):
            self.dates.setdefault(p.index, []).append(d)
        self.as_of: DateMention | None = None
        self.as_of_span: tuple[int, int] | None = None
        for p in self.s.paragraphs:
            for d in self.dates.get(p.index, []):
                if d.as_of and p.index not in self.block_of:
                    self.as_of, self.as_of_span = d, p.span(d.start, d.end)
                    break
            if self.as_of:
                break
        if self.as_of is None:
            self.warn(
                "no-reference-date",
                "no « au <jour> <mois> <année> » date: status_date and round left empty",
                (0, 0),
            )
            self.round = self.next_round = ""
        else:
            y = self.as_of.year or 0
            self.round, self.next_round = f"{y - 1}-{y}", f"{y}-{y + 1}"

    # -- projects ------------------------------------------------------------------------

    def _projects(self) -> None:
        if not self.s.blocks:
            self.warn("no-project", "no project block (a title, a body, a status marker)", (0, 0))
        for problem, message, p in self.s.problems:
            self.warn(problem, message, p.span())
        statuses = self.ref.enum("projects", "status")
        heading_counts: Counter[int] = Counter()
        for block in self.s.blocks:
            row = self.new_row("projects")
            self.project_row[id(block)] = row
            title = block.title
            self.put("projects", row, "title", title.value, title.span(), "verbatim")
            summary = " ".join(p.value for p in block.body)
            for i, p in enumerate(block.body):
                if i == 0:
                    self.put("projects", row, "summary", summary, p.span(), "verbatim")
                else:
                    self.note_more("projects", row, "summary", p.span(), "verbatim")
            territory, t_span, t_method = self._main_territory(block)
            self.main_territory[id(block)] = (territory, t_span)
            self.main_stated[id(block)] = t_method == "matched"
            self.put("projects", row, "territory_id", territory, t_span, t_method)
            dep = (self.ref.ancestor_at(territory, "departement") if territory else "") or self.dep
            d_span = t_span if dep != self.dep or not self.dep_span else self.dep_span
            if territory and self.ref.ancestor_at(territory, "departement") == dep:
                d_span = t_span
            self.put("projects", row, "departement_id", dep, d_span, "derived")
            if block.marker is not None:
                marker = block.marker
                code = marker.status if marker.status in statuses else ""
                if not code:
                    self.warn(
                        "unknown-status",
                        f"« {marker.value} » is not a known status ({', '.join(statuses)}): "
                        "status left empty",
                        marker.span(),
                    )
                self.put("projects", row, "status", code, marker.span(), "parsed")
                self.put("projects", row, "status_stated", marker.value, marker.span(), "verbatim")
                if self.as_of is not None:
                    self.put(
                        "projects",
                        row,
                        "status_date",
                        self.as_of.start_date,
                        self.as_of_span,
                        "parsed",
                    )
            self._project_dates(block, row)
            self.put("projects", row, "round", self.round, self.as_of_span, "derived")
            self.put("projects", row, "source_id", self.source_id, None, "derived")
            heading = self.s.section.get(title.index)
            n = heading_counts[id(heading)] = heading_counts[id(heading)] + 1
            location = f"« {heading.value} » : projet {n}" if heading else f"projet {n}"
            self.put("projects", row, "source_location", location, title.span(), "derived")
            self.put("projects", row, "id", self._project_id(block, row), title.span(), "derived")

    def _main_territory(self, block: Block) -> tuple[str, tuple[int, int] | None, str]:
        title = block.title
        if block.prefix is not None:
            s, e = block.prefix
            hits = [m for m in self.mentions(title, "territory") if (m.start, m.end) == (s, e)]
            if hits:
                return hits[0].ident, title.span(s, e), "matched"
            self.warn(
                "unknown-territory",
                f"« {title.value[s:e]} » is not in the territories table: add it, or correct "
                "territory_id",
                title.span(s, e),
            )
        for p in (title, *block.body):
            ms = self.mentions(p, "territory")
            if ms:
                return ms[0].ident, p.span(ms[0].start, ms[0].end), "matched"
        if self.dep:
            return self.dep, self.dep_span, "derived"
        return "", None, "derived"

    def _project_dates(self, block: Block, row: dict[str, str]) -> None:
        year_now = self.as_of.year if self.as_of and self.as_of.year else 9999
        stated: list[tuple[int, str, tuple[int, int]]] = []
        start: DateMention | None = None
        planned: DateMention | None = None
        where: dict[int, Paragraph] = {}
        for p in (block.title, *block.body):
            for d in self.dates.get(p.index, []):
                if d.bare:
                    continue
                where[id(d)] = p
                if d.kind == "year" and (d.year or 0) > year_now:
                    planned = planned or d
                elif start is None or (start.kind != "range" and d.kind == "range"):
                    start = d  # the first date, unless a period comes later
        if start is not None:
            p = where[id(start)]
            span = p.span(start.start, start.end)
            self.put("projects", row, "start_date", start.start_date, span, "parsed")
            if start.kind in ("range", "quarter"):
                self.put("projects", row, "end_date", start.end_date, span, "parsed")
            self.put("projects", row, "date_precision", start.precision, span, "parsed")
            stated.append((p.index * 100000 + start.start, f"« {start.stated} »", span))
        if planned is not None:
            p = where[id(planned)]
            s, e = self.sentence_of(p, planned.start)
            self.put(
                "projects",
                row,
                "planned_year",
                str(planned.year),
                p.span(planned.start, planned.end),
                "parsed",
            )
            stated.append((p.index * 100000 + s, f"« {p.value[s:e]} »", p.span(s, e)))
        stated.sort()
        if stated:
            self.put(
                "projects",
                row,
                "dates_stated",
                " ; ".join(x[1] for x in stated),
                stated[0][2],
                "verbatim",
            )
            for _, _, span in stated[1:]:
                self.note_more("projects", row, "dates_stated", span, "verbatim")

    def _project_id(self, block: Block, row: dict[str, str]) -> str:
        ids = {r["id"] for r in self.tables["projects"] if r is not row}
        if self._titles is None:
            self._titles = self.ref.index("projects", lambda r: _folded(r.get("title", "")))
        for rid in self._titles.get(_folded(row["title"]), []):
            if rid not in ids:
                return rid
        dep = self.ref.territories.get(row["departement_id"])
        year = self.as_of.year if self.as_of and self.as_of.year else None
        parts: list[str] = []
        value = row["title"]
        if block.prefix is not None:
            parts.append(value[block.prefix[0] : block.prefix[1]])
            value = value[block.prefix[1] :]
        words = [w for w in re.findall(r"[^\W_]+", value) if fold(w) not in _ARTICLES]
        parts += words[:4]
        base = "-".join(
            x for x in (slug(dep.name) if dep else "", str(year or ""), slug(" ".join(parts))) if x
        )
        rid, n = base or "projet", 1
        while rid in ids:
            n += 1
            rid = f"{base}-{n}"
        return rid

    # -- partners and places -------------------------------------------------------------

    def _project_links(self) -> None:
        roles = self.ref.enum("project_partners", "role")
        support = self._support()
        for block in self.s.blocks:
            project = self.project_row[id(block)]
            main, _ = self.main_territory[id(block)]
            if main:
                row = self.new_row("project_territories")
                self._link(row, "project_territories", project, block)
                t_span = self.main_territory[id(block)][1]
                self.put("project_territories", row, "territory_id", main, t_span, "matched")
                self.put(
                    "project_territories", row, "role", "territoire-principal", t_span, "derived"
                )
                stated = self.main_stated[id(block)]
                self.put(
                    "project_territories",
                    row,
                    "basis",
                    "declare" if stated else "infere",
                    t_span,
                    "derived",
                )
                if t_span:
                    quote = " ".join(self.raw[t_span[0] : t_span[1]].split())
                    prefixed = (
                        block.prefix is not None
                        and stated
                        and t_span == block.title.span(*block.prefix)
                    )
                    note = f"Préfixe du titre « {quote} : »" if prefixed else f"« {quote} »"
                    if not stated:
                        note = f"Territoire du document (« {quote} »)"
                    self.put("project_territories", row, "note", note, t_span, "derived")
            seen_t = {main}
            seen_o: dict[str, dict[str, str]] = {}
            for p in (block.title, *block.body):
                for m in self.mentions(p, "territory"):
                    if m.ident in seen_t or m.ident in self.ref.ancestors(main):
                        continue
                    seen_t.add(m.ident)
                    row = self.new_row("project_territories")
                    span = p.span(m.start, m.end)
                    self._link(row, "project_territories", project, block)
                    self.put("project_territories", row, "territory_id", m.ident, span, "matched")
                    self.put("project_territories", row, "role", "lieu-cite", span, "derived")
                    self.put("project_territories", row, "basis", "declare", span, "derived")
                    self.put("project_territories", row, "note", f"« {m.text} »", span, "verbatim")
                for m in self.mentions(p, "organization"):
                    ident = self._resolve(m, p, main, seen_o)
                    if not ident or ident in seen_o:
                        continue
                    role, role_span = self._role(p, m)
                    if role not in roles:
                        role = "partenaire"
                    row = self.new_row("project_partners")
                    seen_o[ident] = row
                    span = p.span(m.start, m.end)
                    self._link(row, "project_partners", project, block)
                    self.put("project_partners", row, "organization_id", ident, span, "matched")
                    self.put("project_partners", row, "role", role, role_span, "derived")
                    self.put("project_partners", row, "basis", "declare", span, "derived")
                    self.put("project_partners", row, "note", f"« {m.text} »", span, "verbatim")
            for ident, quote, org_span, role_span in support:
                if ident in seen_o or "soutien" not in roles:
                    continue
                row = self.new_row("project_partners")
                self._link(row, "project_partners", project, block)
                self.put("project_partners", row, "organization_id", ident, org_span, "matched")
                self.put("project_partners", row, "role", "soutien", role_span, "derived")
                self.put("project_partners", row, "basis", "declare", role_span, "derived")
                self.put("project_partners", row, "note", f"« {quote} »", role_span, "verbatim")

    def _link(self, row: dict[str, str], table: str, project: dict[str, str], block: Block) -> None:
        self.put(table, row, "project_id", project["id"], block.title.span(), "derived")

    def _support(self) -> list[tuple[str, str, tuple[int, int], tuple[int, int]]]:
        """« 7 projets … soutenus par l'ARS »: an organization supporting every project."""
        out = []
        for p in self.s.paragraphs:
            if p.index in self.block_of:
                continue
            for m in _SUPPORT.finditer(p.value):
                lead = re.match(r"(?:l'|la\s+|le\s+|les\s+)?", p.value[m.end() :])
                at = m.end() + (lead.end() if lead else 0)
                orgs = [o for o in self.mentions(p, "organization") if o.start in (m.end(), at)]
                if orgs and not orgs[0].ambiguous:
                    s, e = self.sentence_of(p, m.start())
                    count = re.search(
                        rf"\b(?:\d+|{'|'.join(WORD_NUMBERS)})\s+$", p.value[s : m.start()], re.I
                    )
                    q0 = s + count.start() if count else m.start()
                    quote = p.value[q0:e].rstrip(" .")
                    out.append(
                        (
                            orgs[0].ident,
                            quote,
                            p.span(orgs[0].start, orgs[0].end),
                            p.span(m.start(), orgs[0].end),
                        )
                    )
        return out

    def _resolve(self, m: Mention, p: Paragraph, main: str, seen: dict[str, dict[str, str]]) -> str:
        """The organization a mention names in a project, or "" (with a warning) when unsure:
        an acronym shared by several rows (« CPTS ») is the one already linked to the project
        or the one of the project's area; an acronym of an organization elsewhere (« CH » of
        another town) names an organization the tables do not have yet."""
        org = self.ref.organizations
        candidates = list(m.candidates)
        near = [
            c
            for c in candidates
            if not main or not org[c].territory_id or self.ref.related(org[c].territory_id, main)
        ]
        if len(candidates) > 1:
            known = [c for c in candidates if c in seen]
            if known:
                return known[0]
            if len(near) == 1:
                return near[0]
            if near:
                self.warn(
                    "ambiguous-organization",
                    f"« {m.text} » may be any of {', '.join(near)}: add the link by hand",
                    p.span(m.start, m.end),
                )
                return ""
        elif m.via != "acronym" or near:
            return candidates[0]
        hint = next(
            (h for h in _ORG_HINT.finditer(p.value) if h.start() <= m.start < h.end()), None
        )
        s, e = (hint.start(), hint.end()) if hint else (m.start, m.end)
        self.warn(
            "unknown-organization",
            f"« {p.value[s:e]} » is not in the organizations table (« {m.text} » there is "
            f"{', '.join(candidates)}, elsewhere): add it, then link it in project_partners",
            p.span(s, e),
        )
        self._reported.append((p.index, s, e))
        return ""

    def _role(self, p: Paragraph, m: Mention) -> tuple[str, tuple[int, int]]:
        s, e = self.sentence_of(p, m.start)
        pilot = re.search(r"\bpilot\w*", p.value[m.end : e], re.I)
        if pilot:
            return "pilote", p.span(m.start, m.end + pilot.end())
        before = re.search(
            r"\b(?:à|au|aux|dans)\s+(?:l'|la\s+|le\s+|les\s+)?$", p.value[s : m.start]
        )
        if before:
            return "lieu-de-mise-en-oeuvre", p.span(s + before.start(), m.end)
        return "partenaire", p.span(m.start, m.end)

    # -- challenges ------------------------------------------------------------------------

    def _challenges(self) -> None:
        kinds = self.ref.enum("challenges", "kind")
        for lst in self.s.lists:
            if lst.kind not in kinds or not lst.items:
                continue
            heading = self.s.section.get(lst.lead.index)
            for item in lst.items:
                row = self.new_row("challenges")
                p = item.paragraph
                span = p.span(*item.label)
                label = p.value[item.label[0] : item.label[1]]
                prefix = "defi" if lst.kind == "defi" else "theme"
                self.put(
                    "challenges",
                    row,
                    "number",
                    str(item.number),
                    p.span(0, item.label[0]),
                    "parsed",
                )
                self.put("challenges", row, "label", label, span, "verbatim")
                noun_span = lst.lead.span(*lst.noun) if lst.noun else span
                self.put("challenges", row, "kind", lst.kind, noun_span, "derived")
                self.put("challenges", row, "round", self.round, self.as_of_span, "derived")
                self.put("challenges", row, "source_id", self.source_id, None, "derived")
                where = f"« {heading.value} » : " if heading else ""
                self.put(
                    "challenges",
                    row,
                    "source_location",
                    f"{where}défi {item.number}",
                    p.span(),
                    "derived",
                )
                self.put(
                    "challenges",
                    row,
                    "id",
                    self._challenge_id(row, f"{prefix}-{item.number}"),
                    p.span(),
                    "derived",
                )
            if lst.noun:
                lead = lst.lead.value[: lst.noun[0]]
                count = re.search(r"(\d+|\w+)\s+(?:\w+\s+)?$", lead)
                stated = None
                if count:
                    word = count.group(1).lower()
                    stated = int(word) if word.isdigit() else WORD_NUMBERS.get(word)
                if stated is not None and stated != len(lst.items):
                    self.warn(
                        "count-mismatch",
                        f"the text announces {stated} items, the list has {len(lst.items)}",
                        lst.lead.span(*lst.noun),
                    )
        # a theme singled out for the next round: « un zoom particulier sur … la santé mentale »
        if "theme-prioritaire" not in kinds:
            return
        for p in self.s.paragraphs:
            if p.index in self.block_of:
                continue
            for m in _ZOOM.finditer(p.value):
                label = m["label"].strip()
                row = self.new_row("challenges")
                span = p.span(m.start("label"), m.start("label") + len(label))
                self.put("challenges", row, "label", label, span, "verbatim")
                self.put(
                    "challenges",
                    row,
                    "kind",
                    "theme-prioritaire",
                    p.span(m.start(), m.end()),
                    "derived",
                )
                self.put("challenges", row, "round", self.next_round, self.as_of_span, "derived")
                self.put("challenges", row, "source_id", self.source_id, None, "derived")
                heading = self.s.section.get(p.index)
                self.put(
                    "challenges",
                    row,
                    "source_location",
                    f"« {heading.value} »" if heading else "",
                    p.span(m.start(), m.end()),
                    "derived",
                )
                words = [w for w in re.findall(r"[^\W_]+", label) if fold(w) not in _ARTICLES]
                self.put(
                    "challenges",
                    row,
                    "id",
                    self._challenge_id(row, slug(" ".join(words))),
                    span,
                    "derived",
                )

    def _challenge_id(self, row: dict[str, str], made: str) -> str:
        for curated in self.ref.rows("challenges"):
            same_number = row["number"] and curated.get("number") == row["number"]
            same_label = _folded(curated.get("label", "")) == _folded(row["label"])
            if curated.get("kind") == row["kind"] and (same_number or same_label):
                return curated["id"]
        return made

    # -- figures ---------------------------------------------------------------------------

    def _figures(self) -> list[dict[str, Any]]:
        """Each figure with its paragraph, sentence, scope and problems, in reading order."""
        out: list[dict[str, Any]] = []
        context: tuple[str, tuple[int, int] | None] = ("", None)
        for p in self.s.paragraphs:
            if p is self.s.title or p.marker:
                continue
            block = self.block_of.get(p.index)
            heading = self.s.section.get(p.index)
            if heading is p:
                context = ("", None)
            skip = [(d.start, d.end) for d in self.dates.get(p.index, [])]
            item = re.match(r"\d{1,2}[.)]\s", p.value)
            if item:
                skip.append((0, item.end()))
            figures = find_figures(p.value, self.units, skip=skip)
            for s, e in sentences(p.value):
                terr = self.mentions(p, "territory", (s, e))
                for f in (f for f in figures if s <= f.start < e):
                    if f.problem:
                        self.warn(
                            "unparsed-figure",
                            f"« {f.stated} »: {f.problem}",
                            p.span(f.start, f.end),
                        )
                        continue
                    out.append(
                        {
                            "figure": f,
                            "paragraph": p,
                            "sentence": (s, e),
                            "block": block,
                            "territory": self._figure_scope(terr, block, context, p),
                        }
                    )
                if block is None and terr:
                    broadest = min(terr, key=lambda m: self.ref.depth(m.ident))
                    context = (broadest.ident, p.span(broadest.start, broadest.end))
        return out

    def _figure_scope(
        self,
        terr: list[Mention],
        block: Block | None,
        context: tuple[str, tuple[int, int] | None],
        p: Paragraph,
    ) -> tuple[str, tuple[int, int] | None, str]:
        best = self.most_specific(terr)
        if best is not None:
            return best.ident, p.span(best.start, best.end), "matched"
        if block is not None:
            ident, span = self.main_territory[id(block)]
            return ident, span, "derived"
        return context[0], context[1], "derived"

    def _indicators(self, figures: list[dict[str, Any]]) -> None:
        ids: set[str] = set()
        for item in figures:
            f: Figure = item["figure"]
            p: Paragraph = item["paragraph"]
            s, e = item["sentence"]
            row = self.new_row("indicators")
            span = p.span(f.start, f.end)
            self.put(
                "indicators", row, "label", f.stated[:1].upper() + f.stated[1:], span, "derived"
            )
            self.put("indicators", row, "value", _fmt(f.value), span, "parsed")
            self.put("indicators", row, "unit", f.unit, span, "parsed")
            self.put("indicators", row, "qualifier", f.qualifier, span, "parsed")
            territory, t_span, t_method = item["territory"]
            self.put("indicators", row, "territory_id", territory, t_span, t_method)
            block = item["block"]
            if block is not None:
                project = self.project_row[id(block)]
                self.put(
                    "indicators", row, "project_id", project["id"], block.title.span(), "derived"
                )
            event = next((ev for ev, where in self._event_sources if where == (p.index, s)), None)
            if event is not None:
                self.put("indicators", row, "event_id", event["id"], p.span(s, e), "derived")
            for d in self.dates.get(p.index, []):
                if s <= d.start < e and d.as_of:
                    self.put(
                        "indicators",
                        row,
                        "reference_date",
                        d.start_date,
                        p.span(d.start, d.end),
                        "parsed",
                    )
                if (
                    s <= d.start < e
                    and d.kind == "year"
                    and d.prep == "en"
                    and not row["reference_year"]
                ):
                    self.put(
                        "indicators",
                        row,
                        "reference_year",
                        str(d.year),
                        p.span(d.start, d.end),
                        "parsed",
                    )
            self.put("indicators", row, "value_stated", f"« {f.stated} »", span, "verbatim")
            self.put("indicators", row, "source_id", self.source_id, None, "derived")
            heading = self.s.section.get(p.index)
            self.put(
                "indicators",
                row,
                "source_location",
                f"« {heading.value} »" if heading else "",
                p.span(s, e),
                "derived",
            )
            self.put("indicators", row, "id", self._indicator_id(row, ids), span, "derived")
            ids.add(row["id"])
        self._count_check(figures)

    def _indicator_id(self, row: dict[str, str], taken: set[str]) -> str:
        if self._figure_ids is None:
            self._figure_ids = self.ref.index(
                "indicators",
                lambda r: (_number(r.get("value", "")), r.get("unit", ""), r.get("project_id", "")),
            )
        for rid in self._figure_ids.get(
            (_number(row["value"]), row["unit"], row["project_id"]), []
        ):
            if rid not in taken:
                return rid
        scope = row["project_id"] or row["territory_id"] or "document"
        base = f"{row['unit']}-{slug(row['value'])}-{scope}"
        rid, n = base, 1
        while rid in taken:
            n += 1
            rid = f"{base}-{n}"
        return rid

    def _count_check(self, figures: list[dict[str, Any]]) -> None:
        """The « N projets » right before the project list must count the projects found."""
        if not self.s.blocks:
            return
        first = self.s.paragraphs.index(self.s.blocks[0].title)
        before = {p.index for p in self.s.paragraphs[max(0, first - 3) : first]}
        stated = [
            x
            for x in figures
            if x["paragraph"].index in before
            and x["figure"].unit == "projets"
            and x["figure"].qualifier == "exact"
            and x["block"] is None
            and x["territory"][0] == self.dep
        ]
        if stated:
            x = stated[-1]
            n = int(x["figure"].value)
            if n != len(self.s.blocks):
                self.warn(
                    "count-mismatch",
                    f"the text announces {n} projects, {len(self.s.blocks)} project blocks found",
                    x["paragraph"].span(x["figure"].start, x["figure"].end),
                )

    # -- events ----------------------------------------------------------------------------

    def _events(self, figures: list[dict[str, Any]]) -> None:
        kinds = self.ref.enum("events", "kind")
        self._event_sources: list[tuple[dict[str, str], tuple[int, int]]] = []
        context: tuple[str, tuple[int, int] | None] = ("", None)
        seen: set[tuple[str, str, str]] = set()
        for p in self.s.paragraphs:
            if p.index in self.block_of or p is self.s.title or p.marker:
                continue
            if self.s.section.get(p.index) is p:
                context = ("", None)
            dates = [d for d in self.dates.get(p.index, []) if not d.bare]
            for s, e in sentences(p.value):
                inside = [d for d in dates if s <= d.start < e]
                for i, d in enumerate(inside):
                    w0 = s if i == 0 else self._boundary(p.value, inside[i - 1].end, d.start)
                    w1 = (
                        e
                        if i + 1 == len(inside)
                        else self._boundary(p.value, d.end, inside[i + 1].start)
                    )
                    window = p.value[w0:w1]
                    kind = next(
                        (k for k, rx in _EVENT_KINDS if rx.search(window) and k in kinds), ""
                    )
                    if kind:
                        self._dated_event(p, (s, e), (w0, w1), d, kind, context, seen)
                terr = self.mentions(p, "territory", (s, e))
                if terr:
                    broadest = min(terr, key=lambda m: self.ref.depth(m.ident))
                    context = (broadest.ident, p.span(broadest.start, broadest.end))
        if "ensemble-de-reunions" not in kinds:
            return
        for x in figures:
            f: Figure = x["figure"]
            if f.unit != "reunions" or x["block"] is not None:
                continue
            para: Paragraph = x["paragraph"]
            s, e = x["sentence"]
            territory, t_span, t_method = x["territory"]
            row = self.new_row("events")
            span = para.span(f.start, f.end)
            self.put(
                "events",
                row,
                "title",
                self._event_title(para.value[s:e]),
                para.span(s, e),
                "derived",
            )
            self.put("events", row, "kind", "ensemble-de-reunions", span, "derived")
            self.put("events", row, "territory_id", territory, t_span, t_method)
            self._event_common(row, para, (s, e), round_=self.round)
            name = self.ref.territories[territory].name if territory in self.ref.territories else ""
            made = "-".join(x for x in ("reunions", slug(name), self.round) if x)
            self.put("events", row, "id", self._event_id(row, made), span, "derived")
            self._event_sources.append((row, (para.index, s)))

    @staticmethod
    def _boundary(value: str, after: int, before: int) -> int:
        m = re.search(r",\s|\s+et\s", value[after:before])
        return after + m.start() if m else before

    @staticmethod
    def _event_title(text: str) -> str:
        text = text.strip().rstrip(".")
        if len(text) > 160:
            text = text[:157].rsplit(" ", 1)[0] + "…"
        return text[:1].upper() + text[1:]

    def _dated_event(
        self,
        p: Paragraph,
        sentence: tuple[int, int],
        window: tuple[int, int],
        d: DateMention,
        kind: str,
        context: tuple[str, tuple[int, int] | None],
        seen: set[tuple[str, str, str]],
    ) -> None:
        w0, w1 = window
        span = p.span(d.start, d.end)
        here = self.most_specific(self.mentions(p, "territory", window))
        # a cycle covers the area the text is about, the place named is where it starts
        scope = context if context[0] else (self.region, self.dep_span)
        if kind == "cycle" and scope[0]:
            territory, t_span, t_method = scope[0], scope[1], "derived"
        elif here is not None:
            territory, t_span, t_method = here.ident, p.span(here.start, here.end), "matched"
        elif re.search(r"\bnational", p.value[w0:w1], re.I) and self.ref.top_territory():
            national = re.search(r"\bnational\w*", p.value[w0:w1], re.I)
            assert national is not None
            territory = self.ref.top_territory()
            t_span, t_method = p.span(w0 + national.start(), w0 + national.end()), "derived"
        else:
            territory, t_span, t_method = scope[0], scope[1], "derived"
        key = (kind, d.start_date, territory)
        if key in seen or not d.start_date:
            return
        seen.add(key)
        row = self.new_row("events")
        self.put(
            "events", row, "title", self._event_title(p.value[w0:w1]), p.span(w0, w1), "derived"
        )
        self.put("events", row, "kind", kind, p.span(w0, w1), "derived")
        self.put("events", row, "start_date", d.start_date, span, "parsed")
        point = kind != "cycle"
        end = d.end_date if d.kind != "since" else (d.start_date if point else "")
        self.put("events", row, "end_date", end, span, "parsed")
        self.put("events", row, "date_precision", d.precision, span, "parsed")
        stated = f"« {d.stated} »" + (
            f" (année {d.year} déduite du contexte)" if d.year_inferred else ""
        )
        self.put("events", row, "dates_stated", stated, span, "verbatim")
        self.put("events", row, "territory_id", territory, t_span, t_method)
        as_of = self.as_of.start_date if self.as_of else "9999"
        round_ = (
            f"{d.year}-{(d.year or 0) + 1}"
            if kind == "cycle"
            else (self.round if d.start_date <= as_of else self.next_round)
        )
        self._event_common(row, p, window, round_=round_)
        key_date = (
            f"{d.year}-t{(d.month + 2) // 3}"
            if d.precision == "trimestre"
            else d.start_date[: {"jour": 10, "mois": 7, "annee": 4}.get(d.precision, 10)]
        )
        place = self.ref.territories.get(territory)
        place_slug = slug(place.name) if place and kind == "concertation" else ""
        made = (
            f"cycle-{round_}"
            if kind == "cycle"
            else "-".join(x for x in (kind, place_slug, key_date) if x)
        )
        self.put("events", row, "id", self._event_id(row, made), span, "derived")
        self._event_sources.append((row, (p.index, sentence[0])))
        # « le cycle débutera le 14 novembre dans les Hautes-Alpes »: its first meeting there
        if (
            kind == "cycle"
            and here is not None
            and here.ident != territory
            and "concertation" in self.ref.enum("events", "kind")
        ):
            first = self.new_row("events")
            h_span = p.span(here.start, here.end)
            self.put(
                "events",
                first,
                "title",
                self._event_title(p.value[w0:w1]),
                p.span(w0, w1),
                "derived",
            )
            self.put("events", first, "kind", "concertation", p.span(w0, w1), "derived")
            self.put("events", first, "start_date", d.start_date, span, "parsed")
            self.put("events", first, "end_date", d.start_date, span, "parsed")
            self.put("events", first, "date_precision", d.precision, span, "parsed")
            self.put("events", first, "dates_stated", stated, span, "verbatim")
            self.put("events", first, "territory_id", here.ident, h_span, "matched")
            self._event_common(first, p, window, round_=round_)
            self.put("events", first, "part_of", row["id"], span, "derived")
            made = "-".join(
                x
                for x in ("concertation", slug(self.ref.territories[here.ident].name), key_date)
                if x
            )
            self.put("events", first, "id", self._event_id(first, made), span, "derived")

    def _event_common(
        self, row: dict[str, str], p: Paragraph, window: tuple[int, int], *, round_: str
    ) -> None:
        orgs = self.mentions(p, "organization", window)
        if orgs and not orgs[0].ambiguous:
            self.put(
                "events",
                row,
                "organizer_id",
                orgs[0].ident,
                p.span(orgs[0].start, orgs[0].end),
                "matched",
            )
        self.put("events", row, "round", round_, self.as_of_span, "derived")
        self.put("events", row, "source_id", self.source_id, None, "derived")
        heading = self.s.section.get(p.index)
        self.put(
            "events",
            row,
            "source_location",
            f"« {heading.value} »" if heading else "",
            p.span(*window),
            "derived",
        )

    def _event_id(self, row: dict[str, str], made: str) -> str:
        taken = {r["id"] for r in self.tables["events"] if r is not row}
        dated = (("kind", "start_date", "territory_id"), ("kind", "start_date"))
        undated = (("kind", "territory_id"),)
        for keys in dated if row["start_date"] else undated:
            if keys not in self._event_ids:

                def key(r: dict[str, str], keys: tuple[str, ...] = keys) -> tuple[str, ...]:
                    return tuple(r.get(k) or "" for k in keys)

                self._event_ids[keys] = self.ref.index("events", key)
            hits = self._event_ids[keys].get(tuple(row[k] for k in keys), [])
            free = [i for i in hits if i not in taken]
            if len(hits) == 1 and free:
                return free[0]
        rid, n = made, 1
        while rid in taken:
            n += 1
            rid = f"{made}-{n}"
        return rid

    # -- names the reference tables do not know -------------------------------------------

    def _unknown_organizations(self) -> None:
        glossary = {t for term, _ in self.ref.glossary for t in (term, term.upper())}
        for p in self.s.paragraphs:
            if p.marker:
                continue
            known = self._found.setdefault(p.index, self.gazetteer.find(p.value))
            covered = [(m.start, m.end) for m in known if not m.ambiguous]
            covered += [(s, e) for i, s, e in self._reported if i == p.index]

            def free(s: int, e: int, covered: list[tuple[int, int]] = covered) -> bool:
                return not any(a < e and s < b for a, b in covered)

            for m in _ORG_HINT.finditer(p.value):
                if free(m.start(), m.end()):
                    self.warn(
                        "unknown-organization",
                        f"« {m.group(0)} » is not in the organizations table: add it, then "
                        "link it in project_partners",
                        p.span(m.start(), m.end()),
                    )
                    covered.append((m.start(), m.end()))
            for m in _ACRONYM.finditer(p.value):
                if m.group(0) in glossary or not free(m.start(), m.end()):
                    continue
                if p.index not in self.block_of:
                    continue  # acronyms outside projects (CNR, ARS…) are context, not partners
                self.warn(
                    "unknown-organization",
                    f"« {m.group(0)} » is neither an organization, a territory nor a glossary "
                    "term: add it where it belongs",
                    p.span(m.start(), m.end()),
                )
                covered.append((m.start(), m.end()))


# ---- writing ---------------------------------------------------------------------------------

_PROVENANCE_HEADER = [
    "table",
    "row_id",
    "field",
    "value",
    "method",
    "source_file",
    "page",
    "char_start",
    "char_end",
    "snippet",
]
_WARNING_HEADER = [
    "code",
    "message",
    "source_file",
    "line",
    "column",
    "page",
    "char_start",
    "char_end",
    "snippet",
]


def _write_csv(path: Path, header: list[str], rows: Iterable[list[Any]]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_extraction(extraction: Extraction, out_dir: str | Path) -> Path:
    """Write the draft tables (the package's headers), ``provenance.csv``, ``warnings.csv``
    and, for a PDF, ``source-text.txt`` (the text the provenance offsets point into) into
    ``out_dir``. Each file is written whole or not at all."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExtractError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    for table in DRAFTED_TABLES:
        header = extraction.fields[table]
        rows = extraction.tables.get(table, [])
        _write_csv(out / f"{table}.csv", header, ([r.get(h, "") for h in header] for r in rows))
    _write_csv(
        out / "provenance.csv",
        _PROVENANCE_HEADER,
        ([getattr(p, h) for h in _PROVENANCE_HEADER] for p in extraction.provenance),
    )
    _write_csv(
        out / "warnings.csv",
        _WARNING_HEADER,
        ([getattr(w, h) for h in _WARNING_HEADER] for w in extraction.warnings),
    )
    if extraction.is_pdf:
        (out / PDF_TEXT_FILE).write_text(extraction.text, encoding="utf-8", newline="")
    extraction.written = out
    return out


def extraction_json(extraction: Extraction, changes: Iterable[Any] = ()) -> str:
    data = extraction.to_dict()
    data["changes"] = [asdict(c) for c in changes]
    return json.dumps(data, ensure_ascii=False, indent=2)


__all__ = [
    "DRAFTED_TABLES",
    "WARNING_TYPES",
    "ExtractWarning",
    "Extraction",
    "Provenance",
    "extract_source",
    "extraction_json",
    "write_extraction",
]
