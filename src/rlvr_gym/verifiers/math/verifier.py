"""`MathVerifier`: final-answer correctness and per-step process scores for math responses.

The order of work keeps common answers cheap and every slow path killable:
extraction and the exact fast path run in the caller's process (bounded, microseconds); sympy
comparisons and step checks run in a `WorkerPool` worker under a hard time limit.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, VerifierTimeout, WorkerCrashed
from rlvr_gym.core.isolation import RemoteError, WorkerPool
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import StepScore, Verdict
from rlvr_gym.verifiers.math.extract import extract_final_answer
from rlvr_gym.verifiers.math.fast_path import fast_equivalent
from rlvr_gym.verifiers.math.steps import StepScorer, split_steps

_WORKER_MODULE = "rlvr_gym.verifiers.math.worker_calls"
_PATHOLOGICAL = ("MemoryError", "RecursionError", "OverflowError")
_DEFAULT_POOL: WorkerPool | None = None
_DEFAULT_POOL_LOCK = threading.Lock()


def math_worker_pool(max_workers: int | None = None) -> WorkerPool:
    """A new pool of math workers (sympy preloaded); `max_workers` defaults to the CPU count."""
    return WorkerPool([_WORKER_MODULE], max_workers=max_workers or max(2, os.cpu_count() or 2))


def default_math_pool() -> WorkerPool:
    """The process-wide pool of math workers, started on first use."""
    global _DEFAULT_POOL
    with _DEFAULT_POOL_LOCK:
        if _DEFAULT_POOL is None or _DEFAULT_POOL.closed:
            _DEFAULT_POOL = math_worker_pool()
        return _DEFAULT_POOL


@dataclass(frozen=True)
class AnswerCheck:
    """The result of checking one response's final answer against a reference."""

    correct: bool
    reason: str
    answer: str | None
    extraction: str
    hedged: bool = False
    infra_error: str | None = None
    elapsed_s: float = 0.0


