"""The ``openai:MODEL`` policy against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rlvr_gym import ConfigurationError, InfrastructureError, Task
from rlvr_gym.evaluation import evaluate, load_policy


class FakeServer:
    """A chat-completions server; `script` holds (status, body, headers) answers, then 200s."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.script: list[tuple[int, Any, dict[str, str]]] = []
        self.max_choices: int | None = None
        self.delay_s = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length))
                server.requests.append({"path": self.path, **payload})
                server.headers.append(dict(self.headers))
                if server.delay_s:
                    time.sleep(server.delay_s)
                if server.script:
                    status, body, headers = server.script.pop(0)
                else:
                    status, body, headers = 200, server.answer(payload), {}
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def answer(self, payload: dict[str, Any]) -> dict[str, Any]:
        prompt = payload["messages"][-1]["content"]
        count = payload.get("n", 1)
        if self.max_choices is not None:
            count = min(count, self.max_choices)
        choices = [
            {"index": i, "message": {"role": "assistant", "content": f"{prompt} -> \\boxed{{4}}"}}
            for i in range(count)
        ]
        return {"id": "x", "object": "chat.completion", "choices": choices}


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    fake.thread.start()
    yield fake
    fake.httpd.shutdown()
    fake.httpd.server_close()


TASK = Task(id="t/1", family="math", prompt="What is 2 + 2?", reference={"answer": "4"})


def test_samples_come_from_one_request_with_n_and_the_options(server: FakeServer) -> None:
    policy = load_policy("openai:tiny", base_url=server.url, api_key="sk-test",
                         temperature=0.7, max_tokens=64)
    responses = policy(TASK, 3)
    assert responses == ["What is 2 + 2? -> \\boxed{4}"] * 3
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["model"] == "tiny"
    assert request["n"] == 3
    assert request["temperature"] == 0.7
    assert request["max_tokens"] == 64
    assert request["messages"] == [{"role": "user", "content": "What is 2 + 2?"}]
    assert server.headers[0]["Authorization"] == "Bearer sk-test"


def test_api_key_comes_from_the_environment(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    load_policy("openai:tiny", base_url=server.url)(TASK, 1)
    assert server.headers[0]["Authorization"] == "Bearer sk-env"


def test_no_key_sends_no_authorization(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    load_policy("openai:tiny", base_url=server.url)(TASK, 1)
    assert "Authorization" not in server.headers[0]
    assert "temperature" not in server.requests[0]


def test_chat_prompts_are_sent_as_messages(server: FakeServer) -> None:
    task = Task(id="t/2", family="math", reference={"answer": "4"}, prompt=(
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "2 + 2?"},
    ))
    load_policy("openai:tiny", base_url=server.url)(task, 1)
    assert server.requests[0]["messages"] == [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "2 + 2?"},
    ]


def test_a_server_returning_fewer_choices_is_asked_for_the_rest(server: FakeServer) -> None:
    server.max_choices = 1
    assert len(load_policy("openai:tiny", base_url=server.url)(TASK, 3)) == 3
    assert [r["n"] for r in server.requests] == [3, 2, 1]


def test_rate_limits_and_server_errors_are_retried(server: FakeServer) -> None:
    server.script = [
        (429, {"error": {"message": "slow down"}}, {"Retry-After": "0"}),
        (503, {"error": {"message": "loading"}}, {}),
    ]
    policy = load_policy("openai:tiny", base_url=server.url, backoff_s=0.0)
    assert len(policy(TASK, 2)) == 2
    assert len(server.requests) == 3


def test_persistent_server_errors_become_an_infrastructure_error(server: FakeServer) -> None:
    server.script = [(500, {"error": {"message": "boom"}}, {})] * 3
    policy = load_policy("openai:tiny", base_url=server.url, retries=2, backoff_s=0.0)
    with pytest.raises(InfrastructureError, match=r"after 3 attempts.*HTTP 500: boom"):
        policy(TASK, 1)
    assert len(server.requests) == 3


@pytest.mark.parametrize(("status", "hint"), [(401, "api-key"), (404, "base-url"), (400, "")])
def test_client_errors_fail_at_once_with_the_server_message(
    server: FakeServer, status: int, hint: str
) -> None:
    server.script = [(status, {"error": {"message": "model 'tiny' nope"}}, {})]
    policy = load_policy("openai:tiny", base_url=server.url, backoff_s=0.0)
    with pytest.raises(ConfigurationError, match=f"HTTP {status}: model 'tiny' nope.*{hint}"):
        policy(TASK, 1)
    assert len(server.requests) == 1


def test_a_slow_server_times_out_and_is_retried(server: FakeServer) -> None:
    server.delay_s = 0.5
    policy = load_policy("openai:tiny", base_url=server.url, timeout_s=0.1, retries=1,
                         backoff_s=0.0)
    with pytest.raises(InfrastructureError, match="after 2 attempts"):
        policy(TASK, 1)
    assert len(server.requests) == 2


def test_an_unreachable_server_is_an_infrastructure_error() -> None:
    policy = load_policy("openai:tiny", base_url="http://127.0.0.1:9/v1", retries=0)
    with pytest.raises(InfrastructureError, match="is the server up"):
        policy(TASK, 1)


def test_a_base_url_without_a_scheme_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="http://"):
        load_policy("openai:tiny", base_url="localhost:8000/v1")


def test_the_api_key_never_reaches_the_results(
    server: FakeServer, tmp_path: Path, fake_id: str
) -> None:
    policy = load_policy("openai:tiny", base_url=server.url, api_key="sk-secret")
    summary = evaluate(fake_id, policy, n=2, samples=2, out=tmp_path / "o.jsonl",
                       progress=False)
    assert summary.scored == 4
    for path in tmp_path.iterdir():
        assert "sk-secret" not in path.read_text()
    meta = json.loads((tmp_path / "o.meta.json").read_text())
    assert meta["policy"] == "openai:tiny"
    assert meta["policy_settings"]["base_url"] == f"{server.url}/chat/completions"
