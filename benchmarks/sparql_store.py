"""How fast `query` and `serve` are ready on a large release, against parsing at every call.

Writes a synthetic release (N projects, 16 triples each, French text with accents and quotes)
and times, each in a fresh process so peak memory is the command's own:

- the naive way: parse the N-Triples into an in-memory pyoxigraph store at every call;
- the first `prepare_store` (hash + bulk load into <release>/.store/, once);
- a later `prepare_store` + read-only open (what every call pays);
- `cnr-opendata query` end to end (count of projects by status);
- `cnr-opendata serve`: time until it listens, and until it answers a first query.

Usage: python benchmarks/sparql_store.py --sizes 1e4,1e5,1e6 [--workdir DIR]

Last run (2 CPUs, 23 GB RAM, Python 3.11.7, pyoxigraph 0.5.13; the 1e6 row is a separate run):

      projects     triples      naive parse      first build  reuse+open  query CLI  serve listen  serve 1st   ratio
         1,000      16,000     0.04 s    35 MB     0.20 s    49 MB     0.058 s     0.13 s        0.26 s     0.50 s      0×
        10,000     160,000     0.8 s   120 MB     1.5 s   172 MB     0.087 s     0.21 s        0.23 s     0.53 s      4×
       100,000   1,600,000     6.7 s   756 MB    10.5 s  1228 MB     0.057 s     0.19 s        0.24 s     0.51 s     36×
     1,000,000  16,000,000    88.60 s  6133 MB   95.29 s  1739 MB     0.055 s     0.83 s        0.18 s     1.03 s    107×

"naive parse" loads the N-Triples into an in-memory store, what every call would pay without a
persistent store; "first build" is paid once per release (sha256 ≈ 8 s + bulk load at 1e6).
"serve 1st" includes a count of projects by status (≈ 0.6 s at 1e6).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE = "https://w3id.org/cnr-sante"
COUNT_BY_STATUS = (
    "PREFIX adms: <http://www.w3.org/ns/adms#>\n"
    "SELECT ?s (COUNT(*) AS ?n) WHERE { ?p adms:status ?s } GROUP BY ?s"
)
WORDS = [
    "santé",
    "projet",
    "accès",
    "aux",
    "soins",
    "prévention",
    "territoire",
    "hôpital",
    "«",
    "CPTS",
    "»",
    "maison",
    "médicale",
    '"citation"',
    "jeunes",
    "personnes",
    "âgées",
    "mobilité",
    "numérique",
    "Toulon",
    "Draguignan",
    "Haut-Var",
]


def write_release(root: Path, n: int) -> Path:
    release = root / f"bench-{n}"
    release.mkdir(parents=True)
    (release / "datapackage.json").write_text(
        json.dumps({"name": "bench", "version": "1.0.0", "baseIri": BASE}), encoding="utf-8"
    )
    rnd = random.Random(1)
    dct, sch, rdf = (
        "http://purl.org/dc/terms/",
        "https://schema.org/",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    )
    with (release / "bench.nt").open("w", encoding="utf-8") as f:
        for i in range(n):
            s = f"<{BASE}/projet/p{i:07d}>"
            desc = " ".join(rnd.choice(WORDS) for _ in range(45)).replace('"', '\\"')
            f.write(
                f"{s} <{rdf}> <{sch}Project> .\n"
                f"{s} <{rdf}> <http://www.w3.org/ns/prov#Activity> .\n"
                f'{s} <{dct}identifier> "p{i:07d}" .\n'
                f'{s} <{dct}title> "Projet n° {i} pour la santé"@fr .\n'
                f'{s} <{dct}description> "{desc}"@fr .\n'
                f"{s} <http://www.w3.org/ns/adms#status> <{BASE}/statut/{'realise' if i % 3 == 0 else 'en-cours'}> .\n"
                f"{s} <{dct}spatial> <{BASE}/territoire/t{i % 100}> .\n"
                f"{s} <{dct}subject> <{BASE}/defi/{i % 4}> .\n"
                f"{s} <{dct}subject> <{BASE}/defi/{(i + 1) % 4}> .\n"
                f'{s} <{sch}startDate> "2023-{1 + i % 12:02d}-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
                f"{s} <{sch}funder> <{BASE}/organisation/o{i % 500}> .\n"
                f"{s} <{sch}member> <{BASE}/organisation/o{(i * 7) % 500}> .\n"
                f'{s} <{sch}audience> "population {i % 50}"@fr .\n'
                f"{s} <http://www.w3.org/ns/prov#wasDerivedFrom> <{BASE}/source/s{i % 10}> .\n"
                f'{s} <{sch}location> "{83000 + i % 1000}" .\n'
                f'{s} <{dct}modified> "2023-11-08"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
            )
    return release


def timed(code: str, *args: str) -> tuple[float, float, str]:
    """Run ``code`` in a fresh Python; return (seconds, peak RSS in MB, stdout)."""
    probe = (
        "import resource, sys, time\n"
        "t = time.perf_counter()\n"
        f"{code}\n"
        "print('@@', time.perf_counter() - t, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True
    )
    m = re.search(r"@@ (\S+) (\S+)", out.stderr)
    assert m, out.stderr
    return float(m.group(1)), float(m.group(2)), out.stdout


def wall(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, out.stdout


def serve_ready(release: Path, log: Path) -> tuple[float, float]:
    import httpx

    start = time.perf_counter()
    with log.open("w") as err:
        proc = subprocess.Popen(
            ["cnr-opendata", "serve", "--release", str(release), "--port", "0", "--quiet"],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        listening = time.perf_counter() - start
        url = re.search(r" at (http://\S+/) ", line)
        assert url, f"serve printed {line!r}; see {log}"
        httpx.get(url.group(1) + "sparql", params={"query": COUNT_BY_STATUS}, timeout=600)
        answered = time.perf_counter() - start
        proc.send_signal(signal.SIGTERM)  # a clean stop, as on Ctrl-C
        if proc.wait(60) != 0:
            raise RuntimeError(f"serve exited with {proc.returncode}; see {log}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return listening, answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e4,1e5", help="project counts, comma-separated")
    parser.add_argument("--workdir", type=Path, help="where to write releases (default: temp)")
    parser.add_argument("--skip-naive", action="store_true", help="skip the in-memory parse")
    args = parser.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="cnr-sparql-bench-"))
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    header = (
        f"{'projects':>10} {'triples':>11} {'naive parse':>16} {'first build':>16} "
        f"{'reuse+open':>11} {'query CLI':>10} {'serve listen':>13} {'serve 1st':>10} {'ratio':>7}"
    )
    print(header)
    for size in args.sizes.split(","):
        n = int(float(size))
        release = write_release(root, n)
        nt = str(release / "bench.nt")
        if args.skip_naive:
            naive, naive_mb = float("nan"), float("nan")
        else:
            naive, naive_mb, _ = timed(
                "import pyoxigraph as ox\nst = ox.Store()\n"
                "st.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)",
                nt,
            )
        build, build_mb, _ = timed(
            "from cnr_opendata.query import prepare_store\nprepare_store(sys.argv[1])",
            str(release),
        )
        reuse, _, _ = timed(
            "from cnr_opendata.query import open_store\nopen_store(sys.argv[1])", str(release)
        )
        query_s, out = wall(
            ["cnr-opendata", "query", "--release", str(release), "--format", "csv", COUNT_BY_STATUS]
        )
        assert "statut/realise" in out, out
        listen, first = serve_ready(release, root / f"serve-{n}.log")
        print(
            f"{n:>10,} {16 * n:>11,} {naive:>7.2f} s {naive_mb:>5.0f} MB "
            f"{build:>7.2f} s {build_mb:>5.0f} MB {reuse:>9.3f} s {query_s:>8.2f} s "
            f"{listen:>11.2f} s {first:>8.2f} s {naive / max(query_s, 1e-9):>6.0f}×",
            flush=True,
        )
        shutil.rmtree(release)
    print("ratio: naive in-memory parse / `cnr-opendata query` end to end on the reused store")


if __name__ == "__main__":
    main()
