"""Our proof rules classify every recorded proof attempt as the real Lean answered it.

Whole proofs: the command a real REPL elaborated, judged with `judge_whole_proof` against its
own declaration (axioms given as "none", so the verdict comes from Lean's structure alone).
Tactics: each recorded tactic judged against the state it was applied to.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from lean_fixtures import RECORDED

from rlvr_gym.lean.types import CommandResult, TacticResult, parse_response
from rlvr_gym.verifiers.lean.rules import judge_tactic_step, judge_whole_proof


def _command(name: str, index: int) -> tuple[str, CommandResult]:
    exchange = RECORDED[name][index]
    result = parse_response(exchange.response, "command")
    assert isinstance(result, CommandResult)
    return str(exchange.request["cmd"]), result


def _own_statement(source: str) -> str:
    """The declaration's statement as a task would pin it: text up to its first ``:=``."""
    match = re.search(r"(theorem|lemma|def|example)[\s\S]*?:=", source)
    assert match, source
    return match.group(0)


# (transcript, request index, complete, reason, every failed rule, what Lean said)
WHOLE_PROOFS = [
    ("line_breaks", 2, True, "complete", (), "a proof with a block comment: env, no message"),
    ("file_env", 1, True, "complete", (), "rw [Nat.add_comm] closes a + b = b + a"),
    ("infotree_theorem", 0, True, "complete", (), "exact h: no message at all"),
    ("trace_simp", 1, True, "complete", (), "@[simp] theorem ... := by rfl"),
    ("tactic_sorry", 0, False, "sorry", ("sorry",), "by sorry: a sorry and its warning"),
    ("term_sorry", 0, False, "sorry", ("sorry",), "a term-mode sorry"),
    ("invalid_tactic", 0, False, "sorry", ("sorry",), "the statement proved by sorry"),
    ("have_by_sorry", 1, False, "sorry", ("sorry",), "by sorry"),
    ("have_by_sorry", 0, False, "lean_error", ("lean_error", "sorry"),
     "a sorry inside `have` and the main goal unsolved"),
    ("no_goal_sorry", 0, False, "lean_error", ("lean_error",),
     "an ill-typed `have`: errors, and Lean lists no sorry at all"),
    ("no_goal_sorry_2", 0, False, "lean_error", ("lean_error", "sorry"),
     "a second sorry with no goals left: an error besides the first sorry"),
    ("unfinished_tactic_block", 0, False, "lean_error", ("lean_error",),
     "`by` with nothing after it: unsolved goals"),
    ("incomplete", 0, False, "lean_error", ("lean_error",), "apply Nat.succ leaves a goal"),
    ("incomplete", 1, False, "lean_error", ("lean_error",), "two branches left unsolved"),
    ("calc", 0, False, "sorry", ("sorry",), "calc steps proved by sorry"),
    ("self_proof_check", 0, False, "lean_error", ("lean_error",), "exact? fails on False"),
    ("self_proof_exact_check", 0, False, "lean_error", ("lean_error",),
     "a theorem that uses itself: no termination proof"),
    ("self_proof_apply_check", 0, False, "lean_error", ("lean_error",), "apply itself"),
    ("self_proof_rw", 0, False, "lean_error", ("lean_error",), "rewrites with itself"),
    ("app_type_mismatch", 0, False, "lean_error", ("lean_error",),
     "the kernel finds metavariables: an error message, no sorry"),
    ("app_type_mismatch2", 0, False, "lean_error", ("lean_error",),
     "the kernel rejects an application"),
    ("invalid_line_break", 0, False, "lean_error", ("lean_error",),
     "a raw line break read as `bysorry`"),
    ("proof_branching", 0, False, "sorry", ("sorry",), "the opening of a tactic session"),
    ("assumption_proof", 0, False, "sorry", ("sorry",), "the opening of a tactic session"),
    ("dup_sorries", 1, False, "sorry", ("sorry",), "a second theorem by sorry"),
    ("synthesize_placeholder", 0, False, "lean_error", ("lean_error",), "def f : Nat := _"),
]


