"""Publish a release to data.gouv.fr through its API (udata v1).

One dataset per package; one resource per release file the server accepts. Publishing is
idempotent and resumable: files whose sha1 equals the server's checksum are skipped, changed
ones are replaced in place (same resource id), and a manifest in the release
(``publish-manifest.json``) records dataset and resource ids (never slugs, which follow titles)
after every step, so a run that stops half-way converges when run again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import httpx

from cnr_opendata.errors import PublishError
from cnr_opendata.publish.http import RetryingClient, Sleep
from cnr_opendata.release import MANIFEST, ReleaseFile, release_files

TARGETS = {
    "www": "https://www.data.gouv.fr/api/1",
    "demo": "https://demo.data.gouv.fr/api/1",
}
API_KEY_ENV = "DATAGOUV_API_KEY"
#: Published as resources: the data, the RDF, the archive and the top-level documentation.
#: Subfolders other than data/ (site/, vocab/, schemas/, sources/) travel inside the zip.
_TOP_LEVEL_ONLY = ("data/",)

Progress = Callable[[str], None]


def resolve_target(target: str) -> str:
    """``www``, ``demo`` or a server URL (with or without ``/api/1``) -> the API base URL."""
    if target in TARGETS:
        return TARGETS[target]
    if not target.startswith(("http://", "https://")):
        raise PublishError(
            f"unknown target {target!r}: use www, demo or a URL such as http://127.0.0.1:7000"
        )
    base = target.rstrip("/")
    return base if base.endswith("/api/1") else f"{base}/api/1"


class DatagouvClient:
    """The few calls of the data.gouv.fr API v1 that publishing needs."""

    def __init__(
        self,
        target: str = "demo",
        api_key: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        retries: int = 4,
        backoff: float = 0.5,
        sleep: Sleep | None = None,
        timeout: float = 300.0,
    ) -> None:
        self.base_url = resolve_target(target)
        self._has_key = bool(api_key)
        headers = {"Accept": "application/json", "User-Agent": "cnr-opendata"}
        if api_key:
            headers["X-API-KEY"] = api_key
        self.http = RetryingClient(
            self.base_url,
            headers=headers,
            retries=retries,
            backoff=backoff,
            transport=transport,
            timeout=timeout,
            sleep=sleep,
        )

    @classmethod
    def from_env(cls, target: str = "demo", **kwargs: Any) -> DatagouvClient:
        return cls(target, os.environ.get(API_KEY_ENV), **kwargs)

    def __repr__(self) -> str:
        return f"DatagouvClient({self.base_url!r}, api_key={'set' if self._has_key else 'unset'})"

    def require_key(self) -> None:
        if not self._has_key:
            raise PublishError(
                f"no API key: set {API_KEY_ENV} (your data.gouv.fr profile > API key)"
            )

    def extensions(self) -> set[str]:
        return {str(e).lower() for e in self.http.request("GET", "datasets/extensions/").json()}

    def dataset(self, dataset_id: str) -> dict[str, Any] | None:
        response = self.http.request("GET", f"datasets/{dataset_id}/", ok=(404, 410))
        return None if response.status_code in (404, 410) else dict(response.json())

    def create_dataset(self, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(self.http.request("POST", "datasets/", json=payload).json())

    def update_dataset(self, dataset_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        return dict(self.http.request("PUT", f"datasets/{dataset_id}/", json=payload).json())

    def upload(self, dataset_id: str, path: Path, resource_id: str | None = None) -> dict[str, Any]:
        where = f"datasets/{dataset_id}/" + (
            f"resources/{resource_id}/upload/" if resource_id else "upload/"
        )
        return dict(
            self.http.request(
                "POST", where, files=lambda: {"file": (path.name, path.open("rb"))}
            ).json()
        )

    def update_resource(
        self, dataset_id: str, resource_id: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        return dict(
            self.http.request(
                "PUT", f"datasets/{dataset_id}/resources/{resource_id}/", json=payload
            ).json()
        )

    def delete_resource(self, dataset_id: str, resource_id: str) -> None:
        self.http.request("DELETE", f"datasets/{dataset_id}/resources/{resource_id}/", ok=(404,))


@dataclass
class Action:
    """One step of the plan: ``create``/``update`` (dataset), ``upload``, ``replace``, ``skip``,
    ``delete``, ``keep`` (a server resource the release lacks, kept without --prune) or
    ``in-zip`` (a file whose format the server refuses, published inside the zip)."""

    kind: str
    target: str
    detail: str = ""

    def format(self) -> str:
        return f"{self.kind:8} {self.target}" + (f"  ({self.detail})" if self.detail else "")


@dataclass
class PublishResult:
    dataset_id: str | None
    actions: list[Action] = field(default_factory=list)
    dry_run: bool = False
    manifest: Path | None = None

    def count(self, kind: str) -> int:
        return sum(a.kind == kind for a in self.actions)

    def summary(self) -> str:
        kinds = ["create", "update", "upload", "replace", "skip", "delete", "keep", "in-zip"]
        counts = ", ".join(f"{self.count(k)} {k}" for k in kinds if self.count(k))
        verb = "would publish" if self.dry_run else "published"
        return f"{verb} dataset {self.dataset_id or '(new)'}: {counts}"


def _sha1(path: Path) -> str:
    h = hashlib.sha1()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")


def dataset_payload(
    descriptor: dict[str, Any], organization_id: str | None = None
) -> dict[str, Any]:
    """The full dataset metadata (a udata PUT is not partial: everything, every time)."""
    sources = ", ".join(s.get("title", "") for s in descriptor.get("sources", []) if s.get("title"))
    description = str(descriptor.get("description", ""))
    description += f"\n\nVersion {descriptor.get('version', '')}."
    if sources:
        description += f" Sources : {sources}."
    payload: dict[str, Any] = {
        "title": descriptor.get("title") or descriptor["name"],
        "description": description,
        "license": descriptor.get("datagouv", {}).get("license", "lov2"),
        "frequency": descriptor.get("frequency", "irregular"),
        "tags": sorted({_slug(k) for k in descriptor.get("keywords", []) if len(_slug(k)) >= 3}),
    }
    temporal = descriptor.get("temporal")
    if temporal:
        payload["temporal_coverage"] = {"start": temporal["start"], "end": temporal["end"]}
    zones = descriptor.get("spatial", {}).get("zones")
    if zones:
        payload["spatial"] = {"zones": list(zones)}
    if organization_id:
        payload["organization"] = organization_id
    return payload


def _check_echo(sent: dict[str, Any], echoed: dict[str, Any]) -> None:
    """udata stores an unknown licence silently as ``notspecified``: check what came back."""
    problems = []
    if echoed.get("license") != sent["license"]:
        problems.append(
            f"licence stored as {echoed.get('license')!r} instead of {sent['license']!r}"
        )
    if echoed.get("frequency") != sent["frequency"]:
        problems.append(
            f"frequency stored as {echoed.get('frequency')!r} instead of {sent['frequency']!r}"
        )
    if set(echoed.get("tags") or []) != set(sent["tags"]):
        problems.append(f"tags stored as {sorted(echoed.get('tags') or [])}")
    zones = (echoed.get("spatial") or {}).get("zones") or []
    if "spatial" in sent and sorted(zones) != sorted(sent["spatial"]["zones"]):
        problems.append(f"zones stored as {zones}")
    if "temporal_coverage" in sent:
        coverage = echoed.get("temporal_coverage") or {}
        stored = {k: str(coverage.get(k) or "")[:10] for k in ("start", "end")}
        if stored != sent["temporal_coverage"]:
            problems.append(f"temporal coverage stored as {coverage or None}")
    if problems:
        raise PublishError(
            "the server did not keep the dataset metadata as sent: "
            + "; ".join(problems)
            + " (is the licence, frequency or zone known to this server?)"
        )


def resource_payload(file: ReleaseFile, descriptor: dict[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "title": file.path,
        "description": f"{file.title}. {file.description}".strip(),
        "type": "main" if file.role == "main" else "documentation",
    }
    if file.path.startswith("data/") and file.path.endswith(".csv"):
        for r in descriptor.get("resources", []):
            schema = r.get("schema") if r.get("path") == file.path else None
            if isinstance(schema, dict) and str(schema.get("path", "")).startswith("http"):
                payload["schema"] = {"url": schema["path"]}
    return payload


def publishable_files(
    release_dir: Path, extensions: set[str]
) -> tuple[list[ReleaseFile], list[ReleaseFile]]:
    """(files to publish as resources, files the server refuses and that travel in the zip)."""
    keep: list[ReleaseFile] = []
    refused: list[ReleaseFile] = []
    for f in release_files(release_dir):
        if "/" in f.path and not f.path.startswith(_TOP_LEVEL_ONLY):
            continue
        ext = PurePosixPath(f.path).suffix.lstrip(".").lower()
        (keep if ext in extensions else refused).append(f)
    return keep, refused


def _checksum(resource: dict[str, Any]) -> str | None:
    return (resource.get("checksum") or {}).get("value")


def _file_key(name: str) -> str:
    """A file name as udata stores an upload's (slugified: ``project_partners.csv`` ->
    ``project-partners.csv``), for matching."""
    base = unicodedata.normalize("NFKD", PurePosixPath(name).name).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9.]+", "-", base.decode().lower()).strip("-")


def _names(resource: dict[str, Any]) -> set[str]:
    """The file names a server resource goes by: its title, and its file's name for an upload."""
    names = {_file_key(str(resource.get("title") or ""))}
    if resource.get("filetype") == "file" and resource.get("url"):
        names.add(_file_key(str(resource["url"]).split("?", 1)[0].rsplit("/", 1)[-1]))
    return names - {""}


