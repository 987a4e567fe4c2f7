"""`LeanVerifier`: whole proofs and single tactics checked by a Lean REPL pool.

A Lean task's ``reference`` holds ``theorem`` (a named statement ending in ``:=``) and an
optional ``header`` (``import Mathlib`` ...). The rules are those of
`rlvr_gym.verifiers.lean.rules`.

Who is charged for a failure:

- a request that runs past its limit (`LeanTimeout`) is the **proof's** doing (a looping
  ``simp``, a ``decide`` on a huge instance): score 0, reason ``"timeout"``; likewise a proof
  that drives the REPL past its memory limit: score 0, reason ``"memory_limit"``;
- a REPL that crashes, cannot start, or times out importing its header is the **machinery's**:
  `Verdict.infrastructure_failure`, so a trainer drops the sample instead of punishing it;
- a task whose statement does not elaborate is the **task's**: an infrastructure-failure
  verdict naming the task, so a run does not stop for one bad row.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from rlvr_gym.core.errors import (
    ConfigurationError,
    LeanError,
    LeanMemoryExceeded,
    LeanNotFoundError,
    LeanTimeout,
    StaleProofStateError,
)
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import StepScore, Verdict
from rlvr_gym.lean.pool import ReplPool
from rlvr_gym.lean.types import CommandResult, LeanBackend, TacticResult
from rlvr_gym.verifiers.lean.rules import (
    axioms_at_line,
    forbidden_tokens,
    judge_tactic_step,
    judge_whole_proof,
    normalize_statement,
    theorem_name,
)

MAX_PROOF_CHARS = 100_000
_CLIP = 1500
_DEFAULT_POOL: ReplPool | None = None
_DEFAULT_LOCK = threading.Lock()


def default_lean_pool() -> ReplPool:
    """The process-wide REPL pool on `find_lean_command()`, started on first use."""
    global _DEFAULT_POOL
    with _DEFAULT_LOCK:
        if _DEFAULT_POOL is None:
            from rlvr_gym.lean.client import find_lean_command

            command = find_lean_command()
            if command is None:
                raise LeanNotFoundError(
                    "no Lean REPL found: put `repl` on PATH or set RLVR_LEAN_REPL, e.g. "
                    "RLVR_LEAN_REPL='lake env /path/to/repl/.lake/build/bin/repl' run from your "
                    "Lean project (see docs/lean.md)"
                )
            _DEFAULT_POOL = ReplPool(command)
        return _DEFAULT_POOL


def extract_lean(response: str) -> tuple[str, str]:
    """The Lean code of a response and where it came from (``"fence"`` or ``"text"``).

    The last ```` ```lean ```` (or ``lean4``, or bare) fenced block wins: models often show a
    draft before the final proof.
    """
    blocks: list[tuple[str, str]] = []
    language: str | None = None
    body: list[str] = []
    for line in response.splitlines():
        stripped = line.strip()
        if language is None:
            if stripped.startswith("```"):
                language, body = stripped[3:].strip().lower(), []
        elif stripped == "```":
            blocks.append((language, "\n".join(body)))
            language = None
        else:
            body.append(line)
    lean = [text for lang, text in blocks if lang in ("lean", "lean4")]
    bare = [text for lang, text in blocks if not lang]
    if lean or bare:
        return (lean or bare)[-1].strip(), "fence"
    return response.strip(), "text"


def _clip(text: str) -> str:
    return text if len(text) <= _CLIP else text[:_CLIP] + f"... [{len(text) - _CLIP} more chars]"


def _goals_text(goals: Sequence[str]) -> str:
    if not goals:
        return "No goals."
    return "\n\n".join(goals)


