"""When a Lean proof counts: the rules `LeanVerifier` applies to what the REPL reports.

A whole proof is complete only when every one of these holds:

1. **no error**: no message of severity ``error`` (unsolved goals, a failed tactic, a kernel
   rejection all arrive as errors in command mode) and no REPL-level refusal;
2. **no sorry**: no entry in ``sorries`` and no warning that a declaration uses ``sorry``
   (a ``sorry`` inside a ``have`` or a helper lemma is still a sorry);
3. **the statement asked**: the proof declares the theorem with the very statement of the task,
   compared after stripping comments and whitespace (`normalize_statement`), so a policy
   cannot prove an easier statement under the same name;
4. **standard axioms**: ``#print axioms NAME`` lists only ``propext``, ``Classical.choice`` and
   ``Quot.sound``; this catches ``axiom cheat : False``, ``sorryAx`` reached through a helper,
   and ``Lean.ofReduceBool`` (``native_decide``, which trusts the compiler);
5. **no forbidden command**: the source holds none of the commands that could change what the
   statement means or what Lean reports (``instance``, ``notation``, ``macro``, ``elab``,
   ``set_option debug.*``, ``#exit`` ...) or run code on the checking machine (``#eval``,
   ``run_cmd``). This is a deny-list on tokens outside comments and strings, applied *before*
   Lean runs; it only ever rejects.

Every verdict on Lean's output is decided on structure (``severity``, ``sorries``,
``proofStatus`` kind, ``goals``), never on the wording of a message, which changes between
Lean versions. The only text read from a message is the axiom list, from the one info message
at the position of the ``#print axioms`` command the verifier appended.

A tactic step (`judge_tactic_step`) is progress only when Lean accepted it (no refusal, no error
message, no kernel error), it left no ``sorry``, and it changed the goals. A tactic that errors
yet leaves a new proof state (the REPL does this for an unknown identifier) is not progress.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from rlvr_gym.lean.types import CommandResult, LeanMessage, TacticResult

STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})

# Commands and modifiers that can change the meaning of a pinned statement (instances,
# notations, macros, elaborators, options that skip the kernel, `variable`/`include` adding
# hypotheses), stop checking early (`#exit`), or run code on the host (`#eval`, `run_cmd`).
FORBIDDEN_TOKENS = frozenset({
    "axiom", "instance", "notation", "infix", "infixl", "infixr", "prefix", "postfix",
    "macro", "macro_rules", "syntax", "elab", "elab_rules", "declare_syntax_cat",
    "import", "#exit", "variable", "include", "attribute", "namespace", "unsafe",
    "implemented_by", "extern", "opaque", "#eval", "#reduce", "run_cmd", "run_elab",
    "run_meta", "run_tac", "initialize", "builtin_initialize", "open_private", "export",
    "tactic", "term_elab", "command_elab", "simproc", "dsimproc", "simproc_decl",
})
FORBIDDEN_OPTIONS = ("debug.", "maxRecDepth", "trace.")

_DECL_KEYWORDS = ("theorem", "lemma")
_WORD = re.compile(r"#?[A-Za-z_\u00c0-\uffff][\w.'!?\u00c0-\uffff]*")
_SORRY_WARNING = re.compile(r"declaration uses [`']sorry[`']")


def strip_comments(text: str) -> str:
    """Remove ``--`` line comments and nested ``/- -/`` block comments; keep string literals."""
    out: list[str] = []
    i, n, depth = 0, len(text), 0
    in_string = False
    while i < n:
        two = text[i:i + 2]
        ch = text[i]
        if depth:
            if two == "/-":
                depth, i = depth + 1, i + 2
            elif two == "-/":
                depth, i = depth - 1, i + 2
                if not depth:
                    out.append(" ")
            else:
                i += 1
            continue
        if in_string:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            in_string = ch != '"'
            i += 1
            continue
        if two == "/-":
            depth, i = 1, i + 2
        elif two == "--":
            while i < n and text[i] != "\n":
                i += 1
        else:
            if ch == '"':
                in_string = True
            out.append(ch)
            i += 1
    return "".join(out)


def _flatten(text: str) -> str:
    """Comments stripped; whitespace runs made one space, and dropped next to brackets, commas
    and colons, where no two tokens can merge (``(x:Nat)`` reads as ``(x : Nat)``)."""
    flat = " ".join(strip_comments(text).split())
    flat = _AROUND_PUNCTUATION.sub(r"\1", flat)
    return _LEMMA.sub(r"\1theorem ", flat)


_AROUND_PUNCTUATION = re.compile(r"\s*([()\[\]{}⟨⟩⦃⦄,:])\s*")
_LEMMA = re.compile(r"(^|[\s\]])lemma\s")


def normalize_statement(text: str) -> str:
    """A statement as compared: comments and whitespace stripped, no trailing ``:=`` / ``:= by``.

    A ``lemma`` keyword reads as ``theorem`` (Mathlib's ``lemma`` is the same command).
    """
    return re.sub(r":=\s*(by)?\s*$", "", _flatten(text)).strip()


def theorem_name(theorem: str) -> str | None:
    """The declared name of a ``theorem``/``lemma`` statement (None for ``example``)."""
    match = re.search(r"(?:^|\s)(?:theorem|lemma)\s+([^\s(:{\[⦃]+)", strip_comments(theorem))
    return match.group(1) if match else None


def declares_statement(proof_source: str, theorem: str) -> bool:
    """True when `proof_source` declares `theorem` with exactly its statement (normalised)."""
    wanted = normalize_statement(theorem)
    if not wanted:
        return False
    source = _flatten(proof_source)
    start = 0
    while True:
        at = source.find(wanted, start)
        if at < 0:
            return False
        before_ok = at == 0 or not (source[at - 1].isalnum() or source[at - 1] in "_'.!?")
        rest = source[at + len(wanted):].lstrip()
        if before_ok and rest.startswith(":="):
            return True
        start = at + 1


def forbidden_tokens(proof_source: str) -> list[str]:
    """The forbidden commands the source uses, outside comments and string literals."""
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', strip_comments(proof_source))
    found = []
    for word in _WORD.findall(code):
        if word in FORBIDDEN_TOKENS and word not in found:
            found.append(word)
    for match in re.finditer(r"set_option\s+([\w.]+)", code):
        option = match.group(1)
        if option.startswith(FORBIDDEN_OPTIONS) and f"set_option {option}" not in found:
            found.append(f"set_option {option}")
    return found


def parse_axioms(message: str) -> tuple[str, ...] | None:
    """The axioms an info message of ``#print axioms`` lists; None when it is not one.

    Lean writes ``'foo' depends on axioms: [propext, Quot.sound]`` (wrapped over lines when
    long) or ``'foo' does not depend on any axioms``.
    """
    if "does not depend on any axioms" in message:
        return ()
    match = re.search(r"depends on axioms:\s*\[(.*)\]", message, re.DOTALL)
    if not match:
        return None
    return tuple(a.strip() for a in match.group(1).split(",") if a.strip())


def axioms_at_line(result: CommandResult, line: int) -> tuple[str, ...] | None:
    """The axioms printed by the ``#print axioms`` command that starts on `line`, if any."""
    for message in result.messages:
        if message.severity in ("info", "information") and message.pos is not None and (
            message.pos.line == line
        ):
            axioms = parse_axioms(message.data)
            if axioms is not None:
                return axioms
    return None


def _uses_sorry(messages: Sequence[LeanMessage]) -> bool:
    return any(m.severity == "warning" and _SORRY_WARNING.search(m.data) for m in messages)


@dataclass(frozen=True)
class ProofCheck:
    """The judgement of a whole proof: `complete`, the first failed rule, and the evidence.

    `reason` is ``"complete"`` or the first failed rule: ``"lean_error"``, ``"sorry"``,
    ``"statement_changed"``, ``"forbidden_command"``, ``"nonstandard_axioms"``,
    ``"axioms_unchecked"``. `details["failures"]` lists every failed rule.
    """

    complete: bool
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)


