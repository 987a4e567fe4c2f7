"""The self-test of the bundled core-Lean theorems against a real Lean: each reference proof
scores 1, and a known wrong proof scores 0. Runs wherever a Lean REPL is found."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rlvr_gym.core.task import Task
from rlvr_gym.envs.lean import LeanProofChecker
from rlvr_gym.lean.client import find_lean_command
from rlvr_gym.tasks.lean_datasets import load_core_lean_tasks

TASKS = load_core_lean_tasks()
pytestmark = [
    pytest.mark.lean,
    pytest.mark.skipif(find_lean_command() is None,
                       reason="no Lean REPL: set RLVR_LEAN_REPL or put `repl`/`lake` on PATH"),
]


@pytest.fixture(scope="module")
def checker() -> Iterator[LeanProofChecker]:
    lean = LeanProofChecker()
    try:
        yield lean
    finally:
        lean.close()


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_the_reference_proof_is_accepted_by_lean(checker: LeanProofChecker, task: Task) -> None:
    verdict = checker.verify(task, str(task.reference["solution"]))
    assert verdict.infra_error is None, verdict.infra_error
    assert verdict.outcome == 1.0, (task.id, verdict.reason, verdict.feedback)


@pytest.mark.parametrize("task", TASKS[:5], ids=[t.id for t in TASKS[:5]])
def test_a_proof_that_gives_up_scores_zero(checker: LeanProofChecker, task: Task) -> None:
    verdict = checker.verify(task, "by\n  sorry")
    assert verdict.infra_error is None, verdict.infra_error
    assert verdict.outcome == 0.0
