"""French date phrases as ISO dates or periods, with their precision.

========================================  =============  ==========================  =========
phrase                                    kind           dates                       precision
========================================  =============  ==========================  =========
« du 1er juin au 30 septembre 2023 »      range          2023-06-01 .. 2023-09-30    jour
« de mars à juin 2024 »                   range          2024-03-01 .. 2024-06-30    mois
« depuis juin 2023 »                      since          2023-06-01 ..               mois
« A partir de novembre 2023 »             since          2023-11-01 ..               mois
« dès le 14 novembre »                    since          ????-11-14 ..               jour
« Lundi 3 octobre 2022 », « au 8 … »      day            2022-10-03                  jour
« en septembre 2022 »                     month          2022-09-01 .. 2022-09-30    mois
« au cours du premier trimestre 2024 »    quarter        2024-01-01 .. 2024-03-31    trimestre
« en 2024 »                               year           2024-01-01 .. 2024-12-31    annee
========================================  =============  ==========================  =========

A day without its year (« dès le 4 novembre ») keeps ``year=None``: :func:`resolve_years` gives
it the year of the closest earlier dated day of the document (the next year if that would put it
before), and marks it ``year_inferred``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace

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
QUARTERS = {
    "premier": 1,
    "1er": 1,
    "deuxième": 2,
    "deuxieme": 2,
    "2e": 2,
    "second": 2,
    "troisième": 3,
    "troisieme": 3,
    "3e": 3,
    "quatrième": 4,
    "quatrieme": 4,
    "4e": 4,
    "dernier": 4,
}

_M = "(?:" + "|".join(MONTHS) + ")"
_D = r"(?:1er|[12]?\d|3[01])"
_Y = r"(?:19|20)\d\d"
_WEEKDAY = r"(?:(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
_SINCE = r"(?:depuis(?:\s+le)?|[àa]\s+partir\s+(?:du|de|d')|d[èe]s(?:\s+le)?)"

_RANGE_DAYS = re.compile(
    rf"\bdu\s+{_WEEKDAY}(?P<d1>{_D})(?:\s+(?P<m1>{_M}))?(?:\s+(?P<y1>{_Y}))?"
    rf"\s+au\s+{_WEEKDAY}(?P<d2>{_D})\s+(?P<m2>{_M})(?:\s+(?P<y2>{_Y}))?\b",
    re.I,
)
_RANGE_MONTHS = re.compile(
    rf"\b(?:de|d'|entre)\s*(?P<m1>{_M})(?:\s+(?P<y1>{_Y}))?\s+(?:à|a|et)\s+"
    rf"(?P<m2>{_M})(?:\s+(?P<y2>{_Y}))?\b",
    re.I,
)
_QUARTER = re.compile(
    r"\b(?:(?:au\s+cours|dans\s+le\s+courant|lors|au\s+terme)\s+du\s+|au\s+|durant\s+le\s+|"
    r"pendant\s+le\s+|dès\s+le\s+|d'ici\s+(?:la\s+fin\s+du|le)\s+)?"
    rf"(?P<q>{'|'.join(QUARTERS)})\s+trimestre\s+(?:de\s+l'année\s+)?(?P<y>{_Y})\b",
    re.I,
)
_DAY = re.compile(
    rf"(?:\b(?P<prep>{_SINCE}|au|le|du|en\s+date\s+du)\s+)?\b{_WEEKDAY}(?P<d>{_D})\s+"
    rf"(?P<m>{_M})(?:\s+(?P<y>{_Y}))?\b",
    re.I,
)
_MONTH = re.compile(
    rf"(?:\b(?P<prep>{_SINCE}|en|de|d'|au\s+mois\s+de|courant)\s*)?\b(?P<m>{_M})\s+(?P<y>{_Y})\b",
    re.I,
)
_YEAR = re.compile(
    rf"(?:\b(?P<prep>{_SINCE}|en|d'ici|au\s+cours\s+de\s+l'année)\s+)?\b(?P<y>{_Y})\b", re.I
)


@dataclass(frozen=True)
class DateMention:
    """A date phrase at ``[start, end)`` of the text searched."""

    start: int
    end: int
    kind: str  # range, since, day, month, quarter, year
    stated: str
    precision: str  # jour, mois, trimestre, annee
    year: int | None  # of the start; None when the phrase gives none
    month: int = 1
    day: int = 1
    end_year: int | None = None
    end_month: int = 12
    end_day: int = 31
    prep: str = ""  # « au », « en », « depuis »… as written, lower case
    year_inferred: bool = False
    bare: bool = False  # a year alone (« 2024 »), no preposition

    @property
    def start_date(self) -> str:
        return "" if self.year is None else f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def end_date(self) -> str:
        """The last day of the period; empty for an open one (« depuis juin 2023 »)."""
        if self.kind == "since" or self.year is None:
            return ""
        year = self.end_year if self.end_year is not None else self.year
        return f"{year:04d}-{self.end_month:02d}-{self.end_day:02d}"

    @property
    def as_of(self) -> bool:
        """« au 8 novembre 2023 »: the date figures are given at."""
        return self.kind == "day" and self.prep == "au" and self.year is not None


def _day(text: str) -> int:
    return 1 if text.lower() == "1er" else int(text)


def _month(text: str) -> int:
    return MONTHS[text.lower()]


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _valid(year: int | None, month: int, day: int) -> bool:
    return year is None or 1 <= day <= _last_day(year, month)


def find_dates(text: str) -> list[DateMention]:
    """Every date phrase of ``text``, longest forms first, sorted by position."""
    out: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return all(m.end() <= s or m.start() >= e for s, e in taken)

    def add(m: re.Match[str], mention: DateMention) -> None:
        taken.append((m.start(), m.end()))
        out.append(mention)

    for m in _RANGE_DAYS.finditer(text):
        y2 = int(m["y2"]) if m["y2"] else None
        y1 = int(m["y1"]) if m["y1"] else y2
        m2 = _month(m["m2"])
        m1 = _month(m["m1"]) if m["m1"] else m2
        d1, d2 = _day(m["d1"]), _day(m["d2"])
        if free(m) and _valid(y1, m1, d1) and _valid(y2, m2, d2):
            add(m, DateMention(m.start(), m.end(), "range", m[0], "jour", y1, m1, d1, y2, m2, d2))
    for m in _RANGE_MONTHS.finditer(text):
        if not free(m) or not (m["y1"] or m["y2"]):
            continue
        y2 = int(m["y2"] or m["y1"])
        y1 = int(m["y1"] or m["y2"])
        m1, m2 = _month(m["m1"]), _month(m["m2"])
        add(
            m,
            DateMention(
                m.start(), m.end(), "range", m[0], "mois", y1, m1, 1, y2, m2, _last_day(y2, m2)
            ),
        )
    for m in _QUARTER.finditer(text):
        if free(m):
            q, y = QUARTERS[m["q"].lower()], int(m["y"])
            last = q * 3
            mention = DateMention(
                m.start(),
                m.end(),
                "quarter",
                m[0],
                "trimestre",
                y,
                last - 2,
                1,
                y,
                last,
                _last_day(y, last),
            )
            add(m, mention)
    for m in _DAY.finditer(text):
        if not free(m):
            continue
        prep = re.sub(r"\s+", " ", (m["prep"] or "").lower())
        year = int(m["y"]) if m["y"] else None
        mo, d = _month(m["m"]), _day(m["d"])
        if not _valid(year, mo, d):
            continue
        kind = "since" if prep and prep not in ("au", "le", "du", "en date du") else "day"
        add(m, DateMention(m.start(), m.end(), kind, m[0], "jour", year, mo, d, year, mo, d, prep))
    for m in _MONTH.finditer(text):
        if not free(m):
            continue
        prep = re.sub(r"\s+", " ", (m["prep"] or "").lower())
        y, mo = int(m["y"]), _month(m["m"])
        kind = "since" if prep and re.match(_SINCE, prep) else "month"
        add(
            m,
            DateMention(
                m.start(), m.end(), kind, m[0], "mois", y, mo, 1, y, mo, _last_day(y, mo), prep
            ),
        )
    for m in _YEAR.finditer(text):
        if not free(m):
            continue
        prep = re.sub(r"\s+", " ", (m["prep"] or "").lower())
        y = int(m["y"])
        kind = "since" if prep and re.match(_SINCE, prep) else "year"
        add(
            m,
            DateMention(
                m.start(), m.end(), kind, m[0], "annee", y, 1, 1, y, 12, 31, prep, bare=not prep
            ),
        )
    return sorted(out, key=lambda d: d.start)


def resolve_years(mentions: list[DateMention]) -> list[DateMention]:
    """Give the days without a year (in reading order) the year of the closest earlier dated
    day, or the next year when that would put them before it."""
    anchor: tuple[int, int, int] | None = None
    out = []
    for d in mentions:
        if d.year is None and anchor is not None:
            year = anchor[0] + (1 if (d.month, d.day) < anchor[1:] else 0)
            end_year = year + (1 if (d.end_month, d.end_day) < (d.month, d.day) else 0)
            d = replace(d, year=year, end_year=end_year, year_inferred=True)
        elif d.year is not None and d.precision == "jour":
            anchor = (d.year, d.month, d.day)
        out.append(d)
    return out
