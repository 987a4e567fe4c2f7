"""The functions a math worker process runs: sympy work that may hang lives only here.

`MathVerifier` calls these through `WorkerPool.call`, which kills the worker at the time limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from rlvr_gym.core.verdict import StepScore
from rlvr_gym.verifiers.math.compare import answers_equivalent
from rlvr_gym.verifiers.math.steps import score_steps


def judge_answer(reference: str, candidates: Sequence[str]) -> tuple[bool, str, bool]:
    """Compare the committed answer(s) with the reference: ``(correct, reason, hedged)``.

    Several candidates are a hedge unless they are all mathematically equal to each other (the
    same value written two ways); a hedge is wrong whatever it contains.
    """
    first = candidates[-1]
    for other in candidates[:-1]:
        same, _ = answers_equivalent(first, other)
        if not same:
            return False, f"hedged between {other!r} and {first!r}", True
    correct, reason = answers_equivalent(reference, first)
    return correct, reason, False


def score_solution(steps: Sequence[str]) -> list[StepScore]:
    """Process scores of every step, checked with sympy."""
    return score_steps(list(steps))
