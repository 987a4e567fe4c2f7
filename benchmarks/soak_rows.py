"""The soak's input rows: a seeded, mixed stream of math, code, Lean and malformed rows.

Every row carries a unique ``id``, a ``label`` (``family/what``; not ``kind``, which code rows use
for ``function``/``stdio``) and an ``expect``: the
score it must get (1.0 or 0.0), or ``"error"`` for a row that cannot be scored. Lines that are
not JSON objects cannot carry fields, so `Round.line_ids` maps every input line number to its
id (the output row of such a line names it by ``row``).

Lean rows are answered by the recorded-transcript REPL (`write_lean_transcripts` writes, in the
REPL's exact format, the answer to every request the verifier sends for these rows) unless a
real Lean REPL is found.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

ATTACKS_DIR = Path(__file__).resolve().parent.parent / "tests" / "code" / "attacks"
Row = dict[str, Any]

# -- math -----------------------------------------------------------------------------------------

# Answers no sympy check can settle cheaply: each must score 0 (a guard refuses it, or the hard
# time limit of the check ends it, reason "timeout"), never hang a worker.
HOSTILE_MATH = [
    "\\boxed{9^{9^{9^{9}}}}",
    "\\boxed{(10^{10})!}",
    "\\boxed{2^{2^{2^{2^{2^{2^{2}}}}}}}",
    "\\boxed{10^{10^{10}}}",
    "\\boxed{99999!}",
    "\\boxed{(1+1/10^{100000})^{10^{100000}}}",
    "\\boxed{(x+1)^{100000} - (x+1)^{100000} + 8}",
    "\\boxed{" + "(" * 3000 + "7" + ")" * 3000 + "}",
    "\\boxed{" + "x*" * 2000 + "1}",
    "\\boxed{\\frac{1}{0}}",
]
MALFORMED_MATH = [
    "",
    "I am not sure.",
    "\\boxed{",
    "\\boxed{\\sqrt{\\sqrt{\\sqrt{",
    "\\boxed{1} or maybe \\boxed{2}",
    "\u0000\u202e\ufffd \\boxed{}",
    "The answer is " + "9" * 20000 + "...",
]

# -- code -----------------------------------------------------------------------------------------

ADD: Row = {
    "kind": "function", "entry_point": "add",
    "tests": ["assert add(1, 2) == 3", "assert add(-4, 10) == 6", "assert add(20, 22) == 42"],
}
SUM: Row = {
    "kind": "stdio", "entry_point": None,
    "tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "5 5\n", "output": "10\n"}],
}
# (attack file in tests/code/attacks, the task it is judged on): each must score 0.
HOSTILE_CODE: list[tuple[str, Row]] = [
    ("fork_bomb", ADD),
    ("memory_bomb", ADD),
    ("infinite_loop", ADD),
    ("sleeping_past_the_limit", ADD),
    ("stdout_flood", SUM),
    ("network_tcp_public", ADD),
    ("write_outside_work", ADD),
    ("leave_a_daemon", ADD),
    ("patches_the_harness", ADD),
]

# -- lean -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeanTheorem:
    """A core-Lean theorem with a proof, a body-only proof, a sorry proof and a proof of a
    weaker statement, plus the axioms its proof uses (for the recorded answers)."""

    name: str
    statement: str
    proof: str
    body: str
    weaker: str
    axioms: tuple[str, ...]

    @property
    def sorry(self) -> str:
        return f"{self.statement} by\n  sorry"


LEAN_THEOREMS = [
    LeanTheorem("add_zero'", "theorem add_zero' (n : Nat) : n + 0 = n :=",
                "theorem add_zero' (n : Nat) : n + 0 = n := by\n  simp", "by simp",
                "theorem add_zero' (n : Nat) : n + 0 = n + 0 := by\n  rfl", ("propext",)),
    LeanTheorem("and_swap'", "theorem and_swap' (p q : Prop) (h : p ∧ q) : q ∧ p :=",
                "theorem and_swap' (p q : Prop) (h : p ∧ q) : q ∧ p :=\n  ⟨h.2, h.1⟩",
                "⟨h.2, h.1⟩",
                "theorem and_swap' (p q : Prop) (h : p ∧ q) : p :=\n  h.1", ()),
    LeanTheorem("two_mul'", "theorem two_mul' (n : Nat) : 2 * n = n + n :=",
                "theorem two_mul' (n : Nat) : 2 * n = n + n := by\n  omega", "by omega",
                "theorem two_mul' (n : Nat) : 2 * 0 = 0 + 0 := by\n  rfl", ("propext",)),
]


def _info(line: int, text: str) -> dict[str, Any]:
    return {"severity": "info", "pos": {"line": line, "column": 0},
            "endPos": {"line": line, "column": 6}, "data": text}


def _axioms_message(name: str, axioms: tuple[str, ...]) -> str:
    if not axioms:
        return f"'{name}' does not depend on any axioms"
    return f"'{name}' depends on axioms: [{', '.join(axioms)}]"


def _lean_source(theorem: LeanTheorem, response: str) -> str:
    """The source the verifier sends for a response (a body is put under the statement)."""
    if f"theorem {theorem.name}" in response:
        return response
    return f"{theorem.statement.rstrip()} {response}"


def lean_exchanges() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(request, answer) for every Lean row the soak makes, in the REPL's exact format."""
    exchanges: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for thm in LEAN_THEOREMS:
        for response, axioms in ((thm.proof, thm.axioms), (thm.body, thm.axioms),
                                 (thm.weaker, ())):
            source = _lean_source(thm, response)
            line = source.count("\n") + 3
            exchanges.append(({"cmd": f"{source}\n\n#print axioms {thm.name}\n"},
                              {"messages": [_info(line, _axioms_message(thm.name, axioms))],
                               "env": 0}))
        source = thm.sorry
        line = source.count("\n") + 3
        exchanges.append(({"cmd": f"{source}\n\n#print axioms {thm.name}\n"}, {
            "sorries": [{"proofState": 0, "pos": {"line": 2, "column": 2},
                         "goal": "⊢ " + thm.statement.split(" : ", 1)[-1].rstrip(" :="),
                         "endPos": {"line": 2, "column": 7}}],
            "messages": [
                {"severity": "warning", "pos": {"line": 1, "column": 8},
                 "endPos": {"line": 1, "column": 8 + len(thm.name)},
                 "data": "declaration uses `sorry`"},
                _info(line, _axioms_message(thm.name, ("sorryAx",)))],
            "env": 0}))
    return exchanges


