"""SHACL shapes generated from the mapping, and SHACL validation of an export.

One node shape per kind of node the mapping writes (a table's rows, or nodes such as a project's
period), targeting its main class; one property shape per predicate, with what the Table Schema
says: required -> ``sh:minCount 1``, one value per row -> ``sh:maxCount 1``, the field type ->
``sh:datatype``, ``lang`` -> ``rdf:langString``, an IRI to another table -> ``sh:class``, an IRI
to a concept from an ``enum`` -> ``sh:in``, ``pattern``, ``minimum``/``maximum``,
``minLength``/``maxLength``. ``vocab/shapes.ttl`` is this module's output for the bundled
package (a test keeps the committed file equal to it).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cnr_opendata.rdf.mapping import (
    RDF_LANGSTRING,
    RDF_TYPE,
    SHAPES,
    XSD,
    XSD_STRING,
    Mapping,
    TableMap,
    Template,
    TripleMap,
)
from cnr_opendata.rdf.writers import escape_literal

SH = "http://www.w3.org/ns/shacl#"

#: Above this many triples, validation runs on a deterministic sample of the subjects. pyshacl
#: checks about 3,000 triples/s with these shapes (measured: 57,691 triples in 19 s), so a
#: 10,000-triple sample costs about 3 s whatever the size; the tables were validated already.
FULL_VALIDATION_LIMIT = 10_000


@dataclass
class _Group:
    name: str
    table: TableMap
    template: Template
    target: str | None
    title: str
    description: str
    props: dict[str, list[TripleMap]] = field(default_factory=dict)


def _segment(template: Template) -> str:
    last = template.text.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9]+", "-", last).strip("-") or "node"


def _groups(mapping: Mapping) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for tm in mapping.tables:
        groups.setdefault(
            tm.subject.shape(),
            _Group(
                tm.table.replace("_", "-"),
                tm,
                tm.subject,
                tm.classes[0] if tm.classes else None,
                tm.title,
                tm.description,
            ),
        )
    for tm in mapping.tables:
        for t in tm.triples:
            key = t.subject.shape()
            if key not in groups:
                groups[key] = _Group(
                    f"{tm.table.replace('_', '-')}-{_segment(t.subject)}",
                    tm,
                    t.subject,
                    None,
                    f"{tm.title} : {_segment(t.subject)}",
                    "",
                )
            g = groups[key]
            if t.predicate == RDF_TYPE:
                if g.target is None and t.value_url is not None and not t.value_url.variables:
                    g.target = t.value_url.text
                continue
            g.props.setdefault(t.predicate, []).append(t)
    return [g for g in groups.values() if g.target is not None]


class _Turtle:
    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping

    def iri(self, iri: str) -> str:
        return self.mapping.compact(iri)

    @staticmethod
    def text(value: str, lang: str | None = "fr") -> str:
        body = f'"{escape_literal(value)}"'
        return f"{body}@{lang}" if lang else body

    @staticmethod
    def typed(value: Any, datatype: str) -> str:
        if datatype == XSD + "integer":
            return str(int(value))
        return f'"{escape_literal(str(value))}"^^<{datatype}>'


def _enum_iris(t: TripleMap, tm: TableMap, base: str) -> list[str] | None:
    """The IRIs an enum column can give, for a value template with that one column."""
    tpl = t.value_url
    if tpl is None:
        return None
    if not tpl.variables:
        return [tpl.text]
    cols = tpl.columns
    if len(cols) != 1:
        return None
    fdef = tm.field(cols[0])
    enum = (fdef.get("constraints") or {}).get("enum")
    if not enum:
        return None
    return [tpl.expand({cols[0]: str(v)}, base) for v in enum]


def _property_lines(
    g: _Group, predicate: str, maps: list[TripleMap], mapping: Mapping, base: str, ttl: _Turtle
) -> list[str]:
    out = [f"sh:path {ttl.iri(predicate)}"]
    single = maps[0] if len(maps) == 1 else None
    owner = mapping.table(single.table) if single else None
    fdef = owner.field(single.field) if single and owner and single.field else None
    if fdef is not None:
        out.append(f"sh:name {ttl.text(str(fdef.get('title', fdef['name'])))}")
        if fdef.get("description"):
            out.append(f"sh:description {ttl.text(str(fdef['description']))}")
    else:
        out.append(f"sh:name {ttl.text(mapping.compact(predicate), None)}")
    if single and owner:
        same_rows = single.table == g.table.table and single.subject.shape() == g.template.shape()
        if single.required and single.when is None and same_rows:
            out.append("sh:minCount 1")
        if owner.primary_key and set(owner.primary_key) <= set(single.subject.columns):
            out.append("sh:maxCount 1")
    if all(t.is_iri for t in maps):
        out.append("sh:nodeKind sh:IRI")
        classes = {t.rdf_type for t in maps}
        if len(classes) == 1 and None not in classes:
            out.append(f"sh:class {ttl.iri(next(iter(classes)))}")  # type: ignore[arg-type]
        if single and owner:
            iris = _enum_iris(single, owner, base)
            if iris:
                out.append(f"sh:in ( {' '.join(ttl.iri(i) for i in iris)} )")
        return out
    if any(t.is_iri for t in maps):
        return out
    kinds = {(t.lang is not None, t.datatype) for t in maps}
    if len(kinds) == 1:
        is_lang, datatype = next(iter(kinds))
        if is_lang:
            langs = sorted({t.lang for t in maps if t.lang})
            out.append(f"sh:datatype {ttl.iri(RDF_LANGSTRING)}")
            out.append(f"sh:languageIn ( {' '.join(ttl.text(x, None) for x in langs)} )")
        else:
            out.append(f"sh:datatype {ttl.iri(datatype or XSD_STRING)}")
    if fdef is not None and single is not None and single.constant is None:
        cons = fdef.get("constraints") or {}
        dtype = single.datatype or XSD_STRING
        if "pattern" in cons:
            out.append(f"sh:pattern {ttl.text(str(cons['pattern']), None)}")
        if cons.get("enum") and not single.lang:
            values = [str(v) for v in cons["enum"]]
            if single.convert is not None:
                values = [single.convert(v) for v in values]
            out.append(
                f"sh:in ( {' '.join(ttl.typed(v, dtype) if single.datatype else ttl.text(v, None) for v in values)} )"
            )
        for key, sh_key in (("minimum", "minInclusive"), ("maximum", "maxInclusive")):
            if key in cons and fdef.get("type") in ("integer", "number"):
                value = cons[key]
                if single.convert is not None:
                    value = single.convert(str(value))
                out.append(f"sh:{sh_key} {ttl.typed(value, dtype)}")
        for key in ("minLength", "maxLength"):
            if key in cons:
                out.append(f"sh:{key} {int(cons[key])}")
    return out


def generate_shapes(mapping: Mapping, base_iri: str) -> str:
    """The SHACL shapes (Turtle) of a mapping; deterministic."""
    base = base_iri.rstrip("/")
    ttl = _Turtle(mapping)
    used = {"sh", "cnrsh", "rdf", "xsd"}
    blocks: list[str] = []
    for g in _groups(mapping):
        node = f"cnrsh:{g.name}"
        prop_names = []
        prop_blocks = []
        for predicate, maps in g.props.items():
            local = mapping.compact(predicate).replace(":", "-").strip("<>")
            local = re.sub(r"[^A-Za-z0-9-]+", "-", local)
            name = f"cnrsh:{g.name}-{local}"
            prop_names.append(name)
            lines = _property_lines(g, predicate, maps, mapping, base, ttl)
            prop_blocks.append(
                f"{name} a sh:PropertyShape ;\n    " + " ;\n    ".join(lines) + " .\n"
            )
        head = [
            f"sh:targetClass {ttl.iri(g.target)}",  # type: ignore[arg-type]
            f"sh:name {ttl.text(g.title)}",
        ]
        if g.description:
            head.append(f"sh:description {ttl.text(g.description)}")
        if prop_names:
            head.append("sh:property " + " ,\n        ".join(prop_names))
        blocks.append(f"{node} a sh:NodeShape ;\n    " + " ;\n    ".join(head) + " .\n")
        blocks.extend(prop_blocks)
    text = "\n".join(blocks)
    used |= {p for p in mapping.prefixes if re.search(rf"(?<![\w-]){re.escape(p)}:", text)}
    header = "".join(
        f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(mapping.prefixes.items()) if p in used
    )
    intro = (
        "# SHACL shapes GENERATED from the Table Schemas (x-rdf): do not edit by hand.\n"
        "# Regenerate with `python -m cnr_opendata.rdf.generate`.\n"
    )
    return (
        intro
        + header
        + f"\n<{SHAPES.rstrip('#')}> a <http://www.w3.org/2002/07/owl#Ontology> .\n\n"
        + text
    )


# ---- validation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL validation result, in words."""

    focus: str
    path: str | None
    value: str | None
    component: str
    severity: str
    message: str
    shape: str | None

    def __str__(self) -> str:
        where = f"{self.focus} {self.path}" if self.path else self.focus
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ShaclOutcome:
    conforms: bool
    results: list[ShaclResult]
    report: str  # Turtle, deterministic
    validated_triples: int
    sampled: bool


