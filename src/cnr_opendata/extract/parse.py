"""Recognise the structure of a press kit and draft the package's tables from it.

What it recognises (patterns and the package's reference tables, never these seven titles):

- project blocks: a title, a body, a status marker (« PROJET RÉALISÉ », « EN COURS »); in a raw
  PDF text layer the title and body share a block and the body starts at the first line that
  begins with a capital; in reflowed text they are separate paragraphs;
- a territory prefix in a title (« Toulon : … »), else the most specific place named in the body;
- the numbered challenges (« 1. l'accès … ; »);
- key figures: value, unit and qualifier (« près de 700 participants », « Plus de 2,9 millions
  d'euros », « une cinquantaine de membres », « de 55 à 74 ans »);
- dates as ISO dates with a precision (« du 1er juin au 30 septembre 2023 », « depuis juin 2023 »,
  « A partir de novembre 2023 », « sera lancée en 2024 », « au cours du premier trimestre 2024 »,
  « dès le 14 novembre » with the year of the closest earlier date);
- organizations and places named, matched against ``organizations`` and ``territories``
  (names, acronyms and the quotes « … » kept in their notes).

Every drafted value has a :class:`Provenance`: the span of the normalised source text
(``source-normalised.txt`` in the output) it comes from.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from cnr_opendata.errors import ExtractError
from cnr_opendata.extract.text import join_lines, normalise, read_text_source
from cnr_opendata.package import Package, load_package

MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}
_MONTH = "(" + "|".join(MONTHS) + ")"
WORD_NUMBERS = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "quinze": 15,
    "vingt": 20,
    "cent": 100,
}
APPROX_NOUNS = {
    "dizaine": 10,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
}
QUARTERS = {"premier": 1, "deuxième": 2, "second": 2, "troisième": 3, "quatrième": 4}

STATUS = re.compile(
    r"^\s*(PROJET\s+R[ÉE]ALIS[ÉE]|PROJET\s+EN\s+COURS|EN\s+COURS|R[ÉE]ALIS[ÉE])\s*$", re.I
)
TITLE_START = re.compile(
    r"^(?:(?P<place>[A-ZÀ-Ý][\w'.-]*(?: [\w'.-]+){0,3}) : )?[A-ZÀ-Ýa-zà-ÿ][a-zà-ÿ]{3,}(?:er|ir|re)\b"
)
PREFIX = re.compile(r"^(?P<place>[^:]{2,40}?) : ")
CHALLENGE = re.compile(r"^(?P<n>\d{1,2})\.\s+(?P<label>.+?)\s*[;.]?\s*$")

_ADJ = r"(?:(?:grands?|grandes?|dernières?|derniers?|concrets?|politiques?|nouveaux?|nouvelles?|premiers?)\s+)?"
UNITS: list[tuple[str, str]] = [
    ("participants", r"participants?"),
    ("reunions", r"réunions?"),
    ("projets", r"projets?"),
    ("euros", r"(?:d'|de )?euros?|€"),
    ("membres", r"(?:de )?membres"),
    ("departements", r"départements"),
    ("defis", r"défis"),
    ("cpts", r"CPTS|communautés professionnelles territoriales de santé"),
    ("quartiers", r"quartiers"),
    ("annees", r"années|ans?(?=\s+après)|an\b"),
    ("ans", r"ans"),
    ("heures", r"h\b|heures"),
]
_UNIT_RE = "|".join(f"(?P<u_{name}>{pattern})" for name, pattern in UNITS)
_NUMBER = r"(?P<num>\d+(?:[,.]\d+)?|" + "|".join(WORD_NUMBERS) + r")"
FIGURE = re.compile(
    r"(?P<q>près de |environ |plus de |plus d'|au moins |)"
    r"(?:(?P<approx>une (?:"
    + "|".join(APPROX_NOUNS)
    + r")) de |"
    + _NUMBER
    + r"\s*(?P<scale>millions?|milliards?|milliers?)?\s*"
    + _ADJ
    + r")"
    r"(?:" + _UNIT_RE + r")",
    re.IGNORECASE,
)
AGE_RANGE = re.compile(r"de (?P<a>\d+) à (?P<b>\d+) ans\b")
QUALIFIERS = {
    "près de": "environ",
    "environ": "environ",
    "plus de": "plus-de",
    "plus d'": "plus-de",
    "au moins": "au-moins",
}

D_RANGE = re.compile(
    r"du (1er|\d{1,2}) " + _MONTH + r"(?: (\d{4}))? au (\d{1,2}) " + _MONTH + r" (\d{4})", re.I
)
D_SINCE = re.compile(r"depuis " + _MONTH + r" (\d{4})", re.I)
D_FROM = re.compile(r"[AÀ] partir de " + _MONTH + r" (\d{4})", re.I)
D_PLANNED = re.compile(
    r"(?:sera|seront) (?:\w+ ){0,2}?(?:lancée?s?|poursuivie?s?|déployée?s?|mise?s? en place|engagée?s?|étendue?s?) en (\d{4})",
    re.I,
)
D_AT = re.compile(r"\bau (1er|\d{1,2}) " + _MONTH + r" (\d{4})", re.I)
D_DAY = re.compile(
    r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) |dès le |le )?(1er|\d{1,2}) "
    + _MONTH
    + r"(?: (\d{4}))?",
    re.I,
)
D_MONTH = re.compile(r"\ben " + _MONTH + r" (\d{4})", re.I)
D_QUARTER = re.compile(r"(premier|deuxième|second|troisième|quatrième) trimestre (\d{4})", re.I)
#: An organization-like mention with a proper name: « la clinique X », « la CPTS de la Y ».
ORG_HINT = re.compile(
    r"\b(?:la |le |l')?(?:clinique|hôpital|centre hospitalier|CPTS|CHU?|GHT|HIA|EHPAD)"
    r"(?: (?:de la |de |du |d')[A-ZÀ-Ý][\w'-]+| [A-ZÀ-Ý][\w'-]+)"
)


@dataclass(frozen=True)
class Provenance:
    table: str
    row_id: str
    field: str
    source: str
    start: int
    end: int
    snippet: str


@dataclass(frozen=True)
class Warning:
    code: str
    message: str
    source: str
    start: int
    end: int
    snippet: str

    def format(self) -> str:
        return f"{self.source}:{self.start}-{self.end}: {self.code}: {self.message}"


@dataclass
class Extraction:
    """The draft tables of one source document, with provenance and warnings."""

    source: Path
    text: str
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    provenance: list[Provenance] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    title: str = ""

    def summary(self) -> str:
        n = {t: len(rows) for t, rows in self.tables.items()}
        return (
            f"{n.get('projects', 0)} projects, {n.get('indicators', 0)} figures, {n.get('challenges', 0)} challenges, "
            f"{n.get('events', 0)} dated events, {n.get('project_partners', 0)} partner links, {len(self.warnings)} warning(s)"
        )


@dataclass
class _Para:
    first: int  # line index
    last: int
    start: int  # char offsets in the normalised text
    end: int


def _slug(text: str, limit: int = 48) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-").split("-")
    out = ""
    for w in words:
        if len(out) + len(w) + 1 > limit:
            break
        out = f"{out}-{w}" if out else w
    return out or "x"


def _iso(year: int, month: int, day: int = 1) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}"


def _day(value: str) -> int:
    return 1 if value.lower() == "1er" else int(value)


def _quarter_end(year: int, q: int) -> str:
    month = q * 3
    return _iso(year, month, 31 if month in (3, 12) else 30)


class _Gazetteer:
    """Names and aliases of reference rows, matched longest first at word boundaries."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        self.entries = sorted({(a, i) for a, i in entries if len(a) >= 2}, key=lambda e: -len(e[0]))
        self.patterns = []
        for alias, ident in self.entries:
            flags = 0 if (len(alias) <= 5 and alias.isupper()) else re.IGNORECASE
            self.patterns.append(
                (re.compile(r"(?<![\w-])" + re.escape(alias) + r"(?![\w])", flags), ident)
            )

    def find(self, text: str) -> list[tuple[int, int, str]]:
        taken: list[tuple[int, int, str]] = []
        for pattern, ident in self.patterns:
            for m in pattern.finditer(text):
                if all(m.end() <= s or m.start() >= e for s, e, _ in taken):
                    taken.append((m.start(), m.end(), ident))
        return sorted(taken)


