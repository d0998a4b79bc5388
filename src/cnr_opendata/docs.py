"""Documentation generated from the Table Schemas: the data dictionary (Markdown) and the
static HTML site of a release (landing page, tables, vocabulary, example queries)."""

from __future__ import annotations

import csv
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


# ---- the static site ------------------------------------------------------------------------

#: Above this many triples the example queries are listed without running them at build time
#: (loading a large graph in memory costs minutes; `cnr-opendata query` uses an on-disk store).
SITE_QUERY_TRIPLE_LIMIT = 500_000
PREVIEW_ROWS = 20

_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1e1e1e;background:#fff;line-height:1.5}
header{background:#000091;color:#fff;padding:1rem 2rem}header a{color:#fff}
header .brand{font-weight:700;font-size:1.1rem;text-decoration:none}
nav a{margin-right:1rem}main{max-width:72rem;margin:0 auto;padding:1rem 2rem 3rem}
h1{font-size:1.8rem;margin:.5rem 0 1rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:2px solid #e3e3fd}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5fe}tr:nth-child(even) td{background:#fafafa}
code{background:#f0f0f0;padding:0 .2rem;border-radius:3px;font-size:.85em;word-break:break-all}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:1rem;margin:1rem 0}
.figure{border:1px solid #e3e3fd;border-radius:6px;padding:.8rem;background:#f5f5fe}
.figure strong{display:block;font-size:1.5rem;color:#000091}.muted{color:#666;font-size:.85rem}
.scroll{overflow-x:auto}pre{background:#f6f6f6;padding:.8rem;overflow-x:auto;font-size:.85rem}
td:first-child code{word-break:normal;white-space:nowrap}
footer{border-top:1px solid #ddd;padding:1rem 2rem;color:#666;font-size:.85rem}
"""

_QUALIFIERS = {"exact": "", "environ": "environ ", "plus-de": "plus de ", "au-moins": "au moins "}
_UNITS = {
    "reunions": "réunions",
    "defis": "défis",
    "annees": "an(s)",
    "departements": "départements",
    "ans": "ans",
    "quartiers": "quartiers",
    "heures": "h",
}
_STATUSES = {"realise": "réalisé", "en-cours": "en cours"}


def _e(value: Any) -> str:
    import html

    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, body: str, depth: int, package: Package) -> str:
    up = "../" * depth
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{_e(title)}</title>\n<link rel="stylesheet" href="{up}style.css">\n</head>\n<body>\n'
        f'<header><a class="brand" href="{up}index.html">{_e(package.descriptor.get("title", package.name))}</a>'
        f'<nav><a href="{up}index.html">Accueil</a><a href="{up}tables/index.html">Tables</a>'
        f'<a href="{up}vocab.html">Vocabulaire</a><a href="{up}queries.html">Requêtes</a></nav></header>\n'
        f"<main>\n{body}\n</main>\n<footer>Version {_e(package.version)} · généré par cnr-opendata · "
        "Licence Ouverte / Open Licence 2.0</footer>\n</body>\n</html>\n"
    )


def _read_rows(resource: Any, limit: int | None = None) -> list[dict[str, str]]:
    rows = []
    with resource.path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            if limit is not None and i >= limit:
                break
            rows.append(row)
    return rows


def _count_rows(resource: Any) -> int:
    with resource.path.open(encoding="utf-8", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


def _human(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("o", "Ko", "Mo"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "o" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} Go"


def _figure_text(row: dict[str, str]) -> str:
    value = row["value"]
    if row["unit"] == "euros" and value.isdigit() and int(value) >= 1_000_000:
        number = f"{int(value) / 1_000_000:g} M€".replace(".", ",")
    else:
        number = f"{value} {_UNITS.get(row['unit'], row['unit'])}"
    return _QUALIFIERS.get(row["qualifier"], "") + number


def _status_chart(package: Package) -> str:
    """Projects by territory and status, as an inline SVG (no script)."""
    names = {t["id"]: t["name"] for t in _read_rows(package.resource("territories"))}
    colors = ["#000091", "#e1000f", "#18753c", "#b34000", "#6a6af4"]
    by_place: dict[str, dict[str, int]] = {}
    with package.resource("projects").path.open(encoding="utf-8", newline="") as fh:
        for p in csv.DictReader(fh):  # streamed: only the counts stay in memory
            place = names.get(p["territory_id"], p["territory_id"])
            by_place.setdefault(place, {}).setdefault(p["status"], 0)
            by_place[place][p["status"]] += 1
    statuses = sorted({status for counts in by_place.values() for status in counts})
    places = sorted(by_place)[:40]
    most = max((sum(v.values()) for v in by_place.values()), default=1)
    bar_w, label_w, row_h = 420, 220, 26
    height = row_h * len(places) + 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{label_w + bar_w + 60}" height="{height}" '
        f'aria-label="Projets par territoire et par statut"><title>Projets par territoire et par statut</title>'
    ]
    for i, place in enumerate(places):
        y = 10 + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13">{_e(place)}</text>'
        )
        x = float(label_w)
        for j, status in enumerate(statuses):
            n = by_place[place].get(status, 0)
            if n:
                w = n * bar_w / most
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" fill="{colors[j % 5]}">'
                    f"<title>{_e(place)} : {n} {_e(_STATUSES.get(status, status))}</title></rect>"
                )
                x += w
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 16}" font-size="12">{sum(by_place[place].values())}</text>'
        )
    y = 10 + len(places) * row_h + 14
    for j, status in enumerate(statuses):
        parts.append(
            f'<rect x="{label_w + j * 120}" y="{y}" width="12" height="12" fill="{colors[j % 5]}"/>'
            f'<text x="{label_w + j * 120 + 18}" y="{y + 11}" font-size="12">{_e(_STATUSES.get(status, status))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _index_page(package: Package, release_dir: Path, counts: dict[str, int]) -> str:
    from cnr_opendata.release import release_files

    d = package.descriptor
    figures = [r for r in _read_rows(package.resource("indicators")) if not r.get("project_id")]
    cards = "".join(
        f'<div class="figure"><strong>{_e(_figure_text(r))}</strong>{_e(r["label"])}'
        f'<div class="muted">{_e(r["value_stated"])}</div></div>'
        for r in figures[:24]
    )
    files = [
        f
        for f in release_files(release_dir)
        if not f.path.startswith(("site/", "vocab/", "schemas/"))
    ]
    downloads = "".join(
        f'<tr><td><a href="../{_e(f.path)}">{_e(f.path)}</a></td><td>{_e(f.title)}</td>'
        f"<td>{_human(f.bytes)}</td><td><code>{_e(f.sha256)}</code></td></tr>"
        for f in files
    )
    zip_name = f"{package.name}-{package.version}.zip"
    downloads += (
        f'<tr><td><a href="../{_e(zip_name)}">{_e(zip_name)}</a></td><td>Archive complète (ZIP)</td>'
        '<td>—</td><td class="muted">voir datapackage.json du dépôt</td></tr>'
    )
    sources = "".join(
        f"<li><code>{_e(s.get('path', s.get('title')))}</code> — sha256 <code>{_e(s.get('sha256', ''))}</code></li>"
        for s in d.get("sources", [])
    )
    licences = ", ".join(
        f'<a href="{_e(lic.get("path", ""))}">{_e(lic.get("title", lic.get("name")))}</a>'
        for lic in d.get("licenses", [])
    )
    total = sum(counts.values())
    body = (
        f"<h1>{_e(d.get('title', package.name))}</h1>\n<p>{_e(d.get('description', ''))}</p>\n"
        f"<p>Version <strong>{_e(package.version)}</strong> · {len(counts)} tables, {total} lignes · "
        f"licence {licences}</p>\n"
        f'<h2>Chiffres clés</h2>\n<div class="figures">{cards}</div>\n'
        f'<h2>Projets par territoire et par statut</h2>\n<div class="scroll">{_status_chart(package)}</div>\n'
        f'<h2>Téléchargements</h2>\n<div class="scroll"><table><tr><th>fichier</th><th>contenu</th><th>taille</th>'
        f"<th>SHA-256</th></tr>{downloads}</table></div>\n"
        f"<h2>Tables</h2>\n{_tables_list(package, counts, '')}\n"
        f"<h2>Sources</h2>\n<ul>{sources}</ul>\n"
        "<h2>Citer ce jeu de données</h2>\n"
        f"<pre>{_e(_citation(package))}</pre>\n"
    )
    return _page(str(d.get("title", package.name)), body, 0, package)


def _citation(package: Package) -> str:
    d = package.descriptor
    publishers = [
        c.get("title") for c in d.get("contributors", []) if "publisher" in c.get("roles", [])
    ]
    authors = [c.get("title") for c in d.get("contributors", []) if "creator" in c.get("roles", [])]
    who = "; ".join(str(x) for x in [*authors, *publishers] if x)
    return f"{who}. « {d.get('title', package.name)} », version {package.version}. Licence Ouverte 2.0. {d.get('homepage', '')}"


def _tables_list(package: Package, counts: dict[str, int], prefix: str) -> str:
    rows = "".join(
        f'<tr><td><a href="{prefix}tables/{_e(r.table)}.html">{_e(r.schema.get("title", r.name))}</a></td>'
        f"<td><code>{_e(r.relpath)}</code></td><td>{counts.get(r.name, 0)}</td><td>{_e(r.schema.get('description', ''))}</td></tr>"
        for r in package.resources
    )
    return f"<table><tr><th>table</th><th>fichier</th><th>lignes</th><th>description</th></tr>{rows}</table>"


def _table_page(package: Package, resource: Any, count: int) -> str:
    s = resource.schema
    fields = "".join(
        f'<tr id="{_e(f["name"])}"><td><code>{_e(f["name"])}</code></td><td>{_e(f.get("type", "string"))}</td>'
        f"<td>{_e(f.get('title', ''))}</td><td>{_e(f.get('description', ''))}</td>"
        f"<td>{_e(_constraints(f).replace('`', ''))}</td><td>{_e(f.get('example', ''))}</td></tr>"
        for f in s["fields"]
    )
    keys = ""
    if resource.primary_key:
        keys += f"<p>Clé primaire : {', '.join(f'<code>{_e(k)}</code>' for k in resource.primary_key)}</p>"
    for fk_fields, ref, _ref_fields in resource.foreign_keys():
        target = package.resource(ref)
        keys += (
            f"<p>Clé étrangère : {', '.join(f'<code>{_e(f)}</code>' for f in fk_fields)} → "
            f'<a href="{_e(target.table)}.html">{_e(target.schema.get("title", ref))}</a></p>'
        )
    preview_rows = _read_rows(resource, PREVIEW_ROWS)
    names = resource.field_names
    head = "".join(f"<th>{_e(n)}</th>" for n in names)
    cells = "".join(
        "<tr>" + "".join(f"<td>{_e(r.get(n, ''))}</td>" for n in names) + "</tr>"
        for r in preview_rows
    )
    body = (
        f"<h1>{_e(s.get('title', resource.name))}</h1>\n<p>{_e(s.get('description', ''))}</p>\n"
        f'<p><a href="../../{_e(resource.relpath)}">{_e(resource.relpath)}</a> · <strong>{count}</strong> lignes</p>\n{keys}\n'
        f'<h2>Champs</h2>\n<div class="scroll"><table><tr><th>champ</th><th>type</th><th>titre</th><th>description</th>'
        f"<th>contraintes</th><th>exemple</th></tr>{fields}</table></div>\n"
        f'<h2>Aperçu ({len(preview_rows)} premières lignes)</h2>\n<div class="scroll"><table><tr>{head}</tr>{cells}</table></div>\n'
    )
    return _page(str(s.get("title", resource.name)), body, 1, package)


def _local(iri: str) -> str:
    """The anchor of a vocabulary term: the part after ``def#`` or ``def/``."""
    for sep in ("/def#", "/def/"):
        if sep in iri:
            return iri.split(sep, 1)[1]
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _vocab_page(package: Package, release_dir: Path) -> str:
    import rdflib
    from rdflib.namespace import OWL, RDF, RDFS, SKOS

    graph = rdflib.Graph()
    vocab = release_dir / "vocab"
    for path in sorted([*vocab.glob("*.ttl"), *vocab.glob("concepts/*.ttl")]):
        if path.name != "shapes.ttl":
            graph.parse(str(path), format="turtle")

    def label(node: Any) -> str:
        for pred in (RDFS.label, SKOS.prefLabel):
            for lit in graph.objects(node, pred):
                if getattr(lit, "language", None) == "fr":
                    return str(lit)
        return _local(str(node))

    def comment(node: Any) -> str:
        for pred in (RDFS.comment, SKOS.definition):
            for lit in graph.objects(node, pred):
                if getattr(lit, "language", None) == "fr":
                    return str(lit)
        return ""

    def section(title: str, nodes: list[Any]) -> str:
        rows = "".join(
            f'<tr id="{_e(_local(str(n)))}"><td><code>{_e(str(n))}</code></td><td>{_e(label(n))}</td><td>{_e(comment(n))}</td></tr>'
            for n in nodes
        )
        return f'<h2>{_e(title)} ({len(nodes)})</h2>\n<div class="scroll"><table><tr><th>IRI</th><th>libellé</th><th>définition</th></tr>{rows}</table></div>'

    classes = sorted(
        {s for s in graph.subjects(RDF.type, OWL.Class)}
        | {s for s in graph.subjects(RDF.type, RDFS.Class)},
        key=str,
    )
    props = sorted(
        {
            s
            for t in (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
            for s in graph.subjects(RDF.type, t)
        },
        key=str,
    )
    schemes = sorted(set(graph.subjects(RDF.type, SKOS.ConceptScheme)), key=str)
    parts = [section("Classes", classes), section("Propriétés", props)]
    for scheme in schemes:
        concepts = sorted(set(graph.subjects(SKOS.inScheme, scheme)), key=str)
        parts.append(
            f'<h2 id="{_e(_local(str(scheme)))}">Schéma de concepts : {_e(label(scheme))}</h2>'
            f"<p><code>{_e(str(scheme))}</code> {_e(comment(scheme))}</p>"
        )
        rows = "".join(
            f'<tr id="{_e(_local(str(c)))}"><td><code>{_e(str(c))}</code></td><td>{_e(label(c))}</td><td>{_e(comment(c))}</td></tr>'
            for c in concepts
        )
        parts.append(
            f'<div class="scroll"><table><tr><th>IRI</th><th>libellé</th><th>définition</th></tr>{rows}</table></div>'
        )
    body = (
        "<h1>Vocabulaire</h1>\n<p>Les termes propres au projet (<code>vocab/cnr.ttl</code>) et les schémas de "
        "concepts SKOS ; chaque terme a une ancre à son nom local. La correspondance des colonnes vers le RDF "
        "est décrite dans <code>vocab/README.md</code>.</p>\n" + "\n".join(parts)
    )
    return _page("Vocabulaire", body, 0, package)


def _queries_page(package: Package, release_dir: Path, triples: int) -> str:
    queries = sorted((release_dir / "vocab" / "queries").glob("*.rq"))
    store = None
    nt = release_dir / f"{package.name}.nt"
    if triples <= SITE_QUERY_TRIPLE_LIMIT and nt.is_file():
        import pyoxigraph

        store = pyoxigraph.Store()
        with nt.open("rb") as fh:
            store.load(fh, format=pyoxigraph.RdfFormat.N_TRIPLES)
    parts = []
    for q in queries:
        text = q.read_text(encoding="utf-8")
        title = next(
            (line[1:].strip() for line in text.splitlines() if line.startswith("#")), q.stem
        )
        result = (
            '<p class="muted">Résultat non calculé pour un graphe de cette taille : <code>cnr-opendata query -f vocab/queries/'
            + _e(q.name)
            + "</code>.</p>"
        )
        if store is not None:
            import pyoxigraph

            answer = store.query(text)
            if isinstance(answer, pyoxigraph.QuerySolutions):
                names = [v.value for v in answer.variables]
                rows = "".join(
                    "<tr>"
                    + "".join(
                        f"<td>{_e(s[n].value if s[n] is not None else '')}</td>" for n in names
                    )
                    + "</tr>"
                    for s in answer
                )
                result = f'<div class="scroll"><table><tr>{"".join(f"<th>{_e(n)}</th>" for n in names)}</tr>{rows}</table></div>'
            elif isinstance(answer, pyoxigraph.QueryBoolean):
                result = f"<p>Réponse : <strong>{'oui' if bool(answer) else 'non'}</strong></p>"
        parts.append(f'<h2 id="{_e(q.stem)}">{_e(title)}</h2>\n<pre>{_e(text)}</pre>\n{result}')
    body = (
        "<h1>Requêtes SPARQL d'exemple</h1>\n<p>Chaque requête de <code>vocab/queries/</code> avec son résultat sur "
        "cette version. Pour les exécuter : <code>cnr-opendata query -f FICHIER</code> ou "
        "<code>cnr-opendata serve</code>.</p>\n" + "\n".join(parts)
    )
    return _page("Requêtes SPARQL", body, 0, package)


def write_site(package: Package, release_dir: Path, *, triples: int = 0) -> Path:
    """Write the static site of a release into ``release_dir/site/``: landing page, one page per
    table, the vocabulary, the example queries with their results. No script, no external
    resource; every text from the data is escaped."""
    site = release_dir / "site"
    (site / "tables").mkdir(parents=True, exist_ok=True)
    counts = {r.name: _count_rows(r) for r in package.resources}

    def write(rel: str, html_text: str) -> None:
        (site / rel).write_text(html_text, encoding="utf-8", newline="\n")

    write("style.css", _CSS)
    for resource in package.resources:
        write(
            f"tables/{resource.table}.html", _table_page(package, resource, counts[resource.name])
        )
    write(
        "tables/index.html",
        _page("Tables", "<h1>Tables</h1>\n" + _tables_list(package, counts, "../"), 1, package),
    )
    write("vocab.html", _vocab_page(package, release_dir))
    write("queries.html", _queries_page(package, release_dir, triples))
    write("index.html", _index_page(package, release_dir, counts))
    return site / "index.html"