def _sample_graph(ntriples: Path, total: int, limit: int) -> Any:
    """An rdflib graph of every triple of about ``limit / total`` of the subjects (whole nodes)."""
    import rdflib

    stride = max(1, -(-total // limit))
    g = rdflib.Graph()
    keep: list[str] = []
    with ntriples.open("rb") as fh:
        for line in fh:
            subject = line.split(b" ", 1)[0]
            if zlib.crc32(subject) % stride == 0:
                keep.append(line.decode("utf-8"))
    g.parse(data="".join(keep), format="nt")
    return g


def _drop_class_constraints(shapes: Any) -> None:
    import rdflib

    shapes.remove((None, rdflib.URIRef(SH + "class"), None))


def validate_ntriples(
    ntriples: Path, shapes_ttl: str, *, total: int | None = None, limit: int = FULL_VALIDATION_LIMIT
) -> ShaclOutcome:
    """Validate an N-Triples export against shapes with pyshacl.

    Above ``limit`` triples, a deterministic sample of whole subjects is validated and
    ``sh:class`` checks are left out (their targets may be outside the sample; foreign keys were
    checked on the tables already).
    """
    import rdflib

    if total is None:
        with ntriples.open("rb") as fh:
            total = sum(1 for _ in fh)
    sampled = total > limit
    if sampled:
        data = _sample_graph(ntriples, total, limit)
    else:
        data = rdflib.Graph().parse(str(ntriples), format="nt")
    return _validate(data, shapes_ttl, sampled)


def validate_sample(ntriples: str, shapes_ttl: str | Any, *, sampled: bool) -> ShaclOutcome:
    """Validate N-Triples text against shapes with pyshacl: the sample that
    :func:`cnr_opendata.rdf.writers.write_export` keeps while it writes (every triple of the
    subjects whose fingerprint ends with enough zero bits to keep at most 10,000 triples, plus
    the vocabulary; everything when that is small). When ``sampled``, ``sh:class`` checks are
    left out (their targets may be outside the sample; foreign keys were checked on the tables).

    A fixed-size sample costs a fixed time whatever the export's size (pyshacl validates about
    3,000 triples per second with these shapes); the tables themselves were validated in full.
    """
    import rdflib

    data = rdflib.Graph().parse(data=ntriples, format="nt")
    return _validate(data, shapes_ttl, sampled)


def parse_shapes(shapes_ttl: str) -> Any:
    """The shapes as an rdflib graph (what :func:`validate_sample` accepts besides Turtle)."""
    import rdflib

    return rdflib.Graph().parse(data=shapes_ttl, format="turtle")


def _validate(data: Any, shapes_ttl: str | Any, sampled: bool) -> ShaclOutcome:
    import pyshacl

    shapes = parse_shapes(shapes_ttl) if isinstance(shapes_ttl, str) else shapes_ttl
    if sampled:
        import rdflib

        shapes = rdflib.Graph() + shapes  # a copy: the caller's graph stays whole
        _drop_class_constraints(shapes)
    conforms, report_graph, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=True
    )
    results = _results(report_graph)
    return ShaclOutcome(
        bool(conforms),
        results,
        _report_turtle(report_graph, len(data), sampled),
        len(data),
        sampled,
    )


def _results(report: Any) -> list[ShaclResult]:
    import rdflib

    SHN = rdflib.Namespace(SH)
    out = []
    for r in report.subjects(rdflib.RDF.type, SHN.ValidationResult):

        def one(p: Any, r: Any = r) -> str | None:
            v = report.value(r, p)
            return None if v is None else str(v)

        out.append(
            ShaclResult(
                focus=one(SHN.focusNode) or "",
                path=one(SHN.resultPath),
                value=one(SHN.value),
                component=(one(SHN.sourceConstraintComponent) or "").removeprefix(SH),
                severity=(one(SHN.resultSeverity) or "").removeprefix(SH),
                message=one(SHN.resultMessage) or "",
                shape=one(SHN.sourceShape),
            )
        )
    return sorted(out, key=lambda x: (x.focus, x.path or "", x.component, x.message, x.value or ""))


def _report_turtle(report: Any, validated: int, sampled: bool) -> str:
    """The report graph as Turtle with stable blank node labels and sorted triples."""
    import pyoxigraph as ox
    from rdflib.compare import to_canonical_graph

    canonical = to_canonical_graph(report)
    lines = sorted(line for line in canonical.serialize(format="nt").splitlines() if line.strip())
    body = ox.serialize(
        ox.parse("\n".join(lines) + "\n", format=ox.RdfFormat.N_TRIPLES),
        format=ox.RdfFormat.TURTLE,
        prefixes={"sh": SH, "xsd": XSD},
    )
    scope = "a sample of whole subjects" if sampled else "every triple"
    head = f"# SHACL validation report of the RDF export against vocab/shapes.ttl ({scope}: {validated} triples).\n"
    text = head + (body or b"").decode("utf-8")
    return text if text.endswith("\n") else text + "\n"