def _aliases(row: dict[str, str], name_fields: tuple[str, ...]) -> list[str]:
    out = [row[f] for f in name_fields if row.get(f)]
    for quoted in re.findall(r"«\s*([^»]+?)\s*»", row.get("note", "")):
        quoted = re.sub(r"^(?:le |la |les |l'|du |des |un |une )", "", quoted.strip(), flags=re.I)
        quoted = re.sub(r"\s*(?:\[…\]|…).*$", "", quoted)
        if len(quoted) >= 2:
            out.append(quoted)
    return out


def _rows(package: Package | None, table: str) -> list[dict[str, str]]:
    if package is None:
        return []
    try:
        resource = package.resource(table)
    except KeyError:
        return []
    with resource.path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class _Parser:
    def __init__(self, text: str, source: str, reference: Package | None) -> None:
        self.text = text
        # line breaks inside a paragraph become spaces (same length, so offsets still hold)
        self.flat = re.sub(r"(?<!\n)\n(?!\n)", " ", text)
        self.source = source
        self.lines = text.split("\n")
        self.offsets = []
        pos = 0
        for line in self.lines:
            self.offsets.append(pos)
            pos += len(line) + 1
        self.prov: list[Provenance] = []
        self.warnings: list[Warning] = []
        self.consumed: list[tuple[int, int]] = []
        territories = _rows(reference, "territories")
        self.territory = {t["id"]: t for t in territories}
        self.places = _Gazetteer((a, t["id"]) for t in territories for a in _aliases(t, ("name",)))
        orgs = _rows(reference, "organizations")
        acronyms = [o["acronym"] for o in orgs if o.get("acronym")]
        self.orgs = {o["id"]: o for o in orgs}
        self.org_names = _Gazetteer(
            (a, o["id"])
            for o in orgs
            for a in [
                *_aliases(o, ("name",)),
                *(
                    [o["acronym"]]
                    if o.get("acronym")
                    and acronyms.count(o["acronym"]) == 1
                    and len(o["acronym"]) >= 3
                    else []
                ),
            ]
        )
        self.agency = next((o["id"] for o in orgs if o.get("kind") == "agence-regionale-sante"), "")

    # -- helpers ------------------------------------------------------------------------------

    def span(self, first: int, last: int) -> tuple[int, int]:
        return self.offsets[first], self.offsets[last] + len(self.lines[last])

    def note(self, table: str, row_id: str, fld: str, start: int, end: int) -> None:
        self.prov.append(
            Provenance(table, row_id, fld, self.source, start, end, self.text[start:end])
        )
        if fld not in ("title", "summary"):  # whole blocks: their numbers still need a reading
            self.consumed.append((start, end))

    def warn(self, code: str, message: str, start: int, end: int) -> None:
        self.warnings.append(Warning(code, message, self.source, start, end, self.text[start:end]))

    def paragraphs(self, first: int, last: int) -> list[_Para]:
        paras, start = [], None
        for i in range(first, last):
            if self.lines[i].strip() and not STATUS.match(self.lines[i]):
                start = i if start is None else start
            elif start is not None:
                paras.append(_Para(start, i - 1, *self.span(start, i - 1)))
                start = None
        if start is not None:
            paras.append(_Para(start, last - 1, *self.span(start, last - 1)))
        return paras

    def ancestor(self, territory_id: str, level: str) -> str:
        seen = set()
        node = territory_id
        while node and node not in seen:
            seen.add(node)
            row = self.territory.get(node)
            if row is None:
                return ""
            if row["level"] == level:
                return node
            node = row.get("parent_id", "")
        return ""

    # -- the document ---------------------------------------------------------------------------

    def title(self) -> str:
        lines: list[str] = []
        for line in self.lines:
            if not line.strip():
                if lines:
                    break
                continue
            if len(line) >= 40:
                break
            lines.append(line)
        title = join_lines(lines)
        if lines:
            self.consumed.append(
                (0, self.offsets[len(lines) - 1] + len(self.lines[len(lines) - 1]) + 1)
            )
        return title

    def status_date(self) -> tuple[str, int, int]:
        m = D_AT.search(self.flat)
        if not m:
            return "", 0, 0
        return (
            _iso(int(m.group(3)), MONTHS[m.group(2).lower()], _day(m.group(1))),
            m.start(),
            m.end(),
        )

    def projects(self) -> list[dict[str, str]]:
        markers = [i for i, line in enumerate(self.lines) if STATUS.match(line)]
        date, d0, d1 = self.status_date()
        projects: list[dict[str, str]] = []
        previous = 0
        blocks: list[tuple[list[int], list[int], int | None]] = []
        for m in [*markers, None]:
            end = m if m is not None else len(self.lines)
            paras = self.paragraphs(previous, end)
            taken: set[int] = set()
            if m is not None and paras:
                block = self._project_in(paras, taken)
                if block:
                    blocks.append((*block, m))
            for k, para in enumerate(paras):
                if (
                    k in taken
                    or not TITLE_START.match(self.lines[para.first])
                    or len(self.lines[para.first]) > 250
                ):
                    continue
                block = self._project_at(paras, k, taken)
                if block:
                    blocks.append((*block, None))
                    s, e = self.span(block[0][0], block[0][-1])
                    self.warn(
                        "missing-status",
                        "a project block has no status marker (PROJET RÉALISÉ / EN COURS): status left empty",
                        s,
                        e,
                    )
            previous = end + 1
        for title_lines, body_lines, marker in blocks:
            projects.append(self._project(title_lines, body_lines, marker, date, d0, d1))
        return projects

    def _project_in(
        self, paras: list[_Para], taken: set[int]
    ) -> tuple[list[int], list[int]] | None:
        last = len(paras) - 1
        before = paras[last - 1] if last >= 1 else None
        if (
            before is not None
            and TITLE_START.match(self.lines[before.first])
            and self.span(before.first, before.last)[1] - before.start <= 300
            and not TITLE_START.match(self.lines[paras[last].first])
        ):  # the title is its own paragraph, the body the next one (reflowed text, PDF)
            taken.update({last - 1, last})
            return list(range(before.first, before.last + 1)), list(
                range(paras[last].first, paras[last].last + 1)
            )
        if paras[last].last > paras[last].first:  # raw text layer: title and body in one block
            return self._split_block(paras[last], taken, last)
        return None

    def _project_at(
        self, paras: list[_Para], k: int, taken: set[int]
    ) -> tuple[list[int], list[int]] | None:
        para = paras[k]
        if para.last > para.first:
            return self._split_block(para, taken, k)
        if (
            k + 1 < len(paras)
            and k + 1 not in taken
            and not TITLE_START.match(self.lines[paras[k + 1].first])
        ):
            taken.update({k, k + 1})
            return [para.first], list(range(paras[k + 1].first, paras[k + 1].last + 1))
        return None

    def _split_block(
        self, para: _Para, taken: set[int], k: int
    ) -> tuple[list[int], list[int]] | None:
        for i in range(para.first + 1, para.last + 1):
            if re.match(r"[A-ZÀ-Ý«\"]", self.lines[i]):
                taken.add(k)
                return list(range(para.first, i)), list(range(i, para.last + 1))
        return None

    def _project(
        self,
        title_lines: list[int],
        body_lines: list[int],
        marker: int | None,
        date: str,
        d0: int,
        d1: int,
    ) -> dict[str, str]:
        title = join_lines([self.lines[i] for i in title_lines])
        body = join_lines([self.lines[i] for i in body_lines])
        ts, te = self.span(title_lines[0], title_lines[-1])
        bs, be = self.span(body_lines[0], body_lines[-1])
        row = {"title": title, "summary": body}
        territory, t_span = self._territory(title, ts, body, bs)
        row["territory_id"] = territory
        row["departement_id"] = self.ancestor(territory, "departement") if territory else ""
        dep_code = (self.territory.get(row["departement_id"]) or {}).get("name", "")
        year = date[:4] if date else ""
        row["id"] = "-".join(p for p in (_slug(dep_code, 12), year, _slug(title, 40)) if p)
        rid = row["id"]
        self.note("projects", rid, "title", ts, te)
        self.note("projects", rid, "summary", bs, be)
        if t_span:
            self.note("projects", rid, "territory_id", *t_span)
        if marker is not None:
            stated = self.lines[marker].strip()
            row["status_stated"] = re.sub(r"\s+", " ", stated).upper()
            row["status"] = "realise" if re.search(r"R[ÉE]ALIS", stated, re.I) else "en-cours"
            ms, me = self.span(marker, marker)
            self.note("projects", rid, "status", ms, me)
            if date:
                row["status_date"] = date
                self.note("projects", rid, "status_date", d0, d1)
        else:
            row["status"] = row["status_stated"] = ""
        self._dates(row, body, bs)
        return row

    def _territory(
        self, title: str, ts: int, body: str, bs: int
    ) -> tuple[str, tuple[int, int] | None]:
        m = PREFIX.match(title)
        if m:
            hits = [
                h
                for h in self.places.find(m.group("place"))
                if h[0] == 0 and h[1] == len(m.group("place"))
            ]
            if hits:
                return hits[0][2], self._locate(m.group("place"), ts)
            loc = self._locate(m.group("place"), ts)
            self.warn(
                "unknown-territory",
                f"territory {m.group('place')!r} is not in the territories table",
                *(loc or (ts, ts)),
            )
        specific = ("commune", "zone-informelle", "quartiers-prioritaires")
        hits = self.places.find(body)
        for wanted in (specific, ("departement",), ("region",)):
            for s, e, ident in hits:
                if self.territory.get(ident, {}).get("level") in wanted:
                    return ident, self._locate(body[s:e], bs)
        return "", None

    def _locate(self, fragment: str, start: int) -> tuple[int, int] | None:
        """The span of ``fragment`` in the source from ``start``, across line breaks."""
        pattern = r"\s+".join(re.escape(w) for w in fragment.split())
        m = re.compile(pattern).search(self.text, start)
        return (m.start(), m.end()) if m else None

    def _dates(self, row: dict[str, str], body: str, bs: int) -> None:
        row.update(start_date="", end_date="", date_precision="", planned_year="")
        stated: list[str] = []
        rid = row["id"]

        def mark(m: re.Match[str], *fields: str) -> None:
            loc = self._locate(m.group(0), bs)
            stated.append(f"« {m.group(0)} »")
            for f in fields:
                if loc:
                    self.note("projects", rid, f, *loc)

        if m := D_RANGE.search(body):
            y_end = int(m.group(6))
            y_start = int(m.group(3)) if m.group(3) else y_end
            row["start_date"] = _iso(y_start, MONTHS[m.group(2).lower()], _day(m.group(1)))
            row["end_date"] = _iso(y_end, MONTHS[m.group(5).lower()], _day(m.group(4)))
            row["date_precision"] = "jour"
            mark(m, "start_date", "end_date", "date_precision")
        elif m := (D_SINCE.search(body) or D_FROM.search(body)):
            row["start_date"] = _iso(int(m.group(2)), MONTHS[m.group(1).lower()])
            row["date_precision"] = "mois"
            mark(m, "start_date", "date_precision")
        if m := D_PLANNED.search(body):
            row["planned_year"] = m.group(1)
            mark(m, "planned_year")
        row["dates_stated"] = " ; ".join(stated)

    def partners(self, projects: list[dict[str, str]]) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        supported = re.search(r"soutenus? par l'ARS[^.]*", self.flat)
        for p in projects:
            summary_prov = next(
                x for x in self.prov if x.row_id == p["id"] and x.field == "summary"
            )
            body = p["summary"]
            found = self.org_names.find(body)
            for s, e, ident in found:
                loc = self._locate(body[s:e], summary_prov.start)
                sentence = next((x for x in re.split(r"(?<=[.;])\s", body) if body[s:e] in x), "")
                role = "pilote" if re.search(r"\bpilot", sentence) else "partenaire"
                if not any(
                    r["project_id"] == p["id"] and r["organization_id"] == ident for r in rows
                ):
                    rows.append(
                        {
                            "project_id": p["id"],
                            "organization_id": ident,
                            "role": role,
                            "basis": "declare",
                            "note": f"« {body[s:e]} »",
                        }
                    )
                    if loc:
                        self.note("project_partners", f"{p['id']}/{ident}", "organization_id", *loc)
            for m in ORG_HINT.finditer(body):
                if not any(s <= m.start() < e or m.start() <= s < m.end() for s, e, _ in found):
                    loc = self._locate(m.group(0), summary_prov.start) or (
                        summary_prov.start,
                        summary_prov.end,
                    )
                    self.warn(
                        "unknown-organization",
                        f"{m.group(0)!r} is not in the organizations table",
                        *loc,
                    )
            if supported and self.agency:
                rows.append(
                    {
                        "project_id": p["id"],
                        "organization_id": self.agency,
                        "role": "soutien",
                        "basis": "declare",
                        "note": f"« {supported.group(0)} »",
                    }
                )
                self.note(
                    "project_partners",
                    f"{p['id']}/{self.agency}",
                    "organization_id",
                    supported.start(),
                    supported.end(),
                )
        return rows

    def challenges(self, round_: str) -> list[dict[str, str]]:
        rows = []
        for i, line in enumerate(self.lines):
            m = CHALLENGE.match(line)
            if not m:
                continue
            rid = f"defi-{m.group('n')}"
            rows.append(
                {
                    "id": rid,
                    "number": m.group("n"),
                    "label": m.group("label").rstrip(" ;."),
                    "kind": "defi",
                    "round": round_,
                }
            )
            s, e = self.span(i, i)
            self.note("challenges", rid, "label", s, e)
        return rows

    def figures(self, projects: list[dict[str, str]]) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = []
        spans = {
            p["id"]: next(x for x in self.prov if x.row_id == p["id"] and x.field == "summary")
            for p in projects
        }
        title_end = self.consumed[0][1] if self.consumed else 0
        ids: dict[str, int] = {}

        def add(value: Decimal, unit: str, qualifier: str, start: int, end: int) -> None:
            if start < title_end:
                return
            project = next(
                (p for p in projects if spans[p["id"]].start <= start < spans[p["id"]].end), None
            )
            sentence_start = (
                max(self.text.rfind(".", 0, start), self.text.rfind("\n\n", 0, start)) + 1
            )
            sentence_end = min(
                x
                for x in (self.text.find(".", end), self.text.find("\n\n", end), len(self.text))
                if x >= 0
            )
            sentence = re.sub(r"\s+", " ", self.text[sentence_start:sentence_end]).strip()
            territory = project["territory_id"] if project else ""
            if not territory:
                for wanted in (("commune", "zone-informelle"), ("departement",), ("region",)):
                    hit = next(
                        (
                            h
                            for h in self.places.find(sentence)
                            if self.territory.get(h[2], {}).get("level") in wanted
                        ),
                        None,
                    )
                    if hit:
                        territory = hit[2]
                        break
            text_value = format(value.normalize(), "f")
            base = f"{unit}-{text_value}"
            ids[base] = ids.get(base, 0) + 1
            rid = base if ids[base] == 1 else f"{base}-{ids[base]}"
            rows.append(
                {
                    "id": rid,
                    "label": sentence[:200],
                    "value": text_value,
                    "unit": unit,
                    "qualifier": qualifier,
                    "territory_id": territory,
                    "project_id": project["id"] if project else "",
                    "value_stated": f"« {re.sub(chr(10), ' ', self.text[start:end])} »",
                }
            )
            self.note("indicators", rid, "value", start, end)

        for m in AGE_RANGE.finditer(self.flat):
            add(Decimal(m.group("a")), "ans", "exact", m.start("a"), m.end())
            add(Decimal(m.group("b")), "ans", "exact", m.start("b"), m.end())
        for m in FIGURE.finditer(self.flat):
            if any(
                s <= m.start() < e for s, e in self.consumed if (s, e) != (0, title_end)
            ) and AGE_RANGE.search(self.flat[max(0, m.start() - 12) : m.end()]):
                continue
            unit = next(name for name, _ in UNITS if m.group(f"u_{name}"))
            if m.group("approx"):
                value = Decimal(APPROX_NOUNS[m.group("approx").split()[1].lower()])
                qualifier = "environ"
            else:
                raw = m.group("num").lower()
                value = (
                    Decimal(WORD_NUMBERS[raw])
                    if raw in WORD_NUMBERS
                    else Decimal(raw.replace(",", "."))
                )
                scale = (m.group("scale") or "").lower()
                value *= {
                    "million": 10**6,
                    "millions": 10**6,
                    "milliard": 10**9,
                    "milliards": 10**9,
                    "milliers": 1000,
                }.get(scale, 1)
                qualifier = (
                    QUALIFIERS.get(m.group("q").strip().lower().rstrip(), "exact")
                    if m.group("q")
                    else "exact"
                )
                if m.group("q").lower() == "plus d'":
                    qualifier = "plus-de"
            if unit == "ans" and AGE_RANGE.search(self.flat[max(0, m.start() - 12) : m.end()]):
                continue
            if raw_is_date(self.flat, m):
                continue
            add(value, unit, qualifier, m.start(), m.end())
        return rows

    def events(self) -> list[dict[str, str]]:
        found: list[
            tuple[int, int, str, str, str, str]
        ] = []  # start, end, start_date, end_date, precision
        last_year = ""
        occupied: list[tuple[int, int]] = []

        def free(s: int, e: int) -> bool:
            return all(e <= a or s >= b for a, b in occupied)

        for m in D_QUARTER.finditer(self.flat):
            q, y = QUARTERS[m.group(1).lower()], int(m.group(2))
            found.append(
                (
                    m.start(),
                    m.end(),
                    _iso(y, q * 3 - 2),
                    _quarter_end(y, q),
                    "trimestre",
                    m.group(0),
                )
            )
            occupied.append((m.start(), m.end()))
        for m in D_RANGE.finditer(self.flat):
            occupied.append((m.start(), m.end()))
        for m in D_DAY.finditer(self.flat):
            if not free(m.start(), m.end()):
                continue
            occupied.append((m.start(), m.end()))
            found.append((m.start(), m.end(), "", "", "jour", m.group(0)))
        for m in D_MONTH.finditer(self.flat):
            if free(m.start(), m.end()):
                y, mo = int(m.group(2)), MONTHS[m.group(1).lower()]
                found.append(
                    (
                        m.start(),
                        m.end(),
                        _iso(y, mo),
                        _iso(y, mo, 28 if mo == 2 else 30 if mo in (4, 6, 9, 11) else 31),
                        "mois",
                        m.group(0),
                    )
                )
        rows: list[dict[str, str]] = []
        project_spans = [
            (p.start, p.end) for p in self.prov if p.table == "projects" and p.field == "summary"
        ]
        for start, end, sd, ed, precision, snippet in sorted(found):
            if precision == "jour":
                day = D_DAY.match(self.flat, start)
                assert day is not None
                year = day.group(3) or last_year
                if not year:
                    continue
                sd = ed = _iso(int(year), MONTHS[day.group(2).lower()], _day(day.group(1)))
            last_year = sd[:4] or last_year
            if any(a <= start < b for a, b in project_spans):
                continue  # project dates belong to the projects table
            rid = f"evenement-{sd}"
            if any(r["id"] == rid for r in rows):
                continue
            rows.append(
                {
                    "id": rid,
                    "start_date": sd,
                    "end_date": ed,
                    "date_precision": precision,
                    "dates_stated": f"« {re.sub(chr(10), ' ', snippet)} »",
                }
            )
            self.note("events", rid, "start_date", start, end)
        return rows

    def unparsed_figures(self) -> None:
        for m in re.finditer(r"\b\d+(?:[,.]\d+)?\b", self.flat):
            if re.fullmatch(r"(19|20)\d\d", m.group(0)):
                continue
            if any(s <= m.start() < e for s, e in self.consumed):
                continue
            line_start = self.text.rfind("\n", 0, m.start()) + 1
            if CHALLENGE.match(self.text[line_start : self.text.find("\n", m.start())]):
                continue
            context = self.flat[m.start() : m.end() + 30].split("\n")[0]
            if D_DAY.match(self.flat, max(0, m.start() - 10)) or re.match(
                r"\d+(?:er)? " + _MONTH, context, re.I
            ):
                continue
            self.warn(
                "unparsed-figure",
                f"a number without a recognised unit: {context!r}",
                m.start(),
                m.end(),
            )


