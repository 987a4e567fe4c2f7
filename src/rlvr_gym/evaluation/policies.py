"""Policies: what answers the tasks of an evaluation, and `load_policy` for the built-in specs.

A policy is any callable ``(task, n) -> list[str]`` returning `n` responses to `task`. Specs:

- ``reference``: the task's own worked solution (a self-test of the task and its verifier).
- ``file:PATH``: pre-generated responses, JSONL rows with ``task_id`` and ``response`` (one
  sample) or ``responses`` (a list); several rows of one task add up.
- ``openai:MODEL``: any OpenAI-compatible chat-completions server (OpenAI, vLLM, SGLang).
  Options: ``base_url`` (default ``$OPENAI_BASE_URL`` or ``https://api.openai.com/v1``),
  ``api_key`` (default ``$OPENAI_API_KEY``), ``temperature``, ``max_tokens``, ``timeout_s``,
  ``retries``, ``backoff_s``.
- ``python:MODULE:FUNCTION`` (or ``python:path/to/file.py:FUNCTION``): a function taking either
  ``(task: Task, n: int) -> list[str]`` (two positional parameters) or
  ``(prompt: str) -> str`` (one positional parameter; called `n` times with the prompt text).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from rlvr_gym.core.errors import ConfigurationError, InfrastructureError, TaskFileError
from rlvr_gym.core.task import Task
from rlvr_gym.evaluation.chat_client import ChatCompletionsClient

DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1"


@runtime_checkable
class Policy(Protocol):
    """Answers a task: returns exactly `n` responses (samples) to `task`."""

    def __call__(self, task: Task, n: int) -> list[str]: ...


def policy_name(policy: Policy) -> str:
    """A stable name of a policy for results files: its spec, or the callable's dotted name."""
    spec = getattr(policy, "spec", None)
    if isinstance(spec, str) and spec:
        return spec
    module = getattr(policy, "__module__", None) or type(policy).__module__
    qualname = getattr(policy, "__qualname__", None) or type(policy).__qualname__
    return f"python:{module}:{qualname}"


def policy_settings(policy: Policy) -> dict[str, Any]:
    """The options of a policy that change its answers (recorded so a resume cannot mix them)."""
    settings = getattr(policy, "settings", None)
    return dict(settings) if isinstance(settings, Mapping) else {}


class ReferencePolicy:
    """Answers with the task's own worked solution, ending in ``\\boxed{answer}``: a self-test."""

    spec = "reference"
    settings: Mapping[str, Any] = {}

    def __call__(self, task: Task, n: int) -> list[str]:
        return [reference_response(task)] * n


def reference_response(task: Task) -> str:
    """The task's own reference solution written as a model would answer (a self-test).

    Math: the worked solution, with ``The answer is \\boxed{ANSWER}.`` appended if it gives no
    boxed answer (the verifier only trusts a committed final answer). Code: the reference
    program in a Python fence. Other families: the reference ``solution`` as it is.
    """
    solution = task.reference.get("solution")
    text = solution.strip() if isinstance(solution, str) else ""
    if task.family == "code":
        if not text:
            raise ConfigurationError(
                f"task {task.id!r} has no reference solution, so the reference policy cannot "
                "answer it"
            )
        return f"```python\n{text}\n```"
    if task.family != "math" and text:
        return text
    answer = task.reference.get("answer")
    if "\\boxed{" in text:
        return text
    if not isinstance(answer, str) or not answer.strip():
        raise ConfigurationError(
            f"task {task.id!r} has no reference answer, so the reference policy cannot answer it"
        )
    closing = f"The answer is \\boxed{{{answer.strip()}}}."
    return f"{text}\n{closing}" if text else closing


