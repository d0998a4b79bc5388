"""Generate a synthetic CNR santé package of N projects in the project's own schemas.

The descriptor and Table Schemas are those of ``datapackage/``; the curated rows stay (the
figures refer to them) and synthetic rows are added:

- ``territories``: three more départements and 500 communes in each of the six PACA ones;
- ``organizations``: N/10 (at least 100) with kinds, groups, FINESS and SIREN numbers;
- ``projects``: N, with realistic French text (accents, « », ASCII quotes, commas and newlines;
  200–600-character summaries), dates, status and a territory inside the département;
- ``project_partners`` (2–4 per project), ``project_challenges`` (1–2),
  ``project_territories`` (1–2) and ``indicators`` (one per 5 projects: budgets, participants).

The cross-table rules of the descriptor hold: the indicator ``projets-var`` states the synthetic
count of Var projects. Deterministic (``--seed``); vectorised draws and ``csv.writerows`` in
chunks of 100,000 projects, so 1,000,000 projects take seconds, in bounded memory.

``--defects`` injects known defects at known rows and prints them as JSON (table, row, column,
code, kind): cell-level defects in projects, organizations, indicators and project_partners
(tables the fast validator reads), and row-shape defects (extra cell, missing cell, blank row)
in project_territories, which the exact row-by-row path reads.

``--projects-only`` keeps only the curated rows of the link tables, organizations and
indicators: N projects and about 21 triples each (the issue's calibration of "≈ 16 triples
per project" for the targets), rather than about 62 with partners, challenges and figures.

    python benchmarks/generate.py 100000 /tmp/pkg-1e5 [--defects] [--seed 42] [--projects-only]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from cnr_opendata.paths import bundled_package_dir  # noqa: E402

CHUNK = 100_000
SOURCE = "dp-cnr-sante-var-2023-11"
COG = "insee-cog-2023"

WORDS = (
    "l'accès aux soins",
    "le médecin traitant",
    "l'équipe de soins primaires",
    "la prévention",
    "le dépistage organisé",
    "le parcours de soins",
    "la télémédecine",
    "les urgences",
    "la CPTS",
    "l'hôpital de proximité",
    "la médecine de ville",
    "la santé mentale",
    "les infirmiers en pratique avancée",
    "les « soins non programmés »",
    "le territoire",
    "les patients âgés",
    "la coordination ville-hôpital",
    "le transport sanitaire",
    "la maison de santé pluriprofessionnelle",
    "la qualité de vie au travail",
    'l\'équipe "mobile"',
    "le diabète de type 2",
    "les aidants",
    "la pédiatrie",
    "l'éducation thérapeutique",
    "les déserts médicaux",
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
    "Coordonner",
    "Évaluer",
)
PLACES = (
    "Saint-Martin",
    "Sainte-Anne",
    "Le Castellet",
    "La Garde",
    "Bormes",
    "Châteauneuf",
    "Val-d'Issole",
    "Montfort",
    "Les Arcs",
    "Gréoux",
    "Pélissanne",
    "Cuers",
    "Èze",
    "Roquebrune",
)
SUFFIXES = (
    "",
    "-sur-Mer",
    "-les-Pins",
    "-de-Provence",
    "-du-Var",
    "-sur-Argens",
    "-en-Vaucluse",
    "-la-Forêt",
    "-d'Azur",
    "-les-Bains",
)
DEPARTEMENTS = {
    "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes",
    "06": "Alpes-Maritimes",
    "13": "Bouches-du-Rhône",
    "83": "Var",
    "84": "Vaucluse",
}
ORG_KINDS = (
    "etablissement-sante",
    "clinique",
    "cpts",
    "professionnels-liberaux",
    "collectivite-territoriale",
    "democratie-sanitaire",
    "securite-sociale",
    "ght",
)
ORG_NAMES = {
    "etablissement-sante": "Centre hospitalier",
    "clinique": "Clinique",
    "cpts": "CPTS",
    "professionnels-liberaux": "Professionnels libéraux",
    "collectivite-territoriale": "Commune",
    "democratie-sanitaire": "Conseil local de santé",
    "securite-sociale": "Caisse",
    "ght": "GHT",
}
ROLES = ("pilote", "partenaire", "soutien", "lieu-de-mise-en-oeuvre")
CHALLENGES = ("defi-1", "defi-2", "defi-3", "defi-4")

#: (table, kind, column, code) of each injected defect, in injection order.
DEFECTS: tuple[tuple[str, str, str | None, str], ...] = (
    ("projects", "bad-date", "start_date", "type-error"),
    ("projects", "enum", "status", "constraint-error"),
    ("projects", "pattern", "id", "constraint-error"),
    ("projects", "duplicate-id", "id", "primary-key"),
    ("projects", "missing-required", "title", "constraint-error"),
    ("projects", "bad-year", "planned_year", "type-error"),
    ("projects", "foreign-key", "territory_id", "foreign-key"),
    ("projects", "bad-date-format", "end_date", "type-error"),
    ("organizations", "bad-integer", "group_size", "type-error"),
    ("organizations", "bad-boolean", "is_group", "type-error"),
    ("organizations", "minimum", "group_size", "constraint-error"),
    ("organizations", "pattern", "siren", "constraint-error"),
    ("indicators", "bad-number", "value", "type-error"),
    ("indicators", "minimum", "value", "constraint-error"),
    ("indicators", "enum", "unit", "constraint-error"),
    ("project_partners", "duplicate-key", "project_id", "primary-key"),
    ("project_partners", "foreign-key", "organization_id", "foreign-key"),
    ("project_partners", "missing-required", "role", "constraint-error"),
    ("project_territories", "extra-cell", None, "extra-cell"),
    ("project_territories", "missing-cell", "note", "missing-cell"),
    ("project_territories", "blank-row", None, "blank-row"),
)


def _read(table: str, src: Path) -> tuple[list[str], list[list[str]]]:
    with (src / "data" / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _pick(rng: np.random.Generator, options: Sequence[str], n: int) -> list[str]:
    return [options[i] for i in rng.integers(0, len(options), n).tolist()]


def _q(value: str) -> str:
    """A cell as the csv module writes it (minimal quoting)."""
    if '"' in value or "," in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _sentences(rng: np.random.Generator, count: int) -> list[str]:
    """A pool of distinct sentences (60–110 characters) to assemble summaries from."""
    out = []
    for _ in range(count):
        w = rng.choice(len(WORDS), 4, replace=False).tolist()
        verb = VERBS[int(rng.integers(len(VERBS)))]
        out.append(f"{verb} {WORDS[w[0]]} et {WORDS[w[1]]}, avec {WORDS[w[2]]} pour {WORDS[w[3]]}.")
    return out


def _summaries(rng: np.random.Generator, pool: list[str], n: int) -> list[str]:
    """200–600-character summaries, already quoted for CSV: sentences joined by a space or,
    one time in ten, a newline."""
    escaped = [s.replace('"', '""') for s in pool]
    lengths = np.array([len(s) for s in pool]) + 1  # and a separator
    picks = rng.integers(0, len(pool), (n, 10))
    # as many sentences as fit the target; a target of at least 200 + the longest sentence
    # makes every summary 200–600 characters long
    targets = rng.integers(200 + int(lengths.max()), 601, n)
    cum = np.cumsum(lengths[picks], axis=1) - 1
    counts = np.maximum((cum <= targets[:, None]).sum(axis=1), 1)
    seps = np.where(rng.random((n, 10)) < 0.1, "\n", " ").tolist()
    return [
        '"' + escaped[row[0]] + "".join(sep[j] + escaped[row[j]] for j in range(1, k)) + '"'
        for row, k, sep in zip(picks.tolist(), counts.tolist(), seps, strict=True)
    ]


def _communes(rng: np.random.Generator, existing: set[str]) -> list[list[str]]:
    rows = []
    for dep in DEPARTEMENTS:
        for k in range(1, 501):
            code = f"{dep}{k:03d}"
            if f"com-{code}" in existing:
                continue
            name = (
                PLACES[int(rng.integers(len(PLACES)))] + SUFFIXES[int(rng.integers(len(SUFFIXES)))]
            )
            rows.append(
                [f"com-{code}", name, "commune", code, f"dep-{dep}", COG, "Commune synthétique."]
            )
    return rows


class _Table:
    """A CSV file being written: curated rows through the csv module, synthetic lines as text;
    counts rows (the header is row 1) and records the injected defects."""

    def __init__(self, out: Path, table: str, header: list[str], curated: list[list[str]]) -> None:
        self.name = table
        self.fh = (out / "data" / f"{table}.csv").open("w", encoding="utf-8", newline="")
        writer = csv.writer(self.fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(curated)
        self.width = len(header)
        self.curated = len(curated)
        self.written = 0  # synthetic rows so far

    def row_number(self, index: int) -> int:
        """The row number of the synthetic row ``index`` (0-based)."""
        return self.curated + index + 2

    def write(self, lines: list[str]) -> None:
        self.fh.write("".join(lines))
        self.written += len(lines)

    def close(self) -> None:
        self.fh.close()


def _plan(sizes: dict[str, int], defects: bool) -> dict[str, dict[int, str]]:
    """Which synthetic row index (0-based, per table) gets which defect kind."""
    plan: dict[str, dict[int, str]] = {t: {} for t in sizes}
    if not defects:
        return plan
    for table in sizes:
        kinds = [k for t, k, _, _ in DEFECTS if t == table]
        step = max(sizes[table] // (len(kinds) + 1), 1)
        plan[table] = {(i + 1) * step: kind for i, kind in enumerate(kinds)}
    return plan


def _defect(table: _Table, index: int, kind: str) -> dict[str, Any]:
    column, code = next((c, k_) for t, k, c, k_ in DEFECTS if t == table.name and k == kind)
    return {
        "table": table.name,
        "row": table.row_number(index),
        "column": column,
        "code": code,
        "kind": kind,
    }


def _spoil_line(line: str, kind: str, width: int) -> str:
    """A link-table line (no quoted cell) with a row-shape or cell defect."""
    cells = line[:-1].split(",")
    if kind == "extra-cell":
        cells.append("surplus")
    elif kind == "missing-cell":
        cells = cells[:-1]
    elif kind == "blank-row":
        cells = [""] * width
    elif kind == "foreign-key":
        cells[1] = "org-inconnue"
    elif kind == "missing-required":
        cells[2] = ""
    return ",".join(cells) + "\n"


def generate(n: int, out: Path, *, seed: int = 42, defects: bool = False) -> list[dict[str, Any]]:
    """Write a package of ``n`` synthetic projects to ``out``; return the injected defects
    (table, row, column, code, kind; rows numbered as the validators do, header = 1)."""
    src = bundled_package_dir()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(src, out)
    rng = np.random.default_rng(seed)
    n_org = max(n // 10, 100)
    plan = _plan(
        {
            "projects": n,
            "organizations": n_org,
            "indicators": max(n // 5, 1),
            "project_partners": 2 * n,  # at least two per project
            "project_territories": n,
        },
        defects,
    )
    injected: list[dict[str, Any]] = []

    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["name"] = "cnr-sante-synthetique"
    descriptor["title"] = f"Projets synthétiques ({n})"
    (out / "datapackage.json").write_text(
        json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8"
    )

    # territories: the curated ones, the missing PACA départements, 3,000 communes
    header, t_rows = _read("territories", src)
    known = {r[0] for r in t_rows}
    for code, name in DEPARTEMENTS.items():
        if f"dep-{code}" not in known:
            t_rows.append([f"dep-{code}", name, "departement", code, "reg-93", COG, ""])
    t_rows += _communes(rng, known)
    _Table(out, "territories", header, t_rows).close()
    names = {r[0]: r[1] for r in t_rows}
    communes_of: dict[str, list[str]] = {f"dep-{d}": [] for d in DEPARTEMENTS}
    for r in t_rows:
        if r[2] == "commune" and r[4] in communes_of:
            communes_of[r[4]].append(r[0])
    deps = sorted(communes_of)
    # a project's place: its département itself or one of its communes (the "within" rule)
    places = [[d, *communes_of[d]] for d in deps]

    # organizations
    header, o_curated = _read("organizations", src)
    orgs = _Table(out, "organizations", header, o_curated)
    kinds = _pick(rng, ORG_KINDS, n_org)
    groups = (rng.random(n_org) < 0.3).tolist()
    sizes = rng.integers(2, 60, n_org).tolist()
    org_places = _pick(rng, [c for d in deps for c in communes_of[d]], n_org)
    finess = rng.integers(0, 10**7, n_org).tolist()
    siren = rng.integers(10**8, 10**9, n_org).tolist()
    lines = []
    for i in range(n_org):
        kind, place = kinds[i], org_places[i]
        row = [
            f"org-synth-{i:06d}",
            _q(f"{ORG_NAMES[kind]} de {names[place]} n° {i}"),
            "",
            kind,
            "true" if groups[i] else "false",
            str(sizes[i]) if groups[i] else "",
            place,
            f"{place[4:6]}{finess[i]:07d}" if kind in ("etablissement-sante", "clinique") else "",
            str(siren[i]),
            "curateur",
            SOURCE,
            "Organisation synthétique, « pour les tests de charge ».",
        ]
        row[-1] = _q(row[-1])
        bad = plan["organizations"].get(i)
        if bad:
            if bad == "bad-boolean":
                row[4] = "oui"
            elif bad == "pattern":
                row[8] = "12345"
            else:
                row[4], row[5] = "true", "3,5" if bad == "bad-integer" else "0"
                row[5] = _q(row[5])
            injected.append(_defect(orgs, i, bad))
        lines.append(",".join(row) + "\n")
    orgs.write(lines)
    orgs.close()
    org_ids = [r[0] for r in o_curated] + [f"org-synth-{i:06d}" for i in range(n_org)]

    # projects, their links and indicators, in chunks of CHUNK projects
    tables = {
        t: _Table(out, t, *_read(t, src))
        for t in ("projects", "project_partners", "project_challenges", "project_territories")
    }
    header, i_curated = _read("indicators", src)
    var_count = sum(r[3] == "dep-83" for r in _read("projects", src)[1])
    ind_lines: list[str] = []
    pool = _sentences(rng, 2000)
    n_ind = 0
    try:
        for lo in range(0, n, CHUNK):
            m = min(CHUNK, n - lo)
            var_count += _projects_chunk(
                rng, lo, m, pool, deps, places, org_ids, tables, plan, injected
            )
            n_ind = _indicators_chunk(lo, m, n_ind, len(i_curated), plan, injected, ind_lines)
    finally:
        for table in tables.values():
            table.close()

    # indicators: the curated ones (projets-var states the synthetic Var count), then synthetic
    for r in i_curated:
        if r[0] == "projets-var":
            r[2] = str(var_count)
            r[10] = f"« {var_count} projets concrets » (synthétique)"
    indicators = _Table(out, "indicators", header, i_curated)
    indicators.write(ind_lines)
    indicators.close()
    injected.sort(key=lambda d: (str(d["table"]), int(d["row"])))
    return injected


def _projects_chunk(
    rng: np.random.Generator,
    lo: int,
    m: int,
    pool: list[str],
    deps: list[str],
    places: list[list[str]],
    org_ids: list[str],
    tables: dict[str, _Table],
    plan: dict[str, dict[int, str]],
    injected: list[dict[str, Any]],
) -> int:
    """Write projects ``lo``..``lo+m`` and their links; return how many are in the Var."""
    ids = [f"synth-{i:07d}" for i in range(lo, lo + m)]
    dep_idx = rng.integers(0, len(deps), m).tolist()
    place_r = rng.random(m).tolist()
    place = [places[d][int(r * len(places[d]))] for d, r in zip(dep_idx, place_r, strict=True)]
    dep = [deps[d] for d in dep_idx]
    done = (rng.integers(0, 2, m) == 0).tolist()
    start_m = rng.integers(1, 7, m).tolist()
    start_d = rng.integers(1, 29, m).tolist()
    end_m = rng.integers(7, 13, m).tolist()
    end_d = rng.integers(1, 29, m).tolist()
    has_end = (rng.random(m) < 0.5).tolist()
    verbs = _pick(rng, VERBS, m)
    words = _pick(rng, WORDS, m)
    cols: list[list[str]] = [  # copies: a spoilt cell must not leak into the links
        list(ids),
        [_q(f"{v} {w} n° {i}") for v, w, i in zip(verbs, words, range(lo, lo + m), strict=True)],
        _summaries(rng, pool, m),
        list(dep),
        list(place),
        ["realise" if d else "en-cours" for d in done],
        ["PROJET RÉALISÉ" if d else "EN COURS" for d in done],
        ["2023-11-08"] * m,
        [f"2023-{a:02d}-{b:02d}" for a, b in zip(start_m, start_d, strict=True)],
        [
            f"2023-{a:02d}-{b:02d}" if e else ""
            for a, b, e in zip(end_m, end_d, has_end, strict=True)
        ],
        ["jour"] * m,
        _pick(rng, ("", "2024", "2025"), m),
        [f"« depuis le {b} / {a} / 2023 »" for a, b in zip(start_m, start_d, strict=True)],
        _pick(rng, ("", "Patients de 55 à 74 ans", '"Jeunes, « 16-25 ans »"'), m),
        ["2022-2023"] * m,
        [SOURCE] * m,
        [f'"ligne {i}, colonne « projets »"' for i in range(lo, lo + m)],
    ]
    linked = np.ones(m, dtype=bool)
    projects = tables["projects"]
    for i, kind in plan["projects"].items():
        if not lo <= i < lo + m:
            continue
        k = i - lo
        column, value = {
            "bad-date": (8, "2023-02-30"),
            "enum": (5, "termine"),
            "pattern": (0, f"Synth {i}"),
            "duplicate-id": (0, "synth-0000000"),
            "missing-required": (1, ""),
            "bad-year": (11, "2024.5"),
            "foreign-key": (4, "com-99999"),
            "bad-date-format": (9, "30/09/2023"),
        }[kind]
        cols[column][k] = value
        # links of a project whose id is spoilt would only repeat the defect as foreign keys
        linked[k] = kind not in ("pattern", "duplicate-id")
        injected.append(_defect(projects, i, kind))
    projects.write([",".join(row) + "\n" for row in zip(*cols, strict=True)])

    # links: partners (2–4 distinct organizations), challenges (1–2), territories (1–2)
    n_part = np.where(linked, rng.integers(2, 5, m), 0)
    first = rng.integers(0, len(org_ids), m)
    step = rng.integers(1, max(len(org_ids) // 4, 2), m)  # 4 steps never wrap: distinct
    role = rng.integers(0, len(ROLES), (m, 4))
    owner = np.repeat(np.arange(m), n_part)
    slot = np.arange(len(owner)) - np.repeat(np.cumsum(n_part) - n_part, n_part)
    org = ((first[owner] + slot * step[owner]) % len(org_ids)).tolist()
    roles = role[owner, slot].tolist()
    lines = [
        f"{ids[p]},{org_ids[o]},{ROLES[r]},declare,« cité » dans le dossier\n"
        for p, o, r in zip(owner.tolist(), org, roles, strict=True)
    ]
    _spoil(tables["project_partners"], lines, plan, injected)

    n_chal = np.where(linked, rng.integers(1, 3, m), 0)
    c_first = rng.integers(0, 4, m)
    c_step = rng.integers(1, 4, m)
    owner = np.repeat(np.arange(m), n_chal)
    slot = np.arange(len(owner)) - np.repeat(np.cumsum(n_chal) - n_chal, n_chal)
    chal = ((c_first[owner] + slot * c_step[owner]) % 4).tolist()
    tables["project_challenges"].write(
        [
            f'{ids[p]},{CHALLENGES[c]},infere,"Lien déduit par les curateurs, d\'après le titre."\n'
            for p, c in zip(owner.tolist(), chal, strict=True)
        ]
    )

    second = (rng.random(m) < 0.3).tolist()
    lines = []
    for k in np.flatnonzero(linked).tolist():
        lines.append(f"{ids[k]},{place[k]},territoire-principal,declare,\n")
        if second[k] and place[k] != dep[k]:
            lines.append(f"{ids[k]},{dep[k]},lieu-cite,infere,Département du projet.\n")
    _spoil(tables["project_territories"], lines, plan, injected)
    return sum(d == "dep-83" for d in dep)


def _spoil(
    table: _Table,
    lines: list[str],
    plan: dict[str, dict[int, str]],
    injected: list[dict[str, Any]],
) -> None:
    """Inject the planned defects of ``table`` that fall in these lines, then write them."""
    lo = table.written
    for i, kind in plan.get(table.name, {}).items():
        if lo <= i < lo + len(lines) and not (kind == "duplicate-key" and i == lo):
            k = i - lo
            lines[k] = (
                lines[k - 1]
                if kind == "duplicate-key"
                else _spoil_line(lines[k], kind, table.width)
            )
            injected.append(_defect(table, i, kind))
    table.write(lines)


def _indicators_chunk(
    lo: int,
    m: int,
    n_ind: int,
    curated: int,
    plan: dict[str, dict[int, str]],
    injected: list[dict[str, Any]],
    lines: list[str],
) -> int:
    """Append an indicator for every fifth project of the chunk (budgets and participants);
    return the number of synthetic indicators so far."""
    spoilt = {i for i, k in plan["projects"].items() if k in ("pattern", "duplicate-id")}
    for i in range(lo - lo % 5 + (5 if lo % 5 else 0), lo + m, 5):
        if i in spoilt:
            continue
        budget = i % 2 == 0
        value = f"{(i * 7919) % 1_000_000}.{i % 100:02d}" if budget else str(10 + i % 490)
        row = [
            f"ind-synth-{i:07d}",
            f"{'Budget engagé' if budget else 'Participants'} pour le projet n° {i}",
            value,
            "euros" if budget else "participants",
            "exact" if budget else "environ",
            "reg-93",
            f"synth-{i:07d}",
            "",
            "2023-11-08",
            "2023",
            f'"« {value.replace(".", ",")} {"€" if budget else "participants"} »"',
            SOURCE,
            '"Tableau de suivi, « budget »"',
        ]
        kind = plan["indicators"].get(n_ind)
        if kind:
            column, bad = {
                "bad-number": (2, '"1 200,50"'),
                "minimum": (2, "-5"),
                "enum": (3, "kilometres"),
            }[kind]
            row[column] = bad
            injected.append(
                {
                    "table": "indicators",
                    "row": curated + n_ind + 2,
                    "column": next(c for t, k, c, _ in DEFECTS if t == "indicators" and k == kind),
                    "code": next(c for t, k, _, c in DEFECTS if t == "indicators" and k == kind),
                    "kind": kind,
                }
            )
        lines.append(",".join(row) + "\n")
        n_ind += 1
    return n_ind


def keep_curated_rows(out: Path) -> None:
    """Cut the tables other than projects and territories back to their curated rows (written
    first by :func:`generate`; the indicator ``projets-var`` keeps the synthetic count)."""
    src = bundled_package_dir()
    for table in (
        "organizations",
        "indicators",
        "project_partners",
        "project_challenges",
        "project_territories",
    ):
        keep = len(_read(table, src)[1])
        path = out / "data" / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            rows = [row for _, row in zip(range(keep + 1), reader, strict=False)]
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("n", type=float, help="number of projects (1e6 works)")
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--defects", action="store_true", help="inject known defects; print them as JSON"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--projects-only",
        action="store_true",
        help="no synthetic partners, challenges, territories links, organizations or figures",
    )
    args = parser.parse_args()
    injected = generate(int(args.n), args.out, seed=args.seed, defects=args.defects)
    if args.projects_only:
        keep_curated_rows(args.out)
    if args.defects:
        print(json.dumps(injected, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
