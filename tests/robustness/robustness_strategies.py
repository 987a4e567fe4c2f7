"""Hypothesis strategies of bad input, shared by the robustness tests, and the checks they share.

The valid rows below are one per supported file format; the tests corrupt one row of a file made
of them (drop a field, give it a value of the wrong type) and check what the loader says.
"""

from __future__ import annotations

import contextlib
import json
import math
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import strategies as st

from rlvr_gym.core.errors import TaskFileError

# --- text ---------------------------------------------------------------------------------

SPECIAL_STRINGS = (
    "", " ", "\n", "\t\r\n", "\x00", "a\x00b", "\ud800", "x\udfffy", "\u202e", "\ufeff",
    "\u2028", "NaN", "Infinity", "-0", "1e309", "9" * 5000, "null", "[]", "{}", "\\",
    "\\boxed{", "\\boxed{}", "}}}{{{", "\\boxed{\\boxed{\\boxed{1}}}", "$$", "\\frac{1}{0}",
    "10^{10^{10}}", "x" * 100_000, " " * 50_000 + "x", "(" * 5000, "\\left(" * 300,
    "```python\n```", "theorem", "#### ", "assert f(1) == 2",
)

any_character = st.characters(exclude_categories=())  # every code point, surrogates included
any_text = st.one_of(
    st.text(any_character, max_size=60),
    st.sampled_from(SPECIAL_STRINGS),
)
valid_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)

# --- JSON-like values ---------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
)
junk_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=8), inner, max_size=3),
    ),
    max_leaves=6,
)
non_strings = junk_values.filter(lambda v: not isinstance(v, str))
numbers = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
)
bad_numbers = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, -1, -1.5, 0, True, False, None, "1", [1],
                     {"a": 1}, b"1", object()]),
    st.floats(max_value=-1e-9),
    st.integers(max_value=-1),
)

# --- non-string actions -------------------------------------------------------------------

non_string_actions = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.binary(max_size=40),
    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                max_size=2),
    st.just(object()),
)

# --- math responses -----------------------------------------------------------------------

LATEX_PIECES = (
    "\\boxed{", "}", "{", "\\frac{", "\\sqrt", "^", "_", "\\left(", "\\right)", "\\pi", "x",
    "1", "-", "+", "=", "\\infty", "\\text{", "$", "\\\\", "\\begin{pmatrix}", "&",
    "\\end{pmatrix}", ",", "The answer is ", "\n", "\\dfrac", "10^{10^{", "e^{", "\\cdot",
    "\\{", "\\}", "\\boxed{\\boxed{", "\\fbox{", "%", "\\%", "0.", "9" * 30,
)
latex_garbage = st.lists(st.sampled_from(LATEX_PIECES), max_size=25).map("".join)
math_responses = st.one_of(any_text, latex_garbage,
                           st.tuples(any_text, latex_garbage).map("".join))

# --- rows of every file format ------------------------------------------------------------

MATH_ROWS: dict[str, dict[str, Any]] = {
    "gsm8k": {"question": "Tom has 3 apples and buys 4. How many now?",
              "answer": "3 + 4 = 7\n#### 7"},
    "math": {"problem": "What is $2+3$?", "solution": "$2+3=\\boxed{5}$.", "level": "Level 1",
             "type": "Algebra"},
    "plain": {"id": "q", "prompt": "What is 6 times 7?", "answer": "42", "solution": "6*7=42",
              "level": 2, "metadata": {"topic": "times"}},
}
MATH_REQUIRED = {"gsm8k": ("question", "answer"), "math": ("problem", "solution"),
                 "plain": ("prompt", "answer")}

CODE_ROWS: dict[str, dict[str, Any]] = {
    "public": {"id": "add", "kind": "function", "entry_point": "add",
               "prompt": "def add(a, b):\n    \"\"\"Add.\"\"\"\n",
               "tests": ["assert add(1, 2) == 3"], "reference_solution": "def add(a, b):\n"
               "    return a + b\n", "wrong_solutions": ["def add(a, b):\n    return a\n"],
               "wrong_solution_pass_rates": [0.0], "source": "made up"},
    "public_stdio": {"id": "echo", "kind": "stdio", "prompt": "Echo the input.",
                     "tests": [{"input": "a\n", "output": "a\n"}], "float_tolerance": 0.5},
    "humaneval": {"task_id": "HumanEval/0", "entry_point": "add",
                  "prompt": "def add(x, y):\n    \"\"\"Add.\"\"\"\n",
                  "canonical_solution": "    return x + y\n",
                  "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n"},
    "mbpp": {"task_id": 2, "text": "Write add.", "code": "def add(a, b):\n    return a + b",
             "test_list": ["assert add(1, 2) == 3"], "challenge_test_list": [],
             "test_setup_code": ""},
    "apps": {"problem_id": 7, "question": "Print a+b.", "difficulty": "introductory",
             "input_output": json.dumps({"inputs": ["1 2\n"], "outputs": ["3\n"]}),
             "solutions": json.dumps(["print(sum(map(int, input().split())))"]),
             "starter_code": ""},
    "apps_call": {"problem_id": 8, "question": "Return a+b.",
                  "input_output": json.dumps({"fn_name": "add", "inputs": [[1, 2]],
                                              "outputs": [[3]]}), "solutions": "[]"},
    "code_contests": {"name": "1000_A", "description": "Echo.", "difficulty": 7,
                      "public_tests": {"input": ["a\n"], "output": ["a\n"]},
                      "solutions": {"language": [3], "solution": ["print(input())"]}},
}
CODE_REQUIRED = {
    "public": ("kind", "tests", "prompt", "entry_point"),
    "public_stdio": ("kind", "tests", "prompt"),
    "humaneval": ("prompt", "entry_point", "test"), "mbpp": ("text", "test_list"),
    "apps": ("question", "input_output"), "apps_call": ("question", "input_output"),
    "code_contests": ("description", "public_tests"),
}
CODE_FORMAT_NAME = {"public_stdio": "public", "apps_call": "apps"}

