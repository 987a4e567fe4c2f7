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
from rlvr_gym.envs.checks import check_choice, check_count, check_path_or_name, reject_unknown
from rlvr_gym.sandboxes.base import Limits, Sandbox

MODES = {"single": "single", "multi": "steps", "steps": "steps"}
_CODE_KWARGS = (
    "dataset", "format", "kind", "mode", "max_steps", "sandbox", "limits", "concurrency",
    "difficulty", "reward_weights", "render_mode",
)


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
    **unknown: Any,
) -> RlvrEnv:
    """Build a code env over `dataset` (``"public"`` for the bundled problems, or the path of a
    HumanEval/MBPP/APPS/CodeContests/public JSONL or Parquet file).

    `mode` is ``"single"`` or ``"multi"``; `sandbox` defaults to the process-wide Docker pool,
    started on the first program that needs running. `kind` keeps only ``function`` or
    ``stdio`` problems.
    """
    from rlvr_gym.tasks.code_datasets import FORMATS, load_code_tasks, load_public_code_tasks
    from rlvr_gym.tasks.sources import TaskListSource
    from rlvr_gym.verifiers.code.verifier import CodeVerifier

    reject_unknown("make_code_env", unknown, _CODE_KWARGS)
    check_choice("mode", mode, MODES, "'single' or 'multi'")
    if kind is not None:
        check_choice("kind", kind, ("function", "stdio"), "None, 'function' or 'stdio'")
    check_choice("format", format, FORMATS)
    check_count("max_steps", max_steps)
    check_count("concurrency", concurrency)
    if sandbox is not None and not callable(getattr(sandbox, "run", None)):
        raise ConfigurationError(f"sandbox must be a Sandbox (with run()), got {sandbox!r:.80}")
    if limits is not None and not isinstance(limits, Limits):
        raise ConfigurationError(
            f"limits must be a rlvr_gym.sandboxes.base.Limits, got {limits!r:.80}"
        )
    dataset = check_path_or_name("dataset", dataset, ("public",))
    if dataset == "public":
        tasks = load_public_code_tasks(kind)
    else:
        tasks = [t for t in load_code_tasks(Path(dataset), format=format)
                 if kind is None or t.reference["kind"] == kind]
        if not tasks:
            raise ConfigurationError(f"{dataset} holds no {kind} problems; choose another kind")
    if reward_weights is None and MODES[mode] == "steps":
        reward_weights = multi_turn_weights(max_steps)
    verifier = CodeVerifier(sandbox, limits, concurrency=concurrency)
    return RlvrEnv(
        TaskListSource(tasks, family="code"), verifier, mode=MODES[mode], max_steps=max_steps,
        difficulty=difficulty, reward_weights=reward_weights, render_mode=render_mode,
    )