class LeanVerifier:
    """Judges Lean proofs (`verify`) and single tactics (`verify_step`); see the module doc.

    - `backend`: a `LeanBackend` (a `ReplPool`, the LeanDojo backend); when None, the
      process-wide pool on the REPL `find_lean_command()` finds (`LeanNotFoundError` if none).
    - `timeout_s`: the limit of one whole-proof check; `step_timeout_s` of one tactic.
    - `check_axioms`: run ``#print axioms`` and require the standard axioms (leave it on).
    - `cache_size`: tactic-mode states remembered, so an episode does not replay its history.
    """

    family = "lean"

    def __init__(
        self,
        backend: LeanBackend | None = None,
        timeout_s: float = 60.0,
        *,
        step_timeout_s: float = 20.0,
        check_axioms: bool = True,
        cache_size: int = 4096,
    ) -> None:
        if timeout_s <= 0 or step_timeout_s <= 0:
            raise ConfigurationError("timeout_s and step_timeout_s must be positive")
        self._backend = backend
        self.timeout_s = timeout_s
        self.step_timeout_s = step_timeout_s
        self.check_axioms = check_axioms
        self._states: OrderedDict[tuple[str, str, tuple[str, ...]], TacticResult] = (
            OrderedDict()
        )
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def backend(self) -> LeanBackend:
        return self._backend if self._backend is not None else default_lean_pool()

    # -- whole proofs ------------------------------------------------------------------------

    def verify(self, task: Task, response: str) -> Verdict:
        """Judge one response holding a whole proof (a fenced block or bare Lean)."""
        started = time.perf_counter()
        theorem, header, name = _statement(task)
        if not isinstance(response, str):
            return _zero("not_text", "The response must be text.", started, format_ok=False)
        code, source_kind = extract_lean(response)
        if not code:
            return _zero("no_proof", "No Lean code found: answer with a ```lean block holding "
                         "the theorem and its proof.", started, format_ok=False)
        if len(code) > MAX_PROOF_CHARS:
            return _zero("too_long", f"The proof is longer than {MAX_PROOF_CHARS} characters.",
                         started)
        assembled = not re.search(rf"(?:theorem|lemma)\s+{re.escape(name)}(?![\w.'!?])", code)
        if assembled:  # the response is the proof body only: put it under the statement
            code = re.sub(r"^:=\s*", "", code)
        source = f"{theorem.rstrip()} {code}" if assembled else code
        forbidden = forbidden_tokens(source)
        if forbidden:
            return _zero("forbidden_command",
                         f"The proof uses commands that are not allowed here: "
                         f"{', '.join(forbidden)}.", started, details={"forbidden": forbidden})
        # `#print axioms` runs in the same request, on its own line after the proof; its answer
        # is found by that line, so text the proof prints cannot pose as it.
        axiom_line = source.count("\n") + 3
        checked = f"{source}\n\n#print axioms {name}\n"
        try:
            result = self.backend.check(checked, header, timeout_s=self.timeout_s)
        except LeanTimeout:
            return _zero("timeout", f"Lean did not finish checking within {self.timeout_s:g} s.",
                         started)
        except LeanMemoryExceeded:
            return _zero("memory_limit", "Checking the proof exceeded Lean's memory limit.",
                         started)
        except LeanError as exc:
            return Verdict.infrastructure_failure(str(exc), time.perf_counter() - started)
        axioms = axioms_at_line(result, axiom_line)
        check = judge_whole_proof(theorem, source, result, axioms,
                                  check_axioms=self.check_axioms)
        messages = [m.render() for m in result.messages if m.pos is None or
                    m.pos.line < axiom_line]
        details: dict[str, Any] = dict(check.details)
        details.update({"messages": messages, "source": source_kind, "assembled": assembled})
        feedback = _whole_feedback(check.reason, result, check.details)
        return Verdict(
            outcome=1.0 if check.complete else 0.0,
            steps=(StepScore(0, code, 1.0 if check.complete else 0.0, reason=check.reason),),
            format_ok=True,
            reason="correct" if check.complete else check.reason,
            feedback=feedback,
            details=details,
            elapsed_s=time.perf_counter() - started,
        )

    # -- tactic mode -------------------------------------------------------------------------

    def verify_step(self, task: Task, history: Sequence[str], action: str) -> Verdict:
        """Judge one tactic given the earlier ones of the episode.

        The state an action applies to is the one the accepted earlier actions reached
        (a tactic that was refused or errored left the state unchanged). Process score 1 when
        the tactic is accepted and changes the goals, 0 otherwise; `details["final"]` is True
        when the proof is complete.
        """
        started = time.perf_counter()
        theorem, header, _ = _statement(task)
        if not isinstance(action, str) or not action.strip():
            return _step_zero(len(history), str(action), "empty", "Send one Lean tactic.",
                              started, format_ok=False)
        tactic = extract_lean(action)[0]
        forbidden = forbidden_tokens(tactic)
        if forbidden:
            return _step_zero(len(history), tactic, "forbidden_command",
                              f"Not allowed here: {', '.join(forbidden)}.", started)
        try:
            played = self._play(theorem, header, tuple(history), tactic)
        except LeanTimeout:
            return _step_zero(len(history), tactic, "timeout",
                              f"The tactic did not finish within {self.step_timeout_s:g} s.",
                              started)
        except LeanMemoryExceeded:
            return _step_zero(len(history), tactic, "memory_limit",
                              "The tactic exceeded Lean's memory limit.", started)
        except LeanError as exc:
            return Verdict.infrastructure_failure(str(exc), time.perf_counter() - started)
        if isinstance(played, Verdict):
            return played
        before, after = played
        judgement = judge_tactic_step(before, after)
        current = after if judgement.progress else before
        if judgement.progress:
            self._remember((theorem, header, (*history, action)), after)
        else:
            self._remember((theorem, header, (*history, action)), before)
        lean_error = after.error or "\n".join(m.render() for m in after.errors)
        if judgement.complete:
            feedback = "Proof complete."
        elif judgement.progress:
            feedback = f"Goals:\n{_goals_text(after.goals)}"
        else:
            why = lean_error or _STEP_REASONS.get(judgement.reason, judgement.reason)
            feedback = f"Lean: {_clip(why)}\n\nGoals:\n{_goals_text(before.goals)}"
        return Verdict(
            outcome=1.0 if judgement.complete else 0.0,
            steps=(StepScore(len(history), tactic, 1.0 if judgement.progress else 0.0,
                             reason=judgement.reason),),
            format_ok=True,
            reason="correct" if judgement.complete else judgement.reason,
            feedback=feedback,
            details={
                "final": judgement.complete,
                "progress": judgement.progress,
                "goals": list(current.goals),
                "proof_status": after.proof_status,
                "lean_error": lean_error or None,
                "messages": [m.render() for m in after.messages],
            },
            elapsed_s=time.perf_counter() - started,
        )

    def _play(self, theorem: str, header: str, history: tuple[str, ...], tactic: str
              ) -> tuple[TacticResult, TacticResult] | Verdict:
        """The state after `history` and the answer to `tactic` there; replays once when the
        process holding the state was replaced. Timeouts of the tactic propagate."""
        for attempt in range(2):
            try:
                before = self._state(theorem, header, history)
            except StaleProofStateError:
                self._forget(theorem, header)
                continue
            except LeanError as exc:
                return Verdict.infrastructure_failure(f"could not reach the proof state: {exc}")
            if isinstance(before, Verdict):
                return before
            try:
                return before, self.backend.apply(before, tactic, timeout_s=self.step_timeout_s)
            except StaleProofStateError:
                self._forget(theorem, header)  # the process was replaced: replay the history
                if attempt:
                    break
        return Verdict.infrastructure_failure(
            "the REPL holding this proof was restarted twice in a row")

    def start_state(self, task: Task) -> TacticResult | Verdict:
        """The opening state of a tactic-mode episode (goals to show as the first observation)."""
        theorem, header, _ = _statement(task)
        try:
            return self._state(theorem, header, ())
        except LeanError as exc:
            return Verdict.infrastructure_failure(str(exc))

    def _state(self, theorem: str, header: str, history: tuple[str, ...]
               ) -> TacticResult | Verdict:
        """The state after `history`, from the cache or replayed from the statement."""
        key = (theorem, header, history)
        with self._lock:
            if key in self._states:
                self._states.move_to_end(key)
                return self._states[key]
        if not history:
            opened = self.backend.start(f"{theorem.rstrip()} by\n  sorry", header,
                                        timeout_s=self.timeout_s)
            state = _opening(opened)
            if state is None:
                problems = opened.error or "; ".join(m.render() for m in opened.errors)
                return Verdict.infrastructure_failure(
                    f"the task's statement does not elaborate: {_clip(problems)}")
        else:
            previous = self._state(theorem, header, history[:-1])
            if isinstance(previous, Verdict):
                return previous
            try:
                after = self.backend.apply(previous, history[-1], timeout_s=self.step_timeout_s)
            except (LeanTimeout, LeanMemoryExceeded):
                after = None  # it timed out when it was played, too: it changed nothing
            state = previous
            if after is not None and judge_tactic_step(previous, after).progress:
                state = after
        self._remember(key, state)
        return state

    def _remember(self, key: tuple[str, str, tuple[str, ...]], state: TacticResult) -> None:
        with self._lock:
            self._states[key] = state
            self._states.move_to_end(key)
            while len(self._states) > self._cache_size:
                self._states.popitem(last=False)

    def _forget(self, theorem: str, header: str) -> None:
        with self._lock:
            for key in [k for k in self._states if k[0] == theorem and k[1] == header]:
                del self._states[key]


