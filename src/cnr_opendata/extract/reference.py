"""The package's reference tables, as the extractor uses them: territories, organizations,
glossary, sources, the schemas' field lists and enums, and a gazetteer of names.

Names are matched word by word on a folded form (no accents, lower case, French plural -s/-x/-aux
folded), so line breaks, spacing and « médecins généralistes volontaires » against « un médecin
généraliste volontaire » do not matter. The aliases of a row are its name, its acronym (matched
in capitals only), the quotes « … » of its note (« St Tropez », « La Seyne »), the first word of
a multi-word acronym when no other row starts the same way (« ARS » for « ARS Paca »), and an
organization's name without its département or région complement (« service d'accès aux soins »
for « Service d'accès aux soins du Var »).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cnr_opendata.package import Package, load_package

_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
_DETERMINERS = frozenset(["le", "la", "les", "l", "un", "une", "des", "du", "de", "d"])


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("aux"):
        return word[:-3] + "al"
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def fold(word: str) -> str:
    """The matching form of one word: ``Hôpitaux`` → ``hopital``, ``Hautes-Alpes`` →
    ``haute-alpe``."""
    return "-".join(_singular(p) for p in strip_accents(word).lower().split("-"))


def slug(text: str, limit: int = 60) -> str:
    """``Var-Est : développer`` → ``var-est-developper`` (ASCII, at most ``limit`` characters)."""
    words = re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-").split("-")
    out = ""
    for w in words:
        if not w:
            continue
        if out and len(out) + len(w) + 1 > limit:
            break
        out = f"{out}-{w}" if out else w[:limit]
    return out


@dataclass(frozen=True)
class Token:
    text: str
    folded: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    return [Token(m.group(0), fold(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@dataclass(frozen=True)
class Entry:
    """One alias of one reference row."""

    ident: str
    kind: str  # "territory" or "organization"
    alias: str
    words: tuple[str, ...]  # folded
    exact: tuple[str | None, ...]  # the word as written when it must match in capitals
    via: str  # "name", "acronym", "note", "short-name", "context"


@dataclass(frozen=True)
class Mention:
    """A reference row named in a text: ``candidates`` has several ids when the alias is shared
    (« CPTS »); ``ident`` is then the first, to be resolved by the caller."""

    kind: str
    candidates: tuple[str, ...]
    start: int
    end: int
    via: str
    text: str

    @property
    def ident(self) -> str:
        return self.candidates[0]

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    def within(self, other: Mention) -> bool:
        return other.start <= self.start and self.end <= other.end and self != other


def _entry(ident: str, kind: str, alias: str, via: str) -> Entry | None:
    toks = tokens(alias)
    # a leading article goes when a common noun follows (« l'hôpital de St Tropez »), not before a
    # proper name (« La Seyne »)
    while len(toks) > 1 and toks[0].folded in _DETERMINERS and not toks[1].text[:1].isupper():
        toks = toks[1:]
    if not toks:
        return None
    exact = tuple(t.text if len(t.text) >= 2 and t.text.isupper() else None for t in toks)
    if via == "acronym":
        exact = tuple(t.text if t.text.isupper() else None for t in toks)
    return Entry(ident, kind, alias, tuple(t.folded for t in toks), exact, via)


class Gazetteer:
    """Every alias of the reference rows; :meth:`find` lists the mentions in a text."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.by_first: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            if e.words not in [x.words for x in self.by_first[e.words[0]] if x.ident == e.ident]:
                self.by_first[e.words[0]].append(e)

    def find(self, text: str) -> list[Mention]:
        """All mentions, nested ones included, sorted by position (longest first at a tie)."""
        toks = tokens(text)
        found: dict[tuple[int, int, str], list[Entry]] = defaultdict(list)
        for i, tok in enumerate(toks):
            for entry in self.by_first.get(tok.folded, ()):
                n = len(entry.words)
                if i + n > len(toks):
                    continue
                window = toks[i : i + n]
                if all(
                    t.folded == w and (x is None or t.text == x)
                    for t, w, x in zip(window, entry.words, entry.exact, strict=True)
                ):
                    found[(window[0].start, window[-1].end, entry.kind)].append(entry)
        mentions = []
        for (start, end, kind), entries in found.items():
            idents = tuple(dict.fromkeys(e.ident for e in entries))
            mentions.append(Mention(kind, idents, start, end, entries[0].via, text[start:end]))
        return sorted(mentions, key=lambda m: (m.start, -m.end))


@dataclass(frozen=True)
class Territory:
    id: str
    name: str
    level: str
    parent_id: str


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    acronym: str
    kind: str
    territory_id: str


def _quotes(note: str) -> list[str]:
    out = []
    for quoted in re.findall(r"«\s*([^»]+?)\s*»", note or ""):
        quoted = re.sub(r"\s*(?:\[…\]|…).*$", "", quoted).strip()
        if quoted:
            out.append(quoted)
    return out


