"""Benchmark the project's commands against the naive alternatives, on the same inputs.

For each size N it generates a synthetic package (benchmarks/generate.py), then times, as
separate processes with GNU time (wall seconds, peak RSS):

- ``cnr-opendata validate`` vs ``frictionless validate`` (same package);
- ``cnr-opendata build`` (validate, CSV, datapackage.json with hashes, RDF in three syntaxes,
  SHACL on a sample, DCAT, site, zip) vs ``frictionless validate`` + an rdflib Graph serialized
  to N-Triples and Turtle (benchmarks/naive_rdf.py), the latter up to --naive-max;

and prints a Markdown table with the ratios. Also ``cnr-opendata --help`` and the full build of
the real package (median of 5), and, per size:

- from --projects-only-min up, the build of a package of N projects with only the curated link
  tables (``generate.py --projects-only``: about 20 triples per project, the issue's
  calibration of 16), next to the full model's;
- up to --identity-max, the build again with ``--workers 1``: the sha256 of every file must be
  the same as with 2 workers (the acceptance check of deterministic parallel output);
- up to --sparql-max, SPARQL on the release: the first ``cnr-opendata query`` (builds the
  on-disk store), a second one (what every later call pays: "ready"), and each competency query
  of ``vocab/queries/`` run 3 times in one process (median and slowest latency).

The naive RDF alternative maps the projects table only (about 16 triples per project, as in the
issue); the build maps every table (about 62 per project): its triples/s are shown for both.

    python benchmarks/run.py --sizes 1e3,1e4,1e5,1e6 [--naive-max 1e5] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIME = shutil.which("time") or "/usr/bin/time"


def timed(
    cmd: list[str], *, cwd: Path | None = None, limit: float = 3600
) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) of one command."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        proc = subprocess.run(
            [TIME, "-f", "%e %M", "-o", report.name, *cmd],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
        wall, rss_kb = report.read().strip().splitlines()[-1].split()
    return float(wall), int(rss_kb) / 1024, proc.returncode


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file of a release (the SPARQL store aside)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and ".store" not in p.relative_to(folder).parts:
            h = hashlib.sha256()
            with p.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 22), b""):
                    h.update(chunk)
            out[p.relative_to(folder).as_posix()] = h.hexdigest()
    return out


QUERIES = HERE.parent / "vocab" / "queries"
LATENCY = """
import json, statistics, sys, time
from pathlib import Path
from cnr_opendata.query import run_query
release, folder = Path(sys.argv[1]), Path(sys.argv[2])
out = {}
for q in sorted(folder.glob("*.rq")):
    text = q.read_text(encoding="utf-8")
    times = []
    for _ in range(3):
        t = time.perf_counter()
        answer = run_query(release, text, format="json")
        times.append(time.perf_counter() - t)
    rows = len(json.loads(answer)["results"]["bindings"])
    out[q.name] = {"median_s": statistics.median(times), "rows": rows}
print(json.dumps(out))
"""


def sparql_rows(
    cli: str, size: int, release: Path, per_query: dict[str, dict[int, dict[str, float]]]
) -> list[dict[str, object]]:
    """The SPARQL rows of the main table; each query's latency and answer size in ``per_query``
    (query file -> N -> {"median_s", "rows"})."""
    first = timed([cli, "query", "--release", str(release), "ASK {}"], limit=7200)
    ready = timed([cli, "query", "--release", str(release), "ASK {}"])
    proc = subprocess.run(
        [sys.executable, "-c", LATENCY, str(release), str(QUERIES)],
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(proc.stdout)
    for name, m in measured.items():
        per_query.setdefault(name, {})[size] = m
    latency = {name: m["median_s"] for name, m in measured.items()}
    slowest = max(latency, key=latency.__getitem__)
    over = sum(1 for v in latency.values() if v > 2)
    return [
        {
            "N": size,
            "step": "cnr-opendata query, first call (builds the store)",
            "wall_s": first[0],
            "rss_mb": first[1],
        },
        {
            "N": size,
            "step": "cnr-opendata query, later calls (ready)",
            "wall_s": ready[0],
            "rss_mb": ready[1],
        },
        {
            "N": size,
            "step": f"{len(latency)} competency queries: median latency (slowest {latency[slowest]:.2f} s, "
            f"{slowest}; {over} over 2 s)",
            "wall_s": statistics.median(latency.values()),
            "rss_mb": 0,
        },
    ]


def count_triples(release: Path) -> int:
    """The lines of the release's N-Triples file (one triple each)."""
    name = json.loads((release / "datapackage.json").read_text())["name"]
    with (release / f"{name}.nt").open("rb") as fh:
        return sum(1 for _ in fh)


def projects_only_row(cli: str, size: int, work: Path) -> dict[str, object]:
    """The build of N projects with only the curated link tables (the issue's calibration)."""
    pkg = work / "projects-only"
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), str(size), str(pkg), "--projects-only"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    out = work / "projects-only-build"
    wall, rss, _ = timed([cli, "build", str(pkg), "-q", "-o", str(out)])
    triples = count_triples(next(out.glob("*/datapackage.json")).parent)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(pkg, ignore_errors=True)
    return {
        "N": size,
        "step": f"cnr-opendata build, projects only ({triples / size:.0f} triples per project)",
        "wall_s": wall,
        "rss_mb": rss,
        "triples_per_s": triples / wall,
        "triples": triples,
    }


