"""The static site of a release (``site/``): a landing page, one page per table, the vocabulary
and the example SPARQL queries with their results.

It is viewable offline, straight from the file system or any static server: no script, no
external font or stylesheet (one local ``style.css``), the chart is inline SVG. Every text that
comes from the data or the vocabulary is escaped, so a ``<script>`` in a cell shows as text. The
output is deterministic: no timestamp, everything in a fixed or sorted order.
"""

from __future__ import annotations

import csv
import html
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cnr_opendata.package import Package, Resource
from cnr_opendata.paths import vocab_dir

#: Rows shown in the preview of each table page.
PREVIEW_ROWS = 20
#: Characters of a cell shown in a preview (the whole text is in the cell's tooltip).
CELL_LIMIT = 160
#: Above this size the example queries are listed without their results: loading a large
#: N-Triples file in memory takes minutes (``cnr-opendata query`` keeps an on-disk store).
QUERY_NT_LIMIT = 64 << 20
#: Rows of a query result shown on the queries page.
QUERY_ROW_LIMIT = 200
#: Territories drawn in the chart; the others are summed in one bar.
CHART_PLACES = 25
#: Key figures shown on the landing page.
FIGURE_LIMIT = 24

_TYPES = {
    "string": "texte",
    "integer": "entier",
    "number": "nombre",
    "boolean": "booléen",
    "date": "date",
    "datetime": "date et heure",
    "time": "heure",
    "year": "année",
    "yearmonth": "année et mois",
    "duration": "durée",
    "geopoint": "point géographique",
    "geojson": "GeoJSON",
    "object": "objet JSON",
    "array": "liste JSON",
    "list": "liste",
    "any": "quelconque",
}
_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
_COLORS = ("#000091", "#7b7bf0", "#18753c", "#b34000", "#c9191e", "#716043")
_SKIPPED_FILES = ("site/", "schemas/", "vocab/")

_CSS = """\
:root{--blue:#000091;--blue-light:#ececfe;--line:#dddddd;--muted:#5f5f5f;--text:#1e1e1e}
*{box-sizing:border-box}
body{margin:0;color:var(--text);background:#fff;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
a{color:var(--blue)}a:hover{text-decoration-thickness:2px}
header{background:var(--blue);color:#fff;padding:.9rem 2rem}
header a{color:#fff}
.brand{display:block;font-weight:700;font-size:1.05rem;text-decoration:none;margin-bottom:.3rem}
nav a{margin-right:1.4rem;text-decoration:none;border-bottom:2px solid transparent}
nav a:hover,nav a[aria-current=page]{border-bottom-color:#fff}
main{max-width:78rem;margin:0 auto;padding:1.5rem 2rem 3rem}
h1{font-size:1.9rem;line-height:1.25;margin:.4rem 0 1rem}
h2{font-size:1.35rem;margin:2.4rem 0 .8rem;padding-bottom:.3rem;border-bottom:2px solid var(--blue-light)}
h3{font-size:1.1rem;margin:1.6rem 0 .5rem}
p{max-width:60rem}
.lead{font-size:1.08rem}
.muted{color:var(--muted);font-size:.88rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1.2rem;margin:1rem 0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;margin:.8rem 0 1.2rem;font-size:.9rem}
th,td{border:1px solid var(--line);padding:.4rem .55rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f5f5fe;font-weight:600}
tbody tr:nth-child(even) td{background:#fafafa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%}
table.preview td{white-space:nowrap;max-width:22rem;overflow:hidden;text-overflow:ellipsis}
table.fields td:nth-child(1),table.fields td:nth-child(2){white-space:nowrap}
code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.85em;background:#f0f0f3;padding:.05rem .25rem;border-radius:3px}
td code{white-space:nowrap}
code.iri{white-space:normal;overflow-wrap:anywhere}
.iri{overflow-wrap:anywhere}
table.terms td.term{min-width:15rem;max-width:24rem}
.term .iri{font-size:.8rem}
code.hash{font-size:.74em}
.citation{white-space:pre-wrap}
pre{background:#f6f6f8;border:1px solid var(--line);border-radius:4px;padding:.8rem 1rem;overflow-x:auto;font-size:.84rem;line-height:1.45}
pre code{background:none;padding:0;font-size:inherit;white-space:pre}
details{margin:.5rem 0}summary{cursor:pointer;color:var(--blue)}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:.9rem;margin:1rem 0}
.figure{border:1px solid #dcdcfc;border-radius:6px;padding:.8rem .9rem;background:#f7f7fe;overflow-wrap:anywhere}
.figure strong{display:block;font-size:1.45rem;line-height:1.2;color:var(--blue);margin-bottom:.25rem}
.figure .muted{margin-top:.3rem}
.chart svg{max-width:100%;height:auto;font-family:inherit}
.note{border-left:4px solid var(--blue);background:#f5f5fe;padding:.6rem 1rem}
ol.toc{columns:2;column-gap:2rem}
footer{border-top:1px solid var(--line);padding:1rem 2rem;color:var(--muted);font-size:.85rem}
"""


def _e(value: Any) -> str:
    """Text (from the data or the vocabulary) made safe inside HTML, attributes included."""
    return html.escape("" if value is None else str(value), quote=True)


def _href(rel: str) -> str:
    """A relative link to a file of the release, percent-encoded then escaped."""
    return _e(quote(rel))


def _french_int(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _french_number(value: str) -> str:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if number == number.to_integral_value():
        return _french_int(int(number))
    whole, _, frac = format(number.normalize(), "f").partition(".")
    return f"{_french_int(int(whole))},{frac}"


def _french_date(value: str) -> str:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value or "")
    if not m or not 1 <= int(m[2]) <= 12:
        return value
    day = int(m[3])
    return f"{'1er' if day == 1 else day} {_MONTHS[int(m[2]) - 1]} {m[1]}"


def _size(n: int | None) -> str:
    if n is None:
        return "—"
    if n < 1024:
        return f"{n} o"
    size = float(n)
    for unit in ("Ko", "Mo", "Go"):
        size /= 1024
        if size < 1024 or unit == "Go":
            break
    return f"{size:.1f} {unit}".replace(".", ",")