@dataclass
class Reference:
    """What the extractor knows from a package (by default the bundled one). Tables are read
    when first needed; the large ones (projects, indicators, events) only through
    :meth:`index`, streamed."""

    package: Package | None
    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def load(cls, package: Package | None = None) -> Reference:
        return cls(package if package is not None else load_package())

    def _stream(self, table: str) -> Iterator[dict[str, str]]:
        if self.package is None:
            return
        try:
            path = self.package.resource(table).path
            with path.open(encoding="utf-8-sig", newline="") as fh:
                yield from csv.DictReader(fh)
        except (KeyError, OSError, UnicodeDecodeError, csv.Error):
            return  # no such table, or a broken one: nothing to match

    def index(
        self, table: str, key: Callable[[dict[str, str]], Hashable]
    ) -> dict[Hashable, list[str]]:
        """``key(row)`` → the ids of the rows with that key, in file order."""
        out: dict[Hashable, list[str]] = defaultdict(list)
        for row in self._stream(table):
            if row.get("id"):
                out[key(row)].append(row["id"])
        return out

    def rows(self, table: str) -> list[dict[str, str]]:
        """A small reference table (territories, organizations, glossary, sources…)."""
        if table not in self.tables:
            self.tables[table] = list(self._stream(table))
        return self.tables[table]

    def schema(self, table: str) -> dict[str, Any]:
        if self.package is not None:
            try:
                return self.package.resource(table).schema
            except KeyError:
                pass
        return load_package().resource(table).schema

    def fields(self, table: str) -> list[str]:
        return [f["name"] for f in self.schema(table).get("fields", [])]

    def enum(self, table: str, name: str) -> list[str]:
        for f in self.schema(table).get("fields", []):
            if f["name"] == name:
                return list(f.get("constraints", {}).get("enum", []))
        return []

    @cached_property
    def territories(self) -> dict[str, Territory]:
        return {
            r["id"]: Territory(
                r["id"], r.get("name", ""), r.get("level", ""), r.get("parent_id", "")
            )
            for r in self.rows("territories")
            if r.get("id")
        }

    @cached_property
    def organizations(self) -> dict[str, Organization]:
        return {
            r["id"]: Organization(
                r["id"],
                r.get("name", ""),
                r.get("acronym", ""),
                r.get("kind", ""),
                r.get("territory_id", ""),
            )
            for r in self.rows("organizations")
            if r.get("id")
        }

    @cached_property
    def glossary(self) -> list[tuple[str, str]]:
        return [
            (r.get("term", ""), r.get("expansion", ""))
            for r in self.rows("glossary")
            if r.get("term")
        ]

    def ancestors(self, territory_id: str) -> list[str]:
        """``territory_id`` and its parents, nearest first."""
        out: list[str] = []
        node = territory_id
        while node and node not in out and node in self.territories:
            out.append(node)
            node = self.territories[node].parent_id
        return out

    def depth(self, territory_id: str) -> int:
        return len(self.ancestors(territory_id))

    def ancestor_at(self, territory_id: str, level: str) -> str:
        return next(
            (t for t in self.ancestors(territory_id) if self.territories[t].level == level), ""
        )

    def related(self, a: str, b: str) -> bool:
        """One territory contains the other (or they are the same)."""
        return a in self.ancestors(b) or b in self.ancestors(a)

    def top_territory(self) -> str:
        """The root of the territories (the country)."""
        roots = [t.id for t in self.territories.values() if not t.parent_id]
        return roots[0] if len(roots) == 1 else ""

    @cached_property
    def entries(self) -> list[Entry]:
        out: list[Entry | None] = []
        notes = {r.get("id"): r.get("note", "") for r in self.rows("territories")}
        notes |= {r.get("id"): r.get("note", "") for r in self.rows("organizations")}
        for t in self.territories.values():
            out.append(_entry(t.id, "territory", t.name, "name"))
            out += [_entry(t.id, "territory", q, "note") for q in _quotes(notes.get(t.id, ""))]
        firsts: dict[str, set[str]] = defaultdict(set)
        for o in self.organizations.values():
            if o.acronym:
                firsts[o.acronym.split()[0]].add(o.id)
        broad = {
            t.name: t.id
            for t in self.territories.values()
            if t.level in ("departement", "region") and t.name
        }
        for o in self.organizations.values():
            out.append(_entry(o.id, "organization", o.name, "name"))
            if o.acronym:
                out.append(_entry(o.id, "organization", o.acronym, "acronym"))
                first = o.acronym.split()[0]
                if first != o.acronym and firsts[first] == {o.id}:
                    out.append(_entry(o.id, "organization", first, "acronym"))
            out += [_entry(o.id, "organization", q, "note") for q in _quotes(notes.get(o.id, ""))]
            for name in broad:
                m = re.match(
                    rf"(.{{8,}}?)\s+(?:de la région|du|de la|de l'|des|de|en)\s+{re.escape(name)}$",
                    o.name,
                )
                if m:
                    out.append(_entry(o.id, "organization", m.group(1), "short-name"))
        return [e for e in out if e is not None]

    def gazetteer(self, extra: Iterable[Entry] = ()) -> Gazetteer:
        return Gazetteer([*self.entries, *extra])

    def source_id_for(self, sha256: str) -> str:
        """The id of the document a file is (or was extracted from), found by its sha256."""
        for row in self.rows("sources"):
            if row.get("sha256") and row["sha256"] == sha256:
                return row.get("derived_from") or row.get("id", "")
        return ""


def context_entry(ident: str, alias: str) -> Entry | None:
    """An alias that only this document gives (« notre région » for the région of its
    département)."""
    return _entry(ident, "territory", alias, "context")