def write_lean_transcripts(directory: Path) -> Path:
    """Write the transcript folder the replay REPL answers the soak's Lean rows from."""
    directory.mkdir(parents=True, exist_ok=True)
    exchanges = lean_exchanges()
    (directory / "soak.in").write_text(
        "".join(json.dumps(req, ensure_ascii=False) + "\n\n" for req, _ in exchanges),
        encoding="utf-8")
    (directory / "soak.expected.out").write_text(
        "".join(json.dumps(ans, indent=1, ensure_ascii=False) + "\n\n" for _, ans in exchanges),
        encoding="utf-8")
    return directory


def plain(value: Any) -> Any:
    """A task's frozen data (read-only mappings, tuples) as plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


# -- the stream -----------------------------------------------------------------------------------


@dataclass
class Round:
    """One round's input: its lines (JSON text) and the id of each line (1-based)."""

    number: int
    lines: list[str] = field(default_factory=list)
    rows: dict[str, Row] = field(default_factory=dict)  # id -> row (with kind and expect)
    line_ids: dict[int, str] = field(default_factory=dict)

    def add(self, row: Row, text: str | None = None) -> None:
        self.lines.append(json.dumps(row, ensure_ascii=False) if text is None else text)
        self.rows[row["id"]] = row
        self.line_ids[len(self.lines)] = row["id"]

    def write(self, path: Path) -> None:
        path.write_text("".join(line + "\n" for line in self.lines), encoding="utf-8")


