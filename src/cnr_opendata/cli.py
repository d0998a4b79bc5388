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

# ---- rdf: query / serve ----------------------------------------------------------------------

# ---- extract ---------------------------------------------------------------------------------

# ---- publish ---------------------------------------------------------------------------------


@cli.group(cls=_Group)
def publish() -> None:
    """Publish a release to data.gouv.fr or to a SPARQL Graph Store.

    \b
    Example:
      DATAGOUV_API_KEY=... cnr-opendata publish datagouv --target demo --dry-run
    """


# ---- diff ------------------------------------------------------------------------------------


def main() -> None:  # pragma: no cover - console entry point helper
    sys.exit(cli())
