"""Publish targets: data.gouv.fr (udata API v1) and any SPARQL 1.1 Graph Store.

Each target is a small module behind the CLI's ``publish`` group (as datasette does); secrets
come from the environment and never appear in output, logs or exceptions.
"""

from __future__ import annotations