def _rows(resource: Resource) -> Iterator[dict[str, str]]:
    """The rows of a table, streamed."""
    with resource.path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _count_rows(resource: Resource) -> int:
    with resource.path.open(encoding="utf-8", newline="") as fh:
        return max(sum(1 for _ in csv.reader(fh)) - 1, 0)


#: Tables from this size up are counted with pyarrow (two columns read, grouped in C++).
ARROW_MIN_BYTES = 1 << 20


def _count_by(resource: Resource, columns: list[str]) -> dict[tuple[str, ...], int]:
    """How many rows have each combination of values of ``columns``."""
    if resource.path.stat().st_size < ARROW_MIN_BYTES:
        counts: dict[tuple[str, ...], int] = {}
        for row in _rows(resource):
            key = tuple(row[c] for c in columns)
            counts[key] = counts.get(key, 0) + 1
        return counts
    import pyarrow.csv as pacsv

    from cnr_opendata._arrow import pa

    table = pacsv.read_csv(
        resource.path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            include_columns=columns,
            column_types={c: pa.string() for c in columns},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    grouped = table.group_by(columns).aggregate([([], "count_all")]).to_pydict()
    return {tuple(grouped[c][i] for c in columns): n for i, n in enumerate(grouped["count_all"])}


def _find(package: Package, name: str) -> Resource | None:
    try:
        return package.resource(name)
    except KeyError:
        return None


def _field(resource: Resource, name: str) -> dict[str, Any]:
    return next((f for f in resource.schema.get("fields", []) if f["name"] == name), {})


# ---- the vocabulary and the RDF of the release ----------------------------------------------


@dataclass
class _Vocabulary:
    """The parsed ``vocab/*.ttl`` (ontology and SKOS schemes), or nothing if there is none."""

    graph: Any | None  # rdflib.Graph
    folder: Path | None
    in_release: bool
    files: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)


def _vocab_files(folder: Path) -> list[Path]:
    # shapes.ttl holds SHACL shapes, not terms; the terms are documented from the rest
    return sorted(p for p in folder.rglob("*.ttl") if p.name != "shapes.ttl")


#: The last vocabulary read, keyed by its files' paths, sizes and dates (see preload_vocabulary).
_LOADED: dict[tuple[Any, ...], _Vocabulary] = {}


def preload_vocabulary(release_dir: Path) -> None:
    """Read the vocabulary :func:`write_site` will need, ahead of time (the build does it while
    SHACL runs in another process). Files changed since are read again."""
    _load_vocabulary(release_dir)


def _load_vocabulary(release_dir: Path) -> _Vocabulary:
    folder, in_release = release_dir / "vocab", True
    if not folder.is_dir() or not _vocab_files(folder):
        folder, in_release = vocab_dir(), False
    if not folder.is_dir() or not _vocab_files(folder):
        return _Vocabulary(None, None, False)
    key = (
        in_release,
        *((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in _vocab_files(folder)),
    )
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = _read_vocabulary(folder, in_release)
    return _LOADED[key]


def _read_vocabulary(folder: Path, in_release: bool) -> _Vocabulary:
    import rdflib

    graph = rdflib.Graph()
    files = _vocab_files(folder)
    for path in files:
        graph.parse(str(path), format="turtle")
    vocab = _Vocabulary(
        graph, folder, in_release, [p.relative_to(folder).as_posix() for p in files]
    )
    vocab.labels = {str(s): _text(graph, s, "label") for s in set(graph.subjects())}
    return vocab


def _text(graph: Any, node: Any, kind: str) -> str:
    """The French label (``kind="label"``) or definition of ``node``; untagged if no French."""
    from rdflib.namespace import DCTERMS, RDFS, SKOS

    preds = (
        (SKOS.prefLabel, RDFS.label, DCTERMS.title)
        if kind == "label"
        else (SKOS.definition, RDFS.comment, DCTERMS.description)
    )
    for pred in preds:
        values = list(graph.objects(node, pred))
        for lang in ("fr", None, "en"):
            found = sorted(str(v) for v in values if getattr(v, "language", None) == lang)
            if found:
                return found[0]
    return ""


def _open_store(package: Package, release_dir: Path) -> tuple[Any | None, str]:
    """An in-memory pyoxigraph store of the release's N-Triples, or why there is none."""
    nt = release_dir / f"{package.name}.nt"
    if not nt.is_file():
        return None, f"cette version n'a pas d'export RDF ({nt.name})"
    if nt.stat().st_size > QUERY_NT_LIMIT:
        return None, f"l'export RDF ({_size(nt.stat().st_size)}) est trop grand pour ce site"
    import pyoxigraph

    store = pyoxigraph.Store()
    with nt.open("rb") as fh:
        store.bulk_load(fh, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store, ""


@dataclass
class _Site:
    package: Package
    release_dir: Path
    counts: dict[str, int]
    vocab: _Vocabulary
    store: Any | None
    store_note: str

    def code_label(self, resource: Resource, name: str, value: str) -> str:
        """The French label of a coded value (``realise`` -> « réalisé »), from the concept
        its ``x-rdf`` ``valueUrl`` points to; the value itself if the vocabulary lacks it."""
        template = str(_field(resource, name).get("x-rdf", {}).get("valueUrl", ""))
        if not value or f"{{{name}}}" not in template:
            return value
        iri = template.replace("{+base}", self.package.base_iri).replace(
            f"{{{name}}}", quote(value, safe="")
        )
        return self.vocab.labels.get(iri) or value


# ---- page frame -----------------------------------------------------------------------------


_NAV = (
    ("index.html", "Accueil"),
    ("tables/index.html", "Tables"),
    ("vocab.html", "Vocabulaire"),
    ("queries.html", "Requêtes SPARQL"),
)


def _page(site: _Site, title: str, body: str, here: str) -> str:
    """A whole page; ``here`` is its path inside ``site/`` (for relative links)."""
    up = "../" * here.count("/")
    d = site.package.descriptor
    name = str(d.get("title", site.package.name))
    current = ' aria-current="page"'
    nav = "".join(
        f'<a href="{up}{path}"{current if path == here else ""}>{label}</a>' for path, label in _NAV
    )
    licences = ", ".join(str(lic.get("title", lic.get("name", ""))) for lic in _licences(d))
    head_title = name if title == name else f"{title} — {name}"
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(head_title)}</title>\n"
        f'<link rel="stylesheet" href="{up}style.css">\n</head>\n<body>\n'
        f'<header><a class="brand" href="{up}index.html">{_e(name)}</a><nav>{nav}</nav></header>\n'
        f"<main>\n{body}\n</main>\n"
        f"<footer>Version {_e(site.package.version)} · données sous {_e(licences)} · "
        "site généré par cnr-opendata à partir du paquet de données</footer>\n"
        "</body>\n</html>\n"
    )


