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
import warnings
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, TaskFileError
from rlvr_gym.core.task import Task
from rlvr_gym.tasks.datasets import read_rows

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


class _Row:
    """One row being read, for errors that name the file, the row and the field."""

    def __init__(self, path: Path, number: int, data: Mapping[str, Any]) -> None:
        self.path, self.number, self.data = path, number, data

    def error(self, message: str, field: str | None = None) -> TaskFileError:
        return TaskFileError(message, path=str(self.path), row=self.number, field=field)

    def text(self, name: str, *, required: bool = True) -> str:
        value = self.data.get(name)
        if isinstance(value, str) and (value.strip() or not required):
            return value
        if value is None and not required:
            return ""
        raise self.error("must be a non-empty string", name)

    def id(self, *names: str) -> str:
        for name in names:
            if self.data.get(name) not in (None, ""):
                return str(self.data[name])
        return f"{self.path.stem}/{self.number}"


def _function_task(row: _Row, id: str, statement: str, entry_point: str, tests: Sequence[str],
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


def _stdio_task(row: _Row, id: str, statement: str, tests: Sequence[Mapping[str, str]],
                solution: str | None, fmt: str, *, difficulty: Mapping[str, Any] | None = None,
                metadata: Mapping[str, Any] | None = None) -> Task:
    return _checked(row, Task(
        id=id, family="code", prompt=code_prompt("stdio", statement),
        reference={"kind": "stdio", "entry_point": None, "tests": [dict(t) for t in tests],
                   "solution": solution},
        difficulty=difficulty or {},
        metadata={"source": row.path.name, "row": row.number, "format": fmt, **(metadata or {})},
    ))


def _checked(row: _Row, task: Task) -> Task:
    from rlvr_gym.verifiers.code.problem import CodeProblem

    try:
        CodeProblem.from_reference(task.reference)
    except ConfigurationError as exc:
        raise row.error(str(exc), "tests") from exc
    return task


def completion_prefix(prompt: str, entry_point: str) -> str | None:
    """The prompt as a completion prefix when it is code that defines `entry_point`."""
    from rlvr_gym.verifiers.code.problem import defines

    return prompt if defines(prompt + "\n    pass\n", entry_point) else None


def _public_task(row: _Row) -> Task:
    kind = row.data.get("kind")
    if kind not in ("function", "stdio"):
        raise row.error("must be 'function' or 'stdio'", "kind")
    tests = row.data.get("tests")
    if not isinstance(tests, list) or not tests:
        raise row.error("must be a non-empty list", "tests")
    prompt = row.text("prompt")
    solution = row.data.get("reference_solution")
    wrong = row.data.get("wrong_solutions") or []
    metadata = {
        "origin": row.data.get("source", ""),
        "wrong_solutions": list(wrong),
        "wrong_solution_pass_rates": list(row.data.get("wrong_solution_pass_rates") or []),
    }
    id = row.id("id", "task_id")
    if kind == "function":
        entry_point = row.text("entry_point")
        return _function_task(row, id, prompt, entry_point, tests, solution, "public",
                              prefix=completion_prefix(prompt, entry_point), metadata=metadata)
    tolerance = row.data.get("float_tolerance")
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


def _humaneval_task(row: _Row) -> Task:
    prompt = row.text("prompt")
    entry_point = row.text("entry_point")
    try:
        asserts, unused = check_asserts(row.text("test"), entry_point)
    except (SyntaxError, ValueError) as exc:
        raise row.error(f"cannot read the check function: {exc}", "test") from exc
    if unused or not asserts:
        raise row.error(
            "the check function holds statements other than single-line asserts (loops, "
            "helpers); such tests cannot be judged one assert at a time", "test")
    solution = prompt + row.text("canonical_solution", required=False)
    return _function_task(row, row.id("task_id", "id"), prompt, entry_point, asserts,
                          solution, "humaneval", prefix=prompt)


def _mbpp_task(row: _Row) -> Task:
    text = row.text("text")
    tests = [*(row.data.get("test_list") or []), *(row.data.get("challenge_test_list") or [])]
    if not tests or not all(isinstance(t, str) for t in tests):
        raise row.error("must be a non-empty list of assert strings", "test_list")
    entry_point = _called_function(tests[0])
    if entry_point is None:
        raise row.error("the first test calls no function", "test_list")
    setup = row.data.get("test_setup_code") or ""
    if setup.strip():
        raise row.error("tests that need setup code are not supported", "test_setup_code")
    statement = f"{text.strip()}\nYour code should pass this test:\n{tests[0]}"
    return _function_task(row, f"MBPP/{row.id('task_id', 'id')}", statement, entry_point,
                          tests, row.data.get("code"), "mbpp")


def _called_function(test: str) -> str | None:
    try:
        tree = ast.parse(test)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in (
            "abs", "set", "sorted", "list", "tuple", "round", "math", "len", "str", "int",
            "float", "isinstance", "all", "any",
        ):
            return node.func.id
    return None


def _json_field(row: _Row, name: str) -> Any:
    value = row.data.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else None
        except json.JSONDecodeError as exc:
            raise row.error(f"is not valid JSON ({exc.msg})", name) from exc
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _apps_task(row: _Row) -> Task:
    question = row.text("question")
    io = _json_field(row, "input_output")
    if not isinstance(io, Mapping) or not io.get("inputs") or \
            len(io.get("inputs", [])) != len(io.get("outputs", [])):
        raise row.error("must hold as many 'inputs' as 'outputs', at least one", "input_output")
    solutions = _json_field(row, "solutions") or []
    solution = solutions[0] if isinstance(solutions, list) and solutions else None
    id = f"APPS/{row.id('problem_id', 'id')}"
    difficulty = {"label": row.data["difficulty"]} if row.data.get("difficulty") else {}
    fn_name = io.get("fn_name")
    if fn_name:
        # APPS wraps a call-based expected value in a one-element list
        tests = []
        for args, out in zip(io["inputs"], io["outputs"], strict=True):
            expected = out[0] if isinstance(out, list) and len(out) == 1 else out
            arguments = ", ".join(repr(a) for a in (args if isinstance(args, list) else [args]))
            tests.append(f"assert {fn_name}({arguments}) == {expected!r}")
        starter = row.text("starter_code", required=False)
        statement = question + (f"\n\nStarter code:\n{starter}" if starter.strip() else "")
        return _function_task(row, id, statement, str(fn_name), tests, solution, "apps")
    tests_io = [{"input": _as_text(i), "output": _as_text(o)}
                for i, o in zip(io["inputs"], io["outputs"], strict=True)]
    return _stdio_task(row, id, question, tests_io, solution, "apps", difficulty=difficulty)


def _code_contests_task(row: _Row, test_sets: Sequence[str]) -> Task:
    description = row.text("description")
    tests: list[dict[str, str]] = []
    for name in test_sets:
        group = row.data.get(name) or {}
        if not isinstance(group, Mapping):
            raise row.error("must be an object with 'input' and 'output' lists", name)
        inputs, outputs = group.get("input") or [], group.get("output") or []
        if len(inputs) != len(outputs):
            raise row.error("must hold as many inputs as outputs", name)
        tests.extend({"input": str(i), "output": str(o)}
                     for i, o in zip(inputs, outputs, strict=True))
    if not tests:
        raise row.error(f"no tests in {', '.join(test_sets)}", test_sets[0])
    python3 = _python3_solutions(row.data.get("solutions"))
    wrong = _python3_solutions(row.data.get("incorrect_solutions"))
    difficulty = ({"level": row.data["difficulty"]}
                  if isinstance(row.data.get("difficulty"), int) else {})
    return _stdio_task(row, f"code_contests/{row.id('name', 'id')}", description, tests,
                       python3[0] if python3 else None, "code_contests", difficulty=difficulty,
                       metadata={"wrong_solutions": wrong[:5]})


def _python3_solutions(group: Any) -> list[str]:
    if not isinstance(group, Mapping):
        return []
    languages, solutions = group.get("language") or [], group.get("solution") or []
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
    if format not in FORMATS:
        raise ConfigurationError(f"format must be one of {FORMATS}, got {format!r}")
    path = Path(path)
    builders: dict[str, Callable[[_Row], Task]] = {
        "public": _public_task, "humaneval": _humaneval_task, "mbpp": _mbpp_task,
        "apps": _apps_task, "code_contests": lambda r: _code_contests_task(r, test_sets),
    }
    tasks: list[Task] = []
    skipped: list[str] = []
    for number, data in read_rows(path):
        row = _Row(path, number, data)
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
            skipped.append(row.id("id", "task_id", "name", "problem_id"))
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
