"""MathVerifier end to end: extraction, fast path, worker checks, process scores, failures."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence

import pytest

from rlvr_gym import ConfigurationError, Task
from rlvr_gym.verifiers.math.verifier import MathVerifier, math_worker_pool


def task(answer: str, prompt: str = "Compute it.") -> Task:
    return Task(id="t", family="math", prompt=prompt, reference={"answer": answer})


@pytest.fixture(scope="module")
def verifier() -> MathVerifier:
    return MathVerifier(timeout_s=5.0)


@pytest.mark.parametrize(
    ("reference", "response"),
    [
        ("\\frac{1}{2}", "So the probability is $\\boxed{0.5}$."),
        ("72", "She sold 48 + 24 = 72 clips.\n#### 72"),
        ("x^2 + 2x + 1", "Expanding gives \\boxed{(x+1)^2}."),
        ("\\{1, -2\\}", "The roots are \\boxed{-2} and \\boxed{1}."),
        ("\\boxed{3}", "The answer is $\\boxed{3}$."),
    ],
)
def test_equal_answers_score_one(verifier: MathVerifier, reference: str, response: str) -> None:
    assert verifier.verify(task(reference), response).outcome == 1.0


@pytest.mark.parametrize(
    ("reference", "response", "reason"),
    [
        ("\\frac{1}{3}", "\\boxed{0.333}", "wrong_answer"),
        ("3", "It is \\boxed{3} or maybe \\boxed{4}.", "hedged"),
        ("3", "I think it is three-ish.", "no_answer"),
    ],
)
def test_wrong_hedged_and_missing_answers_score_zero(
    verifier: MathVerifier, reference: str, response: str, reason: str
) -> None:
    verdict = verifier.verify(task(reference), response)
    assert (verdict.outcome, verdict.reason) == (0.0, reason)
    assert verdict.feedback


def test_the_feedback_never_reveals_the_reference(verifier: MathVerifier) -> None:
    verdict = verifier.verify(task("4817"), "\\boxed{12}")
    assert "4817" not in verdict.feedback


def test_a_wrong_step_is_reported_with_its_index(verifier: MathVerifier) -> None:
    verdict = verifier.verify(task("14"), "3 * 4 = 13\n12 + 2 = 14\nThe answer is \\boxed{14}.")
    assert verdict.outcome == 1.0
    assert verdict.first_wrong_step == 0
    assert verdict.process < 1.0
    assert "Step 1" in verdict.feedback


def test_process_checking_can_be_switched_off() -> None:
    quick = MathVerifier(process=False)
    verdict = quick.verify(task("14"), "3 * 4 = 13\nThe answer is \\boxed{14}.")
    assert verdict.steps == ()
    assert verdict.process == 1.0


class LengthScorer:
    """A stand-in learned PRM: longer steps score higher."""

    def __call__(self, problem: str, steps: Sequence[str]) -> Sequence[float]:
        return [min(1.0, len(s) / 20) for s in steps]


def test_a_user_step_scorer_fills_the_process_slot() -> None:
    custom = MathVerifier(step_scorer=LengthScorer())
    verdict = custom.verify(task("2"), "one\n1 + 1 = 2, so the answer is \\boxed{2}.")
    assert [round(s.score, 2) for s in verdict.steps] == [0.15, 1.0]
    assert all(s.reason == "scorer" for s in verdict.steps)


def test_a_step_scorer_with_the_wrong_count_is_a_configuration_error() -> None:
    custom = MathVerifier(step_scorer=lambda problem, steps: [1.0])
    with pytest.raises(ConfigurationError, match="returned 1 scores for 2 steps"):
        custom.verify(task("2"), "a\nb \\boxed{2}")


def test_a_task_without_an_answer_is_a_configuration_error(verifier: MathVerifier) -> None:
    broken = Task(id="t", family="math", prompt="p", reference={"solution": "x"})
    with pytest.raises(ConfigurationError, match="no reference answer"):
        verifier.verify(broken, "\\boxed{1}")


def test_a_worker_that_died_while_idle_is_replaced_before_the_next_check() -> None:
    """A dead idle worker is not this sample's fault: it is replaced, the check runs normally."""
    pool = math_worker_pool(1)
    checker = MathVerifier(timeout_s=30.0, pool=pool, process=False)
    pool.warm_up()
    worker = next(iter(pool._all))
    os.kill(worker.pid, signal.SIGKILL)
    time.sleep(0.2)
    verdict = checker.verify(task("x^2"), "\\boxed{x \\cdot x}")  # needs sympy: not fast path
    assert (verdict.outcome, verdict.infra_error) == (1.0, None)
    assert worker.pid not in {w.pid for w in pool._all if w.alive()}
    pool.close()