class MathVerifier:
    """Checks math responses: outcome from the final answer, process from the worked steps.

    `timeout_s` is the hard limit of each sympy check (answer, then steps). `process=False`
    skips step checking (faster when only the outcome matters). `step_scorer` replaces the
    sympy step checker with a user-supplied one (e.g. a learned process reward model).
    """

    family = "math"

    def __init__(
        self,
        *,
        timeout_s: float = 3.0,
        process: bool = True,
        step_scorer: StepScorer | None = None,
        pool: WorkerPool | None = None,
        allow_last_number: bool = False,
    ) -> None:
        if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or \
                not math.isfinite(timeout_s) or timeout_s <= 0:
            raise ConfigurationError(
                f"timeout_s must be a positive number of seconds, got {timeout_s!r:.80}"
            )
        for name, flag in (("process", process), ("allow_last_number", allow_last_number)):
            if not isinstance(flag, bool):
                raise ConfigurationError(f"{name} must be True or False, got {flag!r:.80}")
        if step_scorer is not None and not callable(step_scorer):
            raise ConfigurationError(
                f"step_scorer must be a callable (problem, steps) -> scores, got "
                f"{step_scorer!r:.80}"
            )
        if pool is not None and not callable(getattr(pool, "call", None)):
            raise ConfigurationError(f"pool must be a WorkerPool, got {pool!r:.80}")
        self.timeout_s = float(timeout_s)
        self.process = process
        self.step_scorer = step_scorer
        self._pool = pool
        self.allow_last_number = allow_last_number

    @property
    def pool(self) -> WorkerPool:
        return self._pool if self._pool is not None else default_math_pool()

    def _call(self, function: str, *args: Any, deadline: float | None = None) -> Any:
        limit = self.timeout_s if deadline is None else deadline - time.monotonic()
        if limit <= 0:
            raise VerifierTimeout("no time left for this check")
        return self.pool.call(_WORKER_MODULE, function, *args, timeout_s=limit)

    def check_answer(
        self, reference: str, response: str, *, deadline: float | None = None
    ) -> AnswerCheck:
        """Decide whether `response` commits to one final answer equal to `reference`."""
        started = time.perf_counter()

        def done(correct: bool, reason: str, **extra: Any) -> AnswerCheck:
            return AnswerCheck(
                correct=correct, reason=reason, answer=extraction.answer,
                extraction=extraction.source, elapsed_s=time.perf_counter() - started, **extra,
            )

        reference = _reference_answer(reference)
        extraction = extract_final_answer(response, allow_last_number=self.allow_last_number)
        if extraction.answer is None:
            return done(False, "no_answer")
        candidates = tuple(extraction.candidates) or (extraction.answer,)
        if not extraction.hedged:
            quick = fast_equivalent(reference, extraction.answer)
            if quick is not None:
                return done(quick, "correct" if quick else "wrong_answer")
        try:
            correct, _, hedged = self._call(
                "judge_answer", reference, candidates, deadline=deadline
            )
        except VerifierTimeout:
            return done(False, "timeout")
        except WorkerCrashed as exc:
            return done(False, "infra_error", infra_error=str(exc))
        except RemoteError as exc:
            if exc.kind in _PATHOLOGICAL:
                return done(False, "resource_limit")
            return done(False, "infra_error", infra_error=f"checker failed: {exc}")
        if hedged:
            return done(False, "hedged", hedged=True)
        return done(bool(correct), "correct" if correct else "wrong_answer")

    def _score_steps(
        self, problem: str, steps: Sequence[str], deadline: float | None = None
    ) -> tuple[StepScore, ...]:
        if not steps:
            return ()
        if self.step_scorer is not None:
            scores = list(self.step_scorer(problem, steps))
            if len(scores) != len(steps):
                raise ConfigurationError(
                    f"the step scorer returned {len(scores)} scores for {len(steps)} steps"
                )
            if not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
                for x in scores
            ):
                raise ConfigurationError(
                    f"the step scorer must return finite numbers in [0, 1], got {scores!r:.120}"
                )
            return tuple(
                StepScore(index=i, text=s, score=min(1.0, max(0.0, float(x))), reason="scorer")
                for i, (s, x) in enumerate(zip(steps, scores, strict=False))
            )
        try:
            return tuple(self._call("score_solution", list(steps), deadline=deadline))
        except (VerifierTimeout, RemoteError):
            return (StepScore(index=0, text="", score=0.0, reason="step check timed out"),)

    def verify(self, task: Task, response: str) -> Verdict:
        """Judge a whole response: outcome from its final answer, process from its steps.

        `timeout_s` bounds the whole verification: the step check gets what the answer check
        left, so one response never costs more than the limit.
        """
        started = time.perf_counter()
        deadline = time.monotonic() + self.timeout_s
        answer = _task_answer(task)
        if not isinstance(response, str):
            return Verdict(outcome=0.0, format_ok=False, reason="not_text",
                           feedback="The response must be text.")
        check = self.check_answer(answer, response, deadline=deadline)
        if check.infra_error is not None:
            return Verdict.infrastructure_failure(check.infra_error, check.elapsed_s)
        steps: tuple[StepScore, ...] = ()
        if self.process:
            try:
                steps = self._score_steps(task.prompt_text, split_steps(response), deadline)
            except WorkerCrashed as exc:
                return Verdict.infrastructure_failure(str(exc), time.perf_counter() - started)
        verdict = Verdict(
            outcome=1.0 if check.correct else 0.0,
            steps=steps,
            format_ok=check.answer is not None and not check.hedged,
            reason=check.reason,
            feedback=_feedback(check, steps),
            details={"answer": check.answer, "extraction": check.extraction},
            elapsed_s=time.perf_counter() - started,
        )
        return verdict

    def verify_step(self, task: Task, history: Sequence[str], action: str) -> Verdict:
        """Judge one step of a step-by-step episode; a step with a final answer ends it."""
        started = time.perf_counter()
        deadline = time.monotonic() + self.timeout_s
        if not isinstance(action, str):
            not_text = StepScore(len(history), "", 0.0, reason="not_text")
            return Verdict(outcome=0.0, steps=(not_text,), format_ok=False, reason="not_text",
                           feedback="The step must be text.", details={"final": False})
        text = action
        try:
            scored = self._score_steps(task.prompt_text, [*history, text], deadline)
        except WorkerCrashed as exc:
            return Verdict.infrastructure_failure(str(exc), time.perf_counter() - started)
        this_step = scored[-1] if scored else StepScore(index=len(history), text=text, score=0.0)
        this_step = StepScore(index=len(history), text=text, score=this_step.score,
                              checked=this_step.checked, reason=this_step.reason)
        extraction = extract_final_answer(text, allow_last_number=False, allow_conclusion=False)
        if extraction.answer is None:
            feedback = (
                f"Step {len(history) + 1} looks wrong: {this_step.reason}"
                if this_step.checked and this_step.score < 1.0
                else f"Step {len(history) + 1} recorded. Continue, or give the final answer in "
                "\\boxed{}."
            )
            return Verdict(outcome=0.0, steps=(this_step,), reason="step", feedback=feedback,
                           details={"final": False}, elapsed_s=time.perf_counter() - started)
        check = self.check_answer(_task_answer(task), text, deadline=deadline)
        if check.infra_error is not None:
            return Verdict.infrastructure_failure(check.infra_error, check.elapsed_s)
        return Verdict(
            outcome=1.0 if check.correct else 0.0,
            steps=(this_step,),
            format_ok=not check.hedged,
            reason=check.reason,
            feedback=_feedback(check, (this_step,)),
            details={"final": True, "answer": check.answer, "extraction": check.extraction},
            elapsed_s=time.perf_counter() - started,
        )


    def check_task(self, task: Task) -> None:
        """Raise ConfigurationError unless `task` is a math task this verifier can judge."""
        if not isinstance(task, Task) or task.family != self.family:
            raise ConfigurationError(f"not a math task: {task!r:.80}")
        _task_answer(task)


def _task_answer(task: Task) -> str:
    answer = task.reference.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        raise ConfigurationError(
            f"math task {task.id!r} has no reference answer: its reference needs a non-empty "
            "'answer' string"
        )
    return answer


def _reference_answer(reference: str) -> str:
    """A reference written as ``\\boxed{...}`` or ``$...$`` is reduced to its content."""
    stripped = reference.strip()
    if "\\boxed" in stripped or "\\fbox" in stripped:
        found = extract_final_answer(stripped).answer
        if found:
            return found
    return stripped.strip("$").strip()


def _feedback(check: AnswerCheck, steps: Sequence[StepScore]) -> str:
    wrong = next((s for s in steps if s.checked and s.score < 1.0), None)
    step_note = f" Step {wrong.index + 1} looks wrong: {wrong.reason}" if wrong else ""
    messages = {
        "correct": "Correct.",
        "no_answer": "No final answer found: put the final answer in \\boxed{}.",
        "hedged": "Several different final answers were given: commit to one.",
        "timeout": "The answer could not be checked within the time limit.",
        "resource_limit": "The answer is too large to check.",
    }
    return messages.get(check.reason, "The final answer is not correct.") + step_note
