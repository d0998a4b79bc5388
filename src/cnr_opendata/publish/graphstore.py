"""Publish a release's graph to any SPARQL 1.1 Graph Store (Oxigraph, Fuseki, Virtuoso, GraphDB).

One named graph per release, replaced by an HTTP PUT of the N-Triples export, then checked: the
store's SPARQL endpoint must count as many triples in that graph as the file holds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from cnr_opendata.errors import PublishError
from cnr_opendata.publish.http import RetryingClient, Sleep

USER_ENV = "SPARQL_USER"
PASSWORD_ENV = "SPARQL_PASSWORD"


@dataclass(frozen=True)
class GraphStoreResult:
    graph: str
    triples: int
    store_count: int
    bytes: int

    def summary(self) -> str:
        return f"published {self.triples} triples into <{self.graph}> ({self.bytes} bytes); the store counts {self.store_count}"


def release_ntriples(release_dir: Path) -> Path:
    """The N-Triples export of a release (``<name>.nt``)."""
    descriptor = json.loads((release_dir / "datapackage.json").read_text(encoding="utf-8"))
    nt = release_dir / f"{descriptor['name']}.nt"
    if not nt.is_file():
        raise PublishError(f"{nt} does not exist: rebuild the release with `cnr-opendata build`")
    return nt


def count_ntriples(path: Path) -> int:
    """Triples in an N-Triples file: its non-blank, non-comment lines."""
    n = 0
    with path.open("rb") as fh:
        for line in fh:
            stripped = line.strip()
            if stripped and not stripped.startswith(b"#"):
                n += 1
    return n


def default_query_endpoint(endpoint: str) -> str:
    """Oxigraph serves the Graph Store at ``/store`` and SPARQL at ``/query``; Fuseki uses
    ``/<ds>/data`` and ``/<ds>/query``."""
    base = endpoint.split("?", 1)[0].rstrip("/")
    for suffix in ("/store", "/data", "/rdf-graph-store"):
        if base.endswith(suffix):
            return base[: -len(suffix)] + "/query"
    return base + "/query"


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        yield from iter(lambda: fh.read(1 << 20), b"")


def publish_to_graphstore(
    release_dir: str | Path,
    endpoint: str,
    graph_iri: str,
    *,
    auth: tuple[str, str] | None = None,
    query_endpoint: str | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Sleep | None = None,
) -> GraphStoreResult:
    """Replace the named graph ``graph_iri`` at ``endpoint`` with the release's triples, then
    check the store's count. Basic auth comes from ``auth`` or ``SPARQL_USER``/``SPARQL_PASSWORD``."""
    if not graph_iri.startswith(("http://", "https://", "urn:")):
        raise PublishError(f"--graph must be an absolute IRI, got {graph_iri!r}")
    nt = release_ntriples(Path(release_dir))
    triples = count_ntriples(nt)
    if auth is None and os.environ.get(USER_ENV):
        auth = (os.environ[USER_ENV], os.environ.get(PASSWORD_ENV, ""))
    client = RetryingClient(endpoint, auth=auth, transport=transport, timeout=600.0, sleep=sleep)
    try:
        client.request(
            "PUT",
            endpoint,
            params={"graph": graph_iri},
            headers={"Content-Type": "application/n-triples"},
            content=nt.read_bytes() if nt.stat().st_size < (64 << 20) else _chunks(nt),
        )
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}"
        response = client.request(
            "POST",
            query_endpoint or default_query_endpoint(endpoint),
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
    finally:
        client.close()
    try:
        store_count = int(response.json()["results"]["bindings"][0]["n"]["value"])
    except (ValueError, KeyError, IndexError) as exc:
        raise PublishError(
            f"the store's SPARQL endpoint gave an unexpected answer: {response.text[:200]}"
        ) from exc
    if store_count != triples:
        raise PublishError(
            f"the store counts {store_count} triples in <{graph_iri}>, the release has {triples}"
        )
    return GraphStoreResult(graph_iri, triples, store_count, nt.stat().st_size)
