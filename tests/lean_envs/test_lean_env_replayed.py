"""Tactic mode end to end over a real REPL protocol: a `ReplPool` whose processes replay the
transcripts a real Lean recorded (``tests/lean_transcripts/test/``)."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rlvr_gym.core.task import Task
from rlvr_gym.envs.lean import make_lean_env
from rlvr_gym.lean.pool import ReplPool
from rlvr_gym.lean.types import CommandResult, TacticHandle, TacticResult
from rlvr_gym.tasks.lean_datasets import load_core_lean_tasks

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "lean_transcripts" / "test"
# test/proof_branching: the tactics a real Lean accepted, one by one, for `complex_and`.
TACTICS = ["apply And.intro", "exact h1.left", "apply h2", "exact h1.right"]


class OneLineSorry:
    """The pool, with the opening ``by <newline> sorry`` written ``by sorry``: the replay
    matches commands byte for byte, and the recorded one is on one line."""

    def __init__(self, pool: ReplPool) -> None:
        self.pool = pool

    def start(self, theorem_with_sorry: str, header: str = "", *,
              timeout_s: float | None = None) -> CommandResult:
        text = re.sub(r"by\s+sorry\s*$", "by sorry", theorem_with_sorry)
        return self.pool.start(text, header, timeout_s=timeout_s)

    def apply(self, state: TacticHandle | TacticResult, tactic: str, *,
              timeout_s: float | None = None) -> TacticResult:
        return self.pool.apply(state, tactic, timeout_s=timeout_s)

    def check(self, source: str, header: str = "", *,
              timeout_s: float | None = None) -> CommandResult:
        return self.pool.check(source, header, timeout_s=timeout_s)

    def close(self) -> None:
        self.pool.close()


def replay_command() -> list[str]:
    return [sys.executable, "-m", "rlvr_gym.lean.replay", str(TRANSCRIPTS.resolve())]


@pytest.fixture
def pool() -> Iterator[ReplPool]:
    with ReplPool(replay_command(), timeout_s=30.0) as replaying:
        yield replaying


def complex_and() -> Task:
    [task] = [t for t in load_core_lean_tasks("tactic") if t.id == "complex_and"]
    return task


def test_tactic_mode_proves_the_recorded_theorem_step_by_step(pool: ReplPool) -> None:
    env = make_lean_env(mode="tactic", max_steps=8, backend=OneLineSorry(pool))
    env.reset(options={"task": complex_and()})
    steps: list[tuple[str, float, bool, bool, dict[str, Any]]] = []
    for tactic in TACTICS:
        steps.append(env.step(tactic))
    for observation, _, terminated, truncated, info in steps[:-1]:
        assert not terminated and not truncated
        assert info["infra_error"] is False
        assert info["verdict"]["steps"][0]["score"] == 1.0  # accepted and changed the goals
        assert "⊢" in observation
    assert "case right" in steps[0][0] and "⊢ q" in steps[2][0]
    _, reward, terminated, truncated, info = steps[-1]
    assert terminated and not truncated
    assert info["verdict"]["outcome"] == 1.0
    assert reward == pytest.approx(1.0 + env.weights.process)


def test_a_refused_tactic_scores_nothing_and_shows_the_goals_again(pool: ReplPool) -> None:
    env = make_lean_env(mode="tactic", max_steps=8, backend=OneLineSorry(pool))
    env.reset(options={"task": complex_and()})
    observation, reward, terminated, _, info = env.step("exact h1.right")  # never recorded here
    assert not terminated
    assert reward == 0.0
    assert info["verdict"]["steps"][0]["score"] == 0.0
    assert "⊢ p ∧ r" in observation
    _, _, _, _, info = env.step("apply And.intro")  # the episode goes on from the same state
    assert info["verdict"]["steps"][0]["score"] == 1.0


def test_the_step_budget_truncates_an_unfinished_proof(pool: ReplPool) -> None:
    env = make_lean_env(mode="tactic", max_steps=2, backend=OneLineSorry(pool))
    env.reset(options={"task": complex_and()})
    env.step(TACTICS[0])
    _, _, terminated, truncated, _ = env.step(TACTICS[1])
    assert truncated and not terminated


def test_closing_the_env_stops_the_repl_it_started() -> None:
    env = make_lean_env(mode="whole", command=replay_command())
    env.reset(options={"task": load_core_lean_tasks()[0]})
    _, _, _, _, info = env.step("by simp")
    assert info["infra_error"] is False  # the replay knows no such proof: a Lean-level failure
    owned = env.verifier._owned
    assert isinstance(owned, ReplPool) and owned.process_pids()
    env.close()
    assert owned.closed and not owned.process_pids()
