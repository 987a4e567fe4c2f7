"""The self-test: every generator's reference solution scores 1 at every level, wrong answers 0."""

from __future__ import annotations

import pytest

from rlvr_gym.tasks.generators import GENERATORS
from rlvr_gym.verifiers.math.verifier import MathVerifier

SEEDS = range(6)
CASES = [(name, level) for name, g in sorted(GENERATORS.items()) for level in sorted(g.levels)]


@pytest.fixture(scope="module")
def verifier() -> MathVerifier:
    return MathVerifier(timeout_s=10.0)


@pytest.mark.parametrize(("name", "level"), CASES)
def test_reference_solution_scores_one(verifier: MathVerifier, name: str, level: int) -> None:
    for seed in SEEDS:
        task = GENERATORS[name].generate(seed, level)
        verdict = verifier.verify(task, str(task.reference["solution"]))
        assert verdict.outcome == 1.0, (task.id, task.reference["answer"], verdict.reason)
        assert verdict.first_wrong_step is None, (task.id, verdict.to_dict()["steps"])


@pytest.mark.parametrize(("name", "level"), CASES)
def test_a_perturbed_answer_scores_zero(verifier: MathVerifier, name: str, level: int) -> None:
    task = GENERATORS[name].generate(0, level)
    answer = str(task.reference["answer"])
    wrong = f"The answer is \\boxed{{({answer}) + 1}}."
    assert verifier.verify(task, wrong).outcome == 0.0, (task.id, answer)