def raw_is_date(text: str, m: re.Match[str]) -> bool:
    """« 4 novembre » is a date, not a figure: a month name right after the number."""
    return bool(
        re.match(r"\s*" + _MONTH, text[m.end("num") if m.group("num") else m.end() :], re.I)
    )


def extract_source(
    source: str | Path, *, reference: Package | None = None, use_reference: bool = True
) -> Extraction:
    """Draft tables from a press kit (``.pdf`` or text). Names are matched against
    ``reference`` (default: the bundled package). Raises :class:`ExtractError` for an empty,
    binary or unreadable file, or a PDF without a text layer."""
    path = Path(source)
    if not path.is_file():
        raise ExtractError(f"{path}: no such file")
    head = path.read_bytes()[:5]
    if head == b"%PDF-":
        from cnr_opendata.extract.pdf import pdf_text

        raw = pdf_text(path)
    else:
        raw = read_text_source(path)
    text = normalise(raw)
    if reference is None and use_reference:
        reference = load_package()
    parser = _Parser(text, path.name, reference)
    result = Extraction(path, text)
    result.title = parser.title()
    projects = parser.projects()
    if not projects:
        parser.warn(
            "no-project",
            "no project block found (a title, a body and « PROJET RÉALISÉ » / « EN COURS »)",
            0,
            0,
        )
    for p in projects:
        if not p["territory_id"]:
            prov = next(x for x in parser.prov if x.row_id == p["id"] and x.field == "title")
            parser.warn(
                "unknown-territory",
                f"no known territory for project {p['title'][:60]!r}",
                prov.start,
                prov.end,
            )
    date = next((p["status_date"] for p in projects if p.get("status_date")), "")
    round_ = f"{int(date[:4]) - 1}-{date[:4]}" if date else ""
    for p in projects:
        p["round"] = round_
        p["source_location"] = ""
    result.tables["projects"] = projects
    result.tables["project_partners"] = parser.partners(projects)
    result.tables["challenges"] = parser.challenges(round_)
    result.tables["indicators"] = parser.figures(projects)
    result.tables["events"] = parser.events()
    parser.unparsed_figures()
    result.provenance = parser.prov
    result.warnings = parser.warnings
    return result


