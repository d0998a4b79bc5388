"""A small release folder for the query and serve tests: datapackage.json, N-Triples, examples.

The real release (``build_release``) is used too where it exists; this one is small, fast and
holds the awkward cases on purpose (a ``<script>`` label, a blank node, a non-ASCII literal).
"""

from __future__ import annotations

import json
from pathlib import Path

BASE = "https://w3id.org/cnr-sante"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"
ADMS = "http://www.w3.org/ns/adms#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: (id, title, status) of the fixture's projects.
PROJECTS = [
    ("var-2023-qpv-toulon", "Santé dans les quartiers prioritaires de Toulon", "realise"),
    ("var-2023-cpts-dracenie", "Accès aux soins non programmés en Dracénie", "en-cours"),
    ("var-2023-mobile", "Bus santé « Haut-Var »", "en-cours"),
    ("x", '<script>alert("x")</script> & co', "realise"),
]

EXAMPLE_QUERY = f"""# Projets par statut
# Le nombre de projets pour chaque statut.
PREFIX adms: <{ADMS}>
SELECT ?statut (COUNT(?projet) AS ?n) WHERE {{
  ?projet adms:status ?statut .
}} GROUP BY ?statut ORDER BY ?statut
"""

#: A 7-way cross join of the fixture's 34 triples: 34**7 ≈ 5e10 rows, hours at the
#: ≈ 5 M rows/s pyoxigraph counts here, far beyond any time limit a test sets.
SLOW_QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { " + " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(7)) + " }"
)


def ntriples(projects: list[tuple[str, str, str]] = PROJECTS) -> str:
    lines = []
    for pid, title, status in projects:
        s = f"<{BASE}/projet/{pid}>"
        esc = title.replace("\\", "\\\\").replace('"', '\\"')
        lines += [
            f"{s} <{RDF_TYPE}> <{SCHEMA}Project> .",
            f'{s} <{DCT}identifier> "{pid}" .',
            f'{s} <{DCT}title> "{esc}"@fr .',
            f"{s} <{ADMS}status> <{BASE}/statut/{status}> .",
            f"{s} <{SCHEMA}funder> <{BASE}/organisation/ars-paca> .",
        ]
    s = f"<{BASE}/projet/var-2023-qpv-toulon>"
    lines += [
        f"{s} <{SCHEMA}funding> _:m1 .",
        f"_:m1 <{RDF_TYPE}> <{SCHEMA}MonetaryAmount> .",
        f'_:m1 <{SCHEMA}value> "120000"^^<http://www.w3.org/2001/XMLSchema#decimal> .',
        f'_:m1 <{SCHEMA}currency> "EUR" .',
        f"<{BASE}/organisation/ars-paca> <{RDF_TYPE}> <http://www.w3.org/ns/org#Organization> .",
        f'<{BASE}/organisation/ars-paca> <http://www.w3.org/2004/02/skos/core#prefLabel> "ARS Provence-Alpes-Côte d\'Azur"@fr .',
    ]
    owl, rdfs = "http://www.w3.org/2002/07/owl#", "http://www.w3.org/2000/01/rdf-schema#"
    lines += [  # a vocabulary document with hash terms, as vocab/cnr.ttl has
        f"<{BASE}/def> <{RDF_TYPE}> <{owl}Ontology> .",
        f'<{BASE}/def> <{rdfs}label> "Vocabulaire de test"@fr .',
        f"<{BASE}/def#statedStatus> <{RDF_TYPE}> <{owl}DatatypeProperty> .",
        f'<{BASE}/def#statedStatus> <{rdfs}label> "statut déclaré"@fr .',
        f"<{BASE}/def#statedStatus> <{rdfs}isDefinedBy> <{BASE}/def> .",
        f"<{BASE}/def#Figure> <{RDF_TYPE}> <{owl}Class> .",
        f'<{BASE}/def#Figure> <{rdfs}label> "chiffre <b>énoncé</b>"@fr .',
        f"<{BASE}/def#Figure> <{rdfs}isDefinedBy> <{BASE}/def> .",
    ]
    return "\n".join(lines) + "\n"


def write_release(
    parent: Path,
    *,
    name: str = "cnr-test",
    version: str = "0.0.1",
    projects: list[tuple[str, str, str]] = PROJECTS,
    site: bool = True,
) -> Path:
    """Write ``parent/<name>-<version>/`` like a built release, and return it."""
    root = parent / f"{name}-{version}"
    (root / "vocab" / "queries").mkdir(parents=True)
    descriptor = {"name": name, "version": version, "baseIri": BASE, "resources": []}
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (root / f"{name}.nt").write_text(ntriples(projects), encoding="utf-8")
    (root / "vocab" / "queries" / "01-statuts.rq").write_text(EXAMPLE_QUERY, encoding="utf-8")
    (root / "vocab" / "queries" / "02-script.rq").write_text(
        "# Titre avec <script>alert(1)</script>\nSELECT * WHERE { ?s ?p ?o } LIMIT 3\n",
        encoding="utf-8",
    )
    if site:
        (root / "site").mkdir()
        (root / "site" / "index.html").write_text(
            "<!doctype html><title>Site</title><p>Bienvenue</p>\n", encoding="utf-8"
        )
        (root / "site" / "style.css").write_text("p { color: black }\n", encoding="utf-8")
    return root
