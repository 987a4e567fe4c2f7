"""`evaluate`: run a policy on the first `n` tasks of an environment and score every sample.

Task ``i`` is item ``seed + i`` of the environment's source (``reset(options={"index": ...})``:
row ``i`` of a dataset, generator seed ``i``), so a dataset of N rows is evaluated row by row
with ``-n N``, and a run is reproducible and can be resumed. Each sample is scored by the
environment itself (the same reward a trainer would see): single-turn envs take the response in
one `step`; step-mode envs (``mode == "steps"``) take it one reasoning step at a time until the
episode ends, and the rewards of the steps are summed.

Every scored sample is one row of the JSONL results file::

    {"task_index": 0, "sample_index": 1, "task_id": "...", "difficulty": {"level": 2},
     "response": "...",
     "reward": {"outcome": 1.0, "process": 1.0, "format": 1.0, "total": 1.0, ...},
     "verdict": {...}, "infra_error": false, "elapsed_s": 0.01,
     "generation_s": 0.0, "scoring_s": 0.01}

Step-mode rows add ``step_rewards`` and ``step_verdicts`` (one per step taken), ``ended``
(``"terminated"``, ``"truncated"`` or ``"out_of_steps"``) and ``unused_steps``.

Scoring goes through a `SampleScorer`: `EnvSampleScorer` (the environment itself, one sample at a
time) by default, `rlvr_gym.evaluation.on_ray.RaySampleScorer` with ``ray_address=``. Generation
always stays in this process; a scorer takes a window of samples at a time (its `batch_rows`) and
yields their row fields in order as they are scored, so rows reach the file as they come.
"""

from __future__ import annotations

import json
import operator
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import gymnasium

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.registry import make, spec
from rlvr_gym.core.task import Task
from rlvr_gym.evaluation.metrics import EvalSummary, SampleResult, summarize
from rlvr_gym.evaluation.policies import Policy, load_policy, policy_name, policy_settings
from rlvr_gym.evaluation.progress import ProgressBar
from rlvr_gym.evaluation.results import ResultsFile, sidecar_path

RESULTS_KIND = "rlvr-eval/1"
MAX_SAMPLES = 100_000  # a task's samples are drawn and held at once; far beyond any pass@k use


class SampleScorer(Protocol):
    """How `evaluate` scores samples: row fields for (task, response) pairs, in order."""

    def batch_rows(self) -> int:
        """How many samples to gather (whole tasks, drawn first) before one `score` call."""
        ...

    def score(self, items: Sequence[tuple[Task, str]]) -> Iterator[dict[str, Any]]:
        """Yield the row fields (``reward``, ``verdict``, ``infra_error``, ...) of each item,
        in order, as soon as each is scored."""
        ...

    def close(self) -> None:
        """Release what the scorer started."""
        ...


class EnvSampleScorer:
    """Scores each sample through the environment itself: the reward a trainer would see.

    Single-turn envs take the response in one `step`; step-mode envs one reasoning step at a
    time (see the module docstring).
    """

    def __init__(self, env: gymnasium.Env[Any, Any]) -> None:
        self.env = env
        self.steps_mode = getattr(env.unwrapped, "mode", "single") == "steps"

    def batch_rows(self) -> int:
        """One task at a time: generation and scoring alternate as they always did."""
        return 1

    def score(self, items: Sequence[tuple[Task, str]]) -> Iterator[dict[str, Any]]:
        """Score each (task, response) in turn on the env."""
        for task, response in items:
            yield _score_steps(self.env, task, response) if self.steps_mode \
                else _score_once(self.env, task, response)

    def close(self) -> None:
        """Nothing to release: the env belongs to the caller."""


