"""Code environments: programs judged by `CodeVerifier` in a sandbox, single- or multi-turn.

Single-turn: one response, one program, one verdict. Multi-turn: each action is a whole
resubmission; the observation is the feedback (the failing test: input, expected, got); the
episode terminates when every test passes and is truncated after `max_steps` submissions.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rlvr_gym.core.env import RlvrEnv
from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.sandboxes.base import Limits, Sandbox

MODES = {"single": "single", "multi": "steps", "steps": "steps"}


def multi_turn_weights(max_steps: int) -> RewardWeights:
    """Default multi-turn weights: the pass fraction of each submission, weighted by
    ``0.5 / max_steps``, so resubmitting partial programs never earns more than half of what
    passing every test earns."""
    return RewardWeights(outcome=1.0, process=0.5 / max_steps, format=0.0)


def make_code_env(
    *,
    dataset: str = "public",
    format: str = "auto",
    kind: str | None = None,
    mode: str = "single",
    max_steps: int = 4,
    sandbox: Sandbox | None = None,
    limits: Limits | None = None,
    concurrency: int = 1,
    difficulty: int | Mapping[str, Any] | None = None,
    reward_weights: Mapping[str, float] | RewardWeights | None = None,
    render_mode: str | None = None,
) -> RlvrEnv:
    """Build a code env over `dataset` (``"public"`` for the bundled problems, or the path of a
    HumanEval/MBPP/APPS/CodeContests/public JSONL or Parquet file).

    `mode` is ``"single"`` or ``"multi"``; `sandbox` defaults to the process-wide Docker pool,
    started on the first program that needs running. `kind` keeps only ``function`` or
    ``stdio`` problems.
    """
    from rlvr_gym.tasks.code_datasets import load_code_tasks, load_public_code_tasks
    from rlvr_gym.tasks.sources import TaskListSource
    from rlvr_gym.verifiers.code.verifier import CodeVerifier

    if mode not in MODES:
        raise ConfigurationError(f"mode must be 'single' or 'multi', got {mode!r}")
    if kind not in (None, "function", "stdio"):
        raise ConfigurationError(f"kind must be None, 'function' or 'stdio', got {kind!r}")
    if dataset == "public":
        tasks = load_public_code_tasks(kind)
    else:
        tasks = [t for t in load_code_tasks(Path(dataset), format=format)
                 if kind is None or t.reference["kind"] == kind]
    if reward_weights is None and MODES[mode] == "steps":
        reward_weights = multi_turn_weights(max_steps)
    verifier = CodeVerifier(sandbox, limits, concurrency=concurrency)
    return RlvrEnv(
        TaskListSource(tasks, family="code"), verifier, mode=MODES[mode], max_steps=max_steps,
        difficulty=difficulty, reward_weights=reward_weights, render_mode=render_mode,
    )