def _licences(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    return [lic for lic in descriptor.get("licenses", []) if isinstance(lic, dict)]


def _table(head: Iterable[str], rows: Iterable[str], cls: str = "") -> str:
    """A table in a horizontally scrolling box; ``head`` is already HTML, as are the rows."""
    attr = f' class="{cls}"' if cls else ""
    th = "".join(head)
    return (
        f'<div class="scroll"><table{attr}><thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


# ---- landing page ---------------------------------------------------------------------------


def _figure(site: _Site, resource: Resource, row: dict[str, str]) -> str:
    value, unit = row.get("value", ""), row.get("unit", "")
    if unit == "euros":
        try:
            amount = Decimal(value)
        except InvalidOperation:
            amount = Decimal(-1)
        if amount >= 1_000_000:
            millions = format((amount / 1_000_000).normalize(), "f")
            number = millions.replace(".", ",") + " M€"
        else:
            number = f"{_french_number(value)} €"
    else:
        label = site.code_label(resource, "unit", unit)
        try:
            singular = Decimal(value) < 2
        except InvalidOperation:
            singular = False
        if singular and " " not in label and label.endswith("s"):  # French: « 1 réunion »
            label = label[:-1]
        number = f"{_french_number(value)} {label}".strip()
    qualifier = row.get("qualifier", "")
    if qualifier and qualifier != "exact":
        number = f"{site.code_label(resource, 'qualifier', qualifier)} {number}"
    return number


def _figures(site: _Site) -> str:
    resource = _find(site.package, "indicators")
    if resource is None or "value" not in resource.field_names:
        return ""
    cards = []
    for row in _rows(resource):
        if row.get("project_id"):
            continue  # a project's own figures belong to the project, not to the key figures
        stated = row.get("value_stated", "")
        when = _french_date(row.get("reference_date", ""))
        note = " · ".join(x for x in (stated, f"au {when}" if when else "") if x)
        cards.append(
            f'<div class="figure"><strong>{_e(_figure(site, resource, row))}</strong>'
            f"{_e(row.get('label', ''))}"
            + (f'<div class="muted">{_e(note)}</div>' if note else "")
            + "</div>"
        )
        if len(cards) == FIGURE_LIMIT:
            break
    if not cards:
        return ""
    return (
        '<h2 id="chiffres">Chiffres clés</h2>\n'
        f'<p class="muted">Tels qu\'énoncés par la source ; tous les chiffres sont dans la table '
        f'<a href="tables/{_href(resource.table)}.html">{_e(resource.schema.get("title", resource.name))}</a>.</p>\n'
        f'<div class="figures">{"".join(cards)}</div>'
    )


def _nice_step(most: int) -> int:
    raw = max(1, math.ceil(most / 5))
    power = 10 ** (len(str(raw)) - 1)
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _chart(site: _Site) -> str:
    """Projects by territory and status: stacked horizontal bars in inline SVG, and the same
    counts as a table for screen readers and copying."""
    projects = _find(site.package, "projects")
    if projects is None or not {"status", "territory_id"} <= set(projects.field_names):
        return ""
    territories = _find(site.package, "territories")
    names: dict[str, str] = {}
    if territories is not None and "name" in territories.field_names:
        names = {t["id"]: t["name"] for t in _rows(territories)}
    counts: dict[str, dict[str, int]] = {}
    # only the counts stay in memory; in sorted order, the same sums whatever the reader
    for (territory, status), n in sorted(_count_by(projects, ["territory_id", "status"]).items()):
        place = names.get(territory, territory) or "(sans territoire)"
        by_status = counts.setdefault(place, {})
        by_status[status] = by_status.get(status, 0) + n
    if not counts:
        return ""
    enum = list(_field(projects, "status").get("constraints", {}).get("enum", []))
    seen = {s for c in counts.values() for s in c}
    statuses = [s for s in enum if s in seen] + sorted(seen - set(enum))
    labels = {s: site.code_label(projects, "status", s) for s in statuses}
    places = sorted(counts, key=lambda p: (-sum(counts[p].values()), p))
    if len(places) > CHART_PLACES:
        rest = places[CHART_PLACES - 1 :]
        other: dict[str, int] = {}
        for p in rest:
            for s, n in counts[p].items():
                other[s] = other.get(s, 0) + n
        label = f"{len(rest)} autres territoires"
        counts[label] = other
        places = [*places[: CHART_PLACES - 1], label]
    most = max(sum(counts[p].values()) for p in places)
    step = _nice_step(most)
    top = step * math.ceil(most / step)
    label_w, bar_w, row_h, pad = 230, 560, 28, 12
    width = label_w + bar_w + 50
    axis_y = pad + row_h * len(places)
    height = axis_y + 58
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="chart-title">'
        '<title id="chart-title">Projets par territoire et par statut</title>'
    ]
    for tick in range(0, top + 1, step):
        x = label_w + tick * bar_w / top
        parts.append(
            f'<line x1="{x:.1f}" y1="{pad - 4}" x2="{x:.1f}" y2="{axis_y}" stroke="#dddddd"/>'
            f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" font-size="12" '
            f'fill="#5f5f5f">{tick}</text>'
        )
    for i, place in enumerate(places):
        y = pad + i * row_h
        parts.append(
            f'<text x="{label_w - 10}" y="{y + 18}" text-anchor="end" font-size="14" '
            f'fill="#1e1e1e">{_e(place)}</text>'
        )
        x = float(label_w)
        for j, status in enumerate(statuses):
            n = counts[place].get(status, 0)
            if not n:
                continue
            w = n * bar_w / top
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" '
                f'fill="{_COLORS[j % len(_COLORS)]}"><title>{_e(place)} : {n} '
                f"{_e(labels[status])}</title></rect>"
            )
            x += w
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 18}" font-size="13" fill="#1e1e1e">'
            f"{sum(counts[place].values())}</text>"
        )
    legend_y = axis_y + 34
    x = float(label_w)
    for j, status in enumerate(statuses):
        parts.append(
            f'<rect x="{x:.1f}" y="{legend_y}" width="14" height="14" '
            f'fill="{_COLORS[j % len(_COLORS)]}"/>'
            f'<text x="{x + 20:.1f}" y="{legend_y + 12}" font-size="13" fill="#1e1e1e">'
            f"{_e(labels[status])}</text>"
        )
        x += 30 + 8 * len(labels[status])
    parts.append("</svg>")
    head = ["<th>territoire</th>", *(f'<th class="num">{_e(labels[s])}</th>' for s in statuses)]
    head.append('<th class="num">total</th>')
    rows = (
        f"<tr><td>{_e(p)}</td>"
        + "".join(f'<td class="num">{counts[p].get(s, 0)}</td>' for s in statuses)
        + f'<td class="num">{sum(counts[p].values())}</td></tr>'
        for p in places
    )
    total = sum(sum(counts[p].values()) for p in places)
    return (
        '<h2 id="graphique">Projets par territoire et par statut</h2>\n'
        f'<p class="muted">{_french_int(total)} projets de la table '
        f'<a href="tables/{_href(projects.table)}.html">{_e(projects.schema.get("title", projects.name))}</a>, '
        "par territoire principal et par statut.</p>\n"
        f'<div class="chart scroll">{"".join(parts)}</div>\n'
        f"<details><summary>Les mêmes chiffres en tableau</summary>{_table(head, rows)}</details>"
    )


