"""Columnar RDF rendering: a batch of CSV rows in, N-Triples, Turtle and JSON-LD text out.

The mapping of each table (:mod:`cnr_opendata.rdf.mapping`) is compiled once into a
:class:`TablePlan`; :meth:`TablePlan.render` then turns a pyarrow record batch (every column a
string, empty cells null) into the three serialisations with pyarrow compute kernels
(``binary_join_element_wise`` for the string building, RE2 matches to find the few cells that need
percent-encoding, escaping or a canonical number), so the per-row Python work of the reference
writer (:func:`cnr_opendata.rdf.writers.iter_table_lines`) is gone: only the rare cells that need
it (an id with a space, a control character in a text, ``"007"`` as an integer) go through Python.
The kernels release the GIL, so two threads render two batches at once.

Each row's text is written in row order, one row after the other, so the bytes do not depend on
how the rows were cut into batches nor on how many threads rendered them. Turtle and JSON-LD are
written directly, one subject block (Turtle) or node object (JSON-LD) per row and subject
template, instead of re-parsing the N-Triples.

**Duplicates by construction.** A triple template is *keyed* when its triples cannot repeat: its
subject and object IRI templates determine the table's primary key (so two rows give two triples),
and no other template of the package can give the same triple (same predicate, subject and object
templates that may expand to the same IRIs, see :func:`may_overlap`; or a subject of the
vocabulary). Keyed triples go straight to the output. The others (in the bundled mapping: a
project's ``dct:spatial`` from both ``projects`` and ``project_territories``, and
``prov:wasAssociatedWith`` from ``project_partners``, whose key also holds the role) are returned
apart, de-duplicated by :mod:`cnr_opendata.rdf.writers` and written after the tables. The
primary keys must hold: :func:`cnr_opendata.release.build_release` validates them first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

import numpy as np

from cnr_opendata._arrow import pa, pc
from cnr_opendata.rdf.mapping import (
    RDF_TYPE,
    XSD_DOUBLE,
    Condition,
    Mapping,
    SpecialNumber,
    TableMap,
    Template,
    TripleMap,
    encode_reserved,
    encode_simple,
)
from cnr_opendata.rdf.writers import RdfWriteError, escape_literal

STRING = pa.string()
NULL = pa.scalar(None, STRING)

# Characters each expansion keeps as they are (RFC 6570 simple and reserved expansion).
_SIMPLE_CHARS = "A-Za-z0-9._~-"
_RESERVED_CHARS = "A-Za-z0-9._~:/?#@!$&'()*+,;=-"
_SIMPLE_SET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-%")
_RESERVED_SET = _SIMPLE_SET | frozenset(":/?#@!$&'()*+,;=")
# A value that needs an N-Triples escape, and the controls that have no short escape.
_NEEDS_ESCAPE = r'[\x00-\x1f\x7f"\\]'
_RARE_CONTROL = r"[\x00-\x07\x0b\x0e-\x1f\x7f]"
_OTHER_CONTROL = r"[\x00-\x09\x0b-\x1f\x7f]"
_SHORT_ESCAPES = (
    ("\\", "\\\\"),
    ('"', '\\"'),
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\t", "\\t"),
    ("\b", "\\b"),
    ("\f", "\\f"),
)
# Already canonical lexical forms (anything else goes through the mapping's Python converter).
_CANONICAL_INTEGER = r"^(0|-?[1-9][0-9]*)$"
_CANONICAL_DECIMAL = r"^(0|-?[1-9][0-9]*|-?(0|[1-9][0-9]*)\.[0-9]*[1-9])$"
_CANONICAL_BOOLEAN = r"^(true|false)$"
# A local name safe in a Turtle prefixed name and a JSON-LD compact IRI.
_SAFE_LOCAL = r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$"
_SAFE_LOCAL_PY = re.compile(_SAFE_LOCAL)
_TEMPLATE_VAR = re.compile(r"\{(\+?)([A-Za-z_][A-Za-z0-9_]*)\}")


# ---- template analysis -------------------------------------------------------------------------

Token = tuple[str, str, bool]  # ("const", text, False) or ("var", column, reserved)


def tokens(template: Template | str, base: str) -> list[Token]:
    """The template as constants and variables, with the base IRI substituted."""
    text = template.text if isinstance(template, Template) else template
    out: list[Token] = []
    pos = 0
    const = ""
    for m in _TEMPLATE_VAR.finditer(text):
        const += text[pos : m.start()]
        if m[2] == "base":
            const += base
        else:
            if const:
                out.append(("const", const, False))
                const = ""
            out.append(("var", m[2], m[1] == "+"))
        pos = m.end()
    const += text[pos:]
    if const:
        out.append(("const", const, False))
    return out


def _alphabet(token: Token) -> frozenset[str]:
    return _RESERVED_SET if token[2] else _SIMPLE_SET


def _as_pattern(toks: Sequence[Token]) -> str:
    parts = []
    for kind, text, reserved in toks:
        if kind == "const":
            parts.append(re.escape(text))
        else:
            parts.append(
                "[" + re.escape("".join(sorted(_RESERVED_SET if reserved else _SIMPLE_SET))) + "]+"
            )
    return "".join(parts)


def may_overlap(a: Sequence[Token], b: Sequence[Token]) -> bool:
    """Whether two templates can expand to the same IRI (``False`` only when they cannot).

    Conservative: the constant heads and tails must agree, and when both templates only have
    simple variables (which never expand to ``/``) the ``/``-separated segments must agree one by
    one (a constant segment equal to the other, or matching its variables)."""

    def head(t: Sequence[Token]) -> str:
        return t[0][1] if t and t[0][0] == "const" else ""

    def tail(t: Sequence[Token]) -> str:
        return t[-1][1] if t and t[-1][0] == "const" and len(t) > 1 else ""

    if not any(k == "var" for k, _, _ in a) and not any(k == "var" for k, _, _ in b):
        return head(a) == head(b)
    ha, hb = head(a), head(b)
    if not (ha.startswith(hb) or hb.startswith(ha)):
        return False
    ta, tb = tail(a), tail(b)
    if not (ta.endswith(tb) or tb.endswith(ta)):
        return False
    if any(k == "var" and r for k, _, r in [*a, *b]):
        return True
    sa, sb = _segments(a), _segments(b)
    if len(sa) != len(sb):
        return False
    for x, y in zip(sa, sb, strict=True):
        if not any(k == "var" for k, _, _ in x) and not any(k == "var" for k, _, _ in y):
            if x != y:
                return False
        elif not any(k == "var" for k, _, _ in y):
            if not re.fullmatch(_as_pattern(x), "".join(t for _, t, _ in y)):
                return False
        elif not any(k == "var" for k, _, _ in x) and not re.fullmatch(
            _as_pattern(y), "".join(t for _, t, _ in x)
        ):
            return False
    return True


def _segments(toks: Sequence[Token]) -> list[list[Token]]:
    """``/``-separated segments of a template with simple variables only."""
    segs: list[list[Token]] = [[]]
    for kind, text, reserved in toks:
        if kind == "var":
            segs[-1].append((kind, text, reserved))
            continue
        pieces = text.split("/")
        for i, piece in enumerate(pieces):
            if i:
                segs.append([])
            if piece:
                segs[-1].append(("const", piece, False))
    return segs


def determined_columns(toks: Sequence[Token]) -> set[str]:
    """The columns whose values an expansion of the template determines (the expansion is
    injective in them): every variable but the last must be followed by a constant holding a
    character its expansion never gives."""
    variables = [i for i, t in enumerate(toks) if t[0] == "var"]
    for i in variables[:-1]:
        following = toks[i + 1] if i + 1 < len(toks) else None
        if following is None or following[0] != "const":
            return set()
        if all(c in _alphabet(toks[i]) for c in following[1]):
            return set()
    return {toks[i][1] for i in variables}


# ---- per-batch kernels -------------------------------------------------------------------------


def cat(*parts: Any) -> Any:
    """Element-wise concatenation of strings and string arrays; null where any part is null."""
    args = [pa.scalar(p, STRING) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*args, "")


def join_present(pieces: Sequence[Any], sep: str) -> Any:
    """Per row, the non-null pieces joined with ``sep``; null where every piece is null."""
    if len(pieces) == 1:
        return pieces[0]
    pieces = [pa.scalar(p, STRING) if isinstance(p, str) else p for p in pieces]
    # The leading empty string keeps rows whose pieces are all null: with null_handling="skip",
    # pyarrow 26 drops such rows from the result (it comes out shorter than its inputs).
    joined = pc.binary_join_element_wise(pa.scalar("", STRING), *pieces, sep, null_handling="skip")
    if sep:
        joined = pc.utf8_slice_codeunits(joined, len(sep))
    return pc.if_else(pc.equal(joined, ""), NULL, joined)


def concat_rows(pieces: Sequence[Any]) -> Any:
    """Per row, the non-null pieces one after the other ("" where there is none)."""
    if not pieces:
        return None
    pieces = [pa.scalar(p, STRING) if isinstance(p, str) else p for p in pieces]
    # "replace" with "" is 2.5x faster than "skip" here (and has not its bug, see join_present)
    return pc.binary_join_element_wise(*pieces, "", null_handling="replace", null_replacement="")


def text_of(arr: Any) -> pa.Buffer:
    """The UTF-8 bytes of a string array's values, one after the other (nulls give nothing)."""
    if arr is None or len(arr) == 0:
        return pa.py_buffer(b"")
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    offsets_buf, data = arr.buffers()[1], arr.buffers()[2]
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width, count=arr.offset + len(arr) + 1)
    start, end = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    if data is None or end == start:
        return pa.py_buffer(b"")
    return data.slice(start, end - start)


