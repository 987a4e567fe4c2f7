"""`ChatCompletionsClient`: a small client of the OpenAI-compatible ``/v1/chat/completions`` API.

Built on `urllib.request` so evaluation adds no dependency. It works with any server speaking
the protocol (OpenAI, vLLM, SGLang, llama.cpp). Rate limits (429), server errors (5xx),
connection failures and timeouts are retried with exponential backoff (honouring
``Retry-After``); other client errors (400, 401, 404) are the caller's to fix and fail at once.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, InfrastructureError

_HINTS = {
    401: "check --api-key or OPENAI_API_KEY",
    403: "check --api-key or OPENAI_API_KEY",
    404: "check --base-url (it usually ends in /v1) and the model name",
}
_MAX_BACKOFF_S = 60.0


def chat_completions_url(base_url: str) -> str:
    """``http://host:8000/v1`` -> ``http://host:8000/v1/chat/completions`` (idempotent)."""
    base = base_url.rstrip("/")
    return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


def _check_base_url(base_url: object) -> None:
    """Refuse a base URL no request could reach (no scheme, no host, spaces), before any call."""
    example = "(e.g. --base-url http://localhost:8000/v1)"
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"base URL {base_url!r:.200} must start with http:// or https:// {example}"
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in base_url):
        raise ConfigurationError(
            f"base URL {base_url!r:.200} holds spaces or control characters {example}"
        )
    try:
        parts = urllib.parse.urlsplit(base_url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as exc:
        raise ConfigurationError(f"base URL {base_url!r:.200} is malformed ({exc}) {example}") \
            from exc
    if not parts.hostname:
        raise ConfigurationError(f"base URL {base_url!r:.200} names no host {example}")
    try:
        base_url.encode("ascii")
    except UnicodeEncodeError as exc:
        raise ConfigurationError(
            f"base URL {base_url!r:.200} holds non-ASCII characters; percent-encode them "
            f"{example}"
        ) from exc


class ChatCompletionsClient:
    """POSTs chat-completion requests with retries; one instance is safe to share across threads.

    `retries` is the number of retries after the first attempt; the wait before retry ``i`` is
    ``backoff_s * 2**i`` seconds (or the server's ``Retry-After``), capped at a minute.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 600.0,
        retries: int = 5,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        _check_base_url(base_url)
        if api_key is not None and not all(32 < ord(ch) < 127 for ch in api_key):
            raise ConfigurationError(  # the key itself is never printed
                "the API key holds spaces, control or non-ASCII characters, which cannot go in "
                "an HTTP header; check --api-key or OPENAI_API_KEY"
            )
        if not timeout_s > 0:
            raise ConfigurationError(f"timeout must be positive, got {timeout_s}")
        if retries < 0:
            raise ConfigurationError(f"retries must be at least 0, got {retries}")
        self.url = chat_completions_url(base_url)
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self._sleep = sleep

    def _request(self, payload: Mapping[str, Any]) -> urllib.request.Request:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = json.dumps(payload).encode("utf-8")
        return urllib.request.Request(self.url, data=body, headers=headers, method="POST")

    def complete(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Send one request and return the decoded JSON answer, retrying transient failures."""
        last_error = ""
        for attempt in range(self.retries + 1):
            wait: float | None = None
            try:
                with urllib.request.urlopen(self._request(payload), timeout=self.timeout_s) as r:
                    raw = r.read()
            except urllib.error.HTTPError as exc:
                detail = _error_detail(exc)
                if exc.code != 429 and exc.code < 500:
                    hint = _HINTS.get(exc.code, "the server rejected the request")
                    raise ConfigurationError(
                        f"{self.url} answered HTTP {exc.code}: {detail} ({hint})"
                    ) from exc
                last_error = f"HTTP {exc.code}: {detail}"
                wait = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                last_error = f"{type(exc).__name__}: {reason}"
            else:
                try:
                    decoded = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    raise InfrastructureError(
                        f"{self.url} answered with invalid JSON: {raw[:200]!r}"
                    ) from exc
                if not isinstance(decoded, dict):
                    raise InfrastructureError(f"{self.url} answered {type(decoded).__name__}, "
                                              "not a JSON object")
                return decoded
            if attempt < self.retries:
                delay = wait if wait is not None else self.backoff_s * 2**attempt
                self._sleep(min(delay, _MAX_BACKOFF_S))
        raise InfrastructureError(
            f"{self.url} failed after {self.retries + 1} attempts (last: {last_error}); is the "
            "server up? Rerun the same command to resume"
        )


def _error_detail(exc: urllib.error.HTTPError) -> str:
    """The server's error message (OpenAI's ``{"error": {"message": ...}}``) or its raw text."""
    try:
        text = exc.read().decode("utf-8", errors="replace")
    except OSError:
        return str(exc.reason)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return text.strip()[:300] or str(exc.reason)
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])[:300]
    if isinstance(error, str):
        return error[:300]
    return text.strip()[:300]


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