def count_rows(pkg: Path) -> int:
    return sum(
        max(sum(1 for _ in p.open(encoding="utf-8")) - 1, 0) for p in (pkg / "data").glob("*.csv")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e3,1e4,1e5")
    parser.add_argument(
        "--naive-max", type=float, default=1e5, help="largest N for the rdflib alternative"
    )
    parser.add_argument("--frictionless-max", type=float, default=1e6)
    parser.add_argument(
        "--projects-only-min",
        type=float,
        default=1e6,
        help="smallest N also built as a projects-only package (about 20 triples per project)",
    )
    parser.add_argument(
        "--identity-max", type=float, default=1e5, help="largest N built with 1 and 2 workers"
    )
    parser.add_argument(
        "--sparql-max", type=float, default=1e5, help="largest N for the SPARQL timings"
    )
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cli = shutil.which("cnr-opendata") or "cnr-opendata"
    rows: list[dict[str, object]] = []
    per_query: dict[str, dict[int, dict[str, float]]] = {}
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )
    wall, rss, _ = timed([cli, "--help"])
    rows.append({"N": "-", "step": "cnr-opendata --help", "wall_s": wall, "rss_mb": rss})
    with tempfile.TemporaryDirectory() as tmp:
        real = [timed([cli, "build", "-q", "-o", str(Path(tmp) / "real")]) for _ in range(5)]
    wall = statistics.median(r[0] for r in real)
    rss = max(r[1] for r in real)
    rows.append(
        {
            "N": "real package",
            "step": "cnr-opendata build (median of 5)",
            "wall_s": wall,
            "rss_mb": rss,
        }
    )
    for size in [int(float(s)) for s in args.sizes.split(",")]:
        work = Path(tempfile.mkdtemp(prefix=f"bench-{size}-"))
        try:
            pkg = work / "pkg"
            subprocess.run(
                [sys.executable, str(HERE / "generate.py"), str(size), str(pkg)], check=True
            )
            n_rows = count_rows(pkg)
            nat = timed([cli, "validate", str(pkg)])
            rows.append(
                {
                    "N": size,
                    "step": "cnr-opendata validate",
                    "wall_s": nat[0],
                    "rss_mb": nat[1],
                    "rows_per_s": n_rows / nat[0],
                }
            )
            fr = None
            if size <= args.frictionless_max:
                fr = timed(["frictionless", "validate", str(pkg / "datapackage.json")])
                rows.append(
                    {
                        "N": size,
                        "step": "frictionless validate",
                        "wall_s": fr[0],
                        "rss_mb": fr[1],
                        "rows_per_s": n_rows / fr[0],
                    }
                )
                rows[-2]["ratio"] = fr[0] / nat[0]
            build = timed([cli, "build", str(pkg), "-q", "-o", str(work / "build")])
            release = next((work / "build").glob("*/datapackage.json")).parent
            triples = count_triples(release)
            rows.append(
                {
                    "N": size,
                    "step": "cnr-opendata build",
                    "wall_s": build[0],
                    "rss_mb": build[1],
                    "triples_per_s": triples / build[0],
                    "triples": triples,
                }
            )
            build_row = rows[-1]
            if size <= args.naive_max and fr is not None:
                naive_dir = work / "naive"
                naive = timed(
                    [sys.executable, str(HERE / "naive_rdf.py"), str(pkg), str(naive_dir)]
                )
                naive_triples = sum(1 for _ in (naive_dir / "naive.nt").open("rb"))
                total = fr[0] + naive[0]
                rows.append(
                    {
                        "N": size,
                        "step": "frictionless validate + rdflib Graph + serialize (nt, ttl)",
                        "wall_s": total,
                        "rss_mb": max(fr[1], naive[1]),
                        "triples_per_s": naive_triples / total,
                        "triples": naive_triples,
                    }
                )
                build_row["ratio"] = total / build[0]
                shutil.rmtree(naive_dir, ignore_errors=True)
            if size >= args.projects_only_min:
                rows.append(projects_only_row(cli, size, work))
            if size <= args.identity_max:
                one = timed(
                    [cli, "build", str(pkg), "-q", "--workers", "1", "-o", str(work / "one")]
                )
                same = digests(release) == digests(work / "one" / release.name)
                rows.append(
                    {
                        "N": size,
                        "step": "cnr-opendata build --workers 1: every file "
                        + ("identical (sha256) to 2 workers" if same else "DIFFERS from 2 workers"),
                        "wall_s": one[0],
                        "rss_mb": one[1],
                    }
                )
                shutil.rmtree(work / "one", ignore_errors=True)
                if not same:
                    raise SystemExit(f"N={size}: the builds with 1 and 2 workers differ")
            if size <= args.sparql_max:
                rows.extend(sparql_rows(cli, size, release, per_query))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        (args.out / "results.json").write_text(
            json.dumps({"steps": rows, "queries": per_query}, indent=2)
        )
    print(
        "\n| N | step | wall (s) | rows/s or triples/s | peak RSS (MB) | speed-up vs alternative |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        rate = r.get("rows_per_s") or r.get("triples_per_s")
        rate_text = f"{rate:,.0f} {'rows' if 'rows_per_s' in r else 'triples'}/s" if rate else ""
        ratio = f"{r['ratio']:.1f}×" if "ratio" in r else ""
        print(
            f"| {r['N']} | {r['step']} | {r['wall_s']:.2f} | {rate_text} | {r['rss_mb']:.0f} | {ratio} |"
        )

    if per_query:
        sizes = sorted({n for by_size in per_query.values() for n in by_size})
        print(
            "\n| competency query | "
            + " | ".join(f"N = {n}: median s (answer rows)" for n in sizes)
            + " |"
        )
        print("|---|" + "---:|" * len(sizes))
        for name, by_size in sorted(per_query.items()):
            cells = [
                f"{by_size[n]['median_s']:.2f} ({by_size[n]['rows']:,})" if n in by_size else ""
                for n in sizes
            ]
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
