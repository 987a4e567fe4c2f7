"""`evaluate`: run a policy on the first `n` tasks of an environment and score every sample.

Task ``i`` is item ``seed + i`` of the environment's source (``reset(options={"index": ...})``:
row ``i`` of a dataset, generator seed ``i``), so a dataset of N rows is evaluated row by row
with ``-n N``, and a run is reproducible and can be resumed. Each sample is scored by the
environment itself (the same reward a trainer would see): single-turn envs take the response in
one `step`; step-mode envs (``mode == "steps"``) take it one reasoning step at a time until the
episode ends, and the rewards of the steps are summed.

Every scored sample is one row of the JSONL results file::

    {"task_index": 0, "sample_index": 1, "task_id": "...", "response": "...",
     "reward": {"outcome": 1.0, "process": 1.0, "format": 1.0, "total": 1.0, ...},
     "verdict": {...}, "infra_error": false, "elapsed_s": 0.01,
     "generation_s": 0.0, "scoring_s": 0.01}

Step-mode rows add ``step_rewards`` and ``step_verdicts`` (one per step taken), ``ended``
(``"terminated"``, ``"truncated"`` or ``"out_of_steps"``) and ``unused_steps``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import gymnasium

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.registry import make, spec
from rlvr_gym.core.task import Task
from rlvr_gym.evaluation.metrics import EvalSummary, SampleResult, summarize
from rlvr_gym.evaluation.policies import Policy, load_policy, policy_name, policy_settings
from rlvr_gym.evaluation.progress import ProgressBar
from rlvr_gym.evaluation.results import ResultsFile, sidecar_path

RESULTS_KIND = "rlvr-eval/1"


def evaluate(
    env_id: str,
    policy: Policy | str,
    n: int,
    samples: int,
    out: str | os.PathLike[str],
    seed: int = 0,
    env_kwargs: Mapping[str, Any] | None = None,
    progress: bool | Literal["always"] = True,
) -> EvalSummary:
    """Evaluate `policy` on tasks ``0..n-1`` of `env_id`, `samples` responses each.

    Rows go to `out` as they are scored; rerunning with the same arguments skips what is done
    (a larger `n` extends the run), other arguments are refused. The summary (pass@k, mean
    outcome and process reward, infrastructure errors, seconds per sample) is returned and
    written to ``OUT.summary.json``. `progress` shows a bar on stderr when it is a terminal;
    ``"always"`` forces it.
    """
    if n < 1:
        raise ConfigurationError(f"n (the number of tasks) must be at least 1, got {n}")
    if samples < 1:
        raise ConfigurationError(f"samples per task must be at least 1, got {samples}")
    chosen = load_policy(policy) if isinstance(policy, str) else policy
    kwargs = dict(env_kwargs or {})
    full_id = spec(env_id).id
    meta = {
        "kind": RESULTS_KIND,
        "env_id": full_id,
        "env_kwargs": kwargs,
        "policy": policy_name(chosen),
        "policy_settings": policy_settings(chosen),
        "seed": seed,
        "samples": samples,
    }
    env = make(full_id, **kwargs)
    try:
        with ResultsFile(out, meta) as results:
            done = _index_rows(results.rows, n)
            with ProgressBar(
                n * samples, initial=len(done), label=full_id.removeprefix("rlvr/"),
                enabled=bool(progress), force=progress == "always",
            ) as bar:
                new_rows = _run(env, chosen, n, samples, seed, done, results, bar.update)
    finally:
        env.close()
    rows = [*done.values(), *new_rows]
    summary = summarize(
        (SampleResult.from_row(r) for r in rows),
        env_id=full_id, policy=policy_name(chosen), tasks=n, samples=samples, out=str(out),
    )
    _write_json(sidecar_path(out, "summary"), summary.to_dict())
    return summary


def _index_rows(rows: list[dict[str, Any]], n: int) -> dict[tuple[int, int], dict[str, Any]]:
    """The finished rows of tasks below `n`, keyed by (task, sample); the first copy wins."""
    done: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        try:
            key = (int(row["task_index"]), int(row["sample_index"]))
        except (KeyError, TypeError, ValueError):
            continue
        if key[0] < n:
            done.setdefault(key, row)
    return done


def _run(
    env: gymnasium.Env[Any, Any],
    policy: Policy,
    n: int,
    samples: int,
    seed: int,
    done: Mapping[tuple[int, int], Mapping[str, Any]],
    results: ResultsFile,
    advance: Callable[[], None],
) -> list[dict[str, Any]]:
    new_rows: list[dict[str, Any]] = []
    steps_mode = getattr(env.unwrapped, "mode", "single") == "steps"
    known_ids = {i: str(r.get("task_id")) for (i, _), r in done.items()}
    for i in range(n):
        missing = [j for j in range(samples) if (i, j) not in done]
        if not missing:
            continue
        _, info = env.reset(seed=seed + i, options={"index": seed + i})
        task = Task.from_dict(info["task"])
        _check_same_task(i, task, known_ids.get(i), results.path)
        started = time.perf_counter()
        # The whole batch is drawn even when only some samples are missing, so a deterministic
        # policy gives sample j the same response on a resume.
        responses = _draw(policy, task, samples)
        generation_s = (time.perf_counter() - started) / samples
        for j in missing:
            started = time.perf_counter()
            scored = _score_steps(env, task, responses[j]) if steps_mode \
                else _score_once(env, task, responses[j])
            scoring_s = time.perf_counter() - started
            row = {
                "task_index": i,
                "sample_index": j,
                "task_id": task.id,
                "response": responses[j],
                **scored,
                "elapsed_s": generation_s + scoring_s,
                "generation_s": generation_s,
                "scoring_s": scoring_s,
            }
            results.append(row)
            new_rows.append(row)
            advance()
    return new_rows


def _check_same_task(index: int, task: Task, previous: str | None, path: Path) -> None:
    if previous is not None and previous != task.id:
        raise ConfigurationError(
            f"{path}: task {index} was {previous!r} but is now {task.id!r} (the environment "
            "changed since those rows were written); use another output file"
        )


def _draw(policy: Policy, task: Task, samples: int) -> list[str]:
    responses = policy(task, samples)
    if not isinstance(responses, list) or len(responses) != samples:
        count = len(responses) if isinstance(responses, (list, tuple)) else type(responses)
        raise ConfigurationError(
            f"policy {policy_name(policy)} returned {count} responses for task {task.id!r}; "
            f"{samples} were asked"
        )
    for response in responses:
        if not isinstance(response, str):
            raise ConfigurationError(
                f"policy {policy_name(policy)} returned a {type(response).__name__} for task "
                f"{task.id!r}; responses must be strings"
            )
    return responses


def _score_once(env: gymnasium.Env[Any, Any], task: Task, response: str) -> dict[str, Any]:
    env.reset(options={"task": task})
    _, _, _, _, info = env.step(response)
    return {
        "reward": info["reward"],
        "verdict": info["verdict"],
        "infra_error": bool(info.get("infra_error", False)),
    }


def _split_steps(family: str, response: str) -> list[str]:
    if family != "math":
        raise ConfigurationError(f"step-mode evaluation supports the math family, not {family!r}")
    from rlvr_gym.verifiers.math.steps import split_steps

    return list(split_steps(response))


def _score_steps(env: gymnasium.Env[Any, Any], task: Task, response: str) -> dict[str, Any]:
    env.reset(options={"task": task})
    steps = _split_steps(task.family, response) or [response]
    rewards: list[dict[str, Any]] = []
    verdicts: list[dict[str, Any]] = []
    total = 0.0
    ended = "out_of_steps"
    infra_error = False
    for step in steps:
        _, reward, terminated, truncated, info = env.step(step)
        total += float(reward)
        rewards.append(info["reward"])
        verdicts.append(info["verdict"])
        infra_error = infra_error or bool(info.get("infra_error", False))
        if terminated or truncated:
            ended = "terminated" if terminated else "truncated"
            break
    final = rewards[-1]
    summed = {
        "outcome": final["outcome"],
        "process": sum(float(r["process"]) for r in rewards) / len(rewards),
        "format": final["format"],
        "weights": final.get("weights", {}),
        "total": total,
        "infra_error": infra_error,
    }
    return {
        "reward": summed,
        "verdict": verdicts[-1],
        "infra_error": infra_error,
        "step_rewards": rewards,
        "step_verdicts": verdicts,
        "ended": ended,
        "unused_steps": len(steps) - len(rewards),
    }


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(dict(data), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