def _downloads(site: _Site) -> str:
    from cnr_opendata.release import release_files

    zip_name = f"{site.package.name}-{site.package.version}.zip"
    # the zip is written after the site (it holds it); rewriting the site of a finished release
    # must give the same page, so the zip is never listed from the folder
    files = [
        f
        for f in release_files(site.release_dir)
        if not f.path.startswith("site/") and f.path != zip_name
    ]
    # the tables first, then the RDF exports
    main = sorted(
        (f for f in files if f.role == "main"), key=lambda f: (f.path[:5] != "data/", f.path)
    )
    docs = [f for f in files if f.role != "main" and not f.path.startswith(_SKIPPED_FILES)]
    other = [f for f in files if f.path.startswith(_SKIPPED_FILES)]
    head = [
        "<th>fichier</th>",
        "<th>contenu</th>",
        '<th class="num">taille</th>',
        "<th>empreinte SHA-256</th>",
    ]

    def rows(group: list[Any]) -> list[str]:
        return [
            f'<tr><td><a href="../{_href(f.path)}">{_e(f.path)}</a></td><td>{_e(f.title)}</td>'
            f'<td class="num">{_size(f.bytes)}</td><td><code class="hash">{_e(f.sha256)}</code></td></tr>'
            for f in group
        ]

    archive = (
        f'<tr><td><a href="../{_href(zip_name)}">{_e(zip_name)}</a></td>'
        "<td>Archive complète de la version (tous les fichiers, ce site compris)</td>"
        '<td class="num">—</td><td class="muted">l\'archive contient ce site, qui ne peut donc '
        "pas donner son empreinte</td></tr>"
    )
    return (
        '<h2 id="telechargements">Téléchargements</h2>\n'
        "<p>Les tailles et empreintes SHA-256 permettent de vérifier un fichier téléchargé "
        "(<code>sha256sum FICHIER</code>). Les tables sont en CSV UTF-8, séparateur virgule.</p>\n"
        "<h3>Données</h3>\n"
        + _table(head, [*rows(main), archive])
        + "\n<h3>Documentation et métadonnées</h3>\n"
        + _table(head, rows(docs))
        + (
            f"\n<details><summary>Schémas des tables et vocabulaire ({len(other)} fichiers)"
            f"</summary>{_table(head, rows(other))}</details>"
            if other
            else ""
        )
    )


def _tables_list(site: _Site, prefix: str) -> str:
    rows = (
        f'<tr><td><a href="{prefix}{_href(r.table)}.html">{_e(r.schema.get("title", r.name))}</a></td>'
        f"<td><code>{_e(r.relpath)}</code></td>"
        f'<td class="num">{_french_int(site.counts[r.name])}</td>'
        f"<td>{_e(r.schema.get('description', ''))}</td></tr>"
        for r in site.package.resources
    )
    head = [
        "<th>table</th>",
        "<th>fichier</th>",
        '<th class="num">lignes</th>',
        "<th>description</th>",
    ]
    return _table(head, rows)


def _citation(package: Package) -> tuple[str, str]:
    """A citation as text and as BibTeX, from the descriptor only (no build date)."""
    d = package.descriptor
    contributors = [c for c in d.get("contributors", []) if isinstance(c, dict)]
    authors = [str(c["title"]) for c in contributors if "creator" in _roles(c) and c.get("title")]
    authors = authors or [str(c["title"]) for c in contributors if c.get("title")][:1]
    publishers = [
        str(c["title"]) for c in contributors if "publisher" in _roles(c) and c.get("title")
    ]
    year = str(d.get("created", ""))[:4]
    title = str(d.get("title", package.name))
    url = str(d.get("homepage", ""))
    text = (
        f"{' ; '.join(authors)}{f' ({year})' if year else ''}. {title}, version "
        f"{package.version} [jeu de données]."
        + (f" {' ; '.join(publishers)}." if publishers else "")
        + (f" {url}" if url else "")
    )
    key = re.sub(r"[^a-z0-9]+", "-", f"{package.name}-{package.version}".lower()).strip("-")
    fields = [
        ("author", " and ".join(f"{{{a}}}" for a in authors)),
        ("title", f"{{{title}}}"),
        ("year", year),
        ("version", package.version),
        ("publisher", " and ".join(publishers)),
        ("howpublished", f"\\url{{{url}}}" if url else ""),
        ("note", "Jeu de données"),
    ]
    bibtex = f"@misc{{{key},\n" + ",\n".join(f"  {k} = {{{v}}}" for k, v in fields if v) + "\n}"
    return text, bibtex