class RowStream:
    """Seeded rows in a fixed mix; `next_round(n)` makes the next round of `n` rows.

    `host_marker` and `host_canary` are host paths the hostile programs try to reach (see
    tests/code/attacks): the marker must never appear, the canary never change.
    """

    # (weight, family, maker name); the weights are percent of rows
    MIX: ClassVar[list[tuple[int, str, str]]] = [
        (20, "math", "math_right"), (12, "math", "math_wrong"),
        (5, "math", "math_malformed"), (6, "math", "math_hostile"),
        (15, "code", "code_right"), (10, "code", "code_wrong"),
        (4, "code", "code_hostile"), (2, "code", "code_no_code"),
        (4, "lean", "lean_right"), (3, "lean", "lean_sorry"),
        (3, "lean", "lean_wrong_statement"), (1, "lean", "lean_forbidden"),
        (15, "malformed", "malformed"),
    ]

    def __init__(self, seed: int, host_marker: Path, host_canary: Path) -> None:
        from rlvr_gym.tasks.code_datasets import load_public_code_tasks
        from rlvr_gym.tasks.generators import GENERATORS

        self.random = random.Random(seed)
        self.seed = seed
        self.generators = [GENERATORS[name] for name in sorted(GENERATORS)]
        self.public = load_public_code_tasks()
        self.functions = [t for t in self.public if t.reference["kind"] == "function"]
        self.stdio = [t for t in self.public if t.reference["kind"] == "stdio"]
        self.attacks = {
            name: (ATTACKS_DIR / f"{name}.py").read_text(encoding="utf-8")
            .replace("@@HOST_MARKER@@", str(host_marker))
            .replace("@@HOST_CANARY@@", str(host_canary))
            for name, _ in HOSTILE_CODE
        }
        self.rounds = 0
        self.counter = 0
        self._makers: dict[str, Callable[[Row], tuple[Row, str | None]]] = {
            name: getattr(self, f"_{name}") for _, _, name in self.MIX
        }

    def next_round(self, size: int) -> Round:
        self.rounds += 1
        batch = Round(self.rounds)
        weights = [w for w, _, _ in self.MIX]
        for _ in range(size):
            _, family, maker = self.random.choices(self.MIX, weights=weights)[0]
            self.counter += 1
            label = maker.replace("_", "/", 1) if family != "malformed" else "malformed"
            base: Row = {"id": f"r{self.rounds}-{self.counter}", "label": label, "expect": None}
            row, text = self._makers[maker](base)
            batch.add(row, text)
        return batch

    # -- math

    def _math_task(self) -> Any:
        generator = self.random.choice(self.generators)
        return generator.generate(self.random.randrange(10**6),
                                  self.random.randint(1, min(3, generator.max_level)))

    def _math_right(self, row: Row) -> tuple[Row, str | None]:
        task = self._math_task()
        answer = plain(task.reference["answer"])
        response = (str(task.reference["solution"]) if self.random.random() < 0.5
                    else f"So the answer is \\boxed{{{answer}}}.")
        return {**row, "family": "math", "answer": answer, "response": response,
                "expect": 1.0}, None

    def _math_wrong(self, row: Row) -> tuple[Row, str | None]:
        task = self._math_task()
        answer = plain(task.reference["answer"])
        return {**row, "family": "math", "answer": answer,
                "response": f"So the answer is \\boxed{{{answer} + 1}}.", "expect": 0.0}, None

    def _math_malformed(self, row: Row) -> tuple[Row, str | None]:
        task = self._math_task()
        return {**row, "family": "math", "answer": plain(task.reference["answer"]),
                "response": self.random.choice(MALFORMED_MATH), "expect": 0.0}, None

    def _math_hostile(self, row: Row) -> tuple[Row, str | None]:
        return {**row, "family": "math", "answer": "7",
                "response": self.random.choice(HOSTILE_MATH), "expect": 0.0}, None

    # -- code

    @staticmethod
    def _code_fields(reference: Any) -> Row:
        fields = {k: plain(reference[k]) for k in ("kind", "entry_point", "tests")}
        for optional in ("prefix", "float_tolerance"):
            if reference.get(optional) is not None:
                fields[optional] = plain(reference[optional])
        return fields

    def _code_task(self) -> Any:
        # stdio problems run once per test (about a hundred each): one row in ten
        pool = self.stdio if self.random.random() < 0.1 else self.functions
        return self.random.choice(pool)

    def _code_right(self, row: Row) -> tuple[Row, str | None]:
        task = self._code_task()
        program = str(task.reference["solution"])
        return {**row, "family": "code", **self._code_fields(task.reference), "problem": task.id,
                "response": f"```python\n{program}\n```", "expect": 1.0}, None

    def _code_wrong(self, row: Row) -> tuple[Row, str | None]:
        task = self._code_task()
        program = str(self.random.choice(list(task.metadata["wrong_solutions"])))
        return {**row, "family": "code", **self._code_fields(task.reference), "problem": task.id,
                "response": f"```python\n{program}\n```", "expect": 0.0}, None

    def _code_hostile(self, row: Row) -> tuple[Row, str | None]:
        name, task = self.random.choice(HOSTILE_CODE)
        return {**row, "family": "code", **task, "attack": name,
                "response": f"```python\n{self.attacks[name]}\n```", "expect": 0.0}, None

    def _code_no_code(self, row: Row) -> tuple[Row, str | None]:
        return {**row, "family": "code", **ADD,
                "response": "I would add the two numbers.", "expect": 0.0}, None

    # -- lean

    def _lean(self, row: Row, response: str, expect: float, theorem: LeanTheorem | None = None
              ) -> tuple[Row, str | None]:
        thm = theorem or self.random.choice(LEAN_THEOREMS)
        return {**row, "family": "lean", "theorem": thm.statement, "header": "",
                "response": response, "expect": expect}, None

    def _lean_right(self, row: Row) -> tuple[Row, str | None]:
        thm = self.random.choice(LEAN_THEOREMS)
        response = (f"```lean\n{thm.proof}\n```" if self.random.random() < 0.7 else thm.body)
        return self._lean(row, response, 1.0, thm)

    def _lean_sorry(self, row: Row) -> tuple[Row, str | None]:
        thm = self.random.choice(LEAN_THEOREMS)
        return self._lean(row, f"```lean\n{thm.sorry}\n```", 0.0, thm)

    def _lean_wrong_statement(self, row: Row) -> tuple[Row, str | None]:
        thm = self.random.choice(LEAN_THEOREMS)
        return self._lean(row, thm.weaker, 0.0, thm)

    def _lean_forbidden(self, row: Row) -> tuple[Row, str | None]:
        thm = self.random.choice(LEAN_THEOREMS)
        return self._lean(row, f"axiom cheat : False\n{thm.statement} cheat.elim", 0.0, thm)

    # -- malformed rows: each must come back with an `error`

    def _malformed(self, row: Row) -> tuple[Row, str | None]:
        row = {**row, "expect": "error"}
        rid = row["id"]
        choice = self.random.randrange(12)
        if choice == 0:
            return {**row, "what": "no family", "answer": "1", "response": "\\boxed{1}"}, None
        if choice == 1:
            return {**row, "what": "unknown family", "family": "chemistry",
                    "response": "H2O"}, None
        if choice == 2:
            return {**row, "what": "math without answer", "family": "math",
                    "response": "\\boxed{1}"}, None
        if choice == 3:
            return {**row, "what": "math response not text", "family": "math", "answer": "1",
                    "response": 42}, None
        if choice == 4:
            return {**row, "what": "math answer a list", "family": "math", "answer": [1, 2],
                    "response": "\\boxed{1}"}, None
        if choice == 5:
            return {**row, "what": "code tests not a list", "family": "code",
                    "kind": "function", "entry_point": "add", "tests": "assert add(1, 2) == 3",
                    "response": "def add(a, b):\n    return a + b"}, None
        if choice == 6:
            return {**row, "what": "code unknown kind", "family": "code", "kind": "binary",
                    "entry_point": "add", "tests": ADD["tests"],
                    "response": "def add(a, b):\n    return a + b"}, None
        if choice == 7:
            return {**row, "what": "lean without theorem", "family": "lean",
                    "response": "by simp"}, None
        if choice == 8:
            return {**row, "what": "lean unnamed statement", "family": "lean",
                    "theorem": "example : 1 = 1 :=", "response": "by rfl"}, None
        if choice == 9:  # not JSON: cut in the middle of a value
            return {**row, "what": "not JSON"}, (
                f'{{"id": "{rid}", "family": "math", "answer": "1", "response": "\\\\boxed{{1')
        if choice == 10:
            return {**row, "what": "a JSON array"}, json.dumps(["id", rid, "family", "math"])
        return {**row, "what": "a JSON string"}, json.dumps(f"{rid}: just a string")