def evaluate(
    env_id: str,
    policy: Policy | str,
    n: int,
    samples: int,
    out: str | os.PathLike[str],
    seed: int = 0,
    env_kwargs: Mapping[str, Any] | None = None,
    progress: bool | Literal["always"] = True,
    *,
    ray_address: str | None = None,
    workers: int | None = None,
) -> EvalSummary:
    """Evaluate `policy` on tasks ``0..n-1`` of `env_id`, `samples` responses each.

    Rows go to `out` as they are scored; rerunning with the same arguments skips what is done
    (a larger `n` extends the run), other arguments are refused. The summary (pass@k, mean
    outcome and process reward, infrastructure errors, seconds per sample) is returned and
    written to ``OUT.summary.json``. `progress` shows a bar on stderr when it is a terminal;
    ``"always"`` forces it.

    With `ray_address` (``"local"``, ``"auto"``, ``HOST:PORT``, ``ray://...``) samples are
    scored on `workers` Ray verifier actors (default one per cluster CPU) with the env's verifier
    settings and reward weights, giving the same rows; env options the actors cannot honour
    and step-mode envs are refused. Ray is not part of the run's identity: a run may be resumed
    with or without it.
    """
    n, samples, seed = _check_counts(n, samples, seed, workers, ray_address)
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
        _check_range(env, full_id, n, seed)
        scorer = _scorer(env, full_id, ray_address, workers)
        try:
            with ResultsFile(out, meta) as results:
                done = _index_rows(results.rows, n)
                with ProgressBar(
                    n * samples, initial=len(done), label=full_id.removeprefix("rlvr/"),
                    enabled=bool(progress), force=progress == "always",
                ) as bar:
                    new_rows = _run(env, chosen, n, samples, seed, done, results, bar.update,
                                    scorer)
        finally:
            scorer.close()
    finally:
        env.close()
    rows = [*done.values(), *new_rows]
    summary = summarize(
        (SampleResult.from_row(r) for r in rows),
        env_id=full_id, policy=policy_name(chosen), tasks=n, samples=samples, out=str(out),
    )
    _write_json(sidecar_path(out, "summary"), summary.to_dict())
    return summary


def _check_counts(
    n: int, samples: int, seed: int, workers: int | None, ray_address: str | None
) -> tuple[int, int, int]:
    """Refuse counts that cannot work, before anything is built or written; returns `n`,
    `samples` and `seed` as plain ints (numpy integers are welcome)."""
    counts: list[int] = []
    for name, value, what in (("n", n, "the number of tasks"),
                              ("samples", samples, "responses per task"),
                              ("seed", seed, "the first task's index")):
        try:
            number = operator.index(value) if not isinstance(value, bool) else None
        except TypeError:
            number = None
        if number is None:
            raise ConfigurationError(f"{name} ({what}) must be an integer, got {value!r:.80}")
        low = 0 if name == "seed" else 1
        if number < low:
            raise ConfigurationError(f"{name} ({what}) must be at least {low}, got {number}")
        counts.append(number)
    n, samples, seed = counts
    if samples > MAX_SAMPLES:
        raise ConfigurationError(
            f"samples (responses per task) must be at most {MAX_SAMPLES}, got {samples}: all "
            "of a task's samples are drawn and held at once"
        )
    if ray_address is not None and (not isinstance(ray_address, str) or not ray_address.strip()):
        raise ConfigurationError(
            f"ray_address must be 'local', 'auto', HOST:PORT or ray://HOST:PORT, got "
            f"{ray_address!r}"
        )
    if workers is not None:
        if ray_address is None:
            raise ConfigurationError(
                "workers is the number of Ray verifier actors; give it with ray_address "
                "(--workers needs --ray ADDRESS)"
            )
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ConfigurationError(f"workers (Ray actors) must be at least 1, got {workers!r}")
    return n, samples, seed