def _roles(contributor: dict[str, Any]) -> list[str]:
    roles = contributor.get("roles") or [contributor.get("role", "")]
    return [str(r) for r in roles]


def _facts(site: _Site) -> str:
    d = site.package.descriptor
    facts: list[tuple[str, str]] = [("Version", f"<strong>{_e(site.package.version)}</strong>")]
    publishers = [
        c
        for c in d.get("contributors", [])
        if isinstance(c, dict) and "publisher" in _roles(c) and c.get("title")
    ]
    if publishers:
        facts.append(("Éditeur", " ; ".join(_e(c["title"]) for c in publishers)))
    licences = [
        f'<a href="{_e(lic["path"])}">{_e(lic.get("title", lic.get("name")))}</a>'
        if str(lic.get("path", "")).startswith(("http://", "https://"))
        else _e(lic.get("title", lic.get("name")))
        for lic in _licences(d)
    ]
    if licences:
        facts.append(("Licence", ", ".join(licences)))
    temporal = d.get("temporal")
    if isinstance(temporal, dict) and temporal.get("start"):
        facts.append(
            (
                "Période couverte",
                f"du {_e(_french_date(str(temporal['start'])))} "
                f"au {_e(_french_date(str(temporal.get('end', ''))))}",
            )
        )
    total = sum(site.counts.values())
    facts.append(
        (
            "Contenu",
            f"{len(site.counts)} tables, {_french_int(total)} lignes "
            f'(<a href="#telechargements">téléchargements</a>)',
        )
    )
    if d.get("keywords"):
        facts.append(("Mots-clés", ", ".join(_e(k) for k in d["keywords"])))
    if d.get("baseIri") or d.get("homepage"):
        if d.get("homepage"):
            facts.append(
                ("Page du projet", f'<a href="{_e(d["homepage"])}">{_e(d["homepage"])}</a>')
            )
        facts.append(("IRI de base", f"<code>{_e(site.package.base_iri)}</code>"))
    return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"


def _sources(site: _Site) -> str:
    items = []
    for s in site.package.descriptor.get("sources", []):
        if not isinstance(s, dict):
            continue
        path = str(s.get("path", ""))
        title = str(s.get("title") or path)
        if path.startswith(("http://", "https://")):
            name = f'<a href="{_e(path)}">{_e(title)}</a>'
        elif path and (site.release_dir / path).is_file():
            name = f'<a href="../{_href(path)}">{_e(title)}</a>'
        else:
            name = _e(title)
        digest = f" — SHA-256 <code>{_e(s['sha256'])}</code>" if s.get("sha256") else ""
        items.append(f"<li>{name}{digest}</li>")
    table = _find(site.package, "sources")
    more = (
        f'<p>Les documents cités par chaque ligne sont dans la table <a href="tables/'
        f'{_href(table.table)}.html">{_e(table.schema.get("title", table.name))}</a>.</p>'
        if table is not None
        else ""
    )
    if not items and not more:
        return ""
    return f'<h2 id="sources">Sources</h2>\n<ul>{"".join(items)}</ul>\n{more}'


def _index_page(site: _Site) -> str:
    d = site.package.descriptor
    title = str(d.get("title", site.package.name))
    text, bibtex = _citation(site.package)
    body = (
        f"<h1>{_e(title)}</h1>\n"
        f'<p class="lead">{_e(d.get("description", ""))}</p>\n'
        f"{_facts(site)}\n{_figures(site)}\n{_chart(site)}\n{_downloads(site)}\n"
        f'<h2 id="tables">Tables</h2>\n{_tables_list(site, "tables/")}\n'
        f"{_sources(site)}\n"
        '<h2 id="citer">Citer ce jeu de données</h2>\n'
        "<p>Citez la version utilisée : ses fichiers ne changent plus une fois publiés.</p>\n"
        f'<pre class="citation">{_e(text)}</pre>\n<details><summary>BibTeX</summary><pre>{_e(bibtex)}</pre></details>\n'
        '<h2 id="utiliser">Utiliser les données</h2>\n'
        "<pre>import pandas as pd\n"
        f"projets = pd.read_csv(&quot;data/{_e(_first_table(site.package))}.csv&quot;)\n\n"
        "from frictionless import Package\n"
        "paquet = Package(&quot;datapackage.json&quot;)</pre>\n"
        "<p>Pour le RDF : <code>cnr-opendata query -f vocab/queries/FICHIER.rq</code> ou "
        '<code>cnr-opendata serve</code> ; voir le <a href="vocab.html">vocabulaire</a> et les '
        '<a href="queries.html">requêtes d\'exemple</a>.</p>'
    )
    return _page(site, title, body, "index.html")


def _first_table(package: Package) -> str:
    projects = _find(package, "projects")
    resource = projects or (package.resources[0] if package.resources else None)
    return resource.table if resource is not None else "TABLE"


# ---- table pages ----------------------------------------------------------------------------


def _constraints(f: dict[str, Any]) -> str:
    """The constraints of a field, in French, as HTML."""
    c = f.get("constraints", {})
    parts = []
    if c.get("required"):
        parts.append("obligatoire")
    if c.get("unique"):
        parts.append("unique")
    if "enum" in c:
        parts.append("valeurs : " + ", ".join(f"<code>{_e(v)}</code>" for v in c["enum"]))
    if "pattern" in c:
        parts.append(f"motif <code>{_e(c['pattern'])}</code>")
    for key, label in (
        ("minimum", "minimum"),
        ("maximum", "maximum"),
        ("minLength", "longueur minimale"),
        ("maxLength", "longueur maximale"),
    ):
        if key in c:
            parts.append(f"{label} {_e(c[key])}")
    return " ; ".join(parts)