def match_resources(
    files: list[ReleaseFile],
    remote: list[dict[str, Any]],
    known: dict[str, Any],
    sha1s: dict[str, str],
) -> dict[str, dict[str, Any]]:
    """Which server resource is each release file: the id in the manifest, else a resource titled
    with the file's path, else one named like the file (an upload the run that made it could not
    record); among several, the one with the file's sha1. Each resource serves one file at most."""
    by_id = {r["id"]: r for r in remote}
    found: dict[str, dict[str, Any]] = {}
    taken: set[str] = set()

    def claim(f: ReleaseFile, candidates: list[dict[str, Any]]) -> None:
        free = [r for r in candidates if r["id"] not in taken]
        if free:
            best = next((r for r in free if _checksum(r) == sha1s[f.path]), free[0])
            found[f.path] = best
            taken.add(best["id"])

    rules = [
        lambda f: [by_id[rid]] if (rid := (known.get(f.path) or {}).get("id")) in by_id else [],
        lambda f: [r for r in remote if r.get("title") == f.path],
        lambda f: [r for r in remote if _file_key(f.path) in _names(r)],
    ]
    for rule in rules:  # rule by rule over all files, so a weak match never steals a strong one
        for f in files:
            if f.path not in found:
                claim(f, rule(f))
    return found


