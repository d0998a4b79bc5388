"""Key figures: value, unit and qualifier of « 25 réunions », « près de 700 participants »,
« Plus de 2,9 millions d'euros », « une cinquantaine de membres », « de 55 à 74 ans »…

Units come from the package (the ``unit`` enum of ``indicators``, plus the glossary: « CPTS »
is a unit, so « communautés professionnelles territoriales de santé » is too), never from a list
here; a word may sit between the number and its unit (« quatre grands défis », « 15 dernières
années »). « an »/« ans » is an age (``ans``) in « de 55 à 74 ans » or « âgés de 60 ans », else a
duration (``annees``). Qualifiers map to the codes of ``indicators.qualifier``: « près de »,
« environ », « une cinquantaine » → ``environ``; « plus de » → ``plus-de``; « au moins » →
``au-moins``. A number in digits with no unit, or a qualifier with no code (« moins de »), is
returned with ``problem`` set, for a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from cnr_opendata.extract.reference import fold, strip_accents, tokens

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
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    "cent": 100,
    "mille": 1000,
}
APPROX_NOUNS = {
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
    "millier": 1000,
}
SCALES = {"million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9}
SCALES |= {"millier": 1000, "milliers": 1000, "mille": 1000}
#: Qualifier as written (folded) → code of ``indicators.qualifier`` ("" = no code).
QUALIFIERS = {
    "plus de": "plus-de",
    "plus d'": "plus-de",
    "au-dela de": "plus-de",
    "pres de": "environ",
    "pres d'": "environ",
    "environ": "environ",
    "quelque": "environ",
    "presque": "environ",
    "au moins": "au-moins",
    "au minimum": "au-moins",
    "moins de": "",
    "moins d'": "",
    "jusqu'a": "",
}
_QUALIFIER = re.compile(
    r"(?P<q>plus\s+d[e']|au-delà\s+de|près\s+d[e']|pres\s+d[e']|environ|quelque|presque|"
    r"au\s+moins|au\s+minimum|moins\s+d[e']|jusqu'à)\s*$",
    re.I,
)
_NUMBER = re.compile(
    r"\b(?P<approx>(?:une|des|quelques)\s+(?:" + "|".join(APPROX_NOUNS) + r")s?)\b"
    r"|(?<![\w,.])(?P<num>\d{1,3}(?:[ .]\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?![\w]|,\d)"
    r"|\b(?P<word>" + "|".join(WORD_NUMBERS) + r")\b",
    re.I,
)
_RANGE_TAIL = re.compile(r"\s+(?:à|a|et)\s+(?P<num>\d+(?:,\d+)?)\b")
_ABBREVIATIONS = {"h": "heures", "€": "euros", "%": ""}
_SKIPPABLE = frozenset(
    [
        "de",
        "du",
        "des",
        "d",
        "a",
        "au",
        "aux",
        "en",
        "et",
        "ou",
        "le",
        "la",
        "les",
        "l",
        "pour",
        "par",
        "sur",
        "dans",
    ]
)


@dataclass(frozen=True)
class Figure:
    start: int
    end: int  # the stated phrase, ``text[start:end]``
    value: Decimal
    unit: str  # a code of indicators.unit, or "" when none was recognised
    qualifier: str  # a code of indicators.qualifier, or "" when it has none
    stated: str
    problem: str = ""


class Units:
    """The unit codes of a package and the words that name them."""

    def __init__(self, codes: Iterable[str], glossary: Iterable[tuple[str, str]] = ()) -> None:
        self.codes = list(codes)
        self.phrases: list[tuple[tuple[str, ...], str]] = []
        for code in self.codes:
            self.phrases.append(((fold(code),), code))
        for term, expansion in glossary:
            for a, b in ((term, expansion), (expansion, term)):
                unit = next((c for c in self.codes if fold(c) == fold(a)), None)
                if unit and b:
                    self.phrases.append((tuple(t.folded for t in tokens(b)), unit))
        self.phrases.sort(key=lambda p: -len(p[0]))

    def match(self, words: list[str]) -> tuple[str, int]:
        """The unit the folded ``words`` start with, and how many words it takes."""
        for phrase, code in self.phrases:
            if tuple(words[: len(phrase)]) == phrase:
                return code, len(phrase)
        return "", 0


def _value(m: re.Match[str]) -> Decimal:
    if m["num"]:
        return Decimal(re.sub(r"[ .]", "", m["num"]).replace(",", "."))
    if m["word"]:
        return Decimal(WORD_NUMBERS[m["word"].lower()])
    noun = m["approx"].split()[-1].lower().rstrip("s")
    return Decimal(APPROX_NOUNS[noun])


def find_figures(text: str, units: Units, *, skip: Iterable[tuple[int, int]] = ()) -> list[Figure]:
    """The figures of ``text`` (a paragraph); numbers inside a ``skip`` span (dates, list
    numbers) are not figures."""
    skipped = list(skip)
    out: list[Figure] = []
    consumed_to = 0
    for m in _NUMBER.finditer(text):
        if m.start() < consumed_to or any(s <= m.start() < e for s, e in skipped):
            continue
        value = _value(m)
        window = max(0, m.start() - 20)
        q = _QUALIFIER.search(text[window : m.start()])
        qualifier = "environ" if m["approx"] else "exact"
        start = m.start()
        problem = ""
        if q:
            written = re.sub(r"\s+", " ", strip_accents(q["q"]).lower())
            code = QUALIFIERS.get(written, "")
            start = window + q.start()
            if code:
                qualifier = code
            else:
                problem = f"the qualifier « {q['q']} » has no code in indicators.qualifier"
                qualifier = ""
        if m["word"] and m["word"].lower() in ("un", "une") and not q:
            continue  # « un centre », « une équipe »: an article, not a figure
        end = m.end()
        values = [value]
        rest = text[end:]
        # « de 55 à 74 ans »: two figures, one unit
        tail = _RANGE_TAIL.match(rest)
        if m["num"] and tail:
            values.append(Decimal(tail["num"].replace(",", ".")))
            end += tail.end()
            rest = text[end:]
            lead = max(0, start - 8)
            before = re.search(r"\b(?:de|d'|entre)\s*$", text[lead:start], re.I)
            if before:
                start = lead + before.start()
        scale = re.match(r"\s*(?P<s>millions?|milliards?|milliers?|mille)\b", rest, re.I)
        if scale:
            values = [v * SCALES[scale["s"].lower()] for v in values]
            end += scale.end()
            rest = text[end:]
        unit, unit_end = _unit(rest, units, values, text[max(0, start - 12) : start])
        if unit:
            end += unit_end
        elif m["num"] and re.fullmatch(r"(?:19|20)\d\d", m["num"]):
            continue  # a year
        elif not m["num"]:
            continue  # « les deux » with no unit: prose
        else:
            after = re.match(r"\s*([^\W\d_]+)", rest)
            then = f"followed by « {after.group(1)} », " if after else ""
            problem = problem or f"{then}not a unit of indicators.unit"
        consumed_to = end
        stated = text[start:end]
        for v in values:
            out.append(Figure(start, end, v, unit, qualifier, stated, problem))
    return out


_AN_WORDS = frozenset(["an", "ans", "année", "années", "annee", "annees"])


def _unit(rest: str, units: Units, values: list[Decimal], before: str) -> tuple[str, int]:
    """The unit right after a number, and where it ends: the next word, or the word after
    « de » (« une cinquantaine de membres ») or after an adjective (« quatre grands défis »)."""
    abbreviation = re.match(r"\s*(h|€|%)(?![\w])", rest)
    if abbreviation:
        code = _ABBREVIATIONS[abbreviation[1]]
        return (code, abbreviation.end()) if code in units.codes else ("", 0)
    toks = tokens(rest[:160])
    if not toks or rest[: toks[0].start].strip():
        return "", 0
    starts = [0]
    if len(toks) > 1 and (toks[0].folded in ("de", "d") or toks[0].folded not in _SKIPPABLE):
        starts.append(1)
    for i in starts:
        word = toks[i].text.lower()
        if word in _AN_WORDS:
            age = word == "ans" and (
                len(values) > 1 or re.search(r"(?:âgée?s?|âge)\s+de\s*$", before, re.I)
            )
            code = "ans" if age else "annees"
            if code in units.codes:
                return code, toks[i].end
            continue
        code, n = units.match([t.folded for t in toks[i:]])
        if code:
            return code, toks[i + n - 1].end
    return "", 0