def _table_page(site: _Site, resource: Resource) -> str:
    s = resource.schema
    package = site.package
    fk_of: dict[str, str] = {}
    keys = []
    if resource.primary_key:
        keys.append(
            "<li>Clé primaire : "
            + ", ".join(
                f'<a href="#champ-{_e(k)}"><code>{_e(k)}</code></a>' for k in resource.primary_key
            )
            + "</li>"
        )
    for fk_fields, ref, ref_fields in resource.foreign_keys():
        target = _find(package, ref)
        target_link = (
            f'<a href="{_href(target.table)}.html">{_e(target.schema.get("title", ref))}</a>'
            if target is not None
            else _e(ref)
        )
        for f in fk_fields:
            fk_of[f] = target_link
        keys.append(
            "<li>Clé étrangère : "
            + ", ".join(f"<code>{_e(f)}</code>" for f in fk_fields)
            + f" → {target_link} ("
            + ", ".join(f"<code>{_e(f)}</code>" for f in ref_fields)
            + ")</li>"
        )
    referrers = sorted(
        {
            (str(other.schema.get("title", other.name)), other.table)
            for other in package.resources
            if other is not resource
            and any(_find(package, ref) is resource for _f, ref, _r in other.foreign_keys())
        }
    )
    if referrers:
        keys.append(
            "<li>Référencée par : "
            + ", ".join(f'<a href="{_href(t)}.html">{_e(title)}</a>' for title, t in referrers)
            + "</li>"
        )
    field_rows = []
    for f in s.get("fields", []):
        ftype = str(f.get("type", "string"))
        refers = (
            f'<br><span class="muted">→ {fk_of[f["name"]]}</span>' if f["name"] in fk_of else ""
        )
        field_rows.append(
            f'<tr id="champ-{_e(f["name"])}"><td><code>{_e(f["name"])}</code></td>'
            f'<td>{_e(_TYPES.get(ftype, ftype))}<br><span class="muted">{_e(ftype)}</span></td>'
            f"<td>{_e(f.get('title', ''))}</td><td>{_e(f.get('description', ''))}{refers}</td>"
            f"<td>{_constraints(f)}</td><td>{_e(f.get('example', ''))}</td></tr>"
        )
    fields_head = (
        f"<th>{h}</th>" for h in ("champ", "type", "titre", "description", "contraintes", "exemple")
    )
    preview = []
    for i, row in enumerate(_rows(resource)):
        if i == PREVIEW_ROWS:
            break
        cells = []
        for name in resource.field_names:
            value = row.get(name) or ""
            shown = value if len(value) <= CELL_LIMIT else value[: CELL_LIMIT - 1] + "…"
            tip = f' title="{_e(value)}"' if len(value) > 40 else ""
            cells.append(f"<td{tip}>{_e(shown)}</td>")
        preview.append(f"<tr>{''.join(cells)}</tr>")
    count = site.counts[resource.name]
    title = str(s.get("title", resource.name))
    shown = (
        f"les {len(preview)} lignes"
        if len(preview) == count
        else f"les {len(preview)} premières lignes sur {_french_int(count)}"
    )
    body = (
        f"<h1>{_e(title)}</h1>\n"
        f'<p class="lead">{_e(s.get("description", ""))}</p>\n'
        f'<dl class="facts"><dt>Fichier</dt><dd><a href="../../{_href(resource.relpath)}">'
        f"{_e(resource.relpath)}</a> (CSV UTF-8)</dd>"
        f'<dt>Lignes</dt><dd><strong id="lignes">{_french_int(count)}</strong> lignes</dd>'
        f"<dt>Nom</dt><dd><code>{_e(resource.name)}</code></dd></dl>\n"
        + (f"<ul>{''.join(keys)}</ul>\n" if keys else "")
        + f'<h2 id="champs">Champs ({len(field_rows)})</h2>\n'
        + _table(fields_head, field_rows, "fields")
        + f'\n<h2 id="apercu">Aperçu : {shown}</h2>\n'
        + _table((f"<th>{_e(n)}</th>" for n in resource.field_names), preview, "preview")
    )
    return _page(site, title, body, f"tables/{resource.table}.html")


# ---- vocabulary -----------------------------------------------------------------------------


