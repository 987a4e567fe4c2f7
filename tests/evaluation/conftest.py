"""A tiny fake environment so the evaluation machinery is tested apart from the math verifier."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest

import rlvr_gym
from rlvr_gym.core.env import RlvrEnv
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import StepScore, Verdict

FAKE_ID = "rlvr/TestAddition-v0"
FAKE_STEPS_ID = "rlvr/TestAdditionSteps-v0"
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")


class AdditionSource:
    """Tasks "What is a + b?" drawn from the env's rng; the solution has no boxed answer."""

    family = "math"

    def sample(
        self, rng: np.random.Generator, difficulty: int | Mapping[str, Any] | None = None
    ) -> Task:
        seed = int(rng.integers(1_000_000))
        a, b = seed % 97, seed // 97 % 89
        return Task(
            id=f"add/{seed}", family="math", prompt=f"What is {a} + {b}?",
            reference={"answer": str(a + b), "solution": f"{a} + {b} = {a + b}"},
        )

    def __len__(self) -> int:
        return 1_000_000


class BoxedVerifier:
    """Correct when the last \\boxed{} holds the answer; a response containing INFRA fails."""

    family = "math"

    def verify(self, task: Task, response: str) -> Verdict:
        if "INFRA" in response:
            return Verdict.infrastructure_failure("fake infrastructure failure")
        found = _BOXED.findall(response)
        if not found:
            return Verdict(outcome=0.0, format_ok=False, reason="no_answer")
        right = found[-1].strip() == task.reference["answer"]
        return Verdict(outcome=1.0 if right else 0.0, reason="correct" if right else "wrong")

    def verify_step(self, task: Task, history: Sequence[str], action: str) -> Verdict:
        step = StepScore(index=len(history), text=action, score=0.5 if "?" in action else 1.0)
        if "\\boxed{" not in action:
            return Verdict(outcome=0.0, steps=(step,), reason="step", details={"final": False})
        whole = self.verify(task, action)
        return Verdict(outcome=whole.outcome, steps=(step,), reason=whole.reason,
                       details={"final": True}, infra_error=whole.infra_error)


def make_addition_env(**kwargs: Any) -> RlvrEnv:
    return RlvrEnv(AdditionSource(), BoxedVerifier(), **kwargs)


@pytest.fixture(scope="session")
def fake_envs() -> None:
    """Register the fake ids at run time, not import time, so that tests collecting every
    registered id elsewhere never see them."""
    rlvr_gym.register(FAKE_ID, make_addition_env, description="test: a + b")
    rlvr_gym.register(FAKE_STEPS_ID, make_addition_env, description="test: a + b in steps",
                      mode="steps", max_steps=4,
                      reward_weights={"outcome": 1.0, "process": 0.1})


@pytest.fixture
def fake_id(fake_envs: None) -> str:
    return FAKE_ID


@pytest.fixture
def fake_steps_id(fake_envs: None) -> str:
    return FAKE_STEPS_ID
