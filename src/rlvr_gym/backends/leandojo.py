"""LeanDojo as a second Lean backend: tactic mode over ``Dojo.run_tac`` for a traced repository.

For users who already traced a repository with LeanDojo (``lean_dojo.trace``): the Lean envs
and `LeanVerifier` drive it through the same `start` / `apply` calls as the REPL pool, and its
results come back as our `TacticResult`, so proof rules and rewards do not change.

    from lean_dojo import LeanGitRepo
    backend = LeanDojoBackend(LeanGitRepo(URL, COMMIT), files={"my_thm": "MyProject/Basic.lean"})
    env = rlvr_gym.make("rlvr/LeanCoreTactic-v0", dataset="my_theorems.jsonl", backend=backend)

A theorem is found by the name in its statement (``theorem NAME ...``) and the file `files`
maps it to (or `file_path` for all). The statement's context is the traced file's, so the task's
header is not used. LeanDojo arms ``signal.alarm`` for its hard timeout, which works only in the
main thread: drive this backend from the main thread. Whole proofs (`check`) need the REPL.

How LeanDojo's results map (`tactic_result_from_dojo`):

- ``TacticState(pp, id, message)``: a new proof state, its goals split from ``pp``;
- ``ProofFinished(tactic_state_id, message)``: a new state with no goals, status ``Completed``;
- ``LeanError(error)`` (``TacticError`` before LeanDojo 2): the tactic is refused, ``error`` set;
- ``ProofGivenUp()``: the tactic used ``sorry``: refused, with a sorry recorded;
- ``TimeoutError(error)``, ``DojoHardTimeoutError``: `LeanTimeout`;
  ``DojoCrashError``: `LeanCrashed`; ``DojoInitError``: `LeanStartupError`.

The package is imported only when a backend is made; without it, `ConfigurationError` says
how to install it.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from rlvr_gym.core.errors import (
    ConfigurationError,
    LeanCrashed,
    LeanStartupError,
    LeanTimeout,
    StaleProofStateError,
)
from rlvr_gym.lean.types import CommandResult, LeanMessage, Sorry, TacticHandle, TacticResult

INSTALL_HINT = "pip install 'rlvr-gym[leandojo]'"
COMPLETED = "Completed"
INCOMPLETE = "Incomplete: open goals remain"
_THEOREM_NAME = re.compile(r"\b(?:theorem|lemma)\s+([^\s(:{\[⦃]+)")


def import_lean_dojo() -> ModuleType:
    """The ``lean_dojo`` module, or a `ConfigurationError` that says how to install it."""
    try:
        return importlib.import_module("lean_dojo")
    except ImportError as exc:
        raise ConfigurationError(
            f"the LeanDojo backend needs the lean-dojo package, which is not installed: "
            f"{INSTALL_HINT} (LeanDojo then traces your repository with its own Lean "
            f"toolchain); or use the default REPL backend ({exc})"
        ) from exc


def split_goals(pp: str) -> tuple[str, ...]:
    """The goals of a pretty-printed tactic state: Lean separates goals by a blank line, and each
    ends in a ``⊢`` line; ``no goals`` is none."""
    text = pp.strip()
    if not text or text == "no goals":
        return ()
    goals: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        if goals and "⊢" not in goals[-1]:
            goals[-1] = f"{goals[-1]}\n\n{block}"  # a blank line inside one goal's context
        else:
            goals.append(block)
    return tuple(g.strip() for g in goals)


def _info(message: Any) -> tuple[LeanMessage, ...]:
    text = str(message or "").strip()
    return (LeanMessage("info", None, None, text),) if text else ()


def tactic_result_from_dojo(result: Any, owner: str | None = None) -> TacticResult:
    """Our `TacticResult` for one of LeanDojo's ``run_tac`` results (matched by class name, so
    any LeanDojo version's classes, or stand-ins with the same fields, map the same way)."""
    kind = type(result).__name__
    if kind == "TacticState":
        goals = split_goals(str(result.pp))
        return TacticResult(
            proof_state=int(result.id), goals=goals, messages=_info(result.message),
            proof_status=INCOMPLETE if goals else COMPLETED, owner=owner,
        )
    if kind == "ProofFinished":
        return TacticResult(
            proof_state=int(result.tactic_state_id), goals=(),
            messages=_info(getattr(result, "message", None)), proof_status=COMPLETED,
            owner=owner,
        )
    if kind in ("LeanError", "TacticError"):
        return TacticResult(proof_state=None, error=str(result.error).strip(), owner=owner)
    if kind == "ProofGivenUp":
        return TacticResult(
            proof_state=None, sorries=(Sorry(None, None, "", None),),
            error="the tactic uses `sorry` (LeanDojo: ProofGivenUp)", owner=owner,
        )
    if kind == "TimeoutError":
        raise LeanTimeout(f"LeanDojo: the tactic timed out: {getattr(result, 'error', '')}")
    raise LeanCrashed(f"LeanDojo returned an unknown result {kind}: {result!r}")


@dataclass
class _Session:
    """One entered ``Dojo`` (a theorem) and the tactic states it has handed out, by id."""

    dojo: Any
    initial: Any
    states: dict[int, Any] = field(default_factory=dict)


