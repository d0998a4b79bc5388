"""Normalise a press kit's text while remembering where every character comes from.

A :class:`Text` is a string plus, for each of its characters, the span of the *source* text it
was made from. Every step below (characters, line joins, reflow, furniture removal) builds a new
:class:`Text`, so a span found in the normalised paragraphs maps back to exact character offsets
of the file the steward has (:meth:`Text.span`): that is what ``provenance.csv`` records.

Steps:

- :func:`normalise_characters`: CRLF and CR to LF, ligatures (``ﬁ`` → ``fi``), no-break and
  thin spaces to spaces, curly apostrophes to ``'``, curly and straight double quotes to « »,
  soft hyphens, zero-width characters and BOM dropped, combining accents composed (NFC);
- :func:`paragraphs`: lines tidied (runs of spaces collapsed), page furniture dropped (banners in
  capitals, page numbers, « DOSSIER DE PRESSE », the Republic's motto), lines reflowed into
  paragraphs: ``mé-\\nthode`` → ``méthode``, ``Provence-\\nAlpes`` → ``Provence-Alpes`` (a capital
  after the hyphen marks a compound, as does the same hyphenated word elsewhere in the text),
  ``médecins/\\ninfirmiers`` → ``médecins/infirmiers``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from cnr_opendata.errors import ExtractError


class Text:
    """A string and, for each character, the ``[start, end)`` span of the source it comes from."""

    __slots__ = ("_ends", "_starts", "value")

    def __init__(self, value: str, starts: list[int], ends: list[int]) -> None:
        if not (len(value) == len(starts) == len(ends)):
            raise ValueError("a Text needs one source span per character")
        self.value = value
        self._starts = starts
        self._ends = ends

    @classmethod
    def of(cls, source: str) -> Text:
        """The source itself: character ``i`` comes from ``[i, i + 1)``."""
        n = len(source)
        return cls(source, list(range(n)), list(range(1, n + 1)))

    def __len__(self) -> int:
        return len(self.value)

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Text({self.value!r})"

    def __getitem__(self, key: slice) -> Text:
        start, stop, step = key.indices(len(self.value))
        if step != 1:
            raise ValueError("a Text slice must be contiguous")
        return Text(self.value[start:stop], self._starts[start:stop], self._ends[start:stop])

    def span(self, start: int = 0, end: int | None = None) -> tuple[int, int]:
        """The source span of ``value[start:end]`` (empty at the nearest source position)."""
        end = len(self.value) if end is None else end
        if start >= end:
            if not self.value:
                return (0, 0)
            pos = self._starts[start] if start < len(self.value) else self._ends[-1]
            return (pos, pos)
        return (self._starts[start], max(self._ends[start:end]))

    def strip(self) -> Text:
        value = self.value
        start = len(value) - len(value.lstrip())
        end = len(value.rstrip())
        return self[start:end] if end > start else self[0:0]


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, chars: str, start: int, end: int) -> None:
        for ch in chars:
            self.chars.append(ch)
            self.starts.append(start)
            self.ends.append(end)

    def add_text(self, text: Text) -> None:
        self.chars.extend(text.value)
        self.starts.extend(text._starts)
        self.ends.extend(text._ends)

    def last(self) -> str:
        return self.chars[-1] if self.chars else ""

    def pop(self) -> None:
        self.chars.pop()
        self.starts.pop()
        self.ends.pop()

    def build(self) -> Text:
        return Text("".join(self.chars), self.starts, self.ends)


def join_texts(parts: Iterable[Text], separator: tuple[str, int] | None = None) -> Text:
    """Concatenate texts; ``separator`` is a string and the source position it maps to."""
    out = _Builder()
    for i, part in enumerate(parts):
        if i and separator is not None:
            out.add(separator[0], separator[1], separator[1])
        out.add_text(part)
    return out.build()


# ---- characters -------------------------------------------------------------------------------

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_SPACES = set("\u00a0\u202f\u2007\u2009\u2008\u200a\u2002\u2003\u2004\u2005\u2006\u3000\t\v")
_DROP = set("\ufeff\u200b\u200c\u200d\u2060")
_APOSTROPHES = set("\u2019\u2018\u02bc\u201b\u2032")
_HYPHENS = set("\u2010\u2011")
SOFT_HYPHEN = "\u00ad"


def normalise_characters(source: str) -> Text:
    """Characters normalised one by one, each mapped to its source span (see the module doc)."""
    out = _Builder()
    n = len(source)
    for i, ch in enumerate(source):
        if ch == "\r":
            if i + 1 < n and source[i + 1] == "\n":
                continue
            out.add("\n", i, i + 1)
        elif ch == "\f":
            out.add("\n", i, i + 1)  # a page break is a line break; pages come from offsets
        elif ch in _DROP:
            continue
        elif ch == SOFT_HYPHEN:
            # kept only where it can mark a word cut at a line end
            rest = source[i + 1 : i + 4]
            if rest.lstrip(" \t").startswith(("\n", "\r")):
                out.add(SOFT_HYPHEN, i, i + 1)
        elif ch in _LIGATURES:
            out.add(_LIGATURES[ch], i, i + 1)
        elif ch in _SPACES:
            out.add(" ", i, i + 1)
        elif ch in _APOSTROPHES:
            out.add("'", i, i + 1)
        elif ch in _HYPHENS:
            out.add("-", i, i + 1)
        elif ch in "\u201c\u201e":
            out.add("«", i, i + 1)
        elif ch == "\u201d":
            out.add("»", i, i + 1)
        elif ch == '"':
            opening = out.last() in ("", " ", "\n", "(", "[", "'")
            out.add("«" if opening else "»", i, i + 1)
        elif unicodedata.combining(ch) and out.chars:
            composed = unicodedata.normalize("NFC", out.last() + ch)
            if len(composed) == 1:
                start = out.starts[-1]
                out.pop()
                out.add(composed, start, i + 1)
            else:
                out.add(ch, i, i + 1)
        elif unicodedata.category(ch) == "Cc" and ch != "\n":
            continue
        else:
            out.add(ch, i, i + 1)
    return out.build()


# ---- lines and paragraphs ---------------------------------------------------------------------

_PAGE_NUMBER = re.compile(
    r"(?:page\s*|p\.\s*)?\d{1,3}(?:\s*(?:/|sur)\s*\d{1,3})?|[-–—]\s*\d{1,3}\s*[-–—]", re.I
)
_PRESS_LABELS = re.compile(
    r"(?:dossier|communiqu[ée]) de presse|libert[ée]\W*[ée]galit[ée]\W*fraternit[ée]", re.I
)
_LIST_ITEM = re.compile(r"(?:\d{1,2}[.)]|[-•▪●◦–])\s")
_SENTENCE_END = (".", "!", "?", ":", ";", "»", "…")
#: A line ending with one of these words cannot end a paragraph.
_FUNCTION_WORDS = frozenset(
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
        "à",
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
        "sans",
        "sous",
        "vers",
        "chez",
        "entre",
        "que",
        "qui",
        "dont",
        "ne",
        "se",
        "sa",
        "son",
        "ses",
        "leur",
        "leurs",
        "ce",
        "cet",
        "cette",
        "ces",
        "nos",
        "notre",
        "vos",
        "votre",
        "mon",
        "ma",
        "mes",
        "plus",
        "très",
        "est",
        "sont",
        "a",
        "ont",
    ]
)
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def is_furniture(line: str) -> bool:
    """Page furniture: a page number, « DOSSIER DE PRESSE », the Republic's motto, or a banner
    line in capitals (ministry, council, region names)."""
    line = line.strip()
    if not line:
        return False
    if _PAGE_NUMBER.fullmatch(line) or _PRESS_LABELS.fullmatch(line):
        return True
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _tidy(line: Text) -> Text:
    """Runs of spaces collapsed to one, ends stripped."""
    out = _Builder()
    for i, ch in enumerate(line.value):
        if ch == " " and (out.last() in ("", " ")):
            continue
        out.add(ch, line._starts[i], line._ends[i])
    if out.last() == " ":
        out.pop()
    return out.build()


def _lines(text: Text) -> Iterator[Text]:
    start = 0
    value = text.value
    while True:
        end = value.find("\n", start)
        if end < 0:
            yield _tidy(text[start:])
            return
        yield _tidy(text[start:end])
        start = end + 1


@dataclass(frozen=True)
class _Line:
    text: Text
    kept: bool  # a line the caller keeps on its own (a status marker)


def _breaks_paragraph(prev: _Line, line: _Line, width: int) -> bool:
    """Does ``line`` start a new paragraph after ``prev`` (both in one block of lines)?"""
    if prev.kept or line.kept:
        return True
    a, b = prev.text.value, line.text.value
    if _LIST_ITEM.match(b):
        return True
    starts_upper = b[:1].isupper() or b[:1] == "«"
    if not starts_upper:
        return False
    if a.endswith(_SENTENCE_END):
        return True
    last_word = re.findall(r"[\w']+$", a)
    ends_open = a.endswith((",", "-", "/", "'", "(")) or (
        bool(last_word) and last_word[0].lower().split("'")[-1] in _FUNCTION_WORDS
    )
    # a short last line followed by a capital: the end of a paragraph (a title without full stop)
    return not ends_open and len(a) < 0.7 * width


def _continues(block: list[_Line], line: str, kept: bool) -> bool:
    """After a blank line, does ``line`` go on with the paragraph ending ``block``? Only when
    that paragraph stopped mid-sentence and ``line`` starts with a small letter."""
    if not block or kept or block[-1].kept:
        return False
    return line[:1].islower() and not block[-1].text.value.endswith(_SENTENCE_END)


def _join_lines(lines: list[Text], vocabulary: set[str]) -> Text:
    """One paragraph from its lines: hyphenated words joined, compounds and slashes kept."""
    out = _Builder()
    for i, line in enumerate(lines):
        if i:
            prev = out.chars
            left_word = re.findall(r"[^\W\d_]+$", "".join(prev[-40:-1]))
            right = line.value
            if prev and prev[-1] == SOFT_HYPHEN:
                out.pop()
            elif prev and prev[-1] == "-" and left_word and right[:1].isalpha():
                right_word = _WORD.match(right)
                left = left_word[0]
                rword = right_word.group(0).split("-")[0] if right_word else ""
                compound = f"{left}-{rword}".lower()
                joined = f"{left}{rword}".lower()
                keep = right[:1].isupper() or (compound in vocabulary and joined not in vocabulary)
                if not keep:
                    out.pop()
            elif prev and prev[-1] in "/'(":
                pass
            else:
                pos = out.ends[-1] if out.ends else line.span()[0]
                out.add(" ", pos, line.span()[0])
        out.add_text(line)
    if out.last() == SOFT_HYPHEN:
        out.pop()
    return out.build()


def paragraphs(text: Text, *, keep: Callable[[str], bool] | None = None) -> list[Text]:
    """The paragraphs of ``text`` in source order, furniture dropped, lines reflowed.

    A blank line always ends a paragraph. Inside a block of lines, a new paragraph starts at a
    list item (« 1. », « - »), at a line ``keep`` accepts (which also stays a paragraph of its
    own and is never taken for furniture), or at a capital after a sentence end or after a line
    much shorter than the block's lines (a title set without a full stop).
    """
    keep = keep or (lambda _line: False)
    vocabulary = {w.lower() for w in _WORD.findall(text.value)}
    blocks: list[list[_Line]] = [[]]
    for line in _lines(text):
        if not line.value:
            if blocks[-1]:
                blocks.append([])
            continue
        kept = keep(line.value)
        if not kept and is_furniture(line.value):
            continue  # transparent: a banner between two lines does not split a paragraph
        if not blocks[-1] and len(blocks) > 1 and _continues(blocks[-2], line.value, kept):
            blocks.pop()  # a paragraph cut by a column or page break goes on
        blocks[-1].append(_Line(line, kept))
    out: list[Text] = []
    for block in blocks:
        if not block:
            continue
        width = max((len(line.text) for line in block if not line.kept), default=0)
        current: list[Text] = []
        for i, entry in enumerate(block):
            if i and _breaks_paragraph(block[i - 1], entry, width) and current:
                out.append(_join_lines(current, vocabulary))
                current = []
            current.append(entry.text)
        if current:
            out.append(_join_lines(current, vocabulary))
    return out


def flatten(fragment: str) -> str:
    """A raw source fragment as it reads once normalised: characters, line joins, spaces."""
    text = normalise_characters(fragment)
    lines = [line for line in _lines(text) if line.value]
    vocabulary = {w.lower() for w in _WORD.findall(text.value)}
    return _join_lines(lines, vocabulary).value


# ---- sentences --------------------------------------------------------------------------------

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])(?:\s*»)?\s+(?=[«A-ZÀ-Ý0-9])")


def sentences(value: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each sentence of a paragraph."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_SPLIT.finditer(value):
        end = m.start()
        # « etc. » or an initial is not a sentence end
        if re.search(r"\b(?:etc|cf|p|St|Ste|M|Mme|Dr|av|bd)\.$", value[start:end]):
            continue
        if value[start:end].strip():
            out.append((start, end))
        start = m.end()
    if value[start:].strip():
        out.append((start, len(value.rstrip())))
    return out


# ---- reading a text file ----------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """``(text, encoding)`` of a text file's bytes: UTF-8 (a BOM stays, as one character the
    normalisation drops), else Windows-1252. Raises :class:`ExtractError` for an empty or a
    binary file."""
    if not data.strip():
        raise ExtractError(f"{name}: the file is empty: nothing to extract")
    head = data[:8192]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > 0.02 * len(head):
        raise ExtractError(
            f"{name}: this is a binary file, not text or PDF: give the press kit as a PDF or a "
            "UTF-8 text file"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"