_STEP_REASONS = {
    "no_change": "the tactic did not change the goals",
    "sorry": "`sorry` is not a proof step",
    "unfinished": "no goals are left but the proof still has holes (metavariables)",
    "kernel_error": "the kernel rejected the proof",
}


def _opening(opened: CommandResult) -> TacticResult | None:
    if opened.has_errors or len(opened.handles) != 1:
        return None
    handle = opened.handles[0]
    return TacticResult(proof_state=handle.proof_state, goals=handle.goals,
                        proof_status="Incomplete: open goals remain", owner=handle.owner)


def _statement(task: Task) -> tuple[str, str, str]:
    reference = task.reference
    theorem = reference.get("theorem")
    if not isinstance(theorem, str) or not theorem.strip():
        raise ConfigurationError(f"Lean task {task.id!r}: reference['theorem'] must be the "
                                 "statement, e.g. 'theorem t (n : Nat) : n + 0 = n :='")
    header = reference.get("header") or ""
    if not isinstance(header, str):
        raise ConfigurationError(f"Lean task {task.id!r}: reference['header'] must be text")
    name = theorem_name(theorem)
    if name is None:
        raise ConfigurationError(
            f"Lean task {task.id!r}: the statement must be a named `theorem` (its axioms are "
            f"checked by name); got {normalize_statement(theorem)[:120]!r}"
        )
    if not theorem.rstrip().endswith(":="):
        theorem = theorem.rstrip() + " :="
    return theorem, header, name


