"""Statement pinning, sorry and axiom rules: each cheat is rejected, each in its own test.

Results are built from JSON in the exact format the REPL answers (field names, severities,
positions), taken from the recordings where Lean said the same thing.
"""

from __future__ import annotations

from typing import Any

import pytest

from rlvr_gym.lean.types import CommandResult, parse_response
from rlvr_gym.verifiers.lean.rules import (
    axioms_at_line,
    declares_statement,
    forbidden_tokens,
    judge_whole_proof,
    normalize_statement,
    parse_axioms,
    theorem_name,
)

THEOREM = "theorem add_zero' (n : Nat) : n + 0 = n :="
PROOF = "theorem add_zero' (n : Nat) : n + 0 = n := by\n  simp"


def _result(*messages: dict[str, Any], sorries: list[dict[str, Any]] | None = None,
            env: int = 1) -> CommandResult:
    data: dict[str, Any] = {"env": env}
    if sorries:
        data["sorries"] = sorries
    if messages:
        data["messages"] = list(messages)
    result = parse_response(data, "command")
    assert isinstance(result, CommandResult)
    return result


def _info(line: int, text: str) -> dict[str, Any]:
    return {"severity": "info", "pos": {"line": line, "column": 0},
            "endPos": {"line": line, "column": 6}, "data": text}


SORRY_WARNING = {"severity": "warning", "pos": {"line": 1, "column": 8},
                 "endPos": {"line": 1, "column": 17}, "data": "declaration uses `sorry`"}


def test_a_clean_proof_with_standard_axioms_is_complete() -> None:
    check = judge_whole_proof(THEOREM, PROOF, _result(), ["propext", "Quot.sound"])
    assert (check.complete, check.reason) == (True, "complete")


def test_a_proof_of_a_changed_statement_is_rejected() -> None:
    weaker = "theorem add_zero' (n : Nat) : n + 0 = n + 0 := by\n  rfl"
    check = judge_whole_proof(THEOREM, weaker, _result(), [])
    assert (check.complete, check.reason) == (False, "statement_changed")


def test_a_proof_with_an_extra_hypothesis_is_rejected() -> None:
    cheat = "theorem add_zero' (n : Nat) (h : n + 0 = n) : n + 0 = n := h"
    assert judge_whole_proof(THEOREM, cheat, _result(), []).reason == "statement_changed"


def test_a_proof_that_proves_another_theorem_is_rejected() -> None:
    cheat = "theorem other (n : Nat) : n + 0 = n := by simp"
    assert judge_whole_proof(THEOREM, cheat, _result(), []).reason == "statement_changed"


def test_the_statement_in_a_comment_does_not_count() -> None:
    cheat = (f"/- {THEOREM} by simp -/\n-- {THEOREM}\n"
             "theorem add_zero' (n : Nat) : True := trivial")
    assert judge_whole_proof(THEOREM, cheat, _result(), []).reason == "statement_changed"


def test_comments_whitespace_and_lemma_do_not_change_the_statement() -> None:
    proof = ("/- a helper comment -/\nlemma add_zero'  (n:Nat) -- the variable\n"
             "  : n + 0 = n := by simp")
    assert declares_statement(proof, THEOREM)
    assert normalize_statement(THEOREM) == normalize_statement(
        "theorem add_zero' (n : Nat) :\n    n + 0 = n := by")


def test_whitespace_between_words_still_matters() -> None:
    assert not declares_statement("theorem t : ∀ ab : Nat, ab = ab := fun _ => rfl",
                                  "theorem t : ∀ a b : Nat, a = b :=")


def test_sorry_anywhere_is_rejected_even_when_lean_lists_no_sorry_entry() -> None:
    """A sorry in a helper lemma shows as its warning; the theorem's axioms show sorryAx."""
    proof = f"theorem helper : 1 = 1 := sorry\n{PROOF}"
    check = judge_whole_proof(THEOREM, proof, _result(SORRY_WARNING), ["sorryAx"])
    assert (check.complete, check.reason) == (False, "sorry")


def test_sorry_listed_by_lean_is_rejected() -> None:
    sorry = {"proofState": 0, "pos": {"line": 2, "column": 2}, "goal": "n : Nat\n⊢ n + 0 = n",
             "endPos": {"line": 2, "column": 7}}
    result = _result(SORRY_WARNING, sorries=[sorry])
    proof = "theorem add_zero' (n : Nat) : n + 0 = n := by\n  sorry"
    assert judge_whole_proof(THEOREM, proof, result, ["sorryAx"]).reason == "sorry"