def _anchor(iri: str) -> str:
    """The anchor of a vocabulary term: what follows ``/def#`` or ``/def/`` (``Challenge``,
    ``statut/realise``), else the last segment of the IRI."""
    for sep in ("/def#", "/def/"):
        if sep in iri:
            return iri.split(sep, 1)[1]
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class _Anchors:
    """Unique ``id`` attributes for a page."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, iri: str) -> str:
        base = _anchor(iri) or "terme"
        name, n = base, 2
        while name in self.used:
            name, n = f"{base}-{n}", n + 1
        self.used.add(name)
        return name


def _compact(graph: Any, node: Any) -> str:
    """``skos:Concept`` for an IRI in a namespace the vocabulary declares, else the IRI."""
    iri = str(node)
    matches = sorted(
        ((len(str(ns)), str(prefix), str(ns)) for prefix, ns in graph.namespaces()),
        reverse=True,
    )
    for _length, prefix, ns in matches:
        local = iri[len(ns) :]
        if prefix and iri.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_-]*", local):
            return f"{prefix}:{local}"
    return iri


def _vocab_page(site: _Site) -> str:
    vocab = site.vocab
    if vocab.graph is None:
        body = (
            "<h1>Vocabulaire</h1>\n"
            '<p class="note">Aucun vocabulaire n\'est encore disponible : ni cette version ni '
            "le projet n'ont de fichier <code>vocab/*.ttl</code>. Cette page décrira les classes, "
            "propriétés et schémas de concepts dès qu'ils existeront.</p>"
        )
        return _page(site, "Vocabulaire", body, "vocab.html")
    from rdflib import URIRef
    from rdflib.namespace import OWL, RDF, RDFS, SKOS

    graph = vocab.graph
    anchors = _Anchors()

    def term_cell(iri: str, code: str = "") -> str:
        """The first cell of a term's row: its short name, its IRI, and its anchor."""
        short = code or _compact(graph, iri)
        name = f"<code>{_e(short)}</code><br>" if short != iri else ""
        return (
            f'<td class="term" id="{_e(anchors(iri))}">{name}'
            f'<span class="iri muted">{_e(iri)}</span></td>'
        )

    def terms(nodes: Iterable[Any]) -> list[Any]:
        return sorted({n for n in nodes if isinstance(n, URIRef)}, key=str)

    def names(values: Iterable[Any]) -> str:
        return ", ".join(f"<code>{_e(_compact(graph, v))}</code>" for v in terms(values))

    def th(*labels: str) -> list[str]:
        return [f"<th>{label}</th>" for label in labels]

    classes = terms([*graph.subjects(RDF.type, OWL.Class), *graph.subjects(RDF.type, RDFS.Class)])
    props = terms(
        s
        for t in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
        for s in graph.subjects(RDF.type, t)
    )
    schemes = terms(graph.subjects(RDF.type, SKOS.ConceptScheme))

    intro = []
    for onto in terms(graph.subjects(RDF.type, OWL.Ontology)):
        version = graph.value(onto, OWL.versionInfo)
        intro.append(
            f"<p><strong>{_e(_text(graph, onto, 'label'))}</strong> "
            f'<code class="iri">{_e(str(onto))}</code>'
            + (f", version {_e(version)}" if version is not None else "")
            + f". {_e(_text(graph, onto, 'definition'))}</p>"
        )
    sections = []
    class_rows = [
        f"<tr>{term_cell(str(c))}<td>{_e(_text(graph, c, 'label'))}</td>"
        f"<td>{_e(_text(graph, c, 'definition'))}</td>"
        f"<td>{names(graph.objects(c, RDFS.subClassOf))}</td></tr>"
        for c in classes
    ]
    sections.append(
        f'<h2 id="classes">Classes ({len(classes)})</h2>\n'
        + _table(th("terme", "libellé", "définition", "sous-classe de"), class_rows, "terms")
    )
    kinds = {
        OWL.ObjectProperty: "lien",
        OWL.DatatypeProperty: "valeur",
        OWL.AnnotationProperty: "annotation",
    }
    with_domain = any(graph.value(p, RDFS.domain) is not None for p in props)
    prop_rows = []
    for p in props:
        kind = next((label for t, label in kinds.items() if (p, RDF.type, t) in graph), "")
        domain = f"<td>{names(graph.objects(p, RDFS.domain))}</td>" if with_domain else ""
        prop_rows.append(
            f"<tr>{term_cell(str(p))}<td>{_e(_text(graph, p, 'label'))}</td>"
            f"<td>{_e(_text(graph, p, 'definition'))}</td><td>{_e(kind)}</td>{domain}"
            f"<td>{names(graph.objects(p, RDFS.range))}</td></tr>"
        )
    head = th("terme", "libellé", "définition", "nature", *(["domaine"] if with_domain else []))
    sections.append(
        f'<h2 id="proprietes">Propriétés ({len(props)})</h2>\n'
        + _table([*head, "<th>valeurs</th>"], prop_rows, "terms")
    )
    toc, scheme_sections = [], []
    for scheme in schemes:
        anchor = anchors(str(scheme))
        label = _text(graph, scheme, "label") or _anchor(str(scheme))
        toc.append(f'<li><a href="#{_e(anchor)}">{_e(label)}</a></li>')
        concepts = _concepts(site, graph, scheme)
        if concepts:
            rows = [
                f"<tr>{term_cell(iri, notation)}<td>{_e(label_)}</td><td>{_e(definition)}</td></tr>"
                for iri, notation, label_, definition in concepts
            ]
            listing = _table(th("code et IRI", "libellé", "définition"), rows, "terms")
        else:
            listing = (
                '<p class="muted">Les concepts de ce schéma sont générés à partir des données '
                f"à la construction ; {_e(site.store_note) or 'aucun pour cette version'}.</p>"
            )
        scheme_sections.append(
            f'<h3 id="{_e(anchor)}">{_e(label)}</h3>\n'
            f'<p><code class="iri">{_e(str(scheme))}</code> — '
            f"{_e(_text(graph, scheme, 'definition'))}</p>\n{listing}"
        )
    if schemes:
        sections.append(
            f'<h2 id="schemas">Schémas de concepts ({len(schemes)})</h2>\n'
            f'<ol class="toc">{"".join(toc)}</ol>'
        )
        sections += scheme_sections
    if vocab.in_release:
        where = "la copie du vocabulaire de cette version"
        files = [f'<li><a href="../vocab/{_href(f)}">vocab/{_e(f)}</a></li>' for f in vocab.files]
    else:
        where = "le vocabulaire du projet (cette version n'en a pas de copie)"
        files = [f"<li><code>vocab/{_e(f)}</code></li>" for f in vocab.files]
    readme = (
        ' La correspondance des colonnes des tables vers le RDF est décrite dans <a href="'
        '../vocab/README.md"><code>vocab/README.md</code></a>.'
        if vocab.in_release and (site.release_dir / "vocab" / "README.md").is_file()
        else ""
    )
    body = (
        "<h1>Vocabulaire</h1>\n"
        "<p>Les termes propres au projet (ce qu'aucun vocabulaire standard ne fournit) et les "
        f"schémas de concepts SKOS, lus dans {where}. Chaque terme a pour ancre son nom local "
        f"(<code>vocab.html#Challenge</code>, <code>vocab.html#statut/realise</code>).{readme}</p>\n"
        + "\n".join(intro)
        + f"\n<details><summary>Fichiers lus ({len(files)})</summary><ul>{''.join(files)}</ul>"
        + '</details>\n<ul><li><a href="#classes">Classes</a></li>'
        + '<li><a href="#proprietes">Propriétés</a></li>'
        + ('<li><a href="#schemas">Schémas de concepts</a></li>' if schemes else "")
        + "</ul>\n"
        + "\n".join(sections)
    )
    return _page(site, "Vocabulaire", body, "vocab.html")