class FilePolicy:
    """Replays pre-generated responses from a JSONL file, matched to tasks by ``task_id``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self.spec = f"file:{path}"
        self.settings: dict[str, Any] = {}
        if self.path.is_dir() or (self.path.exists() and not self.path.is_file()):
            raise TaskFileError(
                "is a directory, pipe or device, not a file of responses; give a JSONL file",
                path=str(self.path),
            )
        self.responses = _read_response_file(self.path)

    def __call__(self, task: Task, n: int) -> list[str]:
        found = self.responses.get(task.id)
        if found is None:
            raise TaskFileError(
                f"no response for task {task.id!r}; add a row with this task_id",
                path=str(self.path),
            )
        if len(found) < n:
            raise TaskFileError(
                f"task {task.id!r} has {len(found)} response(s) but {n} samples were asked; "
                "lower --samples or add responses",
                path=str(self.path),
            )
        return found[:n]


def _read_response_file(path: Path) -> dict[str, list[str]]:
    from rlvr_gym.tasks.datasets import read_rows

    found: dict[str, list[str]] = {}
    for number, row in read_rows(path):
        task_id = row.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise TaskFileError("must be a non-empty string", path=str(path), row=number,
                                field="task_id")
        if "responses" in row:
            responses = row["responses"]
            if not isinstance(responses, list) or not all(
                isinstance(r, str) for r in responses
            ):
                raise TaskFileError("must be a list of strings", path=str(path),
                                    row=number, field="responses")
        elif "response" in row:
            if not isinstance(row["response"], str):
                raise TaskFileError("must be a string", path=str(path), row=number,
                                    field="response")
            responses = [row["response"]]
        else:
            raise TaskFileError("needs a 'response' string or a 'responses' list",
                                path=str(path), row=number, field="response")
        found.setdefault(task_id, []).extend(responses)
    if not found:
        raise TaskFileError("the file holds no rows", path=str(path))
    return found


class OpenAIPolicy:
    """Samples responses from an OpenAI-compatible chat-completions endpoint.

    Asks for all `n` samples in one request (``n`` in the payload); a server that returns fewer
    choices is asked again for the rest.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        timeout_s: float = 600.0,
        retries: int = 5,
        backoff_s: float = 1.0,
    ) -> None:
        if not model:
            raise ConfigurationError("openai policy needs a model name: openai:MODEL")
        if max_tokens is not None and (
            isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1
        ):
            raise ConfigurationError(
                f"max_tokens (--max-tokens) must be an integer of at least 1, got {max_tokens!r}"
            )
        if temperature is not None and (
            isinstance(temperature, bool) or not isinstance(temperature, (int, float))
            or not math.isfinite(temperature) or temperature < 0
        ):
            raise ConfigurationError(
                f"temperature (--temperature) must be a finite number of at least 0, got "
                f"{temperature!r}"
            )
        self.model = model
        self.spec = f"openai:{model}"
        self.temperature = temperature
        self.max_tokens = max_tokens
        resolved_url = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_OPENAI_BASE_URL
        self.client = ChatCompletionsClient(
            resolved_url,
            api_key=api_key if api_key is not None else os.environ.get("OPENAI_API_KEY"),
            timeout_s=timeout_s,
            retries=retries,
            backoff_s=backoff_s,
        )
        # The key is left out on purpose: it must never reach a results file.
        self.settings = {"base_url": self.client.url, "temperature": temperature,
                         "max_tokens": max_tokens}

    def messages(self, task: Task) -> list[dict[str, str]]:
        """The task's prompt as chat messages (a text prompt becomes one user message)."""
        if isinstance(task.prompt, str):
            return [{"role": "user", "content": task.prompt}]
        return [{str(k): str(v) for k, v in message.items()} for message in task.prompt]

    def __call__(self, task: Task, n: int) -> list[str]:
        responses: list[str] = []
        while len(responses) < n:
            payload: dict[str, Any] = {
                "model": self.model,
                "messages": self.messages(task),
                "n": n - len(responses),
            }
            if self.temperature is not None:
                payload["temperature"] = self.temperature
            if self.max_tokens is not None:
                payload["max_tokens"] = self.max_tokens
            answer = self.client.complete(payload)
            texts = _choice_texts(answer, self.client.url)
            if not texts:
                raise InfrastructureError(f"{self.client.url} answered with no choices")
            responses.extend(texts)
        return responses[:n]


def _choice_texts(answer: Mapping[str, Any], url: str) -> list[str]:
    choices = answer.get("choices")
    if not isinstance(choices, list):
        raise InfrastructureError(f"{url} answered without a 'choices' list: {str(answer)[:200]}")
    texts = []
    for choice in choices:
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        texts.append(content if isinstance(content, str) else "")
    return texts


