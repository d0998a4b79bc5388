"""Regenerate the committed files derived from the Table Schemas' mapping:
``vocab/shapes.ttl``, ``vocab/context.jsonld`` and the mapping section of ``vocab/README.md``.

``python -m cnr_opendata.rdf.generate`` writes them; ``--check`` only says which are stale
(exit status 1), as the tests do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cnr_opendata.package import load_package
from cnr_opendata.paths import vocab_dir
from cnr_opendata.rdf.docs import jsonld_context, replace_mapping_section
from cnr_opendata.rdf.mapping import mapping_of
from cnr_opendata.rdf.shapes import generate_shapes


def generated_files(package_dir: Path | None = None) -> dict[str, str]:
    """``{path relative to vocab/: expected text}`` for the bundled (or given) package."""
    package = load_package(package_dir)
    mapping = mapping_of(package)
    readme = (vocab_dir() / "README.md").read_text(encoding="utf-8")
    context = json.dumps(jsonld_context(mapping), ensure_ascii=False, indent=2) + "\n"
    return {
        "shapes.ttl": generate_shapes(mapping, package.base_iri),
        "context.jsonld": context,
        "README.md": replace_mapping_section(readme, mapping),
    }


def stale_files(package_dir: Path | None = None) -> list[str]:
    """The generated files whose committed text differs from what the schemas give."""
    stale = []
    for rel, text in generated_files(package_dir).items():
        path = vocab_dir() / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(rel)
    return stale


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        stale = stale_files()
        for rel in stale:
            print(f"vocab/{rel} is out of date: run python -m cnr_opendata.rdf.generate")
        return int(bool(stale))
    for rel, text in generated_files().items():
        (vocab_dir() / rel).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote vocab/{rel}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def query_rows(ntriples: Path, query: str) -> list[list[str]]:
    """The answer of a SELECT query over an N-Triples file: a header, then one row of strings
    per solution (IRIs as IRIs, literals as their lexical form, unbound as "")."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    results = store.query(query)
    if not isinstance(results, ox.QuerySolutions):
        raise ValueError("query_rows answers SELECT queries only")
    header = [v.value for v in results.variables]
    rows = [header]
    for solution in results:
        rows.append(["" if solution[v] is None else solution[v].value for v in header])
    return rows