@pytest.mark.parametrize(
    ("name", "index", "complete", "reason", "failures", "why"), WHOLE_PROOFS,
    ids=[f"{w[0]}[{w[1]}]" for w in WHOLE_PROOFS],
)
def test_whole_proofs_are_classified_as_lean_answered(
    name: str, index: int, complete: bool, reason: str, failures: tuple[str, ...], why: str
) -> None:
    source, result = _command(name, index)
    check = judge_whole_proof(_own_statement(source), source, result, axioms=())
    assert (check.complete, check.reason) == (complete, reason), why
    assert check.details["failures"] == failures, why


def _states(name: str) -> dict[int, TacticResult | CommandResult]:
    """Each proof state of a transcript, mapped to the answer that created it."""
    states: dict[int, TacticResult | CommandResult] = {}
    for exchange in RECORDED[name]:
        kind = "tactic" if "tactic" in exchange.request else "command"
        result = parse_response(exchange.response, kind)  # type: ignore[arg-type]
        if isinstance(result, CommandResult):
            for sorry in result.sorries:
                if sorry.proof_state is not None:
                    states[sorry.proof_state] = result.__class__(
                        env=result.env, sorries=(sorry,), raw=result.raw)
            for info in result.tactics:
                if info.proof_state is not None:
                    states[info.proof_state] = TacticResult(info.proof_state, (info.goals,))
        elif result.proof_state is not None:
            states[result.proof_state] = result
    return states


def _step(name: str, index: int) -> tuple[Any, TacticResult]:
    exchange = RECORDED[name][index]
    after = parse_response(exchange.response, "tactic")
    assert isinstance(after, TacticResult)
    before = _states(name).get(int(exchange.request["proofState"]), TacticResult(None))
    return before, after


