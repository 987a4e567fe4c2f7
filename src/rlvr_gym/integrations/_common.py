"""What every trainer adapter shares: reading a task from a dataset field, reading the model's
text from a completion, scoring pairs in this process, and drawing tasks from an env id."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from rlvr_gym.core.errors import ConfigurationError, InfrastructureError
from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict

COMPONENTS = ("outcome", "process", "format")


class _Verifier(Protocol):
    def verify(self, task: Task, response: str) -> Verdict: ...


def family_of(source: str | None) -> str | None:
    """The family a data source names: an env id (``rlvr/MathLinear-v0``), ``rlvr-math`` or
    ``math``; None when it names none of ours."""
    if not source:
        return None
    from rlvr_gym.core.registry import registered_ids, spec

    if source.startswith("rlvr/") or source in {i.split("/", 1)[1] for i in registered_ids()}:
        try:
            return spec(source).family
        except ConfigurationError:
            return None
    name = source.removeprefix("rlvr-").removeprefix("rlvr/")
    return name if name in ("math", "code", "lean") else None


def task_from_label(label: Any, *, family: str | None = None, prompt: str = "",
                    id: str = "row") -> Task:
    """A task from what a dataset row carries: a `Task`, a task dict, a task's JSON, or (math)
    the bare reference answer."""
    if isinstance(label, Task):
        return label
    if isinstance(label, Mapping):
        return Task.from_dict(label)
    if isinstance(label, (list, tuple)) and len(label) == 1:  # verl's gsm8k keeps ["72"]
        label = label[0]
    if isinstance(label, (int, float)) and not isinstance(label, bool):
        label = str(label)
    if not isinstance(label, str) or not label.strip():
        raise ConfigurationError(
            f"row {id}: the label must be a task's JSON or a reference answer, got {label!r}"
        )
    text = label.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and "reference" in data:
            return Task.from_dict(data)
    if family not in (None, "math"):
        raise ConfigurationError(
            f"row {id}: a {family} task needs its task JSON as the label (export the dataset "
            "with rlvr_gym.integrations), not a bare answer"
        )
    return Task(id=id, family="math", prompt=prompt, reference={"answer": text})


def completion_text(completion: Any) -> str:
    """The model's text: a plain string, or the last assistant message of a conversation."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return str(completion.get("content") or "")
    if isinstance(completion, Sequence):
        messages = [m for m in completion if isinstance(m, Mapping)]
        answers = [m for m in messages if m.get("role", "assistant") == "assistant"]
        if answers:
            return str(answers[-1].get("content") or "")
    return ""


_VERIFIERS: dict[str, _Verifier] = {}
_VERIFIERS_LOCK = threading.Lock()


def local_verifier(family: str) -> _Verifier:
    """This process's verifier of `family` (math on the shared worker pool, code on the shared
    Docker pool), made on first use."""
    with _VERIFIERS_LOCK:
        if family not in _VERIFIERS:
            if family == "math":
                from rlvr_gym.verifiers.math.verifier import MathVerifier

                _VERIFIERS[family] = MathVerifier()
            elif family == "code":
                from rlvr_gym.verifiers.code.verifier import CodeVerifier

                _VERIFIERS[family] = CodeVerifier()
            elif family == "lean":
                from rlvr_gym.envs.lean import LeanProofChecker

                _VERIFIERS[family] = LeanProofChecker()
            else:
                raise ConfigurationError(
                    f"no verifier for family {family!r}; known: math, code, lean"
                )
        return _VERIFIERS[family]


def _verify_one(task: Task, response: str) -> Verdict:
    try:
        return local_verifier(task.family).verify(task, response)
    except InfrastructureError as exc:
        return Verdict.infrastructure_failure(f"{type(exc).__name__}: {exc}")


def score_pairs(tasks: Sequence[Task], responses: Sequence[str],
                workers: int | None = None) -> list[Verdict]:
    """Verdicts in order: in this process with threads (``workers=None``), else on `workers`
    processes through `score_batch`."""
    if workers is not None:
        from rlvr_gym.integrations.batch import score_batch

        return score_batch(tasks, responses, workers=workers)
    if len(tasks) <= 1:
        return [_verify_one(t, r) for t, r in zip(tasks, responses, strict=True)]
    threads = max(2, min(16, os.cpu_count() or 2))
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(_verify_one, tasks, responses))


def components(verdict: Verdict, weights: RewardWeights) -> dict[str, float]:
    """``score`` (the weighted total) and each component, as plain floats; ``infra_error`` 0/1."""
    breakdown = weights.breakdown(verdict)
    return {
        "score": float(breakdown.total),
        "outcome": float(breakdown.outcome),
        "process": float(breakdown.process),
        "format": float(breakdown.format),
        "infra_error": 1.0 if breakdown.infra_error else 0.0,
    }


def tasks_of(env_id: str, n: int, *, start: int = 0,
             difficulty: int | Mapping[str, Any] | None = None) -> list[Task]:
    """Tasks ``start .. start+n-1`` of a registered env (the same tasks on every call)."""
    from rlvr_gym.core.registry import make

    if n < 1:
        raise ConfigurationError(f"n must be at least 1, got {n}")
    env = make(env_id)
    try:
        tasks = []
        for index in range(start, start + n):
            options: dict[str, Any] = {"index": index}
            if difficulty is not None:
                options["difficulty"] = difficulty
            _, info = env.reset(options=options)
            tasks.append(Task.from_dict(info["task"]))
        return tasks
    finally:
        env.close()


def chat_prompt(task: Task) -> list[dict[str, str]]:
    """The task's prompt as a chat list (what TRL and verl store in the ``prompt`` column)."""
    if isinstance(task.prompt, str):
        return [{"role": "user", "content": task.prompt}]
    return [{"role": str(m.get("role", "user")), "content": str(m.get("content", ""))}
            for m in task.prompt]
