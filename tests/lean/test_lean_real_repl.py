"""Against a real Lean REPL, wherever one is found (the only test allowed to skip)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rlvr_gym.core.task import Task
from rlvr_gym.lean.client import find_lean_command
from rlvr_gym.lean.pool import ReplPool
from rlvr_gym.verifiers.lean.verifier import LeanVerifier

pytestmark = pytest.mark.lean

THEOREM = "theorem rlvr_add_zero (n : Nat) : n + 0 = n :="


@pytest.fixture(scope="module")
def pool() -> Iterator[ReplPool]:
    command = find_lean_command()
    if command is None:
        pytest.skip("no Lean REPL on PATH (set RLVR_LEAN_REPL)")
    with ReplPool(command, timeout_s=120.0) as pool:
        yield pool


def _task() -> Task:
    return Task(id="real", family="lean", prompt="", reference={"theorem": THEOREM})


def test_a_real_lean_accepts_a_core_proof_and_rejects_sorry(pool: ReplPool) -> None:
    verifier = LeanVerifier(pool, timeout_s=120.0)
    good = verifier.verify(_task(), f"{THEOREM} by\n  simp")
    assert good.correct, good.feedback
    assert set(good.details["axioms"]) <= {"propext", "Classical.choice", "Quot.sound"}
    assert verifier.verify(_task(), f"{THEOREM} by\n  sorry").reason == "sorry"
    assert verifier.verify(_task(), f"{THEOREM} by\n  exact rfl_nonsense").reason == "lean_error"


def test_a_real_lean_runs_a_tactic_episode(pool: ReplPool) -> None:
    verifier = LeanVerifier(pool, timeout_s=120.0)
    first = verifier.verify_step(_task(), [], "exact my_fake_premise")
    assert first.steps[0].score == 0.0 and not first.details["final"]
    done = verifier.verify_step(_task(), ["exact my_fake_premise"], "simp")
    assert done.correct and done.details["final"], done.feedback
