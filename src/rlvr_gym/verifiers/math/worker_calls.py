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
    same value written two ways), or together they are exactly the reference's values (a
    multi-valued answer boxed one value at a time, e.g. ``\\boxed{-2}`` and ``\\boxed{1}`` for
    the set ``\\{1, -2\\}``). A hedge is wrong whatever it contains.
    """
    final = candidates[-1]
    if any(not answers_equivalent(final, other)[0] for other in candidates[:-1]):
        together = "\\{" + ", ".join(candidates) + "\\}"
        if answers_equivalent(reference, together)[0]:
            return True, "set of answers", False
        return False, "hedged between different answers", True
    correct, reason = answers_equivalent(reference, final)
    return correct, reason, False


def score_solution(steps: Sequence[str]) -> list[StepScore]:
    """Process scores of every step, checked with sympy."""
    return score_steps(list(steps))
