"""DCAT-AP 3.0.1 description of a release (``catalog.ttl``).

A catalogue, the dataset (this version of the package) and one distribution per file of the
release, with EU authority-table IRIs for frequency, file type, language and data theme (HEAL).
Controlled-vocabulary values are typed (``a dct:Frequency``…) so the official shapes' range
checks pass. The EU licence authority table has no Etalab Licence Ouverte 2.0 entry that we
could find, so the licence is Etalab's own IRI. Every node has an IRI (no blank nodes) and the
Turtle is written from sorted triples: the same release gives the same bytes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cnr_opendata.rdf.mapping import DEF, PREFIXES, Mapping, Template, encode_simple

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"

#: data.gouv.fr licence ids and names -> licence IRI (EU authority table when it has one).
LICENCES = {
    "etalab-2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
    "lov2": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
    "odc-odbl": "http://publications.europa.eu/resource/authority/licence/ODC_ODBL",
    "cc-by": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    "cc-by-4.0": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    "cc0-1.0": "http://publications.europa.eu/resource/authority/licence/CC0",
}

#: data.gouv.fr frequency -> EU frequency authority table code.
FREQUENCIES = {
    "irregular": "IRREG",
    "unknown": "UNKNOWN",
    "continuous": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "semiannual": "ANNUAL_2",
    "annual": "ANNUAL",
    "biennial": "BIENNIAL",
}

#: file extension -> EU file-type authority table code.
FILE_TYPES = {
    ".csv": "CSV",
    ".json": "JSON",
    ".jsonld": "JSON_LD",
    ".ttl": "RDF_TURTLE",
    ".nt": "RDF_N_TRIPLES",
    ".zip": "ZIP",
    ".txt": "TXT",
    ".html": "HTML",
    ".svg": "SVG",
    ".png": "PNG",
    ".rq": "SPARQLQ",
}

_ZONE_LEVELS = {"region": "region", "departement": "departement", "commune": "commune"}


def _territory_iris(
    package: Any, mapping: Mapping | None, base: str, zones: Iterable[str]
) -> list[str]:
    """Our territory IRIs for data.gouv.fr zones (``fr:region:93``), found by level and INSEE
    code in the territories table; zones it does not hold are left out."""
    wanted = {}
    for zone in zones:
        parts = str(zone).split(":")
        if len(parts) == 3 and parts[0] == "fr" and parts[1] in _ZONE_LEVELS:
            wanted[(_ZONE_LEVELS[parts[1]], parts[2])] = zone
    if not wanted or mapping is None:
        return []
    try:
        tm = mapping.table("territories")
    except KeyError:
        return []
    found = []
    path = Path(package.root) / tm.path
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if (row.get("level"), row.get("insee_code")) in wanted:
                found.append(tm.subject.expand(row, base))
    return sorted(found)


def catalog_graph(
    package: Any, files: list[Any], *, base_iri: str, mapping: Mapping | None = None
) -> Any:
    """The DCAT-AP graph (rdflib) of a release: ``files`` have ``path``, ``title``,
    ``description``, ``mediatype``, ``role``, ``bytes`` and ``sha256``."""
    from rdflib import RDF, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS, XSD

    SPDX = Namespace(PREFIXES["spdx"])
    base = base_iri.rstrip("/")
    d = package.descriptor
    name, version = package.name, package.version
    g = Graph()

    def fr(text: str) -> Literal:
        return Literal(text, lang="fr")

    def typed(iri: str, cls: URIRef) -> URIRef:
        node = URIRef(iri)
        g.add((node, RDF.type, cls))
        return node

    catalog = URIRef(f"{base}/catalogue")
    dataset = URIRef(f"{base}/jeu-de-donnees/{encode_simple(name)}/{encode_simple(version)}")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, fr(f"Catalogue cnr-opendata : {d.get('title', name)}")))
    g.add(
        (
            catalog,
            DCTERMS.description,
            fr("Données ouvertes du Conseil national de la refondation en santé (CNR santé)."),
        )
    )
    g.add((catalog, DCAT.dataset, dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, fr(str(d.get("title", name)))))
    g.add((dataset, DCTERMS.description, fr(str(d.get("description", name)))))
    g.add((dataset, DCTERMS.identifier, Literal(f"{name}-{version}")))
    g.add((dataset, URIRef(str(DCAT) + "version"), Literal(version)))  # DCAT 3 term
    for kw in d.get("keywords") or []:
        g.add((dataset, DCAT.keyword, fr(str(kw))))
    created = str(d.get("created", ""))[:10]
    if len(created) == 10:
        g.add((dataset, DCTERMS.issued, Literal(created, datatype=XSD.date)))
    homepage = d.get("homepage")
    if homepage:
        page = typed(str(homepage), FOAF.Document)
        g.add((dataset, DCAT.landingPage, page))
        g.add((catalog, FOAF.homepage, page))
    language = typed(f"{EU}language/FRA", DCTERMS.LinguisticSystem)
    for node in (catalog, dataset):
        g.add((node, DCTERMS.language, language))

    # publisher: the package's publisher contributor, an organisation of the data when named so
    publisher_name = next(
        (
            c.get("title")
            for c in d.get("contributors") or []
            if "publisher" in (c.get("roles") or [c.get("role")])
        ),
        None,
    ) or str(d.get("title", name))
    publisher = typed(f"{base}/catalogue#editeur", FOAF.Agent)
    g.add((publisher, FOAF.name, fr(str(publisher_name))))
    for c in d.get("contributors") or []:
        if c.get("title") == publisher_name and c.get("path"):
            g.add((publisher, FOAF.homepage, typed(str(c["path"]), FOAF.Document)))
    for node in (catalog, dataset):
        g.add((node, DCTERMS.publisher, publisher))

    # licence
    licence_iri = None
    for lic in d.get("licenses") or []:
        licence_iri = LICENCES.get(str(lic.get("name", "")).lower()) or lic.get("path")
        if licence_iri:
            break
    if licence_iri is None:
        licence_iri = LICENCES.get(str((d.get("datagouv") or {}).get("license", "")))
    licence = typed(licence_iri, DCTERMS.LicenseDocument) if licence_iri else None
    if licence is not None:
        g.add((licence, DCTERMS.title, fr("Licence Ouverte / Open Licence version 2.0")))
        for node in (catalog, dataset):
            g.add((node, DCTERMS.license, licence))

    # frequency, theme, conformance to the vocabulary
    freq = FREQUENCIES.get(str(d.get("frequency", "unknown")), "UNKNOWN")
    g.add((dataset, DCTERMS.accrualPeriodicity, typed(f"{EU}frequency/{freq}", DCTERMS.Frequency)))
    themes = typed(f"{EU}data-theme", SKOS.ConceptScheme)
    g.add((themes, DCTERMS.title, Literal("Data theme", lang="en")))
    g.add((catalog, DCAT.themeTaxonomy, themes))
    heal = typed(f"{EU}data-theme/HEAL", SKOS.Concept)
    g.add((heal, SKOS.prefLabel, fr("Santé")))
    g.add((heal, SKOS.prefLabel, Literal("Health", lang="en")))
    g.add((heal, SKOS.inScheme, themes))
    g.add((dataset, DCAT.theme, heal))
    vocab = typed(DEF.rstrip("/"), DCTERMS.Standard)
    g.add((vocab, DCTERMS.title, fr("Vocabulaire cnr-opendata")))
    g.add((dataset, DCTERMS.conformsTo, vocab))

    # spatial and temporal coverage
    spatial = d.get("spatial") or {}
    g.add((dataset, DCTERMS.spatial, typed(f"{EU}country/FRA", DCTERMS.Location)))
    for iri in _territory_iris(package, mapping, base, spatial.get("zones") or []):
        g.add((dataset, DCTERMS.spatial, typed(iri, DCTERMS.Location)))
    temporal = d.get("temporal") or {}
    if temporal.get("start") or temporal.get("end"):
        period = typed(f"{dataset}#periode", DCTERMS.PeriodOfTime)
        if temporal.get("start"):
            g.add((period, DCAT.startDate, Literal(str(temporal["start"]), datatype=XSD.date)))
        if temporal.get("end"):
            g.add((period, DCAT.endDate, Literal(str(temporal["end"]), datatype=XSD.date)))
        g.add((dataset, DCTERMS.temporal, period))

    # one distribution per file
    sha256 = typed(str(SPDX.checksumAlgorithm_sha256), SPDX.ChecksumAlgorithm)
    folder = f"{encode_simple(name)}-{encode_simple(version)}"
    for f in sorted(files, key=lambda f: f.path):
        rel = Template.parse("{+path}", "path").expand({"path": str(f.path)}, base)
        dist = URIRef(f"{dataset}/{rel}")
        url = URIRef(f"{base}/fichiers/{folder}/{rel}")
        g.add((dataset, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCTERMS.title, fr(str(f.title or f.path))))
        if f.description:
            g.add((dist, DCTERMS.description, fr(str(f.description))))
        if f.mediatype:
            g.add((dist, DCAT.mediaType, typed(IANA + str(f.mediatype), DCTERMS.MediaType)))
        code = FILE_TYPES.get(Path(str(f.path)).suffix.lower())
        if code:
            g.add(
                (dist, DCTERMS["format"], typed(f"{EU}file-type/{code}", DCTERMS.MediaTypeOrExtent))
            )
        if f.bytes is not None:
            g.add((dist, DCAT.byteSize, Literal(int(f.bytes), datatype=XSD.nonNegativeInteger)))
        if f.sha256:
            checksum = typed(f"{dist}#sha256", SPDX.Checksum)
            g.add((checksum, SPDX.algorithm, sha256))
            g.add((checksum, SPDX.checksumValue, Literal(str(f.sha256), datatype=XSD.hexBinary)))
            g.add((dist, SPDX.checksum, checksum))
        if licence is not None:
            g.add((dist, DCTERMS.license, licence))
    return g


CATALOG_PREFIXES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def sorted_turtle(graph: Any, prefixes: dict[str, str]) -> bytes:
    """Turtle of a small rdflib graph without blank nodes, from its sorted N-Triples."""
    import pyoxigraph as ox

    lines = sorted(line for line in graph.serialize(format="nt").splitlines() if line.strip())
    out = ox.serialize(
        ox.parse("\n".join(lines) + "\n", format=ox.RdfFormat.N_TRIPLES),
        format=ox.RdfFormat.TURTLE,
        prefixes=prefixes,
    )
    text = out or b""
    return text if text.endswith(b"\n") else text + b"\n"