class LeanDojoBackend:
    """Tactic mode over LeanDojo: `start` enters a ``Dojo`` for the theorem, `apply` runs one
    tactic with ``run_tac``. One ``Dojo`` per theorem is kept open until `close`, so several
    episodes on one theorem share it (its tactic states stay valid).

    - `repo`: a ``lean_dojo.LeanGitRepo`` or a ``(url, commit)`` pair.
    - `files`: theorem name -> file path in the repository; `file_path` for names not in it.
    - `hard_timeout`: LeanDojo's per-``Dojo`` wall-clock limit in seconds.
    """

    def __init__(
        self,
        repo: Any,
        *,
        files: Mapping[str, str] | None = None,
        file_path: str | None = None,
        hard_timeout: float | None = 600.0,
        additional_imports: tuple[str, ...] = (),
        dojo_module: ModuleType | None = None,
    ) -> None:
        self._lean_dojo = dojo_module or import_lean_dojo()
        if isinstance(repo, tuple):
            url, commit = repo
            repo = self._lean_dojo.LeanGitRepo(url, commit)
        self.repo = repo
        self.files = dict(files or {})
        self.file_path = file_path
        self.hard_timeout = hard_timeout
        self.additional_imports = list(additional_imports)
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def theorem_name(self, statement: str) -> str:
        """The name declared in a statement (``theorem NAME ...``)."""
        found = _THEOREM_NAME.search(statement)
        if found is None:
            raise ConfigurationError(
                "the LeanDojo backend finds theorems by name, but this statement declares none "
                f"(`theorem NAME ...`): {statement[:120]!r}"
            )
        return found.group(1)

    def _theorem(self, name: str) -> Any:
        path = self.files.get(name, self.file_path)
        if path is None:
            raise ConfigurationError(
                f"the LeanDojo backend does not know which file of {self.repo} holds {name!r}: "
                "pass files={name: path} or file_path="
            )
        return self._lean_dojo.Theorem(self.repo, path, name)

    def start(self, theorem_with_sorry: str, header: str = "", *,
              timeout_s: float | None = None) -> CommandResult:
        """Enter (or reuse) the ``Dojo`` of the theorem; its initial state is the one sorry.

        `header` and `timeout_s` are accepted for the REPL pool's signature; the traced file is
        the context and `hard_timeout` the limit."""
        name = self.theorem_name(theorem_with_sorry)
        with self._lock:
            session = self._sessions.get(name)
            if session is None:
                extra = ({"additional_imports": self.additional_imports}
                         if self.additional_imports else {})  # not in LeanDojo 1.x
                dojo_cm = self._lean_dojo.Dojo(self._theorem(name),
                                               hard_timeout=self.hard_timeout, **extra)
                try:
                    _, initial = dojo_cm.__enter__()
                except Exception as exc:
                    raise self._infra(exc, f"LeanDojo could not open {name!r}") from exc
                session = _Session(dojo_cm, initial, {int(initial.id): initial})
                self._sessions[name] = session
            initial = session.initial
        goal = "\n\n".join(split_goals(str(initial.pp)))
        return CommandResult(
            env=None, sorries=(Sorry(None, None, goal, int(initial.id)),), owner=name,
        )

    def apply(self, state: TacticHandle | TacticResult, tactic: str, *,
              timeout_s: float | None = None) -> TacticResult:
        """Run one tactic on the state `state` names (a handle, or a result to continue)."""
        handle = state.handle if isinstance(state, TacticResult) else state
        if handle is None:
            raise ConfigurationError("this tactic result has no proof state to continue from")
        with self._lock:
            session = self._sessions.get(handle.owner or "")
            dojo_state = session.states.get(handle.proof_state) if session else None
            if session is None or dojo_state is None:
                raise StaleProofStateError(
                    f"LeanDojo has no proof state {handle.proof_state} for {handle.owner!r}; "
                    "start the theorem again"
                )
            try:
                raw = session.dojo.run_tac(dojo_state, tactic)
            except Exception as exc:
                raise self._infra(exc, "LeanDojo failed while running a tactic") from exc
            if type(raw).__name__ == "TacticState":
                session.states[int(raw.id)] = raw
        return tactic_result_from_dojo(raw, owner=handle.owner)

    def check(self, source: str, header: str = "", *,
              timeout_s: float | None = None) -> CommandResult:
        """Whole proofs are not checked through LeanDojo; use the REPL backend for them."""
        raise ConfigurationError(
            "the LeanDojo backend runs tactic mode only; check whole proofs with the REPL "
            "backend (the default)"
        )

    @staticmethod
    def _infra(exc: Exception, what: str) -> Exception:
        kind = type(exc).__name__
        if kind in ("DojoHardTimeoutError", "TimeoutError"):
            return LeanTimeout(f"{what}: hard timeout ({exc})")
        if kind == "DojoInitError":
            return LeanStartupError(f"{what}: {exc}")
        if isinstance(exc, ConfigurationError):
            return exc
        return LeanCrashed(f"{what}: {kind}: {exc}")

    def close(self) -> None:
        """Exit every open ``Dojo`` (its REPL process and temporary copy of the repository)."""
        with self._lock:
            sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            # a Dojo that fails to exit has nothing left that we could free
            with contextlib.suppress(Exception):
                session.dojo.__exit__(None, None, None)
