"""Compile the RDF mapping declared in the Table Schemas (pure: schema in, mapping out).

The mapping is written once, in each Table Schema (see ``vocab/README.md``):

- at schema level, ``"x-rdf": {"subject": "{+base}/projet/{id}", "class": [...],
  "triples": [...], "prefixes": {...}}``: the IRI template of each row, its classes, extra
  ("virtual") triples, extra prefixes;
- per field, ``"x-rdf": {"predicate": ..., "lang"|"datatype"|"valueUrl": ..., "subject": ...,
  "when": ...}`` (or a list of them), plus the standard Table Schema ``rdfType`` (the class of the
  values of an IRI-valued field).

Templates follow RFC 6570 as CSV on the Web uses them: ``{col}`` is the cell value
percent-encoded (every character outside ``A-Z a-z 0-9 - . _ ~``, as UTF-8), ``{+col}`` keeps
reserved characters; ``{+base}`` is the base IRI. A triple is written only when every column
it uses has a value (an empty cell is null) and its ``when`` condition holds.

The writers, the SHACL shapes, the CSVW metadata and the mapping documentation all read the
:class:`Mapping` this module compiles, so they cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from cnr_opendata.errors import CnrOpendataError

#: Namespace of the project's own terms, and of its concept schemes and shapes.
CNR = "https://w3id.org/cnr-sante/def#"
DEF = "https://w3id.org/cnr-sante/def/"
SHAPES = "https://w3id.org/cnr-sante/def/shapes#"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = RDF + "type"
RDF_LANGSTRING = RDF + "langString"
XSD_STRING = XSD + "string"

#: Prefixes known to every schema (a schema may add its own under ``x-rdf.prefixes``).
PREFIXES: dict[str, str] = {
    "adms": "http://www.w3.org/ns/adms#",
    "cnr": CNR,
    "cnrsh": SHAPES,
    "cv": "http://data.europa.eu/m8g/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": RDF,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "https://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": XSD,
}

#: Table Schema type -> XSD datatype of the literal (``string`` gives a plain literal).
DATATYPES: dict[str, str] = {
    "string": XSD_STRING,
    "integer": XSD + "integer",
    "number": XSD + "decimal",
    "boolean": XSD + "boolean",
    "date": XSD + "date",
    "datetime": XSD + "dateTime",
    "time": XSD + "time",
    "year": XSD + "gYear",
    "yearmonth": XSD + "gYearMonth",
    "duration": XSD + "duration",
}

_FIELD_KEYS = {"predicate", "valueUrl", "value", "lang", "datatype", "subject", "when"}
_SCHEMA_KEYS = {"subject", "class", "triples", "prefixes"}
_TEMPLATE_VAR = re.compile(r"\{(\+?)([A-Za-z_][A-Za-z0-9_]*)\}")
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
# Characters kept by ``{+var}``: RFC 3986 reserved characters that are valid anywhere in an IRI.
_RESERVED_SAFE = ":/?#@!$&'()*+,;="


class MappingError(CnrOpendataError):
    """The ``x-rdf`` declarations of a Table Schema cannot be compiled."""


# ---- templates ---------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def encode_simple(value: str) -> str:
    """RFC 6570 simple expansion of one value: percent-encode all but unreserved characters."""
    return quote(value, safe="-._~")


@lru_cache(maxsize=1 << 12)
def encode_reserved(value: str) -> str:
    """RFC 6570 reserved expansion (``{+var}``): keep reserved characters, encode the rest."""
    return quote(value, safe="-._~" + _RESERVED_SAFE)


@dataclass(frozen=True)
class Template:
    """An IRI template, e.g. ``{+base}/projet/{id}``, with its variables in order."""

    text: str
    variables: tuple[tuple[str, bool], ...]  # (name, reserved) in order of appearance

    @classmethod
    def parse(cls, text: str, where: str) -> Template:
        if not isinstance(text, str) or not text:
            raise MappingError(f"{where}: an IRI template must be a non-empty string")
        stripped = _TEMPLATE_VAR.sub("", text)
        if "{" in stripped or "}" in stripped:
            raise MappingError(
                f"{where}: {text!r} is not a supported URI template "
                "(only {column} and {+column} expressions)"
            )
        return cls(text, tuple((m[2], m[1] == "+") for m in _TEMPLATE_VAR.finditer(text)))

    @property
    def columns(self) -> tuple[str, ...]:
        """The column variables (``base`` excluded)."""
        return tuple(name for name, _ in self.variables if name != "base")

    def shape(self) -> str:
        """The template with variable names erased: two templates with the same shape name
        the same kind of node (``{+base}/projet/{id}`` and ``{+base}/projet/{project_id}``)."""
        return _TEMPLATE_VAR.sub(lambda m: "{+base}" if m[2] == "base" else "{}", self.text)

    def with_base(self, base: str) -> str:
        """The template with ``{+base}`` replaced (CSVW metadata has no base variable)."""
        return self.text.replace("{+base}", base)

    def expand(self, values: AbcMapping[str, str], base: str) -> str:
        """Expand with a mapping of column values (used by tests and documentation)."""

        def sub(m: re.Match[str]) -> str:
            if m[2] == "base":
                return base
            value = values[m[2]]
            return encode_reserved(value) if m[1] else encode_simple(value)

        return _TEMPLATE_VAR.sub(sub, self.text)


# ---- conditions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """``when``: a list of alternatives (OR), each a mapping column -> test (AND).

    A test is ``true`` (the cell has a value), ``false`` (it is empty), a list of values (the cell
    is one of them) or ``{"not": [values]}`` (the cell has a value that is none of them).
    """

    alternatives: tuple[tuple[tuple[str, str, frozenset[str]], ...], ...]
    source: Any

    @classmethod
    def parse(cls, raw: Any, where: str) -> Condition:
        alts = raw if isinstance(raw, list) else [raw]
        if not alts:
            raise MappingError(f"{where}: 'when' must not be an empty list")
        parsed = []
        for alt in alts:
            if not isinstance(alt, dict) or not alt:
                raise MappingError(f"{where}: each 'when' alternative must be a non-empty object")
            tests: list[tuple[str, str, frozenset[str]]] = []
            for col, test in sorted(alt.items()):
                if test is True:
                    tests.append((col, "present", frozenset()))
                elif test is False:
                    tests.append((col, "absent", frozenset()))
                elif isinstance(test, list) and all(isinstance(v, str) for v in test):
                    tests.append((col, "in", frozenset(test)))
                elif (
                    isinstance(test, dict)
                    and set(test) == {"not"}
                    and isinstance(test["not"], list)
                    and all(isinstance(v, str) for v in test["not"])
                ):
                    tests.append((col, "not-in", frozenset(test["not"])))
                else:
                    raise MappingError(
                        f"{where}: 'when' test for {col!r} must be true, false, a list of "
                        f'values or {{"not": [values]}}, got {test!r}'
                    )
            parsed.append(tuple(tests))
        return cls(tuple(parsed), raw)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(sorted({col for alt in self.alternatives for col, _, _ in alt}))

    def compile(self, index: AbcMapping[str, int]) -> Callable[[list[str]], bool]:
        """A fast predicate over a CSV row (a list of cells)."""
        alts = [
            [(index[col], kind, values) for col, kind, values in alt] for alt in self.alternatives
        ]

        def holds(row: list[str]) -> bool:
            for alt in alts:
                for i, kind, values in alt:
                    cell = row[i]
                    if kind == "present":
                        ok = cell != ""
                    elif kind == "absent":
                        ok = cell == ""
                    elif kind == "in":
                        ok = cell in values
                    else:
                        ok = cell != "" and cell not in values
                    if not ok:
                        break
                else:
                    return True
            return False

        return holds

    def describe(self) -> str:
        parts = []
        for alt in self.alternatives:
            tests = []
            for col, kind, values in alt:
                if kind == "present":
                    tests.append(f"`{col}` renseigné")
                elif kind == "absent":
                    tests.append(f"`{col}` vide")
                elif kind == "in":
                    tests.append(f"`{col}` ∈ {{{', '.join(sorted(values))}}}")
                else:
                    tests.append(f"`{col}` ∉ {{{', '.join(sorted(values))}}}")
            parts.append(" et ".join(tests))
        return " ou ".join(parts)


# ---- values ------------------------------------------------------------------------------------


def canonical_decimal(text: str) -> str:
    """The canonical lexical form of an ``xsd:decimal`` (``"2900000.0"`` -> ``"2900000"``,
    ``"007.50"`` -> ``"7.5"``), as a SPARQL store normalises it."""
    d = Decimal(text)
    if d == 0:
        return "0"
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def _converter(field_def: dict[str, Any], where: str) -> tuple[Callable[[str], str], str] | None:
    """``(convert, datatype)`` for a typed literal, or ``None`` for a string kept as is."""
    ftype = field_def.get("type", "string")
    fmt = field_def.get("format", "default")
    if ftype in ("date", "datetime", "time") and fmt not in ("default", "any", None):
        raise MappingError(
            f"{where}: a {ftype} field with format {fmt!r} cannot be mapped to RDF; "
            "use the default ISO 8601 format"
        )
    if ftype == "integer":

        def to_integer(v: str) -> str:
            return str(int(v.replace(field_def.get("groupChar", "") or "", "")))

        return to_integer, DATATYPES["integer"]
    if ftype == "number":
        decimal_char = field_def.get("decimalChar", ".")
        group_char = field_def.get("groupChar", "")

        def to_number(v: str) -> str:
            if group_char:
                v = v.replace(group_char, "")
            if decimal_char != ".":
                v = v.replace(decimal_char, ".")
            if v in ("NaN", "INF", "-INF"):
                raise SpecialNumber(v)
            try:
                return canonical_decimal(v)
            except InvalidOperation as exc:
                raise ValueError(f"not a number: {v!r}") from exc

        return to_number, DATATYPES["number"]
    if ftype == "boolean":
        trues = set(field_def.get("trueValues", ["true", "True", "TRUE", "1"]))
        falses = set(field_def.get("falseValues", ["false", "False", "FALSE", "0"]))

        def to_boolean(v: str) -> str:
            if v in trues:
                return "true"
            if v in falses:
                return "false"
            raise ValueError(f"not a boolean: {v!r}")

        return to_boolean, DATATYPES["boolean"]
    if ftype in DATATYPES and ftype != "string":
        return str, DATATYPES[ftype]
    return None


class SpecialNumber(ValueError):
    """NaN and infinities have no ``xsd:decimal`` form: the writers give them ``xsd:double``."""


XSD_DOUBLE = XSD + "double"


# ---- compiled mapping --------------------------------------------------------------------------


@dataclass(frozen=True)
class TripleMap:
    """One triple template of a table: emitted once per row where it applies."""

    table: str
    field: str | None  # the field it maps, or None for a schema-level (virtual) triple
    subject: Template
    predicate: str  # full IRI
    value_url: Template | None = None  # IRI object
    column: str | None = None  # literal object: the column it comes from
    constant: str | None = None  # literal object: a fixed value
    datatype: str | None = None  # full IRI, for a literal
    lang: str | None = None
    when: Condition | None = None
    rdf_type: str | None = None  # class of the IRI object (field rdfType or the referenced class)
    convert: Callable[[str], str] | None = None  # cell -> canonical lexical form
    required: bool = False  # the field is required: every row has the triple

    @property
    def is_iri(self) -> bool:
        return self.value_url is not None

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the triple needs a value for (empty cell: no triple)."""
        cols = list(self.subject.columns)
        if self.value_url is not None:
            cols += self.value_url.columns
        if self.column is not None:
            cols.append(self.column)
        return tuple(dict.fromkeys(cols))


