"""The command-line interface: a thin click layer over the library.

Each command parses its arguments, makes one library call and prints. Library errors
(:class:`~cnr_opendata.errors.CnrOpendataError`) become ``Error: …`` and exit status 1 in one
place (:class:`_Group`); heavy libraries are imported inside the commands so ``--help`` is instant.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cnr_opendata import __version__
from cnr_opendata.errors import CnrOpendataError


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CnrOpendataError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cnr-opendata")
def cli() -> None:
    """Publish the projects of the CNR santé as open data.

    \b
    Flow: extract -> (review) -> validate -> build -> publish / query / serve.
    With no PACKAGE argument, commands use the bundled CNR santé package.

    \b
    Example:
      cnr-opendata build            # build/cnr-sante-projets-<version>/
    """


def _package_arg(required: bool = False) -> Any:
    return click.argument(
        "package",
        required=required,
        type=click.Path(exists=True, path_type=Path),
    )


# ---- validate / build ------------------------------------------------------------------------


def _print_report(report: Any, as_json: bool, limit: int | None = None) -> None:
    if as_json:
        click.echo(report.to_json())
        return
    problems = list(report)
    shown = problems if limit is None else problems[:limit]
    for problem in shown:
        click.echo(problem.format())
    if len(shown) < len(problems):
        click.echo(f"… and {len(problems) - len(shown)} more (use --json or --limit 0 for all)")
    click.echo(report.summary(), err=bool(problems))


@cli.command()
@_package_arg()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (for machines).")
@click.option(
    "--engine",
    type=click.Choice(["native", "frictionless"]),
    default="native",
    show_default=True,
    help="native: fast streaming validator; frictionless: the reference implementation.",
)
@click.option(
    "--limit", type=int, default=100, show_default=True, help="Problems to print (0: all)."
)
def validate(package: Path | None, as_json: bool, engine: str, limit: int) -> None:
    """Validate a data package: schemas, types, constraints, keys, foreign keys and the
    cross-table rules the data states.

    Prints one line per problem as `path:row:column: code: message` (row 1 is the header), then a
    summary. Exit status: 0 valid, 1 invalid, 2 usage error.

    \b
    Examples:
      cnr-opendata validate                  # the bundled package
      cnr-opendata validate datapackage/ --json
    """
    from cnr_opendata.package import validate_package

    report = validate_package(package, engine=engine)
    _print_report(report, as_json, None if limit == 0 else limit)
    sys.exit(int(not report.valid))


@cli.command()
@_package_arg()
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Folder that receives <name>-<version>/.",
)
@click.option("--base-iri", help="Base of every IRI (default: baseIri in datapackage.json).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the final summary line.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Threads for the RDF and the zip (default: the cores available, at most 2); "
    "the files are the same bytes whatever the number.",
)
def build(
    package: Path | None, out_dir: Path, base_iri: str | None, quiet: bool, workers: int | None
) -> None:
    """Validate the package, then build a release folder OUTPUT/<name>-<version>/.

    The release holds normalised UTF-8 CSVs, datapackage.json with sizes and sha256 hashes, the
    data dictionary (README.md), the RDF export, release notes against the previous release in
    OUTPUT (CHANGES.md), a static site to open offline (site/index.html) and a .zip of the
    whole. The build is atomic (nothing half-written on failure) and deterministic (same input,
    byte-identical files). A progress bar shows on a terminal unless --quiet.

    \b
    Examples:
      cnr-opendata build                     # bundled package -> build/
      cnr-opendata build datapackage/ -o dist/
    """
    from cnr_opendata.errors import InvalidPackageError
    from cnr_opendata.package import load_package
    from cnr_opendata.progress import Progress
    from cnr_opendata.release import build_release

    # steps: validation, one per table, dictionary, RDF, notes, catalogue, site, zip, rename
    progress = Progress(total=len(load_package(package).resources) + 8, quiet=quiet)
    try:
        release = build_release(
            package, out_dir, base_iri=base_iri, progress=progress, workers=workers
        )
    except InvalidPackageError as exc:
        progress.close()
        _print_report(exc.report, False, 100)
        raise click.ClickException("the package is invalid: nothing was built") from exc
    progress.close()
    stats = release.stats
    click.echo(
        f"built {release.path}: {stats['tables']} tables, {stats['rows']} rows"
        + (f", {stats['triples']} triples" if "triples" in stats else "")
    )


# ---- rdf: query / serve ----------------------------------------------------------------------


_RELEASE_OPTION = click.option(
    "--release",
    "release_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Release folder (default: the newest under build/).",
)


@cli.command()
@click.argument("sparql", metavar="[QUERY]", required=False)
@click.option(
    "-f",
    "--file",
    "query_file",
    type=click.File("r", encoding="utf-8"),
    help="Read the query from FILE (- for standard input).",
)
@_RELEASE_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "tsv", "xml", "ttl", "nt", "jsonld"]),
    help="Output format. Default: table on a terminal; otherwise csv for SELECT/ASK and "
    "ttl for CONSTRUCT/DESCRIBE.",
)
def query(sparql: str | None, query_file: Any, release_dir: Path | None, fmt: str | None) -> None:
    """Run a SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE) over a release.

    The first query loads the release's N-Triples into an on-disk store
    (<release>/.store/); later queries reuse it and start at once. Results come in the
    standard formats: SPARQL JSON, XML, CSV, TSV; Turtle, N-Triples, JSON-LD for graphs.

    \b
    Examples:
      cnr-opendata query 'SELECT ?p ?title WHERE { ?p <http://purl.org/dc/terms/title> ?title }'
      cnr-opendata query -f vocab/queries/01-projets-var-par-statut.rq --format csv > statuts.csv
    """
    from cnr_opendata.query import run_query

    if (sparql is None) == (query_file is None):
        raise click.UsageError("give a QUERY or -f FILE (one of them)")
    text = sparql if sparql is not None else query_file.read()
    graph_format = None
    if fmt is None:
        fmt, graph_format = ("table", "table") if sys.stdout.isatty() else ("csv", "ttl")
    result = run_query(
        release_dir,
        text,
        format=fmt,
        graph_format=graph_format,
        progress=lambda msg: click.echo(msg, err=True),
    )
    click.echo(result, nl=False)


@cli.command()
@_RELEASE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port (0: any free port).")
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Time limit of a query, in seconds: past it, the query is stopped (503).",
)
@click.option(
    "--workers", type=click.IntRange(min=1), help="Query processes (default: CPUs, at least 2)."
)
@click.option("-q", "--quiet", is_flag=True, help="Do not log each request.")
def serve(
    release_dir: Path | None,
    host: str,
    port: int,
    timeout: float,
    workers: int | None,
    quiet: bool,
) -> None:
    """Serve a release: a read-only SPARQL 1.1 endpoint at /sparql, a query page at /,
    the static site at /site/, and each resource at its IRI path (/projet/<id>…).

    Content negotiation (Accept or ?format=) gives JSON, XML, CSV, TSV results and Turtle,
    N-Triples or JSON-LD graphs; UPDATE is refused. Binds 127.0.0.1 unless told otherwise.

    \b
    Example:
      cnr-opendata serve --port 8000 --timeout 10
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * { ?s ?p ?o } LIMIT 5' \\
           http://127.0.0.1:8000/sparql
    """
    from cnr_opendata.serve import is_loopback, serve_release

    if not is_loopback(host):
        click.echo(f"warning: listening on {host}: other machines can query this server", err=True)

    def ready(server: Any) -> None:
        release = server.app.release
        click.echo(f"serving {release.path} at {server.url} (SPARQL: {server.url}sparql)")
        click.echo("press Ctrl-C to stop", err=True)

    serve_release(
        release_dir,
        host,
        port,
        timeout=timeout,
        workers=workers,
        quiet=quiet,
        ready=ready,
        progress=lambda msg: click.echo(msg, err=True),
    )


# ---- extract ---------------------------------------------------------------------------------


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the draft CSVs, provenance.csv and warnings.csv "
    "(default: draft/<source name>/).",
)
@click.option(
    "--compare",
    "compare_with",
    type=click.Path(exists=True, path_type=Path),
    help="A curated package: match names against its tables, reuse its ids, and print what "
    "the draft adds, removes or changes against it, row by row, field by field.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def extract(source: Path, out_dir: Path | None, compare_with: Path | None, as_json: bool) -> None:
    """Draft tables from a press kit (PDF or text) for a steward to review.

    Finds the project blocks (title, body, « PROJET RÉALISÉ » / « EN COURS »), territory
    prefixes, numbered challenges, key figures (value, unit, qualifier), dates and the
    organizations and places of the reference tables (the bundled package's, or --compare's).
    Writes projects, project_territories, project_partners, challenges, indicators and events in
    the package's schemas, provenance.csv (the source span of every drafted field) and
    warnings.csv. Exit status 1 for a missing, empty, binary or unreadable source, or a PDF
    with no text layer.

    \b
    Example:
      cnr-opendata extract dossier-de-presse.pdf -o draft/ --compare datapackage/
    """
    from cnr_opendata.extract import compare_extraction, extract_source, extraction_json
    from cnr_opendata.extract.compare import summarize_changes
    from cnr_opendata.package import load_package

    package = load_package(compare_with) if compare_with is not None else None
    target = out_dir or Path("draft") / source.name.split(".")[0]
    extraction = extract_source(source, target, reference=package)
    changes = compare_extraction(extraction, package) if package is not None else []
    if as_json:
        click.echo(extraction_json(extraction, changes))
        return
    for warning in extraction.warnings:
        click.echo(f"warning: {warning.format()}", err=True)
    for change in changes:
        click.echo(change.format())
    if package is not None:
        click.echo(f"compared with {compare_with}: {summarize_changes(changes)}")
    click.echo(f"{source}: {extraction.summary()}")


# ---- publish ---------------------------------------------------------------------------------


@cli.group(cls=_Group)
def publish() -> None:
    """Publish a release to data.gouv.fr or to a SPARQL Graph Store.

    \b
    Example:
      DATAGOUV_API_KEY=... cnr-opendata publish datagouv --target demo --dry-run
    """


@publish.command("datagouv")
@_RELEASE_OPTION
@click.option(
    "--target",
    default="demo",
    show_default=True,
    help="www, demo, or a udata server's URL (with or without /api/1).",
)
@click.option(
    "--dataset",
    "dataset_id",
    help="Update this dataset id (default: the one in the publish manifest, else create).",
)
@click.option("--organization", "organization_id", help="Organization id that owns a new dataset.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the plan (create, update, upload, replace, skip, delete) and change nothing.",
)
@click.option(
    "--prune", is_flag=True, help="Delete the dataset's resources that the release no longer has."
)
@click.option("--api-key", envvar="DATAGOUV_API_KEY", show_envvar=True, hidden=True)
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line.")
def publish_datagouv(
    release_dir: Path | None,
    target: str,
    dataset_id: str | None,
    organization_id: str | None,
    dry_run: bool,
    prune: bool,
    api_key: str | None,
    quiet: bool,
) -> None:
    """Create or update the dataset on data.gouv.fr and upload the release's files.

    Idempotent: unchanged files (same sha1) are skipped, changed ones replaced in place, and
    dataset and resource ids are kept in the release's publish-manifest.json. The API key comes
    from DATAGOUV_API_KEY and is never printed. Formats the server refuses travel in the zip.

    \b
    Example:
      export DATAGOUV_API_KEY=...   # data.gouv.fr profile > API key
      cnr-opendata publish datagouv --target demo --dry-run
      cnr-opendata publish datagouv --target demo --organization 5a1b...
    """
    from cnr_opendata.progress import Progress
    from cnr_opendata.publish.datagouv import DatagouvClient, publish_to_datagouv
    from cnr_opendata.release import find_release

    release = find_release(release_dir)
    client = DatagouvClient(target, api_key)
    say = Progress(quiet=quiet)
    try:
        result = publish_to_datagouv(
            release,
            client,
            dataset_id=dataset_id,
            organization_id=organization_id,
            dry_run=dry_run,
            prune=prune,
            progress=say,
        )
    finally:
        say.close()
    if not quiet:
        for action in result.actions:
            click.echo(action.format())
    click.echo(result.summary())


@publish.command("sparql")
@click.argument("endpoint")
@click.option("--graph", "graph_iri", required=True, help="IRI of the named graph to replace.")
@_RELEASE_OPTION
@click.option(
    "--query-endpoint",
    help="SPARQL query URL (default: derived from ENDPOINT, e.g. /store -> /query).",
)
def publish_sparql(
    endpoint: str, graph_iri: str, release_dir: Path | None, query_endpoint: str | None
) -> None:
    """Replace a named graph in a SPARQL 1.1 Graph Store with the release's triples, then
    check that the store counts them all. Basic auth from SPARQL_USER / SPARQL_PASSWORD.

    \b
    Example:
      oxigraph serve --location store/ --bind 127.0.0.1:7878 &
      cnr-opendata publish sparql http://127.0.0.1:7878/store --graph https://w3id.org/cnr-sante/release/1.0.0
    """
    from cnr_opendata.publish.graphstore import publish_to_graphstore
    from cnr_opendata.release import find_release

    result = publish_to_graphstore(
        find_release(release_dir), endpoint, graph_iri, query_endpoint=query_endpoint
    )
    click.echo(result.summary())


# ---- diff ------------------------------------------------------------------------------------


@cli.command()
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
def diff(old: Path, new: Path, as_json: bool) -> None:
    """Rows added, removed and changed (field by field) between two releases or package folders.

    Rows are matched by each table's primary key. Exit status 0 whether or not they differ.

    \b
    Example:
      cnr-opendata diff build/cnr-sante-projets-1.0.0 datapackage/
    """
    from cnr_opendata.diff import diff_packages

    result = diff_packages(old, new)
    click.echo(result.to_json() if as_json else result.to_text())


def main() -> None:  # pragma: no cover - console entry point helper
    sys.exit(cli())
