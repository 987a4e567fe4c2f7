"""Loaders that turn local code dataset files into code `Task`s.

Files are JSONL or Parquet (read by `rlvr_gym.tasks.datasets.read_rows`); the format is detected
from a row's fields:

- ``public`` (ours, ``data/code_public.jsonl``): ``kind``, ``entry_point``, ``prompt``, ``tests``
  (assert lines or ``{"input", "output"}`` pairs), ``reference_solution``, ``wrong_solutions``;
- ``humaneval``: ``prompt``, ``entry_point``, ``test`` (a ``check(candidate)`` function whose
  single-line asserts become the tests), ``canonical_solution`` (appended to the prompt);
- ``mbpp``: ``text``, ``test_list`` (+ ``challenge_test_list``), ``code``; the entry point is the
  function the asserts call;
- ``apps``: ``question``, ``input_output`` (JSON with ``inputs``/``outputs``, and ``fn_name`` for
  call-based problems), ``solutions``;
- ``code_contests``: ``description`` and ``public_tests``/``private_tests``/``generated_tests``
  (each ``{"input": [...], "output": [...]}``), ``solutions`` (Python 3 ones are used).

A problem whose tests cannot be judged (a HumanEval ``check`` with loops, an APPS problem without
tests) raises `TaskFileError` naming the row, or with ``skip_unsupported=True`` is left out with a
warning that lists the ids.
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, TaskFileError
from rlvr_gym.core.task import Task
from rlvr_gym.tasks.datasets import (
    DataRow,
    check_limit,
    check_row_text,
    dataset_path,
    describe,
    read_rows,
)

FORMATS = ("auto", "public", "humaneval", "mbpp", "apps", "code_contests")
PUBLIC_DATASET = "code_public.jsonl"
CODE_CONTESTS_PYTHON3 = 3  # the `Language` enum of deepmind/code_contests
CODE_CONTESTS_TEST_SETS = ("public_tests", "private_tests", "generated_tests")

FUNCTION_INSTRUCTIONS = (
    "Write a Python function `{entry_point}` that solves the problem below. Answer with the "
    "complete code (imports and any helpers included) in one ```python block."
)
STDIO_INSTRUCTIONS = (
    "Write a Python 3 program that solves the problem below. It reads the input from standard "
    "input and writes the answer to standard output. Answer with the complete program in one "
    "```python block."
)


def bundled_public_path() -> Path:
    """The 38 public problems shipped with the package (``rlvr/CodePublic-v0``)."""
    return Path(str(resources.files("rlvr_gym") / "data" / PUBLIC_DATASET))


def code_prompt(kind: str, statement: str, entry_point: str | None = None) -> str:
    """The prompt a policy sees: what to write and how to answer, then the problem."""
    head = (FUNCTION_INSTRUCTIONS.format(entry_point=entry_point) if kind == "function"
            else STDIO_INSTRUCTIONS)
    return f"{head}\n\n{statement.strip()}\n"


def detect_code_format(row: Mapping[str, Any]) -> str:
    """Name the row format from its fields (see the module docstring)."""
    if "kind" in row and "tests" in row:
        return "public"
    if "entry_point" in row and "test" in row and "prompt" in row:
        return "humaneval"
    if "test_list" in row:
        return "mbpp"
    if "input_output" in row:
        return "apps"
    if "description" in row and any(k in row for k in CODE_CONTESTS_TEST_SETS):
        return "code_contests"
    raise ConfigurationError(
        f"cannot tell the code dataset format from the fields {sorted(row)[:12]}; expected "
        "kind/tests (public), prompt/entry_point/test (HumanEval), text/test_list (MBPP), "
        "question/input_output (APPS) or description/public_tests (CodeContests)"
    )


def _function_task(row: DataRow, id: str, statement: str, entry_point: str, tests: Sequence[str],
                   solution: str | None, fmt: str, *, prefix: str | None = None,
                   metadata: Mapping[str, Any] | None = None) -> Task:
    reference: dict[str, Any] = {"kind": "function", "entry_point": entry_point,
                                 "tests": list(tests), "solution": solution}
    if prefix is not None:
        reference["prefix"] = prefix
    return _checked(row, Task(
        id=id, family="code", prompt=code_prompt("function", statement, entry_point),
        reference=reference,
        metadata={"source": row.path.name, "row": row.number, "format": fmt, **(metadata or {})},
    ))


def _stdio_task(row: DataRow, id: str, statement: str, tests: Sequence[Mapping[str, str]],
                solution: str | None, fmt: str, *, difficulty: Mapping[str, Any] | None = None,
                metadata: Mapping[str, Any] | None = None) -> Task:
    for number, test in enumerate(tests, start=1):
        if not isinstance(test, Mapping):
            raise row.error(f"stdio test {number} must be an object with string 'input' and "
                            f"'output', got {describe(test)}", "tests")
    return _checked(row, Task(
        id=id, family="code", prompt=code_prompt("stdio", statement),
        reference={"kind": "stdio", "entry_point": None, "tests": [dict(t) for t in tests],
                   "solution": solution},
        difficulty=difficulty or {},
        metadata={"source": row.path.name, "row": row.number, "format": fmt, **(metadata or {})},
    ))


_FIELD_IN_MESSAGE = re.compile(r"^field '(\w+)'")


def _checked(row: DataRow, task: Task) -> Task:
    from rlvr_gym.verifiers.code.problem import CodeProblem

    try:
        CodeProblem.from_reference(task.reference)
    except ConfigurationError as exc:
        named = _FIELD_IN_MESSAGE.match(str(exc))
        raise row.error(str(exc), named.group(1) if named else "tests") from exc
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise row.error(f"a test cannot be read ({type(exc).__name__}: {exc})"[:300],
                        "tests") from exc
    return task


def completion_prefix(prompt: str, entry_point: str) -> str | None:
    """The prompt as a completion prefix when it is code that defines `entry_point`."""
    from rlvr_gym.verifiers.code.problem import defines

    return prompt if defines(prompt + "\n    pass\n", entry_point) else None


def _public_task(row: DataRow) -> Task:
    kind = row.data.get("kind")
    if kind not in ("function", "stdio"):
        raise row.error(f"must be 'function' or 'stdio', got {describe(kind)}", "kind")
    tests = row.data.get("tests")
    if not isinstance(tests, list) or not tests:
        raise row.error(f"must be a non-empty list, got {describe(tests)}", "tests")
    prompt = row.text("prompt")
    solution = row.optional_text("reference_solution")
    rates = row.data.get("wrong_solution_pass_rates")
    if rates is not None and (not isinstance(rates, list) or not all(
        isinstance(r, (int, float)) and not isinstance(r, bool) and math.isfinite(r)
        for r in rates
    )):
        raise row.error(f"must be a list of numbers, got {describe(rates)}",
                        "wrong_solution_pass_rates")
    origin = row.data.get("source", "")
    metadata = {
        "origin": origin if isinstance(origin, str) else str(origin),
        "wrong_solutions": row.strings("wrong_solutions"),
        "wrong_solution_pass_rates": list(rates or []),
    }
    id = row.id("id", "task_id")
    if kind == "function":
        entry_point = row.text("entry_point")
        if not entry_point.isidentifier():
            raise row.error(f"must name a Python function, got {describe(entry_point)}",
                            "entry_point")
        return _function_task(row, id, prompt, entry_point, tests, solution, "public",
                              prefix=completion_prefix(prompt, entry_point), metadata=metadata)
    tolerance = row.data.get("float_tolerance")
    if tolerance is not None and (
        isinstance(tolerance, bool) or not isinstance(tolerance, (int, float))
        or not math.isfinite(tolerance) or tolerance < 0
    ):
        raise row.error(f"must be a non-negative number, got {describe(tolerance)}",
                        "float_tolerance")
    task = _stdio_task(row, id, prompt, tests, solution, "public", metadata=metadata)
    if tolerance is None:
        return task
    reference = {**task.to_dict()["reference"], "float_tolerance": tolerance}
    return _checked(row, Task.from_dict({**task.to_dict(), "reference": reference}))


def check_asserts(test_source: str, entry_point: str = "candidate") -> tuple[list[str], int]:
    """The single-line asserts inside HumanEval's ``def check(candidate)`` and how many
    statements of its body could not be used (loops, helpers, asserts that test nothing)."""
    tree = ast.parse(test_source)
    checks = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "check"]
    if not checks:
        raise ValueError("no `def check(candidate)` in the test code")
    asserts: list[str] = []
    unused = 0
    names = {entry_point, "candidate"}
    for node in checks[0].body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        calls_candidate = any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))
        if isinstance(node, ast.Assert) and calls_candidate:
            asserts.append(ast.unparse(ast.Assert(test=node.test, msg=None)))
        elif isinstance(node, ast.Assert) and not calls_candidate:
            continue  # `assert True, "..."`: checks nothing about the candidate
        else:
            unused += 1
    return asserts, unused


def _humaneval_task(row: DataRow) -> Task:
    prompt = row.text("prompt")
    entry_point = row.text("entry_point")
    if not entry_point.isidentifier():
        raise row.error(f"must name a Python function, got {describe(entry_point)}",
                        "entry_point")
    test = row.text("test")
    try:
        asserts, unused = check_asserts(test, entry_point)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise row.error(f"cannot read the check function: {exc}"[:300], "test") from exc
    if unused or not asserts:
        raise row.error(
            "the check function holds statements other than single-line asserts (loops, "
            "helpers); such tests cannot be judged one assert at a time", "test")
    solution = prompt + row.text("canonical_solution", required=False)
    return _function_task(row, row.id("task_id", "id"), prompt, entry_point, asserts,
                          solution, "humaneval", prefix=prompt)


def _mbpp_task(row: DataRow) -> Task:
    from rlvr_gym.verifiers.code.asserts import TestFormatError, parse_assert

    text = row.text("text")
    lists = {name: row.strings(name) for name in ("test_list", "challenge_test_list")}
    tests = [test for listed in lists.values() for test in listed]
    if not tests:
        raise row.error("must be a non-empty list of assert strings", "test_list")
    entry_point = _called_function(tests[0])
    if entry_point is None:
        raise row.error("the first test calls no function", "test_list")
    for name, listed in lists.items():  # a bad assert names the list it came from
        for test in listed:
            try:
                parse_assert(test, entry_point)
            except TestFormatError as exc:
                raise row.error(str(exc), name) from exc
            except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
                raise row.error(f"a test cannot be read ({type(exc).__name__})", name) from exc
    setup = row.optional_text("test_setup_code") or ""
    if setup.strip():
        raise row.error("tests that need setup code are not supported", "test_setup_code")
    statement = f"{text.strip()}\nYour code should pass this test:\n{tests[0]}"
    return _function_task(row, f"MBPP/{row.id('task_id', 'id')}", statement, entry_point,
                          tests, row.optional_text("code"), "mbpp")


def _called_function(test: str) -> str | None:
    try:
        tree = ast.parse(test)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in (
            "abs", "set", "sorted", "list", "tuple", "round", "math", "len", "str", "int",
            "float", "isinstance", "all", "any",
        ):
            return node.func.id
    return None


def _json_field(row: DataRow, name: str) -> Any:
    value = row.data.get(name)
    if isinstance(value, str):
        try:
            parsed = json.loads(value) if value.strip() else None
        except json.JSONDecodeError as exc:
            raise row.error(f"is not valid JSON ({exc.msg})", name) from exc
        except (ValueError, RecursionError) as exc:
            raise row.error(f"is not readable JSON ({exc})"[:300], name) from exc
        check_row_text({name: parsed}, str(row.path), row.number)
        return parsed
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _apps_task(row: DataRow) -> Task:
    question = row.text("question")
    io = _json_field(row, "input_output")
    inputs = io.get("inputs") if isinstance(io, Mapping) else None
    outputs = io.get("outputs") if isinstance(io, Mapping) else None
    if not isinstance(inputs, list) or not isinstance(outputs, list) or not inputs or \
            len(inputs) != len(outputs):
        raise row.error("must hold as many 'inputs' as 'outputs' (lists), at least one",
                        "input_output")
    assert isinstance(io, Mapping)
    solutions = _json_field(row, "solutions") or []
    solution = solutions[0] if isinstance(solutions, list) and solutions else None
    if solution is not None and not isinstance(solution, str):
        raise row.error(f"must be a list of programs (strings), got {describe(solutions)}",
                        "solutions")
    id = f"APPS/{row.id('problem_id', 'id')}"
    label = row.data.get("difficulty")
    difficulty = {"label": label if isinstance(label, (str, int, float)) else str(label)} \
        if label else {}
    fn_name = io.get("fn_name")
    if fn_name:
        if not isinstance(fn_name, str) or not fn_name.isidentifier():
            raise row.error(f"'fn_name' must name a Python function, got {describe(fn_name)}",
                            "input_output")
        # APPS wraps a call-based expected value in a one-element list
        tests = []
        try:
            for args, out in zip(inputs, outputs, strict=True):
                expected = out[0] if isinstance(out, list) and len(out) == 1 else out
                arguments = ", ".join(repr(a) for a in (args if isinstance(args, list) else [args]))
                tests.append(f"assert {fn_name}({arguments}) == {expected!r}")
        except (ValueError, RecursionError) as exc:  # a value too large or deep to write
            raise row.error(f"a test value cannot be written ({exc})"[:300],
                            "input_output") from exc
        starter = row.text("starter_code", required=False)
        statement = question + (f"\n\nStarter code:\n{starter}" if starter.strip() else "")
        return _function_task(row, id, statement, fn_name, tests, solution, "apps")
    try:
        tests_io = [{"input": _as_text(i), "output": _as_text(o)}
                    for i, o in zip(inputs, outputs, strict=True)]
    except (ValueError, RecursionError) as exc:
        raise row.error(f"a test value cannot be written ({exc})"[:300], "input_output") from exc
    return _stdio_task(row, id, question, tests_io, solution, "apps", difficulty=difficulty)


def _code_contests_task(row: DataRow, test_sets: Sequence[str]) -> Task:
    description = row.text("description")
    tests: list[dict[str, str]] = []
    for name in test_sets:
        group = row.data.get(name) or {}
        if not isinstance(group, Mapping):
            raise row.error("must be an object with 'input' and 'output' lists", name)
        inputs, outputs = group.get("input") or [], group.get("output") or []
        if not isinstance(inputs, list) or not isinstance(outputs, list) or \
                not all(isinstance(t, str) for t in [*inputs, *outputs]):
            raise row.error("'input' and 'output' must be lists of strings", name)
        if len(inputs) != len(outputs):
            raise row.error("must hold as many inputs as outputs", name)
        tests.extend({"input": i, "output": o} for i, o in zip(inputs, outputs, strict=True))
    if not tests:
        raise row.error(f"no tests in {', '.join(test_sets)}", test_sets[0])
    python3 = _python3_solutions(row.data.get("solutions"))
    wrong = _python3_solutions(row.data.get("incorrect_solutions"))
    level = row.data.get("difficulty")
    difficulty = ({"level": level}
                  if isinstance(level, int) and not isinstance(level, bool) else {})
    return _stdio_task(row, f"code_contests/{row.id('name', 'id')}", description, tests,
                       python3[0] if python3 else None, "code_contests", difficulty=difficulty,
                       metadata={"wrong_solutions": wrong[:5]})


def _python3_solutions(group: Any) -> list[str]:
    if not isinstance(group, Mapping):
        return []
    languages, solutions = group.get("language") or [], group.get("solution") or []
    if not isinstance(languages, list) or not isinstance(solutions, list):
        return []
    return [s for lang, s in zip(languages, solutions, strict=False)
            if lang == CODE_CONTESTS_PYTHON3 and isinstance(s, str)]


def load_code_tasks(
    path: str | Path,
    *,
    format: str = "auto",
    limit: int | None = None,
    skip_unsupported: bool = False,
    test_sets: Sequence[str] = CODE_CONTESTS_TEST_SETS,
) -> list[Task]:
    """Load a local JSONL or Parquet file of code problems into Tasks (see module docstring).

    `test_sets` chooses the CodeContests test groups. With `skip_unsupported`, rows whose tests
    cannot be judged are left out (a warning lists them) instead of raising.
    """
    if not isinstance(format, str) or format not in FORMATS:
        raise ConfigurationError(f"format must be one of {FORMATS}, got {format!r:.80}")
    limit = check_limit(limit)
    if isinstance(test_sets, str) or not isinstance(test_sets, Sequence) or not test_sets or \
            any(t not in CODE_CONTESTS_TEST_SETS for t in test_sets):
        raise ConfigurationError(
            f"test_sets must be a non-empty list from {CODE_CONTESTS_TEST_SETS}, "
            f"got {test_sets!r:.80}"
        )
    path = dataset_path(path)
    builders: dict[str, Callable[[DataRow], Task]] = {
        "public": _public_task, "humaneval": _humaneval_task, "mbpp": _mbpp_task,
        "apps": _apps_task, "code_contests": lambda r: _code_contests_task(r, test_sets),
    }
    tasks: list[Task] = []
    skipped: list[str] = []
    for number, data in read_rows(path):
        row = DataRow(path, number, data)
        fmt = format
        if fmt == "auto":
            try:
                fmt = detect_code_format(data)
            except ConfigurationError as exc:
                raise row.error(str(exc)) from exc
        try:
            tasks.append(builders[fmt](row))
        except TaskFileError:
            if not skip_unsupported:
                raise
            try:
                skipped.append(row.id("id", "task_id", "name", "problem_id"))
            except TaskFileError:
                skipped.append(f"{path.stem}/{number}")
        if limit is not None and len(tasks) >= limit:
            break
    if skipped:
        warnings.warn(f"{path}: left out {len(skipped)} problem(s) whose tests cannot be judged: "
                      f"{', '.join(skipped[:10])}", RuntimeWarning, stacklevel=2)
    if not tasks:
        raise TaskFileError("the file holds no usable rows", path=str(path))
    return tasks


def load_public_code_tasks(kind: str | None = None) -> list[Task]:
    """The bundled public problems; only those of `kind` (``function``/``stdio``) when given."""
    tasks = load_code_tasks(bundled_public_path(), format="public")
    return [t for t in tasks if kind is None or t.reference["kind"] == kind]