@dataclass(frozen=True)
class TableMap:
    """The mapping of one table."""

    name: str  # resource name
    table: str  # file stem
    path: str  # relative CSV path in the package
    title: str
    description: str
    subject: Template
    classes: tuple[str, ...]
    primary_key: tuple[str, ...]
    fields: tuple[dict[str, Any], ...]
    triples: tuple[TripleMap, ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f["name"] for f in self.fields)

    def field(self, name: str) -> dict[str, Any]:
        for f in self.fields:
            if f["name"] == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class Mapping:
    """The compiled mapping of a package: one :class:`TableMap` per mapped table."""

    tables: tuple[TableMap, ...]
    prefixes: dict[str, str] = field(default_factory=dict)
    unmapped: tuple[str, ...] = ()  # resources without x-rdf

    def table(self, name: str) -> TableMap:
        for t in self.tables:
            if t.name == name or t.table == name:
                return t
        raise KeyError(name)

    def class_of_subject(self, template: Template) -> str | None:
        """The main class of the nodes a template names, if a table's rows are such nodes."""
        for t in self.tables:
            if t.subject.shape() == template.shape() and t.classes:
                return t.classes[0]
        return None

    def compact(self, iri: str) -> str:
        """``dct:title`` for ``http://purl.org/dc/terms/title`` when a prefix fits."""
        best = ""
        for prefix, ns in self.prefixes.items():
            if iri.startswith(ns) and len(ns) > len(self.prefixes.get(best, "")):
                local = iri[len(ns) :]
                if local and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", local):
                    best = prefix
        return f"{best}:{iri[len(self.prefixes[best]) :]}" if best else f"<{iri}>"


