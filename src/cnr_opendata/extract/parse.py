"""The structure of a press kit: project blocks, headings, numbered lists, reading order.

Patterns, never the titles of one kit:

- a *status marker* is a short line of its own: « PROJET RÉALISÉ », « EN COURS », « RÉALISÉ »,
  « TERMINÉ »…; an unknown « PROJET XYZ » in capitals is still a marker (its status is left for
  the steward, with a warning);
- a *project* is a title, a body (one or more paragraphs) and, usually, a marker. The title is
  the nearest paragraph above the body that reads as one: a single sentence starting with an
  infinitive (« Structurer… », « Développer… ») or with a place and a colon (« Toulon : renforcer
  … »); failing that, the paragraph just above the body. A title and body with no marker make a
  project too (status left empty, with a warning);
- a *heading* is a short line with no full stop (« Dans le Var », « Et maintenant ? »);
- a *numbered list* (« 1. … ; 2. … ») after a paragraph ending with a colon.

Reading order: a raw PDF text layer gives blocks in the order of the page's streams. The project
blocks of a kit form one list, so they are put together where the first one is; a heading
printed above that list whose own paragraph came out later (« Dans le Var » … « Dans le Var, 3
réunions… ») gets that paragraph, and what follows it up to the next heading, back under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cnr_opendata.extract.text import Text, paragraphs, sentences

_STATUS_CODES = {
    "realise": re.compile(r"r[ée]alis[ée]e?s?|termin[ée]e?s?|achev[ée]e?s?", re.I),
    "en-cours": re.compile(r"en\s+cours(?:\s+de\s+d[ée]ploiement)?|d[ée]marr[ée]e?s?", re.I),
}
_MARKER_LEAD = re.compile(r"^(?:projet|action)\s+", re.I)
#: « Toulon : », « Haut-Var : », « La Seyne-sur-Mer : », « Pays de Grasse : »: capitalised words,
#: with the small words of place names between them.
_PREFIX = re.compile(
    r"^(?P<place>[A-ZÀ-Ý][\w'-]*(?:(?:\s+|(?<=')|-)(?:(?:de|du|des|la|le|les|l'|d'|sur|sous|en|et|lès)"
    r"\s+)*[A-ZÀ-Ý][\w'-]*){0,4})\s?:\s+(?=[a-zà-ÿ])"
)
_LIST_ITEM = re.compile(r"^(?P<n>\d{1,2})[.)]\s+(?P<label>.+?)\s*[;,.]?\s*$")
#: Words ending like an infinitive that are not verbs, seen at the start of paragraphs.
_NOT_VERBS = frozenset(
    [
        "notre",
        "votre",
        "entre",
        "contre",
        "autre",
        "centre",
        "cancer",
        "dossier",
        "premier",
        "première",
        "dernier",
        "dernière",
        "quartier",
        "métier",
        "chantier",
        "offre",
        "ordre",
        "nombre",
        "cadre",
        "filière",
        "leur",
        "hier",
        "avenir",
        "plaisir",
        "loisir",
        "soir",
        "espoir",
        "pouvoir",
        "devoir",
        "savoir",
        "membre",
        "chiffre",
        "titre",
        "calendrier",
        "courrier",
        "foyer",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
)
_LIST_NOUNS = {
    "défi": "defi",
    "defi": "defi",
    "thème": "theme-prioritaire",
    "theme": "theme-prioritaire",
    "priorité": "theme-prioritaire",
    "priorite": "theme-prioritaire",
}


def status_of(line: str) -> tuple[bool, str]:
    """``(is a status marker, status code or "" when unknown)``."""
    s = re.sub(r"\s+", " ", line.strip())
    if not s or len(s) > 40:
        return False, ""
    body = _MARKER_LEAD.sub("", s)
    for code, pattern in _STATUS_CODES.items():
        if pattern.fullmatch(body):
            return True, code
    if s.isupper() and _MARKER_LEAD.match(s):
        return True, ""
    return False, ""


def is_status_marker(line: str) -> bool:
    return status_of(line)[0]


@dataclass(eq=False)
class Paragraph:
    index: int  # in source order
    text: Text
    marker: bool = False
    status: str = ""

    @property
    def value(self) -> str:
        return self.text.value

    def span(self, start: int = 0, end: int | None = None) -> tuple[int, int]:
        return self.text.span(start, end)


@dataclass(eq=False)
class Block:
    """A project: title, body paragraphs, status marker (``None`` when missing)."""

    title: Paragraph
    body: list[Paragraph]
    marker: Paragraph | None
    prefix: tuple[int, int] | None  # the place before « : » in the title

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [self.title, *self.body, *([self.marker] if self.marker else [])]


@dataclass(frozen=True)
class ListItem:
    paragraph: Paragraph
    number: int
    label: tuple[int, int]  # in the paragraph's value


@dataclass(eq=False)
class NumberedList:
    lead: Paragraph
    kind: str  # "defi", "theme-prioritaire" or "" (a list of something else)
    noun: tuple[int, int] | None  # « défis » in the lead
    items: list[ListItem]


@dataclass(eq=False)
class Structure:
    paragraphs: list[Paragraph]  # reading order
    title: Paragraph | None  # the document's title
    blocks: list[Block]
    lists: list[NumberedList]
    section: dict[int, Paragraph | None] = field(default_factory=dict)  # index -> heading
    problems: list[tuple[str, str, Paragraph]] = field(default_factory=list)

    def block_of(self, paragraph: Paragraph) -> Block | None:
        for block in self.blocks:
            if any(p is paragraph for p in block.paragraphs):
                return block
        return None


def _infinitive(word: str) -> bool:
    w = word.lower()
    return (
        len(w) >= 4
        and re.fullmatch(r"[a-zà-ÿ]+(?:er|ir|re)", w) is not None
        and w not in _NOT_VERBS
    )


def title_strength(value: str) -> int:
    """2: reads as a project title (infinitive or « Place : verb… »); 1: could be one; 0: no."""
    if not value[:1].isupper() or len(value) > 300 or value.endswith((":", ";", ",")):
        return 0
    if len(sentences(value)) > 1:
        return 0
    rest = value
    m = _PREFIX.match(value)
    if m:
        return 2
    words = re.findall(r"[\w'-]+", rest)
    if len(words) >= 3 and _infinitive(words[0]) and words[1][:1].islower():
        return 2
    return 1


def is_heading(value: str) -> bool:
    return (
        len(value) <= 80
        and len(value.split()) <= 12
        and (value[:1].isupper() or value[:1] == "«")
        and not value.endswith((".", ",", ";", ":"))
        and _LIST_ITEM.match(value) is None
    )


def _is_body(p: Paragraph) -> bool:
    return not p.marker and not is_heading(p.value) and _LIST_ITEM.match(p.value) is None


def parse_structure(text: Text) -> Structure:
    """Paragraphs (reading order), the document's title, project blocks and numbered lists."""
    paras = [
        Paragraph(i, t, *status_of(t.value))
        for i, t in enumerate(paragraphs(text, keep=is_status_marker))
    ]
    problems: list[tuple[str, str, Paragraph]] = []
    first = next((i for i, p in enumerate(paras) if not p.marker), None)
    if (
        first is not None
        and title_strength(paras[first].value) == 2
        and first + 1 < len(paras)
        and _is_body(paras[first + 1])
    ):
        first = None  # the text starts with a project: it has no title of its own
    doc_title = paras[first] if first is not None else None
    lo = (first + 1) if first is not None else 0
    blocks: list[Block] = []

    def block(k: int, end: int, marker: Paragraph | None) -> Block:
        m = _PREFIX.match(paras[k].value)
        prefix = (m.start("place"), m.end("place")) if m else None
        return Block(paras[k], paras[k + 1 : end], marker, prefix)

    def unmarked(a: int, b: int) -> None:
        k = a
        while k < b:
            if title_strength(paras[k].value) == 2 and k + 1 < b and _is_body(paras[k + 1]):
                j = k + 1
                while j < b and _is_body(paras[j]) and title_strength(paras[j].value) < 2:
                    j += 1
                blocks.append(block(k, j, None))
                problems.append(
                    (
                        "missing-status-marker",
                        "a project (title and body) has no status marker such as « PROJET "
                        "RÉALISÉ » or « EN COURS »: status left empty",
                        paras[k],
                    )
                )
                k = j
            else:
                k += 1

    for m, marker in enumerate(paras):
        if not marker.marker:
            continue
        title = None
        for k in range(m - 2, lo - 1, -1):
            if title_strength(paras[k].value) == 2:
                title = k
                break
            if not _is_body(paras[k]):
                break
        if title is None and m - 2 >= lo and title_strength(paras[m - 2].value) == 1:
            title = m - 2
        if title is None:
            problems.append(
                ("project-without-title", "a status marker with no project title above it", marker)
            )
            lo = m + 1
            continue
        unmarked(lo, title)
        blocks.append(block(title, m, marker))
        lo = m + 1
    unmarked(lo, len(paras))
    blocks.sort(key=lambda b: b.title.index)
    order = _reading_order(paras, blocks)
    structure = Structure(order, doc_title, blocks, [], problems=problems)
    heading: Paragraph | None = None
    in_block = {p.index for b in blocks for p in b.paragraphs}
    for p in order:
        if p.index not in in_block and p is not doc_title and is_heading(p.value):
            heading = p
        structure.section[p.index] = heading
    structure.lists = _numbered_lists(order, in_block)
    return structure