def write_extraction(
    extraction: Extraction, out_dir: str | Path, *, reference: Package | None = None
) -> Path:
    """Write the draft CSVs (the package's headers), ``provenance.csv``, ``warnings.csv`` and
    ``source-normalised.txt`` (the text the provenance spans point into) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    package = reference or load_package()
    for table, rows in extraction.tables.items():
        header = package.resource(table).field_names
        with (out / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, header, lineterminator="\n", extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {h: row.get(h, "") for h in header}
                    | {"source_id": "", **{k: v for k, v in row.items() if k in header}}
                )
    with (out / "provenance.csv").open("w", encoding="utf-8", newline="") as fh:
        writer2 = csv.writer(fh, lineterminator="\n")
        writer2.writerow(
            ["table", "row_id", "field", "source_file", "char_start", "char_end", "snippet"]
        )
        for p in extraction.provenance:
            writer2.writerow(
                [p.table, p.row_id, p.field, "source-normalised.txt", p.start, p.end, p.snippet]
            )
    with (out / "warnings.csv").open("w", encoding="utf-8", newline="") as fh:
        writer3 = csv.writer(fh, lineterminator="\n")
        writer3.writerow(["code", "message", "source_file", "char_start", "char_end", "snippet"])
        for w in extraction.warnings:
            writer3.writerow(
                [w.code, w.message, "source-normalised.txt", w.start, w.end, w.snippet]
            )
    (out / "source-normalised.txt").write_text(extraction.text, encoding="utf-8")
    return out


__all__ = ["Extraction", "Provenance", "Warning", "extract_source", "write_extraction"]
