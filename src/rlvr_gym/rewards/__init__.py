"""Reward composition and annealing: schedules, `RewardSpec`, and the env wrapper.

    from rlvr_gym.rewards import Linear, RewardSpec, RewardSpecWrapper
    spec = RewardSpec.annealed(Linear(1.0, 0.0, steps=5000))   # a(t)·process + (1-a(t))·outcome
    env = RewardSpecWrapper(rlvr_gym.make("rlvr/MathArithmetic-v0"), spec, clock=lambda: step)

See ``docs/rewards.md``.
"""

from __future__ import annotations

from rlvr_gym.rewards.schedules import (
    SCHEDULES,
    Constant,
    Cosine,
    Exponential,
    Linear,
    OneMinus,
    Piecewise,
    Schedule,
    SuccessGated,
    as_schedule,
    schedule_from_dict,
)
from rlvr_gym.rewards.spec import (
    EpisodeState,
    LengthPenalty,
    ProcessGuards,
    RewardSpec,
    ShapedReward,
)
from rlvr_gym.rewards.wrapper import RewardSpecWrapper

__all__ = [
    "SCHEDULES",
    "Constant",
    "Cosine",
    "EpisodeState",
    "Exponential",
    "LengthPenalty",
    "Linear",
    "OneMinus",
    "Piecewise",
    "ProcessGuards",
    "RewardSpec",
    "RewardSpecWrapper",
    "Schedule",
    "ShapedReward",
    "SuccessGated",
    "as_schedule",
    "schedule_from_dict",
]
