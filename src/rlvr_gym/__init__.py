"""rlvr-gym: verifiable problems (math, code, Lean 4) as gymnasium environments for RL on LLMs.

    import rlvr_gym
    env = rlvr_gym.make("rlvr/MathLinear-v0")
    prompt, info = env.reset(seed=0)
    _, reward, terminated, truncated, info = env.step("... \\boxed{4}")
    info["reward"]   # the named breakdown: outcome, process, format, weights, total

Importing registers every id with gymnasium, so ``gymnasium.make("rlvr/...")`` works too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rlvr_gym.core.errors import (
    ConfigurationError,
    InfrastructureError,
    RlvrError,
    TaskFileError,
    UnknownEnvironmentError,
    VerifierTimeout,
    WorkerCrashed,
)
from rlvr_gym.core.registry import (
    load_plugins,
    make,
    register,
    register_file,
    registered_ids,
    spec,
)
from rlvr_gym.core.reward import RewardBreakdown, RewardWeights
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import StepScore, Verdict

if TYPE_CHECKING:
    from rlvr_gym.core.env import RlvrEnv
    from rlvr_gym.curriculum import (
        GroupFilter,
        LearnabilityCurriculum,
        LearningProgressCurriculum,
        ThresholdCurriculum,
    )
    from rlvr_gym.rewards import RewardSpec, RewardSpecWrapper
    from rlvr_gym.verifiers.math.verifier import MathVerifier

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError",
    "GroupFilter",
    "InfrastructureError",
    "LearnabilityCurriculum",
    "LearningProgressCurriculum",
    "MathVerifier",
    "RewardBreakdown",
    "RewardSpec",
    "RewardSpecWrapper",
    "RewardWeights",
    "RlvrEnv",
    "RlvrError",
    "StepScore",
    "Task",
    "TaskFileError",
    "ThresholdCurriculum",
    "UnknownEnvironmentError",
    "Verdict",
    "VerifierTimeout",
    "WorkerCrashed",
    "make",
    "register",
    "register_file",
    "registered_ids",
    "spec",
]

_LAZY = {
    "RlvrEnv": "rlvr_gym.core.env",
    "MathVerifier": "rlvr_gym.verifiers.math.verifier",
    "RewardSpec": "rlvr_gym.rewards",
    "RewardSpecWrapper": "rlvr_gym.rewards",
    "ThresholdCurriculum": "rlvr_gym.curriculum",
    "LearnabilityCurriculum": "rlvr_gym.curriculum",
    "LearningProgressCurriculum": "rlvr_gym.curriculum",
    "GroupFilter": "rlvr_gym.curriculum",
}


def __getattr__(name: str) -> Any:
    """Import the heavier public classes only when first used (PEP 562)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rlvr_gym' has no attribute {name!r}")


load_plugins()