def _check_range(env: gymnasium.Env[Any, Any], env_id: str, n: int, seed: int) -> None:
    """Refuse tasks past the end of the env's source (a dataset's last row, a generator's seed
    space) rather than silently wrapping round to tasks already evaluated."""
    source = getattr(env.unwrapped, "source", None)
    count = getattr(source, "count", None)
    try:
        # a dataset's level filter leaves fewer tasks than the whole list
        size = count(getattr(env.unwrapped, "difficulty", None)) if callable(count) \
            else len(source)  # type: ignore[arg-type]
    except TypeError:
        return  # a source of unknown size: nothing to check
    difficulty = getattr(env.unwrapped, "difficulty", None)
    at = f" at difficulty {difficulty!r:.80}" if callable(count) and difficulty is not None \
        else ""
    if seed >= size:
        raise ConfigurationError(
            f"seed {seed} (--seed) is past the last task of {env_id}, which has {size}{at}; "
            f"use a seed below {size}"
        )
    if seed + n > size:
        raise ConfigurationError(
            f"{env_id} has {size} tasks{at}, so n={n} tasks (-n) from seed {seed} run past its "
            f"end; use n={size - seed} or less"
        )


def _scorer(
    env: gymnasium.Env[Any, Any], env_id: str, ray_address: str | None, workers: int | None
) -> SampleScorer:
    """The env itself, or Ray actors rebuilt from its settings (refusing what they cannot do)."""
    if ray_address is None:
        return EnvSampleScorer(env)
    from rlvr_gym.evaluation.on_ray import RaySampleScorer

    return RaySampleScorer(env, env_id=env_id, address=ray_address, num_actors=workers)


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


@dataclass(frozen=True)
class _Sample:
    task_index: int
    sample_index: int
    task: Task
    response: str
    generation_s: float


def _run(
    env: gymnasium.Env[Any, Any],
    policy: Policy,
    n: int,
    samples: int,
    seed: int,
    done: Mapping[tuple[int, int], Mapping[str, Any]],
    results: ResultsFile,
    advance: Callable[[], None],
    scorer: SampleScorer,
) -> list[dict[str, Any]]:
    new_rows: list[dict[str, Any]] = []
    known_ids = {i: str(r.get("task_id")) for (i, _), r in done.items()}
    todo = [i for i in range(n) if any((i, j) not in done for j in range(samples))]
    window: list[_Sample] = []
    for position, i in enumerate(todo):
        _, info = env.reset(seed=seed + i, options={"index": seed + i})
        task = Task.from_dict(info["task"])
        _check_same_task(i, task, known_ids.get(i), results.path)
        started = time.perf_counter()
        # The whole batch is drawn even when only some samples are missing, so a deterministic
        # policy gives sample j the same response on a resume.
        responses = _draw(policy, task, samples)
        generation_s = (time.perf_counter() - started) / samples
        window.extend(_Sample(i, j, task, responses[j], generation_s)
                      for j in range(samples) if (i, j) not in done)
        if position == len(todo) - 1 or len(window) >= scorer.batch_rows():
            new_rows.extend(_score_window(window, results, advance, scorer))
            window = []
    return new_rows


def _score_window(
    window: Sequence[_Sample], results: ResultsFile, advance: Callable[[], None],
    scorer: SampleScorer,
) -> list[dict[str, Any]]:
    """Score a window of samples; each row is written (and the bar advanced) as it comes."""
    rows: list[dict[str, Any]] = []
    last = time.perf_counter()
    scored = scorer.score([(sample.task, sample.response) for sample in window])
    for sample, fields in zip(window, scored, strict=True):
        now = time.perf_counter()
        scoring_s, last = now - last, now  # the wall time this row cost (amortised on Ray)
        row = {
            "task_index": sample.task_index,
            "sample_index": sample.sample_index,
            "task_id": sample.task.id,
            "difficulty": dict(sample.task.difficulty),
            "response": sample.response,
            **fields,
            "elapsed_s": sample.generation_s + scoring_s,
            "generation_s": sample.generation_s,
            "scoring_s": scoring_s,
        }
        results.append(row)
        rows.append(row)
        advance()
    return rows


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
