"""The obvious alternative for the RDF export: an rdflib Graph built row by row, then
``serialize`` to N-Triples and Turtle. Used by run.py for comparison only.

    python benchmarks/naive_rdf.py PACKAGE OUT_DIR
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef

BASE = "https://w3id.org/cnr-sante"
DCT = Namespace("http://purl.org/dc/terms/")
SCHEMA = Namespace("https://schema.org/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
CNR = Namespace("https://w3id.org/cnr-sante/def#")
PROV = Namespace("http://www.w3.org/ns/prov#")


def main() -> None:
    pkg, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    g = Graph()
    with (pkg / "data" / "projects.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            s = URIRef(f"{BASE}/projet/{row['id']}")
            g.add((s, RDF.type, SCHEMA.Project))
            g.add((s, RDF.type, PROV.Activity))
            g.add((s, DCT.identifier, Literal(row["id"])))
            g.add((s, DCT.title, Literal(row["title"], lang="fr")))
            g.add((s, DCT.description, Literal(row["summary"], lang="fr")))
            g.add((s, DCT.spatial, URIRef(f"{BASE}/territoire/{row['departement_id']}")))
            g.add((s, SCHEMA.location, URIRef(f"{BASE}/territoire/{row['territory_id']}")))
            g.add((s, ADMS.status, URIRef(f"{BASE}/def/statut/{row['status']}")))
            g.add((s, CNR.statedStatus, Literal(row["status_stated"], lang="fr")))
            g.add((s, CNR.statusDate, Literal(row["status_date"], datatype=XSD.date)))
            g.add((s, DCT.source, URIRef(f"{BASE}/source/{row['source_id']}")))
            g.add((s, CNR.round, Literal(row["round"])))
            for key, pred in (
                ("dates_stated", CNR.statedDates),
                ("target_population", CNR.targetPopulation),
                ("source_location", CNR.sourceLocation),
            ):
                if row[key]:
                    g.add((s, pred, Literal(row[key], lang="fr")))
            if row["planned_year"]:
                g.add((s, CNR.plannedYear, Literal(row["planned_year"], datatype=XSD.gYear)))
    g.serialize(out / "naive.nt", format="nt")
    g.serialize(out / "naive.ttl", format="turtle")
    print(len(g))


if __name__ == "__main__":
    main()
