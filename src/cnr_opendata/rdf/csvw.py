"""CSV on the Web metadata (``csv-metadata.json``) generated from the same mapping.

Each table's ``aboutUrl``, each column's ``propertyUrl``/``valueUrl``/``lang``/``datatype`` and
the schema-level triples (as virtual columns) say what :mod:`cnr_opendata.rdf.writers` writes,
in W3C CSVW terms (`Metadata Vocabulary for Tabular Data`). Columns outside the mapping are
``suppressOutput``. CSVW has no conditions: triples with ``when`` are listed in the table's
``notes`` instead (a CSVW processor in minimal mode gives every other triple of the export).
"""

from __future__ import annotations

from typing import Any

from cnr_opendata.rdf.mapping import (
    DATATYPES,
    XSD,
    Mapping,
    TableMap,
    TripleMap,
)

#: Table Schema type -> CSVW built-in datatype name.
_CSVW_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "date": "date",
    "datetime": "dateTime",
    "time": "time",
    "year": "gYear",
    "yearmonth": "gYearMonth",
    "duration": "duration",
}


def _datatype(fdef: dict[str, Any], t: TripleMap | None) -> Any:
    base = _CSVW_TYPES.get(fdef.get("type", "string"), "string")
    if t is not None and t.datatype and t.datatype.startswith(XSD):
        declared = t.datatype[len(XSD) :]
        if DATATYPES.get(fdef.get("type", "string")) != t.datatype:
            base = declared
    cons = fdef.get("constraints") or {}
    extra: dict[str, Any] = {}
    if "pattern" in cons and base == "string":
        extra["format"] = cons["pattern"]
    if base == "boolean":
        extra["format"] = "true|false"
    for key in ("minimum", "maximum", "minLength", "maxLength"):
        if key in cons:
            extra[key] = cons[key]
    return {"base": base, **extra} if extra else base


def _triple_props(t: TripleMap, tm: TableMap, base: str) -> dict[str, Any]:
    props: dict[str, Any] = {"propertyUrl": t.predicate}
    if t.subject.text != tm.subject.text:
        props["aboutUrl"] = t.subject.with_base(base)
    if t.value_url is not None:
        props["valueUrl"] = t.value_url.with_base(base)
    if t.lang:
        props["lang"] = t.lang
    return props


def _describe_when(t: TripleMap, mapping: Mapping) -> str:
    obj = (
        f"<{t.value_url.text}>"
        if t.value_url is not None
        else f'"{t.constant}"'
        if t.constant is not None
        else f"{{{t.column}}}"
    )
    assert t.when is not None
    return (
        f"{t.subject.text} {mapping.compact(t.predicate)} {obj} "
        f"si / if {t.when.describe()} ({{+base}} = base IRI)"
    )


def csvw_metadata(mapping: Mapping, base_iri: str, package: Any | None = None) -> dict[str, Any]:
    """The CSVW table group of a package, as a JSON-ready dict."""
    base = base_iri.rstrip("/")
    tables = []
    for tm in mapping.tables:
        by_field: dict[str, list[TripleMap]] = {}
        virtual: list[TripleMap] = []
        conditional: list[TripleMap] = []
        for t in tm.triples:
            if t.when is not None:
                conditional.append(t)
            elif t.field is None:
                virtual.append(t)
            else:
                by_field.setdefault(t.field, []).append(t)
        columns: list[dict[str, Any]] = []
        for fdef in tm.fields:
            name = fdef["name"]
            maps = by_field.get(name, [])
            col: dict[str, Any] = {
                "name": name,
                "titles": name,
                "dc:title": {"@value": str(fdef.get("title", name)), "@language": "fr"},
                "dc:description": {"@value": str(fdef.get("description", "")), "@language": "fr"},
                "datatype": _datatype(fdef, maps[0] if maps else None),
                "required": bool((fdef.get("constraints") or {}).get("required")),
            }
            if maps:
                col.update(_triple_props(maps[0], tm, base))
            else:
                col["suppressOutput"] = True
            columns.append(col)
            for extra in maps[1:]:
                if extra.value_url is None:
                    # CSVW can only give one literal per column: a copy of the cell is virtual
                    conditional.append(extra)
                    continue
                virtual.append(extra)
        for t in virtual:
            if t.value_url is None:
                conditional.append(t)
                continue
            columns.append({"virtual": True, **_triple_props(t, tm, base)})
        schema: dict[str, Any] = {"columns": columns, "aboutUrl": tm.subject.with_base(base)}
        if tm.primary_key:
            schema["primaryKey"] = list(tm.primary_key)
        fks = []
        for cols, ref, rcols in tm.foreign_keys:
            try:
                target = mapping.table(ref).path
            except KeyError:
                continue
            fks.append(
                {
                    "columnReference": list(cols) if len(cols) > 1 else cols[0],
                    "reference": {
                        "resource": target,
                        "columnReference": list(rcols) if len(rcols) > 1 else rcols[0],
                    },
                }
            )
        if fks:
            schema["foreignKeys"] = fks
        table: dict[str, Any] = {
            "url": tm.path,
            "dc:title": {"@value": tm.title, "@language": "fr"},
            "dc:description": {"@value": tm.description, "@language": "fr"},
            "tableSchema": schema,
        }
        if conditional:
            table["notes"] = [
                {
                    "rdfs:comment": _describe_when(t, mapping)
                    if t.when is not None
                    else f"{t.subject.text} {mapping.compact(t.predicate)} {{{t.column}}}"
                }
                for t in conditional
            ]
        tables.append(table)
    group: dict[str, Any] = {
        "@context": [
            "http://www.w3.org/ns/csvw",
            {"@language": "fr"},
        ],
        "dialect": {"header": True, "delimiter": ",", "encoding": "utf-8", "doubleQuote": True},
        "null": "",
        "tables": tables,
    }
    if package is not None:
        group["dc:title"] = {"@value": str(package.descriptor.get("title", "")), "@language": "fr"}
        group["dc:identifier"] = package.name
    return group
