"""Lean 4 environments: whole proofs (one response, sparse outcome) and tactic mode (one tactic
per action, dense process reward), checked by `LeanVerifier` over a Lean backend.

Making an env never needs Lean: the backend (a `ReplPool` over the leanprover-community REPL,
unless one is given) is created at the first step. Where no REPL is found, every step returns an
infrastructure-error verdict (``info["infra_error"]`` is True: drop the sample), never a zero the
policy would learn from; so `check_env` runs on every registered id on any machine.

Tactic mode: the observation after each tactic is Lean's feedback (its error, the goals that
remain); the episode terminates when the proof is complete, when the policy gives up (an action
such as ``give up``) or when no REPL exists, and is truncated after `max_steps` tactics.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rlvr_gym.core.env import RlvrEnv
from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.protocols import TaskSource, Verifier
from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import StepScore, Verdict
from rlvr_gym.envs.checks import (
    check_choice,
    check_count,
    check_optional_mapping,
    check_path_or_name,
    reject_unknown,
)

MODES = {"whole": "single", "tactic": "steps"}
_LEAN_KWARGS = (
    "dataset", "format", "mode", "max_steps", "backend", "command", "cwd", "header",
    "difficulty", "reward_weights", "verifier_options", "render_mode",
)
NO_REPL = (
    "no Lean REPL found: install the leanprover-community REPL and set RLVR_LEAN_REPL"
)
# What a policy may send to stop a tactic-mode episode (compared lower-cased, without the
# punctuation and code fences a chat model tends to wrap it in).
GIVE_UP_ACTIONS = frozenset({"give up", "i give up", "giveup", "give_up", "/give_up"})
_LEADING = "`'\"."
_TRAILING = "`'\".!"
_LANGUAGE_TAG = re.compile(r"lean4?\s+")


def is_give_up(action: str) -> bool:
    """True when a tactic-mode action asks to stop (``give up`` and close spellings).

    Linear in the action's length (a regular expression over both ends backtracked
    quadratically on long runs of spaces)."""
    if not isinstance(action, str):
        return False
    text = _strip_chars(action, _LEADING, leading=True)
    language = _LANGUAGE_TAG.match(text)
    if language is not None:
        text = text[language.end():]
    return _strip_chars(text, _TRAILING, leading=False).lower() in GIVE_UP_ACTIONS


def _strip_chars(text: str, chars: str, *, leading: bool) -> str:
    """`text` without the whitespace and `chars` at its start (or end)."""
    if leading:
        start = 0
        while start < len(text) and (text[start].isspace() or text[start] in chars):
            start += 1
        return text[start:]
    end = len(text)
    while end > 0 and (text[end - 1].isspace() or text[end - 1] in chars):
        end -= 1
    return text[:end]


def tactic_mode_weights(max_steps: int) -> RewardWeights:
    """Default tactic-mode weights: each tactic's process score weighs ``0.5 / max_steps``, so
    tactics that make progress without finishing never earn more than half a complete proof."""
    return RewardWeights(outcome=1.0, process=0.5 / max_steps, format=0.0)


def no_repl_verdict() -> Verdict:
    """The verdict of a step taken where no Lean REPL exists: an infrastructure failure that
    also ends a tactic-mode episode, as terminated (nothing could continue it, and the sample is
    dropped either way; gymnasium's checker refuses an episode truncated at its first step)."""
    return Verdict(
        outcome=0.0, reason="infra_error", feedback=NO_REPL, infra_error=NO_REPL,
        details={"final": True},
    )


def gave_up_verdict(step_index: int, action: str) -> Verdict:
    """The verdict of a give-up action: no score, and the episode ends."""
    return Verdict(
        outcome=0.0,
        steps=(StepScore(step_index, action, 0.0, reason="gave_up"),),
        reason="gave_up",
        feedback="You gave up; the proof is not complete.",
        details={"final": True, "gave_up": True},
    )


class LeanProofChecker:
    """The verifier of a Lean env: a `LeanVerifier` whose backend is made at the first check.

    `backend` is any Lean backend (a `ReplPool`, a `LeanDojoBackend`); when None, a `ReplPool`
    is started over `command` (default: `find_lean_command()`, which honours ``RLVR_LEAN_REPL``)
    in `cwd`, and closed by `close`. No REPL found: each check is an infrastructure failure.
    """

    family = "lean"

    def __init__(
        self,
        backend: Any | None = None,
        *,
        command: Sequence[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        verifier_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._backend = backend
        self._command = list(command) if command is not None else None
        self._cwd = cwd
        self._options = dict(verifier_options or {})
        self._verifier: Verifier | None = None
        self._owned: Any | None = None
        self._lock = threading.Lock()

    def _resolve(self) -> Verifier | None:
        with self._lock:
            if self._verifier is not None:
                return self._verifier
            backend = self._backend
            if backend is None:
                from rlvr_gym.lean.client import find_lean_command

                command = self._command or find_lean_command()
                if not command:
                    return None
                from rlvr_gym.lean.pool import ReplPool

                cwd = str(self._cwd) if self._cwd is not None else None
                backend = self._owned = ReplPool(command=command, cwd=cwd)
            from rlvr_gym.verifiers.lean.verifier import LeanVerifier

            self._verifier = LeanVerifier(backend=backend, **self._options)
            return self._verifier

    def verify(self, task: Task, response: str) -> Verdict:
        verifier = self._resolve()
        if verifier is None:
            return no_repl_verdict()
        return verifier.verify(task, response)

    def verify_step(self, task: Task, history: Sequence[str], action: str) -> Verdict:
        if is_give_up(action):
            return gave_up_verdict(len(history), action)
        verifier = self._resolve()
        if verifier is None:
            return no_repl_verdict()
        return verifier.verify_step(task, history, action)

    def close(self) -> None:
        """Stop the REPL pool this checker started (a backend given to it is the caller's)."""
        with self._lock:
            owned, self._owned, self._verifier = self._owned, None, None
        if owned is not None:
            owned.close()


class LeanEnv(RlvrEnv):
    """`RlvrEnv` whose `close` also stops the REPL processes the env started."""

    def close(self) -> None:
        close = getattr(self.verifier, "close", None)
        if callable(close):
            close()
        super().close()


def make_lean_env(
    *,
    dataset: str = "core",
    format: str = "auto",
    mode: str = "whole",
    max_steps: int = 16,
    backend: Any | None = None,
    command: Sequence[str] | None = None,
    cwd: str | None = None,
    header: str | None = None,
    difficulty: int | Mapping[str, Any] | None = None,
    reward_weights: Mapping[str, float] | RewardWeights | None = None,
    verifier_options: Mapping[str, Any] | None = None,
    render_mode: str | None = None,
    **unknown: Any,
) -> LeanEnv:
    """Build a Lean env over `dataset` (``"core"`` for the bundled core-Lean theorems, or the
    path of a miniF2F / Lean Workbook / plain JSONL or Parquet file).

    `mode` is ``"whole"`` (one response holds the proof) or ``"tactic"`` (one tactic per step,
    at most `max_steps`). `backend` is a Lean backend object; when None a REPL pool is started
    at the first step over `command` (default: found from ``RLVR_LEAN_REPL`` or PATH) in `cwd`
    (a Lean project with the imports the headers need). `header` replaces every row's header.
    """
    from rlvr_gym.tasks.lean_datasets import bundled_core_path, load_lean_tasks
    from rlvr_gym.tasks.sources import TaskListSource

    reject_unknown("make_lean_env", unknown, _LEAN_KWARGS)
    check_choice("mode", mode, MODES, "'whole' or 'tactic'")
    check_count("max_steps", max_steps)
    if backend is not None and command is not None:
        raise ConfigurationError("give backend= or command=, not both")
    if command is not None and (
        isinstance(command, str) or not isinstance(command, (list, tuple)) or not command
        or not all(isinstance(part, str) for part in command)
    ):
        raise ConfigurationError(
            f"command must be a list of strings (the REPL and its arguments), got {command!r:.80}"
        )
    if cwd is not None:
        cwd = check_path_or_name("cwd", cwd)
    check_optional_mapping("verifier_options", verifier_options)
    dataset = check_path_or_name("dataset", dataset, ("core",))
    path = bundled_core_path() if dataset == "core" else Path(dataset)
    tasks = load_lean_tasks(path, format=format, mode=mode, header=header)
    if reward_weights is None and MODES[mode] == "steps":
        reward_weights = tactic_mode_weights(max_steps)
    source: TaskSource = TaskListSource(tasks, family="lean")
    checker = LeanProofChecker(backend, command=command, cwd=cwd,
                               verifier_options=verifier_options)
    return LeanEnv(
        source, checker, mode=MODES[mode], max_steps=max_steps, difficulty=difficulty,
        reward_weights=reward_weights, render_mode=render_mode,
    )