def expand_curie(value: Any, prefixes: AbcMapping[str, str], where: str) -> str:
    """A full IRI from ``prefix:local`` or an absolute IRI."""
    if not isinstance(value, str) or not value:
        raise MappingError(f"{where}: expected a prefixed name or an IRI, got {value!r}")
    if "://" in value or value.startswith("urn:"):
        return value
    prefix, sep, local = value.partition(":")
    if not sep or prefix not in prefixes:
        raise MappingError(
            f"{where}: unknown prefix in {value!r}; known prefixes: {', '.join(sorted(prefixes))}"
        )
    return prefixes[prefix] + local


def _expand_value_url(raw: Any, prefixes: AbcMapping[str, str], where: str) -> Template:
    """A valueUrl is an IRI template, or a prefixed name (a fixed IRI such as a class)."""
    if isinstance(raw, str) and "{" not in raw and "://" not in raw and ":" in raw:
        raw = expand_curie(raw, prefixes, where)
    return Template.parse(raw, where)


def _schema_rdf(schema: AbcMapping[str, Any]) -> dict[str, Any] | None:
    raw = schema.get("x-rdf")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise MappingError("x-rdf must be an object")
    return raw


def compile_table(
    name: str,
    table: str,
    path: str,
    schema: AbcMapping[str, Any],
    base_prefixes: AbcMapping[str, str] = PREFIXES,
) -> TableMap | None:
    """Compile one Table Schema's ``x-rdf`` declarations; ``None`` when it has none."""
    where = f"schemas/{table}.json"
    raw = _schema_rdf(schema)
    if raw is None:
        return None
    unknown = set(raw) - _SCHEMA_KEYS
    if unknown:
        raise MappingError(f"{where}: x-rdf: unknown key(s) {sorted(unknown)}")
    prefixes = dict(base_prefixes)
    extra = raw.get("prefixes") or {}
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise MappingError(f"{where}: x-rdf.prefixes must map prefixes to namespace IRIs")
    prefixes.update(extra)
    fields = tuple(schema.get("fields") or [])
    names = [f.get("name") for f in fields]
    known_vars = set(names) | {"base"}
    if "subject" not in raw:
        raise MappingError(f"{where}: x-rdf needs a 'subject' IRI template")
    subject = Template.parse(raw["subject"], f"{where}: x-rdf.subject")

    def check_vars(tpl: Template, at: str) -> None:
        for var, _ in tpl.variables:
            if var not in known_vars:
                raise MappingError(f"{at}: template variable {{{var}}} is not a field of {table}")
        if tpl.variables and tpl.variables[0][0] == "base" and not tpl.text.startswith("{+base}"):
            raise MappingError(f"{at}: write the base as {{+base}}, at the start")

    check_vars(subject, f"{where}: x-rdf.subject")
    classes_raw = raw.get("class") or []
    if isinstance(classes_raw, str):
        classes_raw = [classes_raw]
    classes = tuple(expand_curie(c, prefixes, f"{where}: x-rdf.class") for c in classes_raw)
    pk = schema.get("primaryKey") or []
    pk = (pk,) if isinstance(pk, str) else tuple(pk)
    triples: list[TripleMap] = []

    def build(spec: Any, at: str, fdef: dict[str, Any] | None) -> TripleMap:
        if not isinstance(spec, dict):
            raise MappingError(f"{at}: each x-rdf entry must be an object")
        bad = set(spec) - _FIELD_KEYS
        if bad:
            raise MappingError(f"{at}: unknown key(s) {sorted(bad)}")
        if "predicate" not in spec:
            raise MappingError(f"{at}: 'predicate' is required")
        predicate = expand_curie(spec["predicate"], prefixes, at)
        subj = subject
        if "subject" in spec:
            subj = Template.parse(spec["subject"], f"{at}: subject")
            check_vars(subj, f"{at}: subject")
        when = Condition.parse(spec["when"], at) if "when" in spec else None
        if when is not None:
            for col in when.columns:
                if col not in names:
                    raise MappingError(f"{at}: 'when' names {col!r}, not a field of {table}")
        kinds = [k for k in ("valueUrl", "value") if k in spec]
        if len(kinds) > 1:
            raise MappingError(f"{at}: give either 'valueUrl' or 'value', not both")
        lang = spec.get("lang")
        if lang is not None and (not isinstance(lang, str) or not _LANG.match(lang)):
            raise MappingError(f"{at}: 'lang' must be a BCP 47 language tag, got {lang!r}")
        fname = fdef["name"] if fdef else None
        required = bool(fdef and (fdef.get("constraints") or {}).get("required"))
        if "valueUrl" in spec:
            if lang or "datatype" in spec:
                raise MappingError(f"{at}: an IRI value (valueUrl) has no lang or datatype")
            tpl = _expand_value_url(spec["valueUrl"], prefixes, f"{at}: valueUrl")
            check_vars(tpl, f"{at}: valueUrl")
            rdf_type = None
            if fdef and fdef.get("rdfType"):
                rdf_type = expand_curie(fdef["rdfType"], prefixes, f"{at}: rdfType")
            return TripleMap(
                table,
                fname,
                subj,
                predicate,
                value_url=tpl,
                when=when,
                rdf_type=rdf_type,
                required=required,
            )
        if "value" in spec:
            if not isinstance(spec["value"], str):
                raise MappingError(f"{at}: 'value' must be a string")
            dt = expand_curie(spec["datatype"], prefixes, at) if "datatype" in spec else None
            return TripleMap(
                table,
                fname,
                subj,
                predicate,
                constant=spec["value"],
                datatype=None if lang else dt,
                lang=lang,
                when=when,
            )
        if fdef is None:
            raise MappingError(f"{at}: a schema-level triple needs 'valueUrl' or 'value'")
        convert: Callable[[str], str] | None = None
        datatype: str | None = None
        conv = _converter(fdef, at)
        if "datatype" in spec:
            datatype = expand_curie(spec["datatype"], prefixes, at)
            if conv:
                convert = conv[0]
        elif conv:
            convert, datatype = conv
        if lang:
            if fdef.get("type", "string") != "string":
                raise MappingError(f"{at}: 'lang' applies to string fields only")
            datatype = None
        return TripleMap(
            table,
            fname,
            subj,
            predicate,
            column=fname,
            datatype=None if datatype == XSD_STRING else datatype,
            lang=lang,
            when=when,
            convert=convert,
            required=required,
        )

    for cls in classes:
        triples.append(TripleMap(table, None, subject, RDF_TYPE, value_url=Template(cls, ())))
    for i, spec in enumerate(raw.get("triples") or []):
        triples.append(build(spec, f"{where}: x-rdf.triples[{i}]", None))
    for fdef in fields:
        spec = fdef.get("x-rdf")
        if spec is None:
            continue
        specs = spec if isinstance(spec, list) else [spec]
        for j, one in enumerate(specs):
            at = f"{where}: field {fdef['name']!r} x-rdf" + (f"[{j}]" if len(specs) > 1 else "")
            triples.append(build(one, at, fdef))
    seen: set[tuple[str, str, str]] = set()
    for t in triples:
        obj = t.value_url.text if t.value_url else f"{t.column}|{t.constant}"
        key = (t.subject.shape(), t.predicate, obj)
        if key in seen and t.when is None:
            raise MappingError(
                f"{where}: the triple {t.subject.text} <{t.predicate}> {obj} is declared twice"
            )
        seen.add(key)
    fks = []
    for fk in schema.get("foreignKeys") or []:
        cols = fk["fields"]
        ref = fk["reference"]
        rcols = ref["fields"]
        fks.append(
            (
                (cols,) if isinstance(cols, str) else tuple(cols),
                ref.get("resource") or name,
                (rcols,) if isinstance(rcols, str) else tuple(rcols),
            )
        )
    return TableMap(
        name=name,
        table=table,
        path=path,
        title=str(schema.get("title", name)),
        description=str(schema.get("description", "")),
        subject=subject,
        classes=classes,
        primary_key=pk,
        fields=fields,
        triples=tuple(triples),
        foreign_keys=tuple(fks),
    )