def _reading_order(paras: list[Paragraph], blocks: list[Block]) -> list[Paragraph]:
    if not blocks:
        return list(paras)
    in_block = {p.index for b in blocks for p in b.paragraphs}
    first = blocks[0].title.index
    before = [p for p in paras if p.index < first and p.index not in in_block]
    after = [p for p in paras if p.index > first and p.index not in in_block]
    projects = [p for b in blocks for p in b.paragraphs]
    if before and is_heading(before[-1].value):
        heading = before[-1].value.rstrip(" ?!")
        lead = next(
            (
                i
                for i, p in enumerate(after)
                if p.value.lower().startswith(heading.lower() + ",") and not is_heading(p.value)
            ),
            None,
        )
        if lead is not None:
            end = next(
                (j for j in range(lead + 1, len(after)) if is_heading(after[j].value)), len(after)
            )
            before += after[lead:end]
            after = after[:lead] + after[end:]
    return before + projects + after


def _numbered_lists(order: list[Paragraph], in_block: set[int]) -> list[NumberedList]:
    lists: list[NumberedList] = []
    current: NumberedList | None = None
    previous: Paragraph | None = None
    for p in order:
        m = _LIST_ITEM.match(p.value) if p.index not in in_block else None
        if m is None:
            current = None
            previous = p
            continue
        if current is None:
            if previous is None or not previous.value.rstrip().endswith(":"):
                previous = p
                continue
            kind, noun = "", None
            for n in re.finditer(
                r"\b(défis?|defis?|thèmes?|themes?|priorités?|priorites?)\b", previous.value, re.I
            ):
                kind = _LIST_NOUNS.get(n.group(1).lower().rstrip("s"), "")
                noun = (n.start(), n.end())
            current = NumberedList(previous, kind, noun, [])
            lists.append(current)
        current.items.append(ListItem(p, int(m["n"]), (m.start("label"), m.end("label"))))
    return lists
