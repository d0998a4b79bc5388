"""Documentation generated from the Table Schemas: the data dictionary (Markdown) of a release.

The static HTML site of a release is :mod:`cnr_opendata.site`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cnr_opendata.package import Package


def _md(text: Any) -> str:
    """A value safe inside a Markdown table cell."""
    s = "" if text is None else str(text)
    return (
        s.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
        .replace("<", "&lt;")
    )


def _constraints(field: dict[str, Any]) -> str:
    c = field.get("constraints", {})
    parts = []
    if c.get("required"):
        parts.append("obligatoire")
    if c.get("unique"):
        parts.append("unique")
    if "enum" in c:
        parts.append("valeurs : " + ", ".join(f"`{v}`" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"motif `{c['pattern']}`")
    for key, label in (
        ("minimum", "min."),
        ("maximum", "max."),
        ("minLength", "long. min."),
        ("maxLength", "long. max."),
    ):
        if key in c:
            parts.append(f"{label} {c[key]}")
    return "; ".join(parts)


def data_dictionary(package: Package, row_counts: dict[str, int]) -> str:
    """The data dictionary of ``package`` as Markdown (French, as the schemas)."""
    d = package.descriptor
    lines = [
        f"# {d.get('title', package.name)}",
        "",
        f"Version {package.version} · paquet `{package.name}` · "
        + ", ".join(lic.get("title", lic.get("name", "")) for lic in d.get("licenses", [])),
        "",
        str(d.get("description", "")),
        "",
        "## Fichiers",
        "",
        "| table | fichier | lignes | description |",
        "|---|---|---:|---|",
    ]
    for r in package.resources:
        lines.append(
            f"| [{_md(r.schema.get('title', r.name))}](#{r.name}) | `{r.relpath}` | "
            f"{row_counts.get(r.name, 0)} | {_md(r.schema.get('description', ''))} |"
        )
    if d.get("sources"):
        lines += ["", "## Sources", "", "| document | empreinte SHA-256 |", "|---|---|"]
        for s in d["sources"]:
            lines.append(
                f"| `{_md(s.get('path', s.get('title')))}` | `{_md(s.get('sha256', ''))}` |"
            )
    for r in package.resources:
        s = r.schema
        lines += [
            "",
            f"## {r.name}",
            "",
            f"**{_md(s.get('title', r.name))}** — `{r.relpath}`, "
            f"{row_counts.get(r.name, 0)} lignes.",
            "",
            _md(s.get("description", "")),
            "",
        ]
        if r.primary_key:
            lines.append(f"Clé primaire : {', '.join(f'`{k}`' for k in r.primary_key)}.")
        for fields, ref, ref_fields in r.foreign_keys():
            lines.append(
                f"Clé étrangère : {', '.join(f'`{f}`' for f in fields)} → "
                f"[{ref}](#{ref}) ({', '.join(f'`{f}`' for f in ref_fields)})."
            )
        lines += [
            "",
            "| champ | type | titre | description | contraintes | exemple |",
            "|---|---|---|---|---|---|",
        ]
        for f in s["fields"]:
            lines.append(
                f"| `{f['name']}` | {f.get('type', 'string')} | {_md(f.get('title', ''))} | "
                f"{_md(f.get('description', ''))} | {_md(_constraints(f))} | {_md(f.get('example', ''))} |"
            )
    lines += [
        "",
        "---",
        "",
        "Généré par cnr-opendata à partir des schémas de tables (Table Schema).",
        "",
    ]
    return "\n".join(lines)


def write_data_dictionary(package: Package, path: Path, row_counts: dict[str, int]) -> Path:
    """Write the Markdown data dictionary to ``path``."""
    path.write_text(data_dictionary(package, row_counts), encoding="utf-8", newline="\n")
    return path
