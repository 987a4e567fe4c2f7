"""10,000 simulated training steps through the reward wrapper on a real env.

A simulated policy answers `rlvr/MathArithmetic-v0` with the task's reference solution (right),
the same working with a wrong final answer, or a hedge; its skill grows with the step. Every
25th step goes through the real env and `RewardSpecWrapper`; the others replay verdicts recorded
from that env straight into the same `RewardSpec`, which keeps the run cheap.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import rlvr_gym
from rlvr_gym.core.verdict import Verdict
from rlvr_gym.rewards import Linear, RewardSpec, RewardSpecWrapper, ShapedReward

ENV_ID = "rlvr/MathArithmetic-v0"
TOTAL_STEPS = 10_000
REAL_EVERY = 25
ANNEAL = Linear(1.0, 0.0, steps=8_000)


def respond(info: dict[str, Any], kind: str) -> str:
    answer = str(info["task"]["reference"]["answer"])
    solution = str(info["task"]["reference"]["solution"])
    if kind == "right":
        return solution
    wrong = f"{answer}1"
    if kind == "wrong":
        return solution.replace(f"\\boxed{{{answer}}}", f"\\boxed{{{wrong}}}")
    return f"{solution}\nOr maybe \\boxed{{{wrong}}}."


def policy_kind(step: int) -> str:
    """Seeded by the step, so a resumed run draws exactly what an uninterrupted one did."""
    rng = np.random.default_rng(step)
    skill = 0.1 + 0.8 * step / TOTAL_STEPS
    u = float(rng.random())
    return "right" if u < skill else ("hedged" if u < skill + 0.05 else "wrong")


@pytest.fixture(scope="module")
def recorded() -> dict[str, list[tuple[dict[str, Any], str]]]:
    env = rlvr_gym.make(ENV_ID)
    pool: dict[str, list[tuple[dict[str, Any], str]]] = {"right": [], "wrong": [], "hedged": []}
    for seed in range(20):
        for kind in pool:
            _, info = env.reset(seed=seed, options={"difficulty": 1 + seed % 3})
            text = respond(info, kind)
            _, _, _, _, step_info = env.step(text)
            pool[kind].append((step_info["verdict"], text))
    assert all(Verdict.from_dict(v).correct for v, _ in pool["right"])
    assert not any(Verdict.from_dict(v).correct for v, _ in pool["wrong"] + pool["hedged"])
    assert all(Verdict.from_dict(v).reason == "hedged" for v, _ in pool["hedged"])
    return pool


def make_spec() -> RewardSpec:
    return RewardSpec.annealed(ANNEAL, hedging=0.2, success_alpha=0.02)


class Run:
    """The trainer's side: its step counter, the wrapped env, and the rewards it saw."""

    def __init__(self, spec: RewardSpec, pool: dict[str, list[tuple[dict[str, Any], str]]]):
        self.step = 0
        self.pool = pool
        clock: Callable[[], int] = lambda: self.step  # noqa: E731
        self.env = RewardSpecWrapper(rlvr_gym.make(ENV_ID), spec, clock=clock)
        self.rewards: list[ShapedReward | dict[str, Any]] = []

    def advance(self, until: int) -> None:
        while self.step < until:
            kind = policy_kind(self.step)
            if self.step % REAL_EVERY == 0:
                _, info = self.env.reset(seed=self.step, options={"difficulty": 2})
                _, reward, _, _, info = self.env.step(respond(info, kind))
                assert reward == info["reward"]["total"]
                self.rewards.append(info["reward"])
            else:
                items = self.pool[kind]
                verdict, text = items[self.step % len(items)]
                self.rewards.append(
                    self.env.reward_spec.score(
                        Verdict.from_dict(verdict), self.step, response=text
                    )
                )
            self.step += 1

    def totals(self) -> list[float]:
        return [r["total"] if isinstance(r, dict) else r.total for r in self.rewards]


def as_dicts(rewards: list[ShapedReward | dict[str, Any]]) -> list[dict[str, Any]]:
    return [r if isinstance(r, dict) else r.as_dict() for r in rewards]


def outcome_share(rewards: list[dict[str, Any]]) -> float:
    """The outcome term's share of all the reward mass paid over `rewards`."""
    outcome = sum(abs(r["weights"]["outcome"] * r["outcome"]) for r in rewards)
    other = sum(
        abs(r["exploration"]) + sum(abs(p) for p in r["penalties"].values()) for r in rewards
    )
    return float(outcome / (outcome + other))


@pytest.fixture(scope="module")
def uninterrupted(recorded: dict[str, list[tuple[dict[str, Any], str]]]) -> Run:
    run = Run(make_spec(), recorded)
    run.advance(TOTAL_STEPS)
    return run


def test_exploration_weight_follows_the_schedule(uninterrupted: Run) -> None:
    rewards = as_dicts(uninterrupted.rewards)
    assert len(rewards) == TOTAL_STEPS
    for t, r in enumerate(rewards):
        assert r["step"] == t
        assert r["weights"]["process"] == ANNEAL(t)
        assert r["exploration"] == pytest.approx(ANNEAL(t) * r["process"])
    assert rewards[0]["weights"]["process"] == 1.0
    assert rewards[-1]["weights"]["process"] == 0.0


def test_outcome_share_of_the_total_rises(uninterrupted: Run) -> None:
    rewards = as_dicts(uninterrupted.rewards)
    deciles = [outcome_share(rewards[i : i + 1000]) for i in range(0, TOTAL_STEPS, 1000)]
    assert all(b > a for a, b in itertools.pairwise(deciles))
    assert deciles[0] < 0.2 < 0.9 < deciles[-1]


def test_real_env_steps_and_replayed_verdicts_share_one_spec(uninterrupted: Run) -> None:
    real = [r for r in uninterrupted.rewards if isinstance(r, dict)]
    assert len(real) == TOTAL_STEPS // REAL_EVERY
    assert uninterrupted.env.reward_spec.updates == TOTAL_STEPS
    assert 0.8 < uninterrupted.env.reward_spec.success_rate <= 1.0


def test_restored_checkpoint_resumes_exactly(
    recorded: dict[str, list[tuple[dict[str, Any], str]]], uninterrupted: Run
) -> None:
    first = Run(make_spec(), recorded)
    first.advance(5_003)
    checkpoint = json.dumps(
        {"spec": first.env.reward_spec.to_dict(), "env": first.env.state_dict(), "step": first.step}
    )
    del first

    saved = json.loads(checkpoint)
    resumed = Run(RewardSpec.from_dict(saved["spec"]), recorded)
    resumed.env.load_state_dict(saved["env"])
    resumed.step = saved["step"]
    resumed.advance(TOTAL_STEPS)
    assert resumed.totals() == uninterrupted.totals()[5_003:]