def _duplicate_of(
    resource: dict[str, Any], files: list[ReleaseFile], sha1s: dict[str, str]
) -> str | None:
    """The release file that an unmatched server resource is a byte-identical copy of (left by an
    upload whose response was lost and that was sent again), if any."""
    for f in files:
        same_name = resource.get("title") == f.path or _file_key(f.path) in _names(resource)
        if same_name and _checksum(resource) == sha1s[f.path]:
            return f.path
    return None


class _Manifest:
    def __init__(self, path: Path, base_url: str) -> None:
        self.path = path
        data: dict[str, Any] = {}
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                data = {}
        targets = data.get("targets", {})
        self.data: dict[str, Any] = targets.get(base_url, {"dataset_id": None, "resources": {}})
        self.all = {"targets": targets}
        self.base_url = base_url

    def save(self) -> None:
        self.all["targets"][self.base_url] = self.data
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(
            json.dumps(self.all, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        tmp.replace(self.path)


def publish_to_datagouv(
    release_dir: str | Path,
    client: DatagouvClient,
    *,
    dataset_id: str | None = None,
    organization_id: str | None = None,
    dry_run: bool = False,
    prune: bool = False,
    progress: Progress | None = None,
) -> PublishResult:
    """Create or update the dataset of ``release_dir`` and make its resources match the
    release's files. With ``dry_run`` only read requests are sent and the plan is returned."""
    say = progress or (lambda _m: None)
    release = Path(release_dir)
    descriptor = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    if not dry_run:
        client.require_key()
    manifest = _Manifest(release / MANIFEST, client.base_url)
    dataset_id = dataset_id or manifest.data.get("dataset_id")
    result = PublishResult(dataset_id, dry_run=dry_run, manifest=None if dry_run else manifest.path)
    files, refused = publishable_files(release, client.extensions())
    result.actions += [Action("in-zip", f.path, "format refused by the server") for f in refused]

    payload = dataset_payload(descriptor, organization_id)
    dataset = client.dataset(dataset_id) if dataset_id else None
    if dataset_id and dataset is None:
        raise PublishError(
            f"dataset {dataset_id} does not exist on {client.base_url} (deleted?); "
            "publish without --dataset to create a new one"
        )
    if dataset is None:
        result.actions.append(Action("create", "dataset", str(payload["title"])))
        if dry_run:
            result.actions += [Action("upload", f.path, f"{f.bytes} bytes") for f in files]
            return result
        say("creating the dataset")
        dataset = client.create_dataset(payload)
        _check_echo(payload, dataset)
        manifest.data = {"dataset_id": dataset["id"], "resources": {}}
        manifest.save()
    else:
        result.actions.append(Action("update", "dataset", str(payload["title"])))
        if not dry_run:
            say("updating the dataset metadata")
            _check_echo(payload, client.update_dataset(dataset["id"], payload))
    result.dataset_id = dataset_id = str(dataset["id"])

    sha1s = {f.path: _sha1(release / f.path) for f in files}
    matches = match_resources(
        files, list(dataset.get("resources", [])), manifest.data["resources"], sha1s
    )
    matched = {str(r["id"]) for r in matches.values()}
    for f in files:
        existing = matches.get(f.path)
        sha1 = sha1s[f.path]
        wanted = resource_payload(f, descriptor)
        if existing is not None:
            if _checksum(existing) == sha1:
                result.actions.append(Action("skip", f.path, "unchanged"))
                if not dry_run:
                    _sync_metadata(client, dataset_id, existing, wanted)
                    manifest.data["resources"][f.path] = {"id": existing["id"], "sha1": sha1}
                    manifest.save()
                continue
            result.actions.append(
                Action("replace", f.path, f"{f.bytes} bytes, resource {existing['id']}")
            )
            if dry_run:
                continue
            say(f"replacing {f.path}")
            resource = client.upload(dataset_id, release / f.path, existing["id"])
        else:
            result.actions.append(Action("upload", f.path, f"{f.bytes} bytes"))
            if dry_run:
                continue
            say(f"uploading {f.path}")
            resource = client.upload(dataset_id, release / f.path)
        rid = str(resource["id"])
        matched.add(rid)
        manifest.data["resources"][f.path] = {"id": rid, "sha1": sha1}
        manifest.save()
        # an upload titles the resource with its file name: set title, description, type, schema
        client.update_resource(dataset_id, rid, wanted)

    # what the server holds now, including copies made by an upload sent again after a lost answer
    if not dry_run:
        dataset = client.dataset(dataset_id) or dataset
    for r in sorted(dataset.get("resources", []), key=lambda r: (str(r.get("title")), r["id"])):
        rid = str(r["id"])
        if rid in matched:
            continue
        label = str(r.get("title") or rid)
        copy_of = _duplicate_of(r, files, sha1s)
        if copy_of or prune:
            why = f"duplicate of {copy_of}, same sha1" if copy_of else "not in this release"
            result.actions.append(Action("delete", label, f"resource {rid}, {why}"))
            if not dry_run:
                say(f"deleting {label}")
                client.delete_resource(dataset_id, rid)
        else:
            result.actions.append(Action("keep", label, "not in this release; --prune deletes it"))
    if not dry_run:
        manifest.data["resources"] = {
            path: v for path, v in manifest.data["resources"].items() if path in sha1s
        }
        manifest.save()
    return result


def _sync_metadata(
    client: DatagouvClient, dataset_id: str, existing: dict[str, Any], wanted: dict[str, Any]
) -> None:
    differs = any(existing.get(k) != v for k, v in wanted.items() if k != "schema")
    if "schema" in wanted:
        differs = differs or (existing.get("schema") or {}).get("url") != wanted["schema"]["url"]
    if differs:
        client.update_resource(dataset_id, existing["id"], wanted)


__all__ = [
    "Action",
    "DatagouvClient",
    "PublishResult",
    "dataset_payload",
    "match_resources",
    "publish_to_datagouv",
    "resolve_target",
]
