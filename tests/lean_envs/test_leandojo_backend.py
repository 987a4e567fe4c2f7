"""The LeanDojo backend: the missing-package error, and LeanDojo's results as our TacticResult.

LeanDojo cannot be installed here (it brings its own Lean toolchain), so its result types are
stood in for by dataclasses with the fields LeanDojo documents (``lean_dojo.interaction.dojo``).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from rlvr_gym import ConfigurationError
from rlvr_gym.backends.leandojo import (
    LeanDojoBackend,
    import_lean_dojo,
    split_goals,
    tactic_result_from_dojo,
)
from rlvr_gym.core.errors import LeanCrashed, LeanTimeout, StaleProofStateError
from rlvr_gym.lean.types import TacticHandle


@dataclass(frozen=True)
class TacticState:
    pp: str
    id: int = field(compare=False)
    message: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProofFinished:
    tactic_state_id: int
    message: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ProofGivenUp:
    pass


@dataclass(frozen=True)
class LeanError:
    error: str


@dataclass(frozen=True)
class TimeoutError:  # LeanDojo's own name for a tactic that timed out
    error: str


TWO_GOALS = ("case left\np q : Prop\nh : p ∧ q\n⊢ p\n\n"
             "case right\np q : Prop\nh : p ∧ q\n⊢ q")


def test_without_the_package_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "lean_dojo", None)  # import lean_dojo raises ImportError
    with pytest.raises(ConfigurationError, match=r"pip install 'rlvr-gym\[leandojo\]'"):
        import_lean_dojo()
    with pytest.raises(ConfigurationError, match=r"rlvr-gym\[leandojo\]"):
        LeanDojoBackend(("https://example.invalid/repo", "0" * 40))


def test_importing_rlvr_gym_and_the_backend_module_does_not_import_lean_dojo() -> None:
    code = ("import sys, rlvr_gym, rlvr_gym.backends.leandojo, rlvr_gym.envs.lean; "
            "print('lean_dojo' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_tactic_state_is_an_incomplete_proof_state_with_its_goals() -> None:
    result = tactic_result_from_dojo(TacticState(TWO_GOALS, 3), owner="thm")
    assert result.proof_state == 3
    assert result.goals == ("case left\np q : Prop\nh : p ∧ q\n⊢ p",
                            "case right\np q : Prop\nh : p ∧ q\n⊢ q")
    assert result.status == "incomplete"
    assert not result.has_errors and not result.complete
    assert result.handle == TacticHandle(3, "thm", result.goals)


def test_proof_finished_is_a_complete_proof() -> None:
    result = tactic_result_from_dojo(ProofFinished(7, ""))
    assert result.proof_state == 7
    assert result.goals == ()
    assert result.status == "completed"
    assert result.complete


def test_a_lean_error_is_a_refused_tactic() -> None:
    result = tactic_result_from_dojo(LeanError("unknown identifier 'foo'\n"))
    assert result.proof_state is None
    assert result.error == "unknown identifier 'foo'"
    assert result.has_errors and not result.complete


def test_proof_given_up_records_a_sorry() -> None:
    result = tactic_result_from_dojo(ProofGivenUp())
    assert result.sorries and result.has_errors and not result.complete


def test_a_tactic_timeout_raises_lean_timeout() -> None:
    with pytest.raises(LeanTimeout):
        tactic_result_from_dojo(TimeoutError("try_for_time tactic failed, timeout"))


def test_an_unknown_result_is_a_crash_of_the_machinery() -> None:
    with pytest.raises(LeanCrashed):
        tactic_result_from_dojo(object())


def test_goals_split_on_blank_lines_and_no_goals_is_none() -> None:
    assert split_goals("no goals") == ()
    assert split_goals("x : Nat\n⊢ x = x") == ("x : Nat\n⊢ x = x",)


class FakeDojo:
    """Scripted ``Dojo``: a context manager returning (dojo, initial state), with run_tac."""

    exits = 0

    def __init__(self, theorem: Any, hard_timeout: float | None = None,
                 additional_imports: list[str] | None = None) -> None:
        self.theorem = theorem

    def __enter__(self) -> tuple[FakeDojo, TacticState]:
        return self, TacticState("p q : Prop\nh : p ∧ q\n⊢ q ∧ p", 0)

    def __exit__(self, *exc: object) -> None:
        type(self).exits += 1

    def run_tac(self, state: TacticState, tactic: str) -> object:
        if tactic == "constructor" and state.id == 0:
            return TacticState(TWO_GOALS, 1)
        if tactic == "exact ⟨h.2, h.1⟩" and state.id == 0:
            return ProofFinished(2, "")
        return LeanError(f"cannot apply {tactic}")


def fake_lean_dojo() -> Any:
    return SimpleNamespace(
        LeanGitRepo=lambda url, commit: SimpleNamespace(url=url, commit=commit),
        Theorem=lambda repo, path, name: SimpleNamespace(repo=repo, file_path=path,
                                                         full_name=name),
        Dojo=FakeDojo,
    )


def test_the_backend_drives_a_dojo_through_start_and_apply() -> None:
    FakeDojo.exits = 0
    backend = LeanDojoBackend(("https://example.invalid/repo", "abc"),
                              files={"swap": "Example/Basic.lean"}, dojo_module=fake_lean_dojo())
    started = backend.start("theorem swap (p q : Prop) (h : p ∧ q) : q ∧ p := by sorry")
    [handle] = started.handles
    assert handle.goals == ("p q : Prop\nh : p ∧ q\n⊢ q ∧ p",)
    split = backend.apply(handle, "constructor")
    assert split.status == "incomplete" and len(split.goals) == 2
    wrong = backend.apply(handle, "simp")
    assert wrong.error == "cannot apply simp"
    assert backend.apply(handle, "exact ⟨h.2, h.1⟩").complete
    assert split.handle is not None
    assert backend.apply(split.handle, "constructor").has_errors  # state 1 is known
    backend.close()
    assert FakeDojo.exits == 1
    with pytest.raises(StaleProofStateError):
        backend.apply(handle, "constructor")


def test_a_theorem_in_no_known_file_is_a_configuration_error() -> None:
    backend = LeanDojoBackend(("u", "c"), dojo_module=fake_lean_dojo())
    with pytest.raises(ConfigurationError, match="which file"):
        backend.start("theorem lost : True := by sorry")


def test_whole_proofs_are_left_to_the_repl() -> None:
    backend = LeanDojoBackend(("u", "c"), file_path="A.lean", dojo_module=fake_lean_dojo())
    with pytest.raises(ConfigurationError, match="tactic mode only"):
        backend.check("theorem t : True := trivial")