def _zero(reason: str, feedback: str, started: float, *, format_ok: bool = True,
          details: dict[str, Any] | None = None) -> Verdict:
    return Verdict(outcome=0.0, format_ok=format_ok, reason=reason, feedback=feedback,
                   details=details or {}, elapsed_s=time.perf_counter() - started)


def _step_zero(index: int, text: str, reason: str, feedback: str, started: float, *,
               format_ok: bool = True) -> Verdict:
    return Verdict(outcome=0.0, steps=(StepScore(index, text, 0.0, reason=reason),),
                   format_ok=format_ok, reason=reason, feedback=feedback,
                   details={"final": False, "progress": False},
                   elapsed_s=time.perf_counter() - started)


def _whole_feedback(reason: str, result: CommandResult, details: Any) -> str:
    if reason == "complete":
        return "Proof accepted."
    if reason == "lean_error":
        return "Lean reported errors:\n" + _clip("\n".join(details["errors"]))
    if reason == "sorry":
        return "The proof uses `sorry`."
    if reason == "statement_changed":
        return "The proof does not declare the theorem with the statement asked."
    if reason == "nonstandard_axioms":
        extra = ", ".join(details["nonstandard_axioms"])
        return f"The proof depends on non-standard axioms: {extra}."
    if reason == "axioms_unchecked":
        return "The axioms of the theorem could not be checked (did the proof end early?)."
    return reason