def test_the_sorry_warning_is_recognised_in_old_and_new_wording() -> None:
    old = dict(SORRY_WARNING, data="declaration uses 'sorry'")
    assert judge_whole_proof(THEOREM, PROOF, _result(old), []).reason == "sorry"


def test_sorry_reached_only_through_axioms_is_rejected() -> None:
    assert judge_whole_proof(THEOREM, PROOF, _result(), ["propext", "sorryAx"]).reason == "sorry"


def test_an_added_axiom_is_rejected() -> None:
    proof = f"axiom cheat : False\n{PROOF.replace('simp', 'exact cheat.elim')}"
    check = judge_whole_proof(THEOREM, proof, _result(), ["cheat"])
    assert not check.complete
    assert "nonstandard_axioms" in check.details["failures"]
    assert "forbidden_command" in check.details["failures"]
    assert check.details["nonstandard_axioms"] == ("cheat",)


def test_an_added_axiom_is_rejected_by_the_axiom_list_alone() -> None:
    """Even if it slipped past the command deny-list, `#print axioms` shows it."""
    check = judge_whole_proof(THEOREM, PROOF, _result(), ["propext", "cheat"])
    assert (check.complete, check.reason) == (False, "nonstandard_axioms")


def test_native_decide_is_rejected_by_its_axiom() -> None:
    check = judge_whole_proof(THEOREM, PROOF, _result(), ["propext", "Lean.ofReduceBool"])
    assert check.reason == "nonstandard_axioms"


def test_unknown_axioms_fail_unless_the_caller_checks_them_elsewhere() -> None:
    assert judge_whole_proof(THEOREM, PROOF, _result(), None).reason == "axioms_unchecked"
    assert judge_whole_proof(THEOREM, PROOF, _result(), None, check_axioms=False).complete


@pytest.mark.parametrize("text", [
    "instance : OfNat Nat 5 := ⟨4⟩",
    "local notation \"x\" => 1",
    "macro \"cheat\" : tactic => `(tactic| sorry)",
    "set_option debug.skipKernelTC true in",
    "#exit",
    "#eval IO.Process.run {cmd := \"rm\"}",
    "variable (h : False)",
    "@[instance] def i : Inhabited Nat := ⟨3⟩",
    "elab \"x\" : term => pure default",
    "run_cmd Lean.logInfo \"hi\"",
    "attribute [local simp] foo",
])
def test_commands_that_change_meaning_or_run_code_are_forbidden(text: str) -> None:
    proof = f"{text}\n{PROOF}"
    assert forbidden_tokens(proof)
    assert judge_whole_proof(THEOREM, proof, _result(), []).reason == "forbidden_command"


def test_forbidden_words_in_comments_and_strings_do_not_count() -> None:
    proof = f"-- no instance here\n/- axiom -/\n{PROOF}\n#check \"macro\""
    assert forbidden_tokens(proof) == []


@pytest.mark.parametrize(("message", "axioms"), [
    ("'add_zero'' depends on axioms: [propext, Classical.choice, Quot.sound]",
     ("propext", "Classical.choice", "Quot.sound")),
    ("'foo' depends on axioms: [propext,\n Classical.choice,\n Quot.sound]",
     ("propext", "Classical.choice", "Quot.sound")),
    ("'foo' does not depend on any axioms", ()),
    ("foo : Nat", None),
])
def test_print_axioms_messages_parse(message: str, axioms: tuple[str, ...] | None) -> None:
    assert parse_axioms(message) == axioms


def test_axioms_are_read_only_from_the_print_axioms_line() -> None:
    fake = _info(1, "'add_zero'' does not depend on any axioms")
    real = _info(4, "'add_zero'' depends on axioms: [cheat]")
    result = _result(fake, real)
    assert axioms_at_line(result, 4) == ("cheat",)
    assert axioms_at_line(result, 5) is None


def test_theorem_names_are_read_from_the_statement() -> None:
    assert theorem_name(THEOREM) == "add_zero'"
    assert theorem_name("/- doc -/ lemma Nat.foo {a : Nat} : a = a :=") == "Nat.foo"
    assert theorem_name("example : 1 = 1 :=") is None