# (transcript, request index, progress, complete, reason, what Lean said)
TACTIC_STEPS = [
    ("invalid_tactic", 1, False, False, "lean_error",
     "exact my_fake_premise: an error, yet a new proof state: not progress"),
    ("unknown_tactic", 1, False, False, "refused", "exat 42 does not parse"),
    ("unknown_proof_state", 1, False, False, "refused", "no such proof state"),
    ("proof_step", 1, True, False, "progress", "apply Int.natAbs: ⊢ Nat becomes ⊢ Int"),
    ("proof_step", 2, True, False, "progress", "have t : Nat := 42 adds a hypothesis"),
    ("proof_step", 3, True, True, "complete", "exact t closes it"),
    ("proof_branching", 1, True, False, "progress", "And.intro splits into two goals"),
    ("proof_branching", 2, True, False, "progress", "exact h1.left closes the first"),
    ("proof_branching", 3, True, False, "progress", "apply h2 turns r into q"),
    ("proof_branching", 4, True, True, "complete", "exact h1.right: Completed"),
    ("proof_branching2", 1, True, False, "progress", "intro h"),
    ("proof_branching2", 2, True, False, "progress", "have hp"),
    ("proof_branching2", 3, True, False, "progress", "have hq"),
    ("proof_branching2", 4, True, False, "progress", "apply And.intro"),
    ("proof_branching2", 5, True, False, "progress", "exact hq"),
    ("proof_branching2", 6, True, True, "complete", "exact hp"),
    ("assumption_proof", 1, True, True, "complete", "assumption"),
    ("readme", 1, True, False, "progress", "apply Int.natAbs"),
    ("readme", 2, True, True, "complete", "exact -37"),
    ("proof_transitivity", 1, True, True, "complete", "exact Eq.trans h1 h2"),
    ("proof_transitivity", 3, True, True, "complete", "exact congrArg f h"),
    ("have_by_sorry", 2, False, False, "sorry", "have ... := by sorry inside tactic mode"),
    ("sorry_hypotheses", 1, False, False, "sorry", "have h : x = 1 := sorry"),
    ("tactic_mode_sorry", 1, False, False, "sorry", "sorry as a tactic"),
    ("by_cases", 1, True, False, "progress", "by_cases splits"),
    ("by_cases", 2, True, False, "progress", "case pos => rfl"),
    ("by_cases", 3, False, False, "sorry", "all_goals sorry"),
    ("self_proof_check", 2, False, False, "refused", "exact? cannot close False"),
    ("self_proof_exact_check", 2, False, False, "kernel_error",
     "exact ex: no goals, but the kernel rejects the term"),
    ("self_proof_apply_check", 2, False, False, "kernel_error", "apply ex"),
    ("self_proof_rw", 2, False, False, "kernel_error", "rw [self_application]"),
    ("app_type_mismatch", 2, True, False, "progress", "cases 1"),
    ("app_type_mismatch", 3, True, False, "progress", "rfl closes case zero"),
    ("app_type_mismatch", 4, False, False, "unfinished",
     "apply ?succ: no goals but metavariables"),
    ("app_type_mismatch2", 4, False, False, "kernel_error", "a have whose proof fails the kernel"),
    ("app_type_mismatch2", 5, False, False, "sorry", "have: true := sorry"),
    ("app_type_mismatch2", 6, False, False, "refused", "apply ?succ cannot unify"),
    ("name_generator", 2, False, False, "unfinished", "exact h0 inside a have's sorry"),
    ("name_generator", 8, False, False, "lean_error", "rw leaves an unsolved goal"),
    ("trace_simp", 5, False, False, "no_change", "trace \"37\" leaves the goal as it was"),
    ("trace_simp", 6, True, True, "complete", "simp with the simp lemma"),
    ("all_tactics-20250622", 1, True, True, "complete", "exact hp on an allTactics state"),
    ("Mathlib/test/exact", 2, True, True, "complete",
     "exact? closes 0 < 1; its info message is not an error"),
    ("Mathlib/test/exact", 4, False, False, "refused", "exact? cannot prove 3 = 7"),
    ("Mathlib/test/induction", 2, True, False, "progress", "induction x"),
    ("Mathlib/test/induction", 3, True, False, "progress", "next => rfl"),
    ("Mathlib/test/induction", 4, False, False, "sorry", "induction with sorry cases"),
    ("Mathlib/test/on_goal", 2, False, False, "sorry", "on_goal with have := by sorry"),
]


@pytest.mark.parametrize(
    ("name", "index", "progress", "complete", "reason", "why"), TACTIC_STEPS,
    ids=[f"{t[0]}[{t[1]}]" for t in TACTIC_STEPS],
)
def test_tactic_steps_are_classified_as_lean_answered(
    name: str, index: int, progress: bool, complete: bool, reason: str, why: str
) -> None:
    before, after = _step(name, index)
    assert tuple(judge_tactic_step(before, after)) == (progress, complete, reason), why


def test_an_erroring_tactic_that_leaves_a_new_state_is_not_progress() -> None:
    before, after = _step("invalid_tactic", 1)
    assert after.proof_state is not None and after.proof_state != 0
    judgement = judge_tactic_step(before, after)
    assert not judgement.progress and not judgement.complete


def test_step_judgements_do_not_read_message_text() -> None:
    """The same structure with any wording gets the same judgement."""
    before, after = _step("invalid_tactic", 1)
    raw = dict(after.raw)
    raw["messages"] = [dict(m, data="quelque chose d'autre") for m in raw["messages"]]
    reworded = parse_response(raw, "tactic")
    assert isinstance(reworded, TacticResult)
    assert judge_tactic_step(before, reworded) == judge_tactic_step(before, after)


def test_goals_given_as_a_list_work_as_the_state_before() -> None:
    _, after = _step("trace_simp", 5)
    assert judge_tactic_step(["⊢ f = 37"], after).reason == "no_change"
    assert judge_tactic_step(["⊢ f = 38"], after).reason == "progress"
