"""RewardSpecWrapper on a real registered env."""

from __future__ import annotations

from typing import Any

import gymnasium
import pytest

import rlvr_gym
from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.rewards import Linear, ProcessGuards, RewardSpec, RewardSpecWrapper

ENV_ID = "rlvr/MathArithmetic-v0"


def reference_response(info: dict[str, Any]) -> str:
    return str(info["task"]["reference"]["solution"])


def test_wrapper_recomputes_reward_and_breakdown() -> None:
    env = RewardSpecWrapper(rlvr_gym.make(ENV_ID), RewardSpec.annealed(0.25))
    _, info = env.reset(seed=0)
    _, reward, terminated, _, info = env.step(reference_response(info))
    assert terminated
    assert reward == info["reward"]["total"] == pytest.approx(1.0)
    assert info["reward"]["weights"]["process"] == 0.25


def test_wrapper_reads_the_trainer_clock() -> None:
    clock = {"step": 0}
    env = RewardSpecWrapper(
        rlvr_gym.make(ENV_ID), RewardSpec.annealed(Linear(1.0, 0.0, steps=100)),
        clock=lambda: clock["step"],
    )
    clock["step"] = 75
    _, info = env.reset(seed=1)
    _, _, _, _, info = env.step("\\boxed{-12345}")
    assert info["reward"]["step"] == 75
    assert info["reward"]["weights"]["process"] == pytest.approx(0.25)


def test_wrapper_counts_its_own_steps_without_a_clock() -> None:
    env = RewardSpecWrapper(rlvr_gym.make(ENV_ID), RewardSpec())
    for seed in range(3):
        _, info = env.reset(seed=seed)
        _, _, _, _, info = env.step(reference_response(info))
    assert info["reward"]["step"] == 2
    assert env.steps_taken == 3


def test_wrapper_keeps_the_cap_across_the_steps_of_one_episode() -> None:
    spec = RewardSpec(process=1.0, outcome=0.0, guards=ProcessGuards(episode_cap=2.0))
    env = RewardSpecWrapper(rlvr_gym.make(ENV_ID, mode="steps", max_steps=8), spec)
    _, info = env.reset(seed=3, options={"difficulty": 3})
    lines = reference_response(info).split("\n")
    paid = []
    for line in lines:
        _, reward, terminated, truncated, _ = env.step(line)
        paid.append(reward)
        if terminated or truncated:
            break
    assert len(paid) > 2
    assert sum(paid) == pytest.approx(2.0)


def test_wrapper_needs_a_verdict_in_info() -> None:
    env = RewardSpecWrapper(gymnasium.make("CartPole-v1"), RewardSpec())
    env.reset(seed=0)
    with pytest.raises(ConfigurationError, match="verdict"):
        env.step(0)  # type: ignore[arg-type]


def test_wrapper_state_restores_steps_and_spec() -> None:
    env = RewardSpecWrapper(rlvr_gym.make(ENV_ID), RewardSpec(success_alpha=0.5))
    _, info = env.reset(seed=0)
    env.step(reference_response(info))
    other = RewardSpecWrapper(rlvr_gym.make(ENV_ID), RewardSpec(success_alpha=0.5))
    other.load_state_dict(env.state_dict())
    assert other.steps_taken == 1
    assert other.reward_spec.success_rate == 0.5
