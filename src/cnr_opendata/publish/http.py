"""An httpx client that retries only what is worth retrying, and never leaks its secrets."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from cnr_opendata.errors import PublishError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Sleep = Callable[[float], None]
HINTS = {
    401: " (check the API key or credentials in the environment)",
    403: " (the key's user may not own this dataset or organization)",
    413: " (the file is larger than the server accepts)",
}


def server_message(response: httpx.Response) -> str:
    """The server's own explanation of an error, in one line."""
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip().replace("\n", " ")
        return text[:300] or response.reason_phrase
    if isinstance(data, dict):
        parts = []
        if data.get("message"):
            parts.append(str(data["message"]))
        if isinstance(data.get("errors"), dict):
            parts += [f"{k}: {v}" for k, v in sorted(data["errors"].items())]
        if parts:
            return "; ".join(parts)[:500]
    return str(data)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


class RetryingClient:
    """Sends requests, retrying 429 (honouring Retry-After), 5xx and connection errors or
    timeouts with exponential backoff, at most ``retries`` times; any other 4xx fails at once
    with the status and the server's message."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        retries: int = 4,
        backoff: float = 0.5,
        max_wait: float = 60.0,
        timeout: float = 120.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep or time.sleep
        self._http = httpx.Client(
            headers=headers or {},
            auth=auth,
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
        )

    def __repr__(self) -> str:  # never show headers: they may hold an API key
        return f"{type(self).__name__}({self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def url(self, path: str) -> str:
        return (
            path
            if path.startswith(("http://", "https://"))
            else f"{self.base_url}/{path.lstrip('/')}"
        )

    def request(
        self, method: str, path: str, *, ok: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        """Send one request (``files`` may be a callable returning fresh file objects, so an
        upload can be retried); return the response or raise :class:`PublishError`."""
        url = self.url(path)
        files_factory = kwargs.pop("files", None)
        attempt = 0
        while True:
            if callable(files_factory):
                kwargs["files"] = files_factory()
            elif files_factory is not None:
                kwargs["files"] = files_factory
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                if attempt >= self.retries:
                    raise PublishError(
                        f"{method} {url}: {type(exc).__name__} after {attempt + 1} attempt(s): {exc}"
                    ) from None
                wait = self._wait(attempt, None)
            else:
                if response.is_success or response.status_code in ok:
                    return response
                if response.status_code not in RETRY_STATUSES or attempt >= self.retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    hint = HINTS.get(response.status_code, "")
                    raise PublishError(
                        f"{method} {url}: HTTP {response.status_code}{tries}: "
                        f"{server_message(response)}{hint}"
                    )
                wait = self._wait(attempt, _retry_after(response))
            finally:
                for value in (kwargs.get("files") or {}).values():
                    handle = value[1] if isinstance(value, tuple) else value
                    close = getattr(handle, "close", None)
                    if close:
                        close()
            attempt += 1
            self.sleep(wait)

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_wait)
        return min(self.backoff * (2**attempt), self.max_wait)
