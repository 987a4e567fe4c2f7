"""Math environments: a generator, a mix of generators or a data file, checked by MathVerifier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from rlvr_gym.core.env import RlvrEnv
from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.protocols import TaskSource
from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.envs.checks import (
    check_bool,
    check_choice,
    check_count,
    check_path_or_name,
    check_seconds,
    reject_unknown,
)
from rlvr_gym.verifiers.math.steps import StepScorer
from rlvr_gym.verifiers.math.verifier import MathVerifier

SAMPLE_DATASET = "math_sample.jsonl"
_MATH_KWARGS = (
    "generator", "generators", "dataset", "format", "mode", "max_steps", "difficulty",
    "reward_weights", "timeout_s", "process", "step_scorer", "render_mode",
)


def bundled_sample_path() -> Path:
    """The small dataset shipped with the package (the default of ``rlvr/MathFile-v0``)."""
    return Path(str(resources.files("rlvr_gym") / "data" / SAMPLE_DATASET))


def step_mode_weights(max_steps: int) -> RewardWeights:
    """Default weights for step mode: all dense process reward together stays below one outcome.

    Each step's process score is weighted by ``0.5 / max_steps``, so emitting steps alone can
    never earn more than half of what a correct final answer earns.
    """
    return RewardWeights(outcome=1.0, process=0.5 / max_steps, format=0.0)


def make_math_env(
    *,
    generator: str | None = None,
    generators: Sequence[str] | None = None,
    dataset: str | None = None,
    format: str = "auto",
    mode: str = "single",
    max_steps: int = 16,
    difficulty: int | Mapping[str, Any] | None = None,
    reward_weights: Mapping[str, float] | RewardWeights | None = None,
    timeout_s: float = 3.0,
    process: bool = True,
    step_scorer: StepScorer | None = None,
    render_mode: str | None = None,
    **unknown: Any,
) -> RlvrEnv:
    """Build a math env from one of: `generator` (a name), `generators` (a mix; all when
    empty) or `dataset` (a local JSONL/Parquet file; ``"sample"`` for the bundled one).

    Every bad argument (unknown name, wrong type, nan, a negative count) raises a
    ConfigurationError naming it."""
    from rlvr_gym.tasks.datasets import FORMATS
    from rlvr_gym.tasks.sources import GeneratorSource, MixedGeneratorSource, TaskListSource

    reject_unknown("make_math_env", unknown, _MATH_KWARGS)
    chosen = [x for x in (generator, generators, dataset) if x is not None]
    if len(chosen) > 1:
        raise ConfigurationError("give one of generator=, generators= or dataset=, not several")
    check_choice("format", format, FORMATS)
    check_choice("mode", mode, ("single", "steps"), "'single' or 'steps'")
    check_count("max_steps", max_steps)
    check_seconds("timeout_s", timeout_s)
    check_bool("process", process)
    source: TaskSource
    if generator is not None:
        source = GeneratorSource(generator)
    elif dataset is not None:
        from rlvr_gym.tasks.datasets import load_math_tasks

        dataset = check_path_or_name("dataset", dataset, ("sample",))
        path = bundled_sample_path() if dataset == "sample" else Path(dataset)
        source = TaskListSource(load_math_tasks(path, format=format), family="math")
    else:
        source = MixedGeneratorSource(generators or None)
    if reward_weights is None and mode == "steps":
        reward_weights = step_mode_weights(max_steps)
    verifier = MathVerifier(timeout_s=timeout_s, process=process, step_scorer=step_scorer)
    return RlvrEnv(
        source, verifier, mode=mode, max_steps=max_steps, difficulty=difficulty,
        reward_weights=reward_weights, render_mode=render_mode,
    )
