"""The self-test of the bundled public problems, against the real Docker pool.

Every reference solution scores 1.0, and each wrong solution passes the fraction of tests its
recorded pass rate says (rates were measured with the naive run-the-asserts rule; an honest
program must get the same count from the hardened judge).
"""

from __future__ import annotations

import pytest

from rlvr_gym.core.task import Task
from rlvr_gym.sandboxes.base import Sandbox
from rlvr_gym.tasks.code_datasets import load_public_code_tasks
from rlvr_gym.verifiers.code import CodeVerifier

pytestmark = pytest.mark.docker

TASKS = load_public_code_tasks()


@pytest.fixture(scope="module")
def verifier(pool: Sandbox) -> CodeVerifier:
    return CodeVerifier(pool, concurrency=2)


def fenced(code: str) -> str:
    return f"Here is my solution.\n\n```python\n{code}\n```\n"


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_reference_solution_scores_one(verifier: CodeVerifier, task: Task) -> None:
    verdict = verifier.verify(task, fenced(task.reference["solution"]))
    assert verdict.infra_error is None
    assert verdict.outcome == 1.0, verdict.feedback
    assert verdict.details["passed"] == verdict.details["total"] == len(task.reference["tests"])


@pytest.mark.parametrize("task", TASKS, ids=[t.id for t in TASKS])
def test_wrong_solutions_pass_their_recorded_share(verifier: CodeVerifier, task: Task) -> None:
    total = len(task.reference["tests"])
    wrong = task.metadata["wrong_solutions"]
    rates = task.metadata["wrong_solution_pass_rates"]
    for solution, rate in zip(wrong, rates, strict=True):
        verdict = verifier.verify(task, fenced(solution))
        assert verdict.infra_error is None
        assert verdict.outcome == 0.0
        assert verdict.details["passed"] == round(rate * total), (
            f"{verdict.details['passed']}/{total} passed, recorded {rate}: {verdict.feedback}")
        assert verdict.process == pytest.approx(rate, abs=1e-4)