def judge_whole_proof(
    theorem: str,
    proof_source: str,
    result: CommandResult,
    axioms: Sequence[str] | None,
    *,
    check_axioms: bool = True,
) -> ProofCheck:
    """Apply the rules of the module docstring to one elaborated proof.

    `axioms` is what ``#print axioms`` listed for the theorem (None: unknown, which fails
    unless `check_axioms` is False, for callers that check axioms some other way).
    """
    failures: list[str] = []
    if result.has_errors:
        failures.append("lean_error")
    if result.sorries or _uses_sorry(result.messages) or (
        axioms is not None and "sorryAx" in axioms
    ):
        failures.append("sorry")
    if not declares_statement(proof_source, theorem):
        failures.append("statement_changed")
    forbidden = forbidden_tokens(proof_source)
    if forbidden:
        failures.append("forbidden_command")
    extra: tuple[str, ...] = ()
    if check_axioms:
        if axioms is None:
            failures.append("axioms_unchecked")
        else:
            # sorryAx is reported as "sorry" above
            extra = tuple(a for a in axioms if a not in STANDARD_AXIOMS | {"sorryAx"})
            if extra:
                failures.append("nonstandard_axioms")
    details = {
        "failures": tuple(failures),
        "errors": tuple(m.render() for m in result.errors) + (
            (result.error,) if result.error else ()
        ),
        "sorries": len(result.sorries),
        "axioms": tuple(axioms) if axioms is not None else None,
        "nonstandard_axioms": extra,
        "forbidden": tuple(forbidden),
    }
    if failures:
        return ProofCheck(False, failures[0], details)
    return ProofCheck(True, "complete", details)


class StepJudgement(NamedTuple):
    """The judgement of one tactic: did it make progress, did it finish the proof, and why.

    `reason` is one of ``"complete"``, ``"progress"``, ``"refused"`` (the REPL did not run it:
    it does not parse, names an unknown proof state, or fails outright), ``"lean_error"``
    (it ran but Lean reported an error), ``"kernel_error"``, ``"sorry"``, ``"no_change"``
    (the goals are the same as before), ``"unfinished"`` (no goals left but the proof term
    still has holes: metavariables).
    """

    progress: bool
    complete: bool
    reason: str


def goals_of(state: TacticResult | CommandResult | Sequence[str]) -> tuple[str, ...]:
    """The goals a state stands for: a tactic result's, a command's sorries', or a list's."""
    if isinstance(state, TacticResult):
        return state.goals
    if isinstance(state, CommandResult):
        return tuple(s.goal for s in state.sorries)
    return tuple(state)


def judge_tactic_step(
    before: TacticResult | CommandResult | Sequence[str], after: TacticResult
) -> StepJudgement:
    """Judge one tactic from the state before it and the REPL's answer (see `StepJudgement`)."""
    if after.error is not None or after.proof_state is None:
        return StepJudgement(False, False, "refused")
    if after.errors:
        return StepJudgement(False, False, "lean_error")
    if after.status == "error":
        return StepJudgement(False, False, "kernel_error")
    if after.sorries:
        return StepJudgement(False, False, "sorry")
    if after.complete:
        return StepJudgement(True, True, "complete")
    if not after.goals:
        return StepJudgement(False, False, "unfinished")
    if after.goals == goals_of(before):
        return StepJudgement(False, False, "no_change")
    return StepJudgement(True, False, "progress")