def _concepts(site: _Site, graph: Any, scheme: Any) -> list[tuple[str, str, str, str]]:
    """(IRI, notation, French label, definition) of a scheme's concepts: from the vocabulary
    files, else from the release's RDF (schemes whose concepts are rows of a table)."""
    from rdflib import URIRef
    from rdflib.namespace import SKOS

    found = sorted(
        {c for c in graph.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)}, key=str
    )
    if found:
        return [
            (
                str(c),
                str(graph.value(c, SKOS.notation) or ""),
                _text(graph, c, "label"),
                _text(graph, c, "definition"),
            )
            for c in found
        ]
    if site.store is None:
        return []
    query = f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?c (SAMPLE(?n) AS ?notation) (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?definition)
        WHERE {{
          ?c skos:inScheme <{scheme}> .
          OPTIONAL {{ ?c skos:notation ?n }}
          OPTIONAL {{ ?c skos:prefLabel ?l FILTER(LANGMATCHES(LANG(?l), "fr") || LANG(?l) = "") }}
          OPTIONAL {{ ?c skos:definition ?d FILTER(LANGMATCHES(LANG(?d), "fr") || LANG(?d) = "") }}
        }} GROUP BY ?c ORDER BY ?c"""

    def value(solution: Any, name: str) -> str:
        term = solution[name]
        return "" if term is None else str(term.value)

    return [
        (value(s, "c"), value(s, "notation"), value(s, "label"), value(s, "definition"))
        for s in site.store.query(query)
    ]


# ---- example queries ------------------------------------------------------------------------


def _query_files(release_dir: Path) -> tuple[list[Path], bool]:
    in_release = sorted((release_dir / "vocab" / "queries").glob("*.rq"))
    if in_release:
        return in_release, True
    return sorted((vocab_dir() / "queries").glob("*.rq")), False


def _query_result(site: _Site, text: str) -> str:
    if site.store is None:
        return f'<p class="muted">Résultat non calculé : {_e(site.store_note)}.</p>'
    import pyoxigraph

    try:
        answer = site.store.query(text)
    except (SyntaxError, OSError, ValueError) as exc:
        return f'<p class="note">Cette requête échoue sur cette version : {_e(exc)}</p>'
    if isinstance(answer, pyoxigraph.QueryBoolean):
        return f"<p>Réponse : <strong>{'oui' if bool(answer) else 'non'}</strong></p>"
    if not isinstance(answer, pyoxigraph.QuerySolutions):
        return (
            '<p class="muted">Requête de graphe (CONSTRUCT ou DESCRIBE) : résultat non affiché.</p>'
        )
    names = [v.value for v in answer.variables]
    rows = []
    total = 0
    for solution in answer:
        total += 1
        if total <= QUERY_ROW_LIMIT:
            cells = ("" if solution[n] is None else str(solution[n].value) for n in names)
            rows.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    shown = (
        f"{total} résultat{'s' if total > 1 else ''}"
        if total <= QUERY_ROW_LIMIT
        else f"{QUERY_ROW_LIMIT} premiers résultats sur {_french_int(total)}"
    )
    return f'<p class="muted">{shown} sur cette version.</p>\n' + _table(
        (f"<th>{_e(n)}</th>" for n in names), rows
    )


def _queries_page(site: _Site) -> str:
    files, in_release = _query_files(site.release_dir)
    if not files:
        body = (
            "<h1>Requêtes SPARQL d'exemple</h1>\n"
            "<p class=\"note\">Aucune requête d'exemple n'est encore disponible "
            "(<code>vocab/queries/*.rq</code>).</p>"
        )
        return _page(site, "Requêtes SPARQL", body, "queries.html")
    toc, parts = [], []
    for path in files:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        comments = [line.lstrip("#").strip() for line in lines if line.startswith("#")]
        prefixes = [line for line in lines if line.upper().startswith(("PREFIX", "BASE"))]
        rest = "\n".join(
            line for line in lines if not line.startswith("#") and line not in prefixes
        ).strip("\n")
        title = comments[0] if comments else path.stem
        toc.append(f'<li><a href="#{_e(path.stem)}">{_e(title)}</a></li>')
        link = (
            f' : <a href="../vocab/queries/{_href(path.name)}">{_e(path.name)}</a>'
            if in_release
            else f" : <code>{_e(path.name)}</code>"
        )
        parts.append(
            f'<h2 id="{_e(path.stem)}">{_e(title)}</h2>\n'
            + "".join(f'<p class="muted">{_e(c)}</p>' for c in comments[1:] if c)
            + f'<p class="muted">Fichier{link}</p>\n'
            + (
                f"<details><summary>Préfixes ({len(prefixes)})</summary>"
                f"<pre><code>{_e(chr(10).join(prefixes))}</code></pre></details>\n"
                if prefixes
                else ""
            )
            + f"<pre><code>{_e(rest)}</code></pre>\n"
            + _query_result(site, text)
        )
    note = (
        "avec leur résultat sur les données de cette version"
        if site.store is not None
        else f"(résultats non calculés : {_e(site.store_note)})"
    )
    body = (
        "<h1>Requêtes SPARQL d'exemple</h1>\n"
        f"<p>Les requêtes de <code>vocab/queries/</code> {note}. Pour les exécuter : "
        "<code>cnr-opendata query -f vocab/queries/FICHIER.rq</code>, ou "
        "<code>cnr-opendata serve</code> pour un point d'accès SPARQL local.</p>\n"
        f'<ol class="toc">{"".join(toc)}</ol>\n' + "\n".join(parts)
    )
    return _page(site, "Requêtes SPARQL", body, "queries.html")


# ---- entry point ----------------------------------------------------------------------------


def write_site(
    package: Package, release_dir: Path, row_counts: Mapping[str, int] | None = None
) -> Path:
    """Write the static site of a release into ``release_dir/site/`` and return the path of its
    landing page (``site/index.html``).

    ``package`` is the package loaded from ``release_dir``. The landing page lists the files of
    the release present when it is written, with their size and sha256: call this after every
    other file but the zip. No script, no external resource; every text from the data is
    escaped; the same release gives the same bytes. ``row_counts`` (table name -> data rows),
    when the caller knows them, saves counting the rows again.
    """
    release_dir = Path(release_dir)
    root = release_dir / "site"
    (root / "tables").mkdir(parents=True, exist_ok=True)
    store, note = _open_store(package, release_dir)
    site = _Site(
        package,
        release_dir,
        {
            r.name: row_counts[r.name] if row_counts and r.name in row_counts else _count_rows(r)
            for r in package.resources
        },
        _load_vocabulary(release_dir),
        store,
        note,
    )

    def write(rel: str, text: str) -> None:
        (root / rel).write_text(text, encoding="utf-8", newline="\n")

    write("style.css", _CSS)
    for resource in package.resources:
        write(f"tables/{resource.table}.html", _table_page(site, resource))
    tables = "<h1>Tables</h1>\n" + _tables_list(site, "")
    write("tables/index.html", _page(site, "Tables", tables, "tables/index.html"))
    write("vocab.html", _vocab_page(site))
    write("queries.html", _queries_page(site))
    write("index.html", _index_page(site))  # last: it lists the files written before it
    return root / "index.html"