_FNV_PRIME = np.uint64(0x100000001B3)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)


def fingerprints(arr: Any) -> np.ndarray:
    """A 64-bit fingerprint per string (0 for a null): the length and 15 bytes sampled from the
    string (its last 12 and 3 spread over it), mixed. Equal strings have equal fingerprints, which
    is all the de-duplication needs; the SHACL sample and the buckets only need a fair spread."""
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    raw = np.frombuffer(arr.buffers()[1], dtype=width, count=arr.offset + n + 1)
    offsets: np.ndarray[Any, np.dtype[np.int64]] = raw[arr.offset :].astype(np.int64)
    data_buf = arr.buffers()[2]
    if data_buf is None or offsets[-1] == offsets[0]:
        return np.zeros(n, dtype=np.uint64)
    data = np.frombuffer(data_buf, dtype=np.uint8)
    start = offsets[:-1]
    length = offsets[1:] - start
    empty = length == 0
    start = np.where(empty, offsets[0], start)
    safe_len = np.where(empty, 1, length)
    last = start + safe_len - 1
    h = _FNV_OFFSET ^ length.astype(np.uint64)
    for k in range(12):
        h = (h ^ data[np.maximum(last - k, start)]) * _FNV_PRIME
    for k in range(1, 4):
        h = (h ^ data[start + (safe_len * k) // 4]) * _FNV_PRIME
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    h[empty & ~arr.is_valid().to_numpy(zero_copy_only=False)] = 0
    return h


def _python_fix(
    values: Any, mask: Any, fix: Callable[[str], str]
) -> Any:  # rows where mask holds go through Python
    if not pc.any(mask).as_py():
        return values
    fixed = [fix(v) for v in pc.filter(values, mask).to_pylist()]
    return pc.replace_with_mask(values, mask, pa.array(fixed, STRING))


def percent_encode(values: Any, reserved: bool) -> Any:
    """RFC 6570 expansion of a column: the values with only allowed characters stay as they
    are; the others are percent-encoded by the mapping's Python encoder."""
    chars = _RESERVED_CHARS if reserved else _SIMPLE_CHARS
    unsafe = pc.fill_null(pc.match_substring_regex(values, f"[^{chars}]"), False)
    return _python_fix(values, unsafe, encode_reserved if reserved else encode_simple)


def escape_literal_column(values: Any) -> Any:
    """The N-Triples string-literal body of each value (also valid in Turtle and JSON)."""
    needs = pc.fill_null(pc.match_substring_regex(values, _NEEDS_ESCAPE), False)
    if not pc.any(needs).as_py():
        return values
    subset = pc.filter(values, needs)
    escaped = subset
    # tab, CR, backspace, form feed and the rarer controls: usually none, one pass tells
    others = pc.any(pc.match_substring_regex(subset, _OTHER_CONTROL)).as_py()
    for char, repl in _SHORT_ESCAPES:
        if char in '\\"\n' or (others and pc.any(pc.match_substring(subset, char)).as_py()):
            escaped = pc.replace_substring(escaped, char, repl)
    rare = pc.match_substring_regex(subset, _RARE_CONTROL) if others else None
    if rare is not None and pc.any(rare).as_py():
        fixed = [escape_literal(v) for v in pc.filter(subset, rare).to_pylist()]
        escaped = pc.replace_with_mask(escaped, rare, pa.array(fixed, STRING))
    return pc.replace_with_mask(values, needs, escaped)


def condition_mask(cond: Condition, cols: dict[str, Any]) -> Any:
    """Where a ``when`` condition holds (a boolean array without nulls)."""
    alternatives = []
    for alt in cond.alternatives:
        tests = []
        for col, kind, values in alt:
            cell = cols[col]
            if kind == "present":
                tests.append(pc.is_valid(cell))
            elif kind == "absent":
                tests.append(pc.is_null(cell))
            else:
                found = pc.fill_null(
                    pc.is_in(cell, value_set=pa.array(sorted(values), STRING)), False
                )
                if kind == "in":
                    tests.append(pc.or_(found, pc.is_null(cell)) if "" in values else found)
                else:
                    tests.append(pc.and_(pc.is_valid(cell), pc.invert(found)))
        alternatives.append(reduce(pc.and_, tests))
    return reduce(pc.or_, alternatives)


# ---- compiled plans ----------------------------------------------------------------------------


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@dataclass
class Names:
    """How the Turtle and JSON-LD writers shorten IRIs: prefix -> namespace."""

    prefixes: dict[str, str]

    def compact(self, iri: str) -> str | None:
        """``dct:title`` for ``http://purl.org/dc/terms/title``, or ``None``."""
        best = None
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and (best is None or len(ns) > len(self.prefixes[best])):
                local = iri[len(ns) :]
                if _SAFE_LOCAL_PY.match(local):
                    best = prefix
        return None if best is None else f"{best}:{iri[len(self.prefixes[best]) :]}"

    def ttl(self, iri: str) -> str:
        return self.compact(iri) or f"<{iri}>"

    def json(self, iri: str) -> str:
        return _json_string(self.compact(iri) or iri)

    def namespace_of(self, head: str) -> str | None:
        """The prefix whose namespace is exactly ``head``."""
        for prefix, ns in self.prefixes.items():
            if ns == head:
                return prefix
        return None


Part = Any  # a str, or a pyarrow string array (one value per row, null: no term)


def _merge(parts: Iterable[Part]) -> tuple[Part, ...]:
    """Parts with adjacent strings merged and empty strings dropped."""
    out: list[Part] = []
    for p in parts:
        if isinstance(p, str):
            if not p:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += p
                continue
        out.append(p)
    return tuple(out)


def _nullable(parts: Sequence[Part]) -> bool:
    return any(not isinstance(p, str) and p.null_count for p in parts)


def _valid(parts: Sequence[Part], n: int) -> np.ndarray:
    """Rows where every array part has a value."""
    valid = np.ones(n, dtype=bool)
    for p in parts:
        if not isinstance(p, str) and p.null_count:
            valid &= p.is_valid().to_numpy(zero_copy_only=False)
    return valid


def materialize(parts: Sequence[Part], n: int) -> Any:
    """The term as one string array (null where a part is null)."""
    if all(isinstance(p, str) for p in parts):
        return pa.array(["".join(parts)] * n, STRING)
    if len(parts) == 1:
        return parts[0]
    return cat(*parts)


def _pieces(parts: Sequence[Part], n: int) -> list[Part]:
    """Pieces for a row's text (joined with nulls as ""): the parts themselves when none is null
    in this batch (no intermediate copy), else the term made once."""
    return [materialize(parts, n)] if _nullable(parts) else list(parts)


@dataclass
class Forms:
    """A term per row in the three syntaxes, each the concatenation of its parts."""

    nt: tuple[Part, ...]
    ttl: tuple[Part, ...]
    json: tuple[Part, ...]


@dataclass
class MapPlan:
    triple: TripleMap
    keyed: bool
    nt_predicate: str  # " <p> "
    ttl_predicate: str  # "a", "dct:title" or "<p>"
    json_key: str  # '"@type"' or '"dct:title"'
    is_type: bool  # rdf:type with IRI objects: JSON-LD "@type" and bare IRIs
    canonical: str | None  # RE2 pattern of values the converter keeps as they are
    where: str


@dataclass
class SubjectGroup:
    template: Template
    predicates: list[list[MapPlan]]  # maps grouped by predicate; maps always there first
    always: bool = False  # the first predicate has a triple on every row with the subject


@dataclass
class Rendered:
    """What a batch of rows gives."""

    rows: int
    triples: int  # keyed triples in ``nt``
    nt: pa.Buffer
    ttl: pa.Buffer
    json: pa.Buffer
    extra: pa.RecordBatch | None  # triples to de-duplicate: nt, ttl, json, fingerprint
    sample: list[tuple[Any, np.ndarray]] = field(default_factory=list)  # (nt lines, subject fps)


EXTRA_SCHEMA = pa.schema(
    [("nt", pa.string()), ("ttl", pa.string()), ("json", pa.string()), ("fp", pa.uint64())]
)


@dataclass
class TablePlan:
    """The compiled mapping of one table, ready to render batches of its rows."""

    table: TableMap
    base: str
    names: Names
    maps: list[MapPlan]
    groups: list[SubjectGroup]
    columns: list[str]  # the CSV columns the mapping reads
    prefix_of: dict[str, tuple[str, str]]  # template text -> (prefix, column) when it compacts

    def render(self, batch: pa.RecordBatch, sample_level: int = 0) -> Rendered:
        """The three serialisations of a batch of rows (see the module docstring); the SHACL
        sample candidates are the triples of subjects whose fingerprint has ``sample_level``
        low zero bits."""
        return _Batch(self, batch, sample_level).render()


class _Batch:
    def __init__(self, plan: TablePlan, batch: pa.RecordBatch, sample_level: int) -> None:
        self.plan = plan
        self.n = batch.num_rows
        self.cols: dict[str, Any] = {
            name: batch.column(i) for i, name in enumerate(batch.schema.names)
        }
        self.level_mask = np.uint64((1 << sample_level) - 1)
        self._encoded: dict[tuple[str, bool], Any] = {}
        self._iris: dict[str, Forms] = {}
        self._fps: dict[str, np.ndarray] = {}
        self._literals: dict[tuple[str, str | None], tuple[Any, Any]] = {}
        self._conditions: dict[int, Any] = {}

    # columns and terms

    def encoded(self, column: str, reserved: bool) -> Any:
        key = (column, reserved)
        if key not in self._encoded:
            self._encoded[key] = percent_encode(self.cols[column], reserved)
        return self._encoded[key]

    def iri(self, template: Template) -> Forms:
        """The IRIs a template gives, per row, in the three syntaxes (null: a value is missing)."""
        if template.text in self._iris:
            return self._iris[template.text]
        plan = self.plan
        compact = plan.prefix_of.get(template.text)
        safe = None
        if compact is not None:
            # one pass tells both: a safe local name needs no percent-encoding either
            column = compact[1]
            safe = pc.fill_null(pc.match_substring_regex(self.cols[column], _SAFE_LOCAL), False)
            if safe.false_count == 0 and (column, False) not in self._encoded:
                self._encoded[(column, False)] = self.cols[column]
        parts: list[Part] = [
            text if kind == "const" else self.encoded(text, reserved)
            for kind, text, reserved in tokens(template, plan.base)
        ]
        nt = _merge(["<", *parts, ">"])
        if all(isinstance(p, str) for p in parts):
            whole = "".join(parts)
            forms = Forms(nt, (plan.names.ttl(whole),), (plan.names.json(whole),))
        elif compact is not None and safe is not None:
            local = self.encoded(compact[1], False)
            if safe.false_count == 0:
                forms = Forms(
                    nt,
                    _merge([compact[0] + ":", local]),
                    _merge(['"' + compact[0] + ":", local, '"']),
                )
            else:
                short = cat(compact[0] + ":", local)
                forms = Forms(
                    nt,
                    (pc.if_else(safe, short, cat(*nt)),),
                    ('"', pc.if_else(safe, short, cat(*parts)), '"'),
                )
        else:
            forms = Forms(nt, nt, _merge(['"', *parts, '"']))
        self._iris[template.text] = forms
        return forms

    def subject_fingerprints(self, template: Template) -> np.ndarray:
        if template.text not in self._fps:
            self._fps[template.text] = fingerprints(materialize(self.iri(template).nt, self.n))
        return self._fps[template.text]

    def literal(self, m: MapPlan) -> tuple[Any, Any]:
        """(escaped lexical forms, rows whose number is NaN or infinite) of a literal column."""
        t = m.triple
        assert t.column is not None
        key = (t.column, m.canonical if t.convert is not None else None)
        if key in self._literals:
            return self._literals[key]
        values = self.cols[t.column]
        special = None
        if t.convert is not None and m.canonical != "":
            convert = t.convert
            if m.canonical is None:
                needs = pc.is_valid(values)
            else:
                canonical = pc.match_substring_regex(values, m.canonical)
                needs = pc.fill_null(pc.invert(canonical), False)
            if pc.any(needs).as_py():
                fixed: list[str] = []
                flags: list[bool] = []
                for v in pc.filter(values, needs).to_pylist():
                    try:
                        fixed.append(convert(v))
                        flags.append(False)
                    except SpecialNumber:
                        fixed.append(v)
                        flags.append(True)
                    except ValueError as exc:
                        raise RdfWriteError(f"{m.where}: {exc}") from exc
                values = pc.replace_with_mask(values, needs, pa.array(fixed, STRING))
                if any(flags):
                    special = pc.replace_with_mask(
                        pa.array([False] * self.n, pa.bool_()), needs, pa.array(flags, pa.bool_())
                    )
        out = (escape_literal_column(values), special)
        self._literals[key] = out
        return out

    def condition(self, m: MapPlan) -> Any:
        """An array of "" where the template's condition holds, null elsewhere."""
        key = id(m)
        if key not in self._conditions:
            assert m.triple.when is not None
            holds = condition_mask(m.triple.when, self.cols)
            self._conditions[key] = pc.if_else(holds, pa.scalar("", STRING), NULL)
        return self._conditions[key]

    def object_forms(self, m: MapPlan) -> Forms:
        """The object of a triple template per row in the three syntaxes (null: no triple)."""
        t = m.triple
        names = self.plan.names
        if t.value_url is not None:
            if not t.value_url.columns:
                iri_text = "".join(text for _, text, _ in tokens(t.value_url, self.plan.base))
                bare = names.json(iri_text)
                forms = Forms(
                    (f"<{iri_text}>",),
                    (names.ttl(iri_text),),
                    (bare if m.is_type else '{"@id": ' + bare + "}",),
                )
            else:
                iri = self.iri(t.value_url)
                js = iri.json if m.is_type else _merge(['{"@id": ', *iri.json, "}"])
                forms = Forms(iri.nt, iri.ttl, js)
        elif t.constant is not None:
            forms = _literal_forms(escape_literal(t.constant), t.datatype, t.lang, names)
        else:
            body, special = self.literal(m)
            forms = _literal_forms(body, t.datatype, t.lang, names)
            if special is not None:
                doubles = _literal_forms(body, XSD_DOUBLE, None, names)
                forms = Forms(
                    *(
                        (pc.if_else(special, materialize(d, self.n), materialize(f, self.n)),)
                        for d, f in (
                            (doubles.nt, forms.nt),
                            (doubles.ttl, forms.ttl),
                            (doubles.json, forms.json),
                        )
                    )
                )
        if t.when is not None:
            holds = self.condition(m)
            forms = Forms((*forms.nt, holds), (*forms.ttl, holds), (*forms.json, holds))
        return forms

    # output

    def render(self) -> Rendered:
        plan = self.plan
        n = self.n
        nt_pieces: list[Part] = []
        extra: list[tuple[Any, Any, Any]] = []
        sample: list[tuple[Any, np.ndarray]] = []
        objects: dict[int, Forms] = {}
        triples = 0
        for m in plan.maps:
            s = self.iri(m.triple.subject)
            o = self.object_forms(m)
            objects[id(m)] = o
            line = _merge([*s.nt, m.nt_predicate, *o.nt, " .\n"])
            valid = _valid(line, n)
            s_fp = self.subject_fingerprints(m.triple.subject)
            keep = ((s_fp & self.level_mask) == 0) & valid
            if keep.any():
                rows = pa.array(np.flatnonzero(keep))
                taken = [p if isinstance(p, str) else p.take(rows) for p in line]
                sample.append((materialize(taken, len(rows)), s_fp[keep]))
            if m.keyed:
                nt_pieces.extend(_pieces(line, n))
                triples += int(valid.sum())
            else:
                ttl = _merge([*s.ttl, " ", m.ttl_predicate, " ", *o.ttl, " .\n"])
                js = _merge([',\n{"@id": ', *s.json, ", ", m.json_key, ": ", *o.json, "}"])
                extra.append((materialize(line, n), materialize(ttl, n), materialize(js, n)))
        ttl_pieces: list[Part] = []
        json_pieces: list[Part] = []
        for group in plan.groups:
            self._group(group, objects, ttl_pieces, json_pieces)
        extra_batch = None
        if extra:
            nt = pa.concat_arrays([x[0] for x in extra])
            present = pc.is_valid(nt)
            nt = pc.filter(nt, present)
            ttl = pc.filter(pa.concat_arrays([x[1] for x in extra]), present)
            js = pc.filter(pa.concat_arrays([x[2] for x in extra]), present)
            extra_batch = pa.RecordBatch.from_arrays(
                [nt, ttl, js, pa.array(fingerprints(nt))], schema=EXTRA_SCHEMA
            )
        return Rendered(
            rows=n,
            triples=triples,
            nt=text_of(concat_rows(nt_pieces)),
            ttl=text_of(concat_rows(ttl_pieces)),
            json=text_of(concat_rows(json_pieces)),
            extra=extra_batch,
            sample=sample,
        )

    def _group(
        self,
        group: SubjectGroup,
        objects: dict[int, Forms],
        ttl_pieces: list[Part],
        json_pieces: list[Part],
    ) -> None:
        """The Turtle subject block and JSON-LD node object of one subject template, per row,
        as pieces of the row's text (joined once per row, nulls as "")."""
        n = self.n
        s = self.iri(group.template)
        ttl_parts: list[tuple[Part, ...]] = []
        json_parts: list[tuple[Part, ...]] = []
        for i, maps in enumerate(group.predicates):
            objs = [objects[id(m)] for m in maps]
            lead = " " if i == 0 and group.always else " ;\n    "
            head = lead + maps[0].ttl_predicate + " "
            key = ", " + maps[0].json_key + ": "
            if len(objs) == 1:
                ttl_parts.append(_merge([head, *objs[0].ttl]))
                json_parts.append(_merge([key, *objs[0].json]))
            else:
                ttl_list = _list([materialize(o.ttl, n) for o in objs], maps, ", ")
                json_list = _list([materialize(o.json, n) for o in objs], maps, ", ")
                ttl_parts.append(_merge([head, ttl_list]))
                json_parts.append(_merge([key + "[", json_list, "]"]))
        if group.always and not _nullable(s.ttl) and not _nullable(s.json):
            # the first part is there whenever the subject is: no separator to strip
            ttl_pieces.extend(s.ttl)
            for part in ttl_parts:
                ttl_pieces.extend(_pieces(part, n))
            ttl_pieces.append(" .\n")
            json_pieces.extend(_merge([',\n{"@id": ', *s.json]))
            for part in json_parts:
                json_pieces.extend(_pieces(part, n))
            json_pieces.append("}")
            return
        ttl_body = concat_rows([materialize(p, n) for p in ttl_parts])
        if not group.always:  # drop the first part's leading ";\n    "
            ttl_body = pc.utf8_slice_codeunits(ttl_body, len(" ;\n    ") - 1)
        ttl_body = pc.if_else(pc.equal(ttl_body, ""), NULL, ttl_body)
        ttl_pieces.append(cat(*s.ttl, ttl_body, " .\n"))
        json_body = concat_rows([materialize(p, n) for p in json_parts])
        json_body = pc.if_else(pc.equal(json_body, ""), NULL, json_body)
        json_pieces.append(cat(',\n{"@id": ', *s.json, json_body, "}"))


def _list(values: list[Any], maps: list[MapPlan], sep: str) -> Any:
    """The non-null values joined with ``sep``; the values of maps that are always there (a
    constant without condition) come first, so most rows need no separator stripped."""
    if len(values) == 1:
        return values[0]
    if _always(maps[0]):
        return concat_rows([values[0], *(cat(sep, v) for v in values[1:])])
    return join_present(values, sep)


def _always(m: MapPlan) -> bool:
    """The template gives a triple on every row that has its subject."""
    t = m.triple
    constant = t.constant is not None or (t.value_url is not None and not t.value_url.columns)
    return constant and t.when is None


def _literal_forms(body: Any, datatype: str | None, lang: str | None, names: Names) -> Forms:
    if lang:
        nt = _merge(['"', body, f'"@{lang}'])
        return Forms(
            nt, nt, _merge(['{"@value": "', body, f'", "@language": {_json_string(lang)}}}'])
        )
    if datatype:
        return Forms(
            _merge(['"', body, f'"^^<{datatype}>']),
            _merge(['"', body, f'"^^{names.ttl(datatype)}']),
            _merge(['{"@value": "', body, f'", "@type": {names.json(datatype)}}}']),
        )
    plain = _merge(['"', body, '"'])
    return Forms(plain, plain, plain)


def _canonical_pattern(t: TripleMap, tm: TableMap) -> str | None:
    """The RE2 pattern of the cells a converter keeps unchanged: ``""`` when it keeps all of
    them (dates, years...), ``None`` when each cell goes through Python."""
    if t.convert is None or t.column is None:
        return ""
    if t.convert is str:
        return ""
    fdef = tm.field(t.column)
    ftype = fdef.get("type", "string")
    if ftype == "integer" and not fdef.get("groupChar"):
        return _CANONICAL_INTEGER
    if ftype == "number" and not fdef.get("groupChar") and fdef.get("decimalChar", ".") == ".":
        return _CANONICAL_DECIMAL
    if ftype == "boolean":
        trues = set(fdef.get("trueValues", ["true", "True", "TRUE", "1"]))
        falses = set(fdef.get("falseValues", ["false", "False", "FALSE", "0"]))
        if "true" in trues and "false" in falses and "true" not in falses:
            return _CANONICAL_BOOLEAN
    return None


def _object_kinds(t: TripleMap, tm: TableMap) -> set[tuple[str | None, str | None]]:
    """The (datatype, language) pairs a literal triple template can give."""
    kinds = {(t.datatype, t.lang)}
    if t.column is not None and tm.field(t.column).get("type") == "number":
        kinds.add((XSD_DOUBLE, None))
    return kinds


def _may_collide(
    a: TripleMap, ta: TableMap, b: TripleMap, tb: TableMap, base: str
) -> bool:  # can two templates give one same triple?
    if a.predicate != b.predicate:
        return False
    if not may_overlap(tokens(a.subject, base), tokens(b.subject, base)):
        return False
    if (a.value_url is None) != (b.value_url is None):
        return False
    if a.value_url is not None and b.value_url is not None:
        return may_overlap(tokens(a.value_url, base), tokens(b.value_url, base))
    if a.constant is not None and b.constant is not None:
        return a.constant == b.constant and (a.datatype, a.lang) == (b.datatype, b.lang)
    return bool(_object_kinds(a, ta) & _object_kinds(b, tb))


def _keyed(t: TripleMap, tm: TableMap, base: str) -> bool:
    """Whether two rows can never give the same triple with this template."""
    if not tm.primary_key:
        return False
    determined = determined_columns(tokens(t.subject, base))
    if t.value_url is not None:
        determined |= determined_columns(tokens(t.value_url, base))
    return set(tm.primary_key) <= determined


def compile_plans(
    mapping: Mapping, base: str, prefixes: dict[str, str], vocabulary_subjects: Iterable[str] = ()
) -> list[TablePlan]:
    """One :class:`TablePlan` per mapped table, with each triple template classified as keyed
    (written as it comes) or not (de-duplicated; see the module docstring)."""
    names = Names(dict(prefixes))
    vocab = [[("const", s, False)] for s in sorted(set(vocabulary_subjects))]
    everything = [(t, tm) for tm in mapping.tables for t in tm.triples]
    plans = []
    for tm in mapping.tables:
        maps = []
        for t in tm.triples:
            keyed = _keyed(t, tm, base)
            if keyed:
                subject = tokens(t.subject, base)
                keyed = not any(may_overlap(subject, v) for v in vocab) and not any(
                    other is not t and _may_collide(t, tm, other, other_tm, base)
                    for other, other_tm in everything
                )
            is_type = t.predicate == RDF_TYPE and t.value_url is not None
            maps.append(
                MapPlan(
                    triple=t,
                    keyed=keyed,
                    nt_predicate=f" <{t.predicate}> ",
                    ttl_predicate="a" if t.predicate == RDF_TYPE else names.ttl(t.predicate),
                    json_key='"@type"' if is_type else names.json(t.predicate),
                    is_type=is_type,
                    canonical=_canonical_pattern(t, tm),
                    where=f"{t.table}.{t.column}",
                )
            )
        groups: dict[str, SubjectGroup] = {}
        for m in maps:
            if not m.keyed:
                continue
            g = groups.setdefault(m.triple.subject.text, SubjectGroup(m.triple.subject, []))
            for same in g.predicates:
                if same[0].triple.predicate == m.triple.predicate and same[0].is_type == m.is_type:
                    same.append(m)
                    break
            else:
                g.predicates.append([m])
        for g in groups.values():
            # objects always there first, then a predicate always there first (a class, usually)
            g.predicates = [sorted(ms, key=lambda m: not _always(m)) for ms in g.predicates]
            g.predicates.sort(key=lambda ms: not _always(ms[0]))
            g.always = _always(g.predicates[0][0])
        templates = [t.subject for t in tm.triples] + [
            t.value_url for t in tm.triples if t.value_url is not None
        ]
        prefix_of: dict[str, tuple[str, str]] = {}
        for tpl in templates:
            toks = tokens(tpl, base)
            if len(toks) == 2 and toks[0][0] == "const" and toks[1][0] == "var" and not toks[1][2]:
                prefix = names.namespace_of(toks[0][1])
                if prefix is not None:
                    prefix_of[tpl.text] = (prefix, toks[1][1])
        columns = list(dict.fromkeys(c for t in tm.triples for c in t.columns))
        for t in tm.triples:
            if t.when is not None:
                columns.extend(c for c in t.when.columns if c not in columns)
        plans.append(TablePlan(tm, base, names, maps, list(groups.values()), columns, prefix_of))
    return plans