class PythonPolicy:
    """Wraps a user function: ``(task, n) -> list[str]`` or ``(prompt) -> str`` (called n times)."""

    def __init__(self, function: Callable[..., Any], spec: str) -> None:
        self.function = function
        self.spec = spec
        self.settings: dict[str, Any] = {}
        self.batched = _positional_arity(function, spec) == 2

    def __call__(self, task: Task, n: int) -> list[str]:
        if self.batched:
            result = self.function(task, n)
            if not isinstance(result, (list, tuple)) or not all(isinstance(r, str) for r in result):
                raise ConfigurationError(
                    f"{self.spec} must return a list of strings, got {type(result).__name__}"
                )
            return list(result)
        responses = []
        for _ in range(n):
            text = self.function(task.prompt_text)
            if not isinstance(text, str):
                raise ConfigurationError(
                    f"{self.spec} must return a string, got {type(text).__name__}"
                )
            responses.append(text)
        return responses


def _positional_arity(function: Callable[..., Any], spec: str) -> int:
    """How the function is called: 2 for ``(task, n)``, 1 for ``(prompt)``."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return 2  # a builtin or C callable: assume the documented primary form
    params = list(signature.parameters.values())
    positional = [
        p for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    required = [p for p in positional if p.default is p.empty]
    if any(p.kind is p.VAR_POSITIONAL for p in params) or len(required) == 2:
        return 2
    if len(required) == 1 or (not required and positional):
        return 1
    raise ConfigurationError(
        f"{spec}: the function must take (task, n) -> list[str] or (prompt) -> str; "
        f"its signature is {signature}"
    )


def _load_callable(target: str, spec: str) -> Callable[..., Any]:
    module_name, sep, attr = target.rpartition(":")
    if not sep or not module_name or not attr:
        raise ConfigurationError(
            f"policy {spec!r} must look like python:MODULE:FUNCTION or python:FILE.py:FUNCTION"
        )
    if module_name.endswith(".py") or os.sep in module_name:
        path = Path(module_name).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"policy {spec!r}: {path} is not a file")
        loader_spec = importlib.util.spec_from_file_location(path.stem, path)
        if loader_spec is None or loader_spec.loader is None:
            raise ConfigurationError(f"policy {spec!r}: cannot import {path}")
        module = importlib.util.module_from_spec(loader_spec)
        try:
            loader_spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:  # the user's file: a typo must not be a traceback
            raise ConfigurationError(
                f"policy {spec!r}: importing {path} failed ({type(exc).__name__}: {exc}); fix "
                "the file"
            ) from exc
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # like `python -m`: modules in the current folder
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigurationError(f"policy {spec!r}: cannot import {module_name!r}: {exc}") \
                from exc
        except (Exception, SystemExit) as exc:  # the module itself failed while importing
            raise ConfigurationError(
                f"policy {spec!r}: importing {module_name!r} failed ({type(exc).__name__}: "
                f"{exc}); fix the module"
            ) from exc
    function = module
    for part in attr.split("."):
        try:
            function = getattr(function, part)
        except AttributeError as exc:
            raise ConfigurationError(f"policy {spec!r}: {module_name} has no {attr!r}") from exc
    if not callable(function):
        raise ConfigurationError(f"policy {spec!r}: {attr!r} is not callable")
    return function


_OPENAI_OPTIONS = {"base_url", "api_key", "temperature", "max_tokens", "timeout_s", "retries",
                   "backoff_s"}


def load_policy(spec: str, **options: Any) -> Policy:
    """Build a policy from its spec (see the module docstring); options that are None are unset.

    Options a policy does not take are refused, so ``--temperature`` with a file policy is an
    error rather than silently ignored.
    """
    given = {k: v for k, v in options.items() if v is not None}
    kind, _, rest = spec.partition(":")

    def refuse_options(allowed: set[str]) -> None:
        extra = sorted(set(given) - allowed)
        if extra:
            raise ConfigurationError(
                f"policy {kind!r} does not take option(s) {', '.join(extra)}"
                + (f"; it takes {', '.join(sorted(allowed))}" if allowed else "")
            )

    if kind == "reference" and not rest:
        refuse_options(set())
        return ReferencePolicy()
    if kind == "file" and rest:
        refuse_options(set())
        return FilePolicy(rest)
    if kind == "openai" and rest:
        refuse_options(_OPENAI_OPTIONS)
        return OpenAIPolicy(rest, **given)
    if kind == "python" and rest:
        refuse_options(set())
        return PythonPolicy(_load_callable(rest, spec), spec)
    raise ConfigurationError(
        f"unknown policy {spec!r}; use reference, file:PATH, openai:MODEL or "
        "python:MODULE:FUNCTION"
    )