def compile_mapping(resources: Iterable[Any]) -> Mapping:
    """Compile every resource's schema. ``resources`` are :class:`cnr_opendata.package.Resource`
    objects (anything with ``name``, ``table``, ``relpath`` and ``schema``)."""
    tables: list[TableMap] = []
    unmapped: list[str] = []
    prefixes = dict(PREFIXES)
    for res in resources:
        tm = compile_table(res.name, res.table, res.relpath, res.schema)
        if tm is None:
            unmapped.append(res.name)
            continue
        extra = (_schema_rdf(res.schema) or {}).get("prefixes") or {}
        prefixes.update(extra)
        tables.append(tm)
    mapping = Mapping(tuple(tables), prefixes, tuple(unmapped))
    # the class of an IRI value that names another table's rows, unless rdfType says otherwise
    resolved = []
    for tm in mapping.tables:
        new = []
        for t in tm.triples:
            if t.value_url is not None and t.rdf_type is None and t.value_url.columns:
                cls = mapping.class_of_subject(t.value_url)
                if cls is not None:
                    t = TripleMap(**{**t.__dict__, "rdf_type": cls})
            new.append(t)
        resolved.append(TableMap(**{**tm.__dict__, "triples": tuple(new)}))
    return Mapping(tuple(resolved), prefixes, tuple(unmapped))


def mapping_of(package: Any) -> Mapping:
    """The compiled mapping of a loaded :class:`cnr_opendata.package.Package`."""
    return compile_mapping(package.resources)
