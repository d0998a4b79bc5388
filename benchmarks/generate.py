"""Generate a synthetic CNR santé package of N projects in the project's own schemas.

Realistic French text (accents, quotes, commas, newlines), 200–600-character summaries, 2–4
partners, 1–2 challenges and 1–2 territories per project; deterministic (seeded). ``--defects``
injects known defects at known rows and prints them (JSON) so tests can check the reports.

    python benchmarks/generate.py 100000 /tmp/pkg-1e5 [--defects]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cnr_opendata.paths import bundled_package_dir  # noqa: E402

WORDS = (
    "accès aux soins",
    "médecin traitant",
    "équipe de soins",
    "prévention",
    "dépistage",
    "parcours",
    "télémédecine",
    "urgences",
    "CPTS",
    "hôpital",
    "médecine de ville",
    "santé mentale",
    "infirmiers",
    "« soins non programmés »",
    "territoire",
    "patients",
    "coordination",
    "transport sanitaire",
    "maison de santé",
    "qualité de vie",
    'l\'équipe "mobile"',
    "diabète",
)
VERBS = (
    "Développer",
    "Structurer",
    "Renforcer",
    "Déployer",
    "Promouvoir",
    "Expérimenter",
    "Créer",
    "Améliorer",
)


def _sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, 4)
    return f"{rng.choice(VERBS)} {words[0]} et {words[1]}, avec {words[2]} pour {words[3]}."


def _summary(rng: random.Random) -> str:
    text = ""
    target = rng.randint(200, 600)
    while len(text) < target:
        text += (" " if rng.random() < 0.9 else "\n") + _sentence(rng)
    return text.strip()


def _read(table: str, src: Path) -> tuple[list[str], list[dict[str, str]]]:
    with (src / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def generate(
    n: int, out: Path, *, seed: int = 42, defects: bool = False
) -> list[dict[str, object]]:
    """Write the package; return the injected defects (table, row, column, code)."""
    src = bundled_package_dir()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out)
    rng = random.Random(seed)
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["name"] = "cnr-sante-synthetique"
    descriptor["title"] = f"Projets synthétiques ({n})"
    descriptor["rules"] = [r for r in descriptor.get("rules", []) if r["kind"] != "count"]
    (out / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    _, territories = _read("territories", src)
    places = [t["id"] for t in territories if t["parent_id"] == "dep-83" or t["id"] == "dep-83"]
    _, orgs = _read("organizations", src)
    org_ids = [o["id"] for o in orgs]
    challenges = ["defi-1", "defi-2", "defi-3", "defi-4"]
    header, _ = _read("projects", src)
    injected: list[dict[str, object]] = []
    plan: dict[int, str] = {}
    if defects:
        kinds = [
            "bad-date",
            "enum",
            "pattern",
            "duplicate-id",
            "missing-required",
            "bad-integer",
            "extra-cell",
            "missing-cell",
            "blank-row",
            "foreign-key",
        ]
        for i, kind in enumerate(kinds):
            plan[(i + 1) * max(n // (len(kinds) + 1), 1)] = kind
    link_tables = ("projects", "project_partners", "project_challenges", "project_territories")
    curated = {
        t: _read(t, src)[1] for t in link_tables
    }  # the real rows stay: figures refer to them
    files = {
        t: (out / "data" / f"{t}.csv").open("w", encoding="utf-8", newline="") for t in link_tables
    }
    try:
        w = {t: csv.writer(fh, lineterminator="\n") for t, fh in files.items()}
        w["projects"].writerow(header)
        w["project_partners"].writerow(["project_id", "organization_id", "role", "basis", "note"])
        w["project_challenges"].writerow(["project_id", "challenge_id", "basis", "rationale"])
        w["project_territories"].writerow(["project_id", "territory_id", "role", "basis", "note"])
        for t in link_tables:
            for r in curated[t]:
                w[t].writerow(list(r.values()))
        for i in range(n):
            pid = f"synth-{i:07d}"
            place = rng.choice(places)
            status = rng.choice(("realise", "en-cours"))
            start = f"2023-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}"
            end = (
                f"2023-{rng.randint(7, 12):02d}-{rng.randint(1, 28):02d}"
                if rng.random() < 0.5
                else ""
            )
            row = {
                "id": pid,
                "title": f"{rng.choice(VERBS)} {rng.choice(WORDS)} n° {i}",
                "summary": _summary(rng),
                "departement_id": "dep-83",
                "territory_id": place,
                "status": status,
                "status_stated": "PROJET RÉALISÉ" if status == "realise" else "EN COURS",
                "status_date": "2023-11-08",
                "start_date": start,
                "end_date": end,
                "date_precision": "jour",
                "planned_year": str(rng.choice(("", "2024", "2025"))),
                "dates_stated": f"« depuis {start} »",
                "target_population": rng.choice(("", "Patients de 55 à 74 ans")),
                "round": "2022-2023",
                "source_id": "dp-cnr-sante-var-2023-11",
                "source_location": f"ligne {i}",
            }
            line = [row[h] for h in header]
            row_number = i + 2 + len(curated["projects"])
            kind = plan.get(i)
            if kind:
                column = {
                    "bad-date": "start_date",
                    "enum": "status",
                    "pattern": "id",
                    "duplicate-id": "id",
                    "missing-required": "title",
                    "bad-integer": "planned_year",
                    "extra-cell": None,
                    "missing-cell": "source_location",
                    "blank-row": None,
                    "foreign-key": "territory_id",
                }[kind]
                code = {
                    "bad-date": "type-error",
                    "enum": "constraint-error",
                    "pattern": "constraint-error",
                    "duplicate-id": "primary-key",
                    "missing-required": "constraint-error",
                    "bad-integer": "type-error",
                    "extra-cell": "extra-cell",
                    "missing-cell": "missing-cell",
                    "blank-row": "blank-row",
                    "foreign-key": "foreign-key",
                }[kind]
                if kind == "bad-date":
                    line[header.index("start_date")] = "2023-02-30"
                elif kind == "enum":
                    line[header.index("status")] = "termine"
                elif kind == "pattern":
                    line[header.index("id")] = f"Synth {i}"
                elif kind == "duplicate-id":
                    line[header.index("id")] = "synth-0000000"
                elif kind == "missing-required":
                    line[header.index("title")] = ""
                elif kind == "bad-integer":
                    line[header.index("planned_year")] = "2024.5"
                elif kind == "extra-cell":
                    line.append("surplus")
                elif kind == "missing-cell":
                    line = line[:-1]
                elif kind == "blank-row":
                    line = [""] * len(header)
                elif kind == "foreign-key":
                    line[header.index("territory_id")] = "com-99999"
                injected.append(
                    {
                        "table": "projects",
                        "row": row_number,
                        "column": column,
                        "code": code,
                        "kind": kind,
                    }
                )
                if kind in ("pattern", "blank-row"):
                    w["projects"].writerow(line)
                    continue  # its links would only repeat the defect as foreign-key errors
            w["projects"].writerow(line)
            for org in rng.sample(org_ids, rng.randint(2, 4)):
                w["project_partners"].writerow(
                    [
                        pid,
                        org,
                        rng.choice(("pilote", "partenaire", "soutien")),
                        "declare",
                        "« cité »",
                    ]
                )
            for ch in rng.sample(challenges, rng.randint(1, 2)):
                w["project_challenges"].writerow(
                    [pid, ch, "infere", "Lien déduit par les curateurs."]
                )
            w["project_territories"].writerow([pid, place, "territoire-principal", "declare", ""])
    finally:
        for fh in files.values():
            fh.close()
    return injected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=float, help="number of projects (1e6 works)")
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--defects", action="store_true", help="inject known defects; print them as JSON"
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    injected = generate(int(args.n), args.out, seed=args.seed, defects=args.defects)
    if args.defects:
        print(json.dumps(injected, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
