"""`LeanVerifier` end to end over a replaying REPL.

The replay answers the exact requests the verifier sends: recorded answers of a real Lean
re-keyed to the verifier's request text (tactic mode), or answers written in the REPL's exact
format (whole proofs, whose requests carry the appended ``#print axioms``).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lean_fixtures import RECORDED, replay_command, repls_with, write_transcript

from rlvr_gym.core.errors import ConfigurationError, LeanCrashed
from rlvr_gym.core.protocols import Verifier
from rlvr_gym.core.task import Task
from rlvr_gym.lean.pool import ReplPool
from rlvr_gym.verifiers.lean.verifier import LeanVerifier, extract_lean

THEOREM = "theorem add_zero' (n : Nat) : n + 0 = n :="
BRANCHING = "theorem complex_and (p q r : Prop) (h1 : p ∧ q) (h2 : q → r) : p ∧ r :="


def _info(line: int, text: str) -> dict[str, Any]:
    return {"severity": "info", "pos": {"line": line, "column": 0},
            "endPos": {"line": line, "column": 6}, "data": text}


def _check(source: str, answer: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"cmd": f"{source}\n\n#print axioms add_zero'\n"}, answer


PROOF = "theorem add_zero' (n : Nat) : n + 0 = n := by\n  simp"
SORRY_PROOF = "theorem add_zero' (n : Nat) : n + 0 = n := by\n  sorry"
WEAKER = "theorem add_zero' (n : Nat) : n + 0 = n + 0 := by\n  rfl"


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("verifier-transcripts")
    write_transcript(folder, "whole", [
        _check(PROOF, {"messages": [_info(4, "'add_zero'' depends on axioms: [propext]")],
                       "env": 0}),
        _check(f"{THEOREM} by simp", {
            "messages": [_info(3, "'add_zero'' depends on axioms: [propext]")], "env": 1}),
        _check(SORRY_PROOF, {
            "sorries": [{"proofState": 0, "pos": {"line": 2, "column": 2},
                         "goal": "n : Nat\n⊢ n + 0 = n", "endPos": {"line": 2, "column": 7}}],
            "messages": [
                {"severity": "warning", "pos": {"line": 1, "column": 8},
                 "endPos": {"line": 1, "column": 17}, "data": "declaration uses `sorry`"},
                _info(4, "'add_zero'' depends on axioms: [sorryAx]")],
            "env": 2}),
        _check(WEAKER, {"messages": [_info(4, "'add_zero'' does not depend on any axioms")],
                        "env": 3}),
        _check("-- STALL\n" + PROOF, {"env": 4}),
        _check("-- CRASH\n" + PROOF, {"env": 5}),
    ])
    # Tactic mode: the real answers of proof_branching, keyed to what the verifier sends.
    branching = RECORDED["proof_branching"]
    exchanges = [({"cmd": f"{BRANCHING} by\n  sorry"}, branching[0].response)]
    exchanges += [(e.request, e.response) for e in branching[1:]]
    exchanges.append(({"tactic": "exat 42", "proofState": 1},
                      RECORDED["unknown_tactic"][1].response))
    exchanges.append(({"tactic": "exact my_fake_premise", "proofState": 1},
                      RECORDED["invalid_tactic"][1].response))
    exchanges.append(({"tactic": "skip", "proofState": 1},
                      dict(branching[1].response, proofState=7)))
    write_transcript(folder, "branching", exchanges)
    return folder


@pytest.fixture
def pool(recordings: Path) -> Iterator[ReplPool]:
    command = replay_command("--stall-on", "STALL", "--crash-on", "CRASH", directory=recordings)
    with ReplPool(command, timeout_s=2.0) as pool:
        yield pool


@pytest.fixture
def verifier(pool: ReplPool) -> LeanVerifier:
    return LeanVerifier(pool, timeout_s=2.0, step_timeout_s=2.0)


def _task(theorem: str = THEOREM, **reference: Any) -> Task:
    return Task(id="t", family="lean", prompt="Prove it.",
                reference={"theorem": theorem, **reference})


def test_the_verifier_satisfies_the_protocol(verifier: LeanVerifier) -> None:
    assert isinstance(verifier, Verifier)


def test_a_complete_proof_in_a_fence_scores_one(verifier: LeanVerifier) -> None:
    verdict = verifier.verify(_task(), f"Here it is:\n```lean\n{PROOF}\n```")
    assert (verdict.outcome, verdict.reason) == (1.0, "correct")
    assert verdict.details["axioms"] == ("propext",)


def test_a_proof_body_alone_is_put_under_the_statement(verifier: LeanVerifier) -> None:
    verdict = verifier.verify(_task(), "by simp")
    assert verdict.correct and verdict.details["assembled"]


def test_a_proof_with_sorry_scores_zero(verifier: LeanVerifier) -> None:
    verdict = verifier.verify(_task(), f"```lean\n{SORRY_PROOF}\n```")
    assert (verdict.outcome, verdict.reason) == (0.0, "sorry")


def test_a_proof_of_a_weaker_statement_scores_zero(verifier: LeanVerifier) -> None:
    verdict = verifier.verify(_task(), WEAKER)
    assert (verdict.outcome, verdict.reason) == (0.0, "statement_changed")


def test_an_added_axiom_is_rejected_before_lean_runs(verifier: LeanVerifier) -> None:
    verdict = verifier.verify(_task(), f"axiom cheat : False\n{THEOREM} cheat.elim")
    assert (verdict.outcome, verdict.reason) == (0.0, "forbidden_command")


def test_a_proof_that_runs_past_the_limit_is_the_policys_fault(verifier: LeanVerifier) -> None:
    verdict = verifier.verify(_task(), "-- STALL\n" + PROOF)
    assert (verdict.outcome, verdict.reason, verdict.infra_error) == (0.0, "timeout", None)


def test_a_crashed_repl_is_an_infrastructure_failure(verifier: LeanVerifier) -> None:
    verdict = verifier.verify(_task(), "-- CRASH\n" + PROOF)
    assert verdict.infra_error is not None and verdict.reason == "infra_error"
    assert verifier.verify(_task(), PROOF).correct  # the pool restarted it


def test_no_code_is_a_format_failure(verifier: LeanVerifier) -> None:
    verdict = verifier.verify(_task(), "   ")
    assert (verdict.outcome, verdict.format_ok, verdict.reason) == (0.0, False, "no_proof")


def test_an_unnamed_statement_is_a_configuration_error(verifier: LeanVerifier) -> None:
    with pytest.raises(ConfigurationError, match="named `theorem`"):
        verifier.verify(_task("example : 1 = 1 :="), "by rfl")


def test_the_last_lean_fence_wins() -> None:
    text = "```lean\ndraft\n```\nthen\n```python\nx = 1\n```\n```lean4\nfinal\n```"
    assert extract_lean(text) == ("final", "fence")
    assert extract_lean("by simp") == ("by simp", "text")


# -- tactic mode --------------------------------------------------------------------------------

def test_an_episode_scores_each_accepted_tactic_and_ends_complete(verifier: LeanVerifier) -> None:
    task = _task(BRANCHING)
    history: list[str] = []
    expected = [("apply And.intro", 1.0, False), ("exact h1.left", 1.0, False),
                ("apply h2", 1.0, False), ("exact h1.right", 1.0, True)]
    for action, score, final in expected:
        verdict = verifier.verify_step(task, history, action)
        assert verdict.infra_error is None, verdict.feedback
        assert (verdict.steps[0].score, verdict.details["final"]) == (score, final), action
        assert verdict.steps[0].index == len(history)
        history.append(action)
    assert verdict.correct and verdict.feedback == "Proof complete."


def test_a_refused_tactic_scores_zero_and_shows_the_error_and_goals(
    verifier: LeanVerifier,
) -> None:
    task = _task(BRANCHING)
    verdict = verifier.verify_step(task, ["apply And.intro"], "exat 42")
    assert (verdict.steps[0].score, verdict.reason) == (0.0, "refused")
    assert "unknown tactic" in verdict.feedback and "case left" in verdict.feedback
    assert not verdict.details["final"]


def test_an_erroring_tactic_with_a_new_state_scores_zero(verifier: LeanVerifier) -> None:
    verdict = verifier.verify_step(_task(BRANCHING), ["apply And.intro"],
                                   "exact my_fake_premise")
    assert (verdict.steps[0].score, verdict.reason) == (0.0, "lean_error")
    assert "my_fake_premise" in verdict.feedback


def test_a_tactic_that_changes_nothing_scores_zero(verifier: LeanVerifier) -> None:
    verdict = verifier.verify_step(_task(BRANCHING), ["apply And.intro"], "skip")
    assert (verdict.steps[0].score, verdict.reason) == (0.0, "no_change")


def test_failed_tactics_in_the_history_leave_the_state_unchanged(
    verifier: LeanVerifier,
) -> None:
    history = ["apply And.intro", "exat 42", "exact my_fake_premise"]
    verdict = verifier.verify_step(_task(BRANCHING), history, "exact h1.left")
    assert (verdict.steps[0].score, verdict.reason) == (1.0, "progress")


def test_an_episode_survives_a_restart_of_its_repl(verifier: LeanVerifier,
                                                   pool: ReplPool) -> None:
    task = _task(BRANCHING)
    assert verifier.verify_step(task, [], "apply And.intro").steps[0].score == 1.0
    with pytest.raises(LeanCrashed):
        pool.check("-- CRASH\n" + PROOF)
    verdict = verifier.verify_step(task, ["apply And.intro"], "exact h1.left")
    assert (verdict.steps[0].score, verdict.infra_error) == (1.0, None)


def test_a_fresh_verifier_replays_the_history(pool: ReplPool) -> None:
    verdict = LeanVerifier(pool).verify_step(
        _task(BRANCHING), ["apply And.intro", "exact h1.left", "apply h2"], "exact h1.right")
    assert verdict.correct and verdict.details["final"]


def test_a_repl_killed_from_outside_is_an_infrastructure_failure_and_is_replaced(
    recordings: Path,
) -> None:
    marker = f"--label=killed-{os.getpid()}"
    command = replay_command("--stall-on", "STALL", marker, directory=recordings)
    with ReplPool(command, timeout_s=20.0) as pool:
        verifier = LeanVerifier(pool, timeout_s=20.0)
        assert verifier.verify(_task(), PROOF).correct
        (repl,) = repls_with(marker)
        threading.Timer(0.5, os.kill, args=(repl, signal.SIGKILL)).start()
        started = time.monotonic()
        verdict = verifier.verify(_task(), "-- STALL\n" + PROOF)  # held when the kill lands
        assert time.monotonic() - started < 10  # the death is seen at once, not at the limit
        assert verdict.infra_error is not None and verdict.reason == "infra_error"
        assert verifier.verify(_task(), PROOF).correct  # a fresh REPL took its place
        assert repls_with(marker) and repl not in repls_with(marker)
