"""Evaluation metrics: the unbiased pass@k estimator and the summary of an evaluation run.

pass@k follows Chen et al. (2021), "Evaluating Large Language Models Trained on Code": with
``n`` samples of which ``c`` are correct, ``pass@k = 1 - C(n-c, k) / C(n, k)``, the probability
that at least one of ``k`` samples drawn without replacement is correct. It is computed as a
product so that large ``n`` neither overflows nor loses precision.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rlvr_gym.core.errors import ConfigurationError


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimate of pass@k for one task from `n` samples of which `c` are correct."""
    if n < 1:
        raise ConfigurationError(f"pass@k needs at least one sample, got n={n}")
    if not 0 <= c <= n:
        raise ConfigurationError(f"the correct count must be within 0..n={n}, got c={c}")
    if not 1 <= k <= n:
        raise ConfigurationError(f"k must be within 1..n={n}, got k={k}")
    if n - c < k:
        return 1.0  # every draw of k samples contains a correct one
    # C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float | None:
    """Mean pass@k over tasks given ``(n, c)`` per task; tasks with fewer than `k` samples are
    left out (the estimator is undefined there). None when no task has `k` samples."""
    values = [pass_at_k(n, c, k) for n, c in counts if n >= k]
    return sum(values) / len(values) if values else None


def k_values(samples: int) -> list[int]:
    """The k reported for `samples` samples a task: 1, 2, 4, ... and `samples` itself."""
    ks = []
    k = 1
    while k <= samples:
        ks.append(k)
        k *= 2
    if samples >= 1 and ks[-1] != samples:
        ks.append(samples)
    return ks


@dataclass(frozen=True)
class SampleResult:
    """What the summary needs of one scored sample (a row of the results file)."""

    task_index: int
    outcome: float
    process: float
    reward: float
    infra_error: bool
    elapsed_s: float

    @property
    def correct(self) -> bool:
        return self.outcome >= 1.0

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> SampleResult:
        """Read the fields of a results-file row (see `rlvr_gym.evaluation.runner`)."""
        reward = row.get("reward") or {}
        return cls(
            task_index=int(row["task_index"]),
            outcome=float(reward.get("outcome", 0.0)),
            process=float(reward.get("process", 0.0)),
            reward=float(reward.get("total", 0.0)),
            infra_error=bool(row.get("infra_error", False)),
            elapsed_s=float(row.get("elapsed_s", 0.0)),
        )


@dataclass(frozen=True)
class EvalSummary:
    """The outcome of an evaluation: pass@k and mean rewards over the samples that were judged.

    Samples whose verifier hit an infrastructure error are left out of every mean and of
    pass@k (they say nothing about the policy) and counted in `infra_errors`.
    `pass_at_k[k]` is None when no task had `k` judged samples.
    """

    env_id: str
    policy: str
    tasks: int
    samples: int
    scored: int
    pass_at_k: Mapping[int, float | None]
    mean_outcome: float | None
    mean_process: float | None
    mean_reward: float | None
    infra_errors: int
    seconds_per_sample: float | None
    out: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "env_id": self.env_id,
            "policy": self.policy,
            "tasks": self.tasks,
            "samples": self.samples,
            "scored": self.scored,
            "pass_at_k": {str(k): v for k, v in self.pass_at_k.items()},
            "mean_outcome": self.mean_outcome,
            "mean_process": self.mean_process,
            "mean_reward": self.mean_reward,
            "infra_errors": self.infra_errors,
            "seconds_per_sample": self.seconds_per_sample,
            "out": self.out,
            **dict(self.extra),
        }

    def format(self) -> str:
        """A few human-readable lines, the last one the headline numbers."""

        def num(value: float | None, digits: int = 3) -> str:
            return "n/a" if value is None else f"{value:.{digits}f}"

        passes = "  ".join(f"pass@{k} {num(v)}" for k, v in self.pass_at_k.items())
        lines = [
            f"{self.env_id}  policy {self.policy}  {self.tasks} tasks x {self.samples} samples"
            + (f"  -> {self.out}" if self.out else ""),
            passes,
            f"mean outcome {num(self.mean_outcome)}  mean process {num(self.mean_process)}  "
            f"infra errors {self.infra_errors}  "
            f"{num(self.seconds_per_sample, 3)} s/sample",
        ]
        return "\n".join(lines)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(
    results: Iterable[SampleResult], *, env_id: str, policy: str, tasks: int, samples: int,
    out: str = "",
) -> EvalSummary:
    """Aggregate per-sample results into pass@k (per task, then mean) and mean rewards."""
    all_results = list(results)
    judged = [r for r in all_results if not r.infra_error]
    per_task: dict[int, list[int]] = {}
    for result in judged:
        counts = per_task.setdefault(result.task_index, [0, 0])
        counts[0] += 1
        counts[1] += int(result.correct)
    task_counts = [(n, c) for n, c in per_task.values()]
    return EvalSummary(
        env_id=env_id,
        policy=policy,
        tasks=tasks,
        samples=samples,
        scored=len(all_results),
        pass_at_k={k: mean_pass_at_k(task_counts, k) for k in k_values(samples)},
        mean_outcome=_mean([r.outcome for r in judged]),
        mean_process=_mean([r.process for r in judged]),
        mean_reward=_mean([r.reward for r in judged]),
        infra_errors=len(all_results) - len(judged),
        seconds_per_sample=_mean([r.elapsed_s for r in all_results]),
        out=out,
    )