LEAN_ROWS: dict[str, dict[str, Any]] = {
    "minif2f": {"name": "t_add", "split": "valid", "informal_prefix": "/-- Add zero. -/\n",
                "formal_statement": "theorem t_add (n : Nat) : n + 0 = n := by sorry",
                "header": "", "proof": "by simp"},
    "workbook": {"id": "wb_1", "formal_statement": "theorem wb_1 : 1 + 1 = 2 := by",
                 "natural_language_statement": "One and one make two.", "proof": ["by rfl"],
                 "status": "proved"},
    "plain": {"id": "p_1", "theorem": "theorem p_1 : True :=", "header": "",
              "solution": "trivial", "informal": "True holds."},
}
LEAN_REQUIRED = {"minif2f": ("formal_statement",), "workbook": ("formal_statement",),
                 "plain": ("theorem",)}


def rows_with_ids(template: Mapping[str, Any], count: int) -> list[dict[str, Any]]:
    """`count` copies of a valid row whose ids differ (Lean files refuse repeated ids)."""
    rows = []
    for i in range(count):
        row = dict(template)
        for key in ("id", "name"):
            if isinstance(row.get(key), str):
                row[key] = f"{row[key]}_{i}"
        rows.append(row)
    return rows


def write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    """Write rows as JSON lines (NaN and surrogate escapes allowed: they are bad input too)."""
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


file_bytes = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([
        b"", b"\n\n", b"\xef\xbb\xbf", b"null\n", b"[]\n", b'"text"\n', b"42\n", b"true\n",
        b"{", b'{"prompt": "a", "answer": "1"', b"[" * 50_000, b'{"a": ' + b"9" * 5000 + b"}",
        b"\xff\xfe\x00", b'{"prompt": "\xc3\x28", "answer": "1"}\n', b"\x00" * 100,
        b'{"prompt": "\\ud800", "answer": "1"}\n', b'{"x": 1}\r\n{"y": 2}\r\n',
    ]),
    st.lists(st.sampled_from([b"{", b"}", b"[", b"]", b'"', b":", b",", b"\n", b"1", b"null",
                              b'"prompt"', b'"answer"', b"\\u", b"\xe2\x82"]),
             max_size=40).map(b"".join),
)

# --- shared checks ------------------------------------------------------------------------

_SCRATCH = tempfile.TemporaryDirectory(prefix="rlvr-robust-")  # removed when the run ends


def scratch_dir() -> Path:
    """A fresh empty folder for one example (all of them go when the test run ends)."""
    return Path(tempfile.mkdtemp(dir=_SCRATCH.name))



@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail when the block takes longer than `seconds` (a hang shows up as a slow example)."""
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s, more than {seconds} s"


T = TypeVar("T")
LEAKS = (AttributeError, TypeError, KeyError, IndexError)


def attempt(
    call: Callable[[], T], *errors: type[BaseException]
) -> tuple[T | None, BaseException | None]:
    """``(result, None)`` when `call` returns, ``(None, error)`` when it raises one of `errors`;
    an AttributeError, TypeError, KeyError or IndexError from inside fails the test."""
    try:
        return call(), None
    except errors as exc:
        return None, exc
    except LEAKS as exc:
        raise AssertionError(f"{type(exc).__name__} leaked out: {exc}") from exc


def load_or_task_file_error(
    load: Callable[[Path], Sequence[object]], path: Path
) -> TaskFileError | None:
    """Run a loader on `path`: it loads (None) or raises a TaskFileError that names the path
    (returned); any other exception fails the test."""
    with within(10):
        tasks, error = attempt(lambda: load(path), TaskFileError)
    if error is None:
        assert tasks, "a loader returned no tasks without saying why"
        return None
    assert isinstance(error, TaskFileError)
    assert error.path == str(path), error
    assert str(path) in str(error)
    assert error.row is None or error.row >= 1
    assert str(error).strip()
    return error
