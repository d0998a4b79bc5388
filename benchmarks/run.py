"""Benchmark the project's commands against the naive alternatives, on the same inputs.

For each size N it generates a synthetic package (benchmarks/generate.py), then times, as
separate processes with GNU time (wall seconds, peak RSS):

- ``cnr-opendata validate`` vs ``frictionless validate`` (same package);
- ``cnr-opendata build`` (validate, CSV, datapackage.json with hashes, RDF in three syntaxes,
  SHACL on a sample, DCAT, site, zip) vs ``frictionless validate`` + an rdflib Graph serialized
  to N-Triples and Turtle (benchmarks/naive_rdf.py), the latter up to --naive-max;

and prints a Markdown table with the ratios. Also ``cnr-opendata --help`` and the full build of
the real package.

    python benchmarks/run.py --sizes 1e3,1e4,1e5 [--naive-max 1e5] [--out benchmarks/out]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
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
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cli = shutil.which("cnr-opendata") or "cnr-opendata"
    rows: list[dict[str, object]] = []
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        flush=True,
    )
    wall, rss, _ = timed([cli, "--help"])
    rows.append({"N": "-", "step": "cnr-opendata --help", "wall_s": wall, "rss_mb": rss})
    with tempfile.TemporaryDirectory() as tmp:
        wall, rss, _ = timed([cli, "build", "-q", "-o", str(Path(tmp) / "real")])
    rows.append({"N": "real package", "step": "cnr-opendata build", "wall_s": wall, "rss_mb": rss})
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
            triples = sum(
                1
                for _ in (
                    release / f"{json.loads((release / 'datapackage.json').read_text())['name']}.nt"
                ).open("rb")
            )
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
            if size <= args.naive_max and fr is not None:
                naive = timed(
                    [sys.executable, str(HERE / "naive_rdf.py"), str(pkg), str(work / "naive")]
                )
                total = fr[0] + naive[0]
                rows.append(
                    {
                        "N": size,
                        "step": "frictionless validate + rdflib Graph + serialize (nt, ttl)",
                        "wall_s": total,
                        "rss_mb": max(fr[1], naive[1]),
                    }
                )
                rows[-2]["ratio"] = total / build[0]
        finally:
            shutil.rmtree(work, ignore_errors=True)
        (args.out / "results.json").write_text(json.dumps(rows, indent=2))
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


if __name__ == "__main__":
    main()
