"""Publishing to the real udata (the software of data.gouv.fr) on 127.0.0.1, with mongomock.

udata lives in its own virtualenv (`.venv-udata`, made by `.ci/run`); a session fixture starts
it as a subprocess on a free port and stops it after.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from cnr_opendata.cli import cli
from cnr_opendata.errors import PublishError
from cnr_opendata.publish.datagouv import DatagouvClient, publish_to_datagouv
from cnr_opendata.release import MANIFEST
from conftest import REPO, need

UDATA_PYTHON = Path(os.environ.get("CNR_UDATA_PYTHON", REPO / ".venv-udata" / "bin" / "python"))

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def udata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    need("udata", UDATA_PYTHON.is_file(), f"no {UDATA_PYTHON}; set CNR_UDATA_PYTHON")
    work = tmp_path_factory.mktemp("udata")
    port = free_port()
    seed = work / "seed.json"
    env = {
        **os.environ,
        "UDATA_PORT": str(port),
        "UDATA_FS_ROOT": str(work / "fs"),
        "UDATA_SEED_FILE": str(seed),
    }
    log = (work / "udata.log").open("w")
    proc = subprocess.Popen(
        [str(UDATA_PYTHON), str(REPO / "tests" / "support" / "udata_server.py")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"udata exited: {(work / 'udata.log').read_text()[-2000:]}")
            if seed.is_file():
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    pass
            time.sleep(0.3)
        else:
            pytest.fail("udata did not start in 120 s")
        yield json.loads(seed.read_text())
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def release(real_release: Path, tmp_path: Path) -> Path:
    """A private copy of the real release (publishing writes its manifest into it)."""
    target = tmp_path / real_release.name
    shutil.copytree(real_release, target, ignore=shutil.ignore_patterns(".store", MANIFEST))
    return target


@pytest.fixture
def client(udata: dict[str, Any]) -> DatagouvClient:
    return DatagouvClient(udata["base_url"], udata["api_key"])


def resources(client: DatagouvClient, dataset_id: str) -> dict[str, dict[str, Any]]:
    dataset = client.dataset(dataset_id)
    assert dataset is not None
    titles = [r["title"] for r in dataset["resources"]]
    assert len(titles) == len(set(titles)), f"duplicate resources: {titles}"
    return {r["title"]: r for r in dataset["resources"]}


def test_first_publish_creates_the_dataset_and_every_resource(client, udata, release: Path) -> None:
    result = publish_to_datagouv(release, client, organization_id=udata["org_id"])
    assert result.count("create") == 1
    remote = resources(client, str(result.dataset_id))
    assert "data/projects.csv" in remote and "cnr-sante-projets.ttl" in remote
    assert f"{release.name}.zip" in remote
    assert len(remote) == result.count("upload")
    # formats the server refuses travel inside the zip
    assert {a.target for a in result.actions if a.kind == "in-zip"} >= {
        "cnr-sante-projets.nt",
        "cnr-sante-projets.jsonld",
    }
    dataset = client.dataset(str(result.dataset_id))
    assert dataset is not None
    assert dataset["license"] == "lov2" and dataset["frequency"] == "irregular"
    assert sorted(dataset["spatial"]["zones"]) == ["fr:departement:83", "fr:region:93"]
    assert dataset["temporal_coverage"] == {"start": "2022-09-01", "end": "2024-03-31"}
    assert remote["data/projects.csv"]["type"] == "main"
    assert remote["datapackage.json"]["type"] == "documentation"
    assert remote["data/projects.csv"]["schema"]["url"].endswith("/schemas/projects.json")
    manifest = json.loads((release / MANIFEST).read_text())
    ids = manifest["targets"][client.base_url]
    assert ids["dataset_id"] == result.dataset_id
    assert ids["resources"]["data/projects.csv"]["id"] == remote["data/projects.csv"]["id"]


def test_second_publish_uploads_nothing(client, udata, release: Path) -> None:
    first = publish_to_datagouv(release, client, organization_id=udata["org_id"])
    before = resources(client, str(first.dataset_id))
    second = publish_to_datagouv(release, client)
    assert second.dataset_id == first.dataset_id
    assert second.count("upload") == second.count("replace") == 0
    assert second.count("skip") == len(before)
    assert {t: r["id"] for t, r in resources(client, str(first.dataset_id)).items()} == {
        t: r["id"] for t, r in before.items()
    }


def test_a_changed_csv_is_replaced_in_place(client, udata, release: Path) -> None:
    first = publish_to_datagouv(release, client, organization_id=udata["org_id"])
    before = resources(client, str(first.dataset_id))
    path = release / "data" / "glossary.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("sigle développé", "sigle explicité"),
        encoding="utf-8",
    )
    again = publish_to_datagouv(release, client)
    assert [a.target for a in again.actions if a.kind == "replace"] == ["data/glossary.csv"]
    assert again.count("upload") == 0
    after = resources(client, str(first.dataset_id))
    assert after["data/glossary.csv"]["id"] == before["data/glossary.csv"]["id"]
    assert after["data/glossary.csv"]["checksum"] != before["data/glossary.csv"]["checksum"]


def test_an_interrupted_publish_converges_without_duplicates(client, udata, release: Path) -> None:
    uploads = []

    def stop_after_two(message: str) -> None:
        if message.startswith("uploading"):
            uploads.append(message)
            if len(uploads) == 3:
                raise KeyboardInterrupt("interrupted")

    with pytest.raises(KeyboardInterrupt):
        publish_to_datagouv(
            release, client, organization_id=udata["org_id"], progress=stop_after_two
        )
    manifest = json.loads((release / MANIFEST).read_text())
    dataset_id = manifest["targets"][client.base_url]["dataset_id"]
    assert len(resources(client, dataset_id)) == 2
    result = publish_to_datagouv(release, client)
    assert result.dataset_id == dataset_id
    assert result.count("skip") == 2
    remote = resources(client, dataset_id)
    assert len(remote) == result.count("skip") + result.count("upload")


class LoseAnswer(httpx.BaseTransport):
    """Sends every request to the server, but loses the answer to the upload of one file, as a
    connection cut after the server stored it would: the client never learns the resource id."""

    def __init__(self, filename: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.marker = f'filename="{filename}"'.encode()
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        response = self.inner.handle_request(request)
        if not self.lost and request.url.path.endswith("/upload/") and self.marker in body:
            self.lost += 1
            response.read()
            response.close()
            raise httpx.ReadTimeout("connection lost", request=request)
        return response

    def close(self) -> None:
        self.inner.close()


def test_a_run_that_lost_an_upload_answer_converges_without_duplicates(
    client, udata, release: Path
) -> None:
    # udata titles an upload with its slugified file name: project-partners.csv
    lossy = DatagouvClient(
        udata["base_url"],
        udata["api_key"],
        transport=LoseAnswer("project_partners.csv"),
        retries=0,
    )
    with pytest.raises(PublishError, match="ReadTimeout after 1 attempt"):
        publish_to_datagouv(release, lossy, organization_id=udata["org_id"])
    dataset_id = json.loads((release / MANIFEST).read_text())["targets"][client.base_url][
        "dataset_id"
    ]
    assert "project-partners.csv" in resources(client, dataset_id)
    again = publish_to_datagouv(release, client)
    assert ("skip", "data/project_partners.csv") in [(a.kind, a.target) for a in again.actions]
    remote = resources(client, dataset_id)
    assert "project-partners.csv" not in remote and "data/project_partners.csv" in remote
    assert len(remote) == again.count("skip") + again.count("upload")


def test_an_upload_sent_again_after_a_lost_answer_leaves_one_resource(
    client, udata, release: Path
) -> None:
    # real sleeps: udata refuses (500) a second upload of a file name in the same second
    retrying = DatagouvClient(
        udata["base_url"], udata["api_key"], transport=LoseAnswer("projects.csv")
    )
    result = publish_to_datagouv(release, retrying, organization_id=udata["org_id"])
    deleted = [a for a in result.actions if a.kind == "delete"]
    assert [(a.target, a.detail.split(", ", 1)[1]) for a in deleted] == [
        ("projects.csv", "duplicate of data/projects.csv, same sha1")
    ]
    remote = resources(client, str(result.dataset_id))
    assert len(remote) == result.count("upload") and "projects.csv" not in remote


def test_a_lost_manifest_still_finds_the_resources(client, udata, release: Path) -> None:
    first = publish_to_datagouv(release, client, organization_id=udata["org_id"])
    (release / MANIFEST).unlink()
    again = publish_to_datagouv(release, client, dataset_id=first.dataset_id)
    assert again.count("upload") == 0
    assert len(resources(client, str(first.dataset_id))) == again.count("skip")


def test_dry_run_changes_nothing(client, udata, release: Path) -> None:
    first = publish_to_datagouv(release, client, organization_id=udata["org_id"])
    before = client.dataset(str(first.dataset_id))
    (release / "data" / "glossary.csv").write_text("changed\n", encoding="utf-8")
    (release / "catalog.ttl").unlink()
    plan = publish_to_datagouv(release, client, dry_run=True, prune=True)
    assert [a.target for a in plan.actions if a.kind == "replace"] == ["data/glossary.csv"]
    assert [a.target for a in plan.actions if a.kind == "delete"] == ["catalog.ttl"]
    after = client.dataset(str(first.dataset_id))
    assert after == before


def test_prune_deletes_only_when_asked(client, udata, release: Path) -> None:
    first = publish_to_datagouv(release, client, organization_id=udata["org_id"])
    (release / "shacl-report.ttl").unlink()
    kept = publish_to_datagouv(release, client)
    assert [a.target for a in kept.actions if a.kind == "keep"] == ["shacl-report.ttl"]
    assert "shacl-report.ttl" in resources(client, str(first.dataset_id))
    pruned = publish_to_datagouv(release, client, prune=True)
    assert [a.target for a in pruned.actions if a.kind == "delete"] == ["shacl-report.ttl"]
    assert "shacl-report.ttl" not in resources(client, str(first.dataset_id))


def test_a_licence_the_server_does_not_know_is_an_error(client, udata, release: Path) -> None:
    path = release / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["datagouv"]["license"] = "etalab-2.0-typo"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(
        PublishError, match=r"licence stored as 'notspecified' instead of 'etalab-2\.0-typo'"
    ):
        publish_to_datagouv(release, client, organization_id=udata["org_id"])


def test_a_wrong_api_key_fails_clearly_without_showing_it(
    udata, release: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "udata_THIS-IS-A-WRONG-SECRET-KEY"
    client = DatagouvClient(udata["base_url"], secret)
    with caplog.at_level(logging.DEBUG), pytest.raises(PublishError) as exc:
        publish_to_datagouv(release, client, organization_id=udata["org_id"])
    assert caplog.records and secret not in caplog.text
    assert "HTTP 401" in str(exc.value) and "Invalid API token" in str(exc.value)
    assert secret not in str(exc.value) and secret not in repr(client)
    result = CliRunner().invoke(
        cli,
        ["publish", "datagouv", "--release", str(release), "--target", udata["base_url"]],
        env={"DATAGOUV_API_KEY": secret},
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "HTTP 401: Invalid API token" in result.output
    assert "check the API key" in result.output
    assert secret not in result.output and "Traceback" not in result.output


def test_cli_publishes_and_prints_the_plan(udata, release: Path) -> None:
    env = {"DATAGOUV_API_KEY": udata["api_key"]}
    args = [
        "publish",
        "datagouv",
        "--release",
        str(release),
        "--target",
        udata["base_url"] + "/api/1",
        "--organization",
        udata["org_id"],
    ]
    dry = CliRunner().invoke(cli, [*args, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "create   dataset" in dry.output and dry.output.rstrip().splitlines()[-1].startswith(
        "would publish dataset (new)"
    )
    assert not (release / MANIFEST).exists()
    done = CliRunner().invoke(cli, [*args, "-q"], env=env)
    assert done.exit_code == 0, done.output
    dataset_id = json.loads((release / MANIFEST).read_text())["targets"][
        udata["base_url"] + "/api/1"
    ]["dataset_id"]
    assert done.output.startswith(f"published dataset {dataset_id}: 1 create, ")
    assert udata["api_key"] not in done.output + dry.output
    assert udata["api_key"] not in (release / MANIFEST).read_text()


def test_dry_run_needs_no_api_key(udata, release: Path) -> None:
    plan = publish_to_datagouv(release, DatagouvClient(udata["base_url"], None), dry_run=True)
    assert plan.count("create") == 1 and plan.count("upload") > 10


def test_publishing_needs_an_api_key(udata, release: Path) -> None:
    with pytest.raises(PublishError, match="set DATAGOUV_API_KEY"):
        publish_to_datagouv(release, DatagouvClient(udata["base_url"], None))
