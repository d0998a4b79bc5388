"""The publisher's HTTP behaviour, with a mocked transport: what is retried and what is not."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from cnr_opendata.errors import PublishError
from cnr_opendata.publish.datagouv import DatagouvClient, publish_to_datagouv, resolve_target

BASE = "http://udata.test/api/1"


def make_client(sleeps: list[float], retries: int = 3) -> DatagouvClient:
    return DatagouvClient(
        "http://udata.test", "secret-key-123", retries=retries, sleep=sleeps.append
    )


@respx.mock
def test_429_waits_for_retry_after_then_succeeds() -> None:
    route = respx.get(f"{BASE}/datasets/extensions/").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json=["csv"]),
        ]
    )
    sleeps: list[float] = []
    assert make_client(sleeps).extensions() == {"csv"}
    assert route.call_count == 2 and sleeps == [7.0]


@respx.mock
def test_503_then_success_backs_off() -> None:
    route = respx.get(f"{BASE}/datasets/abc/").mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(502),
            httpx.Response(200, json={"id": "abc"}),
        ]
    )
    sleeps: list[float] = []
    assert make_client(sleeps).dataset("abc") == {"id": "abc"}
    assert route.call_count == 3 and sleeps == [0.5, 1.0]


@respx.mock
def test_timeouts_exhaust_the_bound() -> None:
    route = respx.get(f"{BASE}/datasets/extensions/").mock(side_effect=httpx.ReadTimeout("slow"))
    sleeps: list[float] = []
    with pytest.raises(PublishError, match="ReadTimeout after 4 attempt"):
        make_client(sleeps).extensions()
    assert route.call_count == 4 and sleeps == [0.5, 1.0, 2.0]


@respx.mock
def test_connection_error_is_retried() -> None:
    respx.get(f"{BASE}/datasets/extensions/").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json=["zip"])]
    )
    assert make_client([]).extensions() == {"zip"}


@respx.mock
def test_400_is_reported_at_once_with_the_server_message() -> None:
    route = respx.post(f"{BASE}/datasets/").mock(
        return_value=httpx.Response(
            400, json={"message": "Validation error", "errors": {"spatial": ["Unknown geoid(s)"]}}
        )
    )
    sleeps: list[float] = []
    with pytest.raises(PublishError) as exc:
        make_client(sleeps).create_dataset({"title": "t"})
    assert route.call_count == 1 and sleeps == []
    assert "HTTP 400: Validation error; spatial: ['Unknown geoid(s)']" in str(exc.value)
    assert "secret-key-123" not in str(exc.value)


@respx.mock
def test_413_is_not_retried_and_says_why(tmp_path) -> None:
    big = tmp_path / "big.zip"
    big.write_bytes(b"x" * 1000)
    route = respx.post(f"{BASE}/datasets/d1/upload/").mock(
        return_value=httpx.Response(413, text="Request Entity Too Large")
    )
    with pytest.raises(
        PublishError, match=r"HTTP 413: Request Entity Too Large \(the file is larger"
    ):
        make_client([]).upload("d1", big)
    assert route.call_count == 1


@respx.mock
def test_a_retried_upload_sends_the_whole_file_again(tmp_path) -> None:
    data = tmp_path / "d.csv"
    data.write_bytes(b"id\n1\n")
    bodies: list[bytes] = []

    def record(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return httpx.Response(503) if len(bodies) == 1 else httpx.Response(201, json={"id": "r1"})

    respx.post(f"{BASE}/datasets/d1/upload/").mock(side_effect=record)
    assert make_client([]).upload("d1", data) == {"id": "r1"}
    assert len(bodies) == 2 and all(b"\r\n\r\nid\n1\n\r\n" in body for body in bodies)


def test_the_api_key_is_never_in_the_repr() -> None:
    client = make_client([])
    assert "secret-key-123" not in repr(client) and "secret-key-123" not in repr(client.http)


def test_targets() -> None:
    assert resolve_target("www") == "https://www.data.gouv.fr/api/1"
    assert resolve_target("demo") == "https://demo.data.gouv.fr/api/1"
    assert resolve_target("http://127.0.0.1:7000") == "http://127.0.0.1:7000/api/1"
    assert resolve_target("http://127.0.0.1:7000/api/1/") == "http://127.0.0.1:7000/api/1"
    with pytest.raises(PublishError, match="unknown target"):
        resolve_target("prod")


@respx.mock
def test_metadata_the_server_does_not_keep_is_an_error(tmp_path) -> None:
    """A server that drops a field of a PUT (it is not a partial update) is caught at once."""
    release = tmp_path / "rel"
    (release / "data").mkdir(parents=True)
    (release / "data" / "t.csv").write_text("id\n1\n", encoding="utf-8")
    descriptor = {
        "name": "t",
        "version": "1.0.0",
        "title": "T",
        "description": "d",
        "keywords": ["santé"],
        "temporal": {"start": "2022-09-01", "end": "2024-03-31"},
        "spatial": {"zones": ["fr:departement:83"]},
        "frequency": "irregular",
        "datagouv": {"license": "lov2"},
        "resources": [{"name": "t", "path": "data/t.csv"}],
    }
    (release / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    respx.get(f"{BASE}/datasets/extensions/").mock(return_value=httpx.Response(200, json=["csv"]))
    echoed = {
        "id": "d1",
        "license": "lov2",
        "frequency": "irregular",
        "tags": ["sante"],
        "spatial": {"zones": ["fr:departement:83"]},
        "temporal_coverage": None,
        "resources": [],
    }
    respx.post(f"{BASE}/datasets/").mock(return_value=httpx.Response(201, json=echoed))
    with pytest.raises(PublishError, match="temporal coverage stored as None"):
        publish_to_datagouv(release, make_client([]))
