"""`CodeVerifier`: run a program in a sandbox, judge every test on the host.

Function problems run once: the call harness executes the program and each test's call, and
writes the returned values as plain data; the host substitutes them into the asserts. Stdio
problems run once per test; the host compares output tokens. In both, the sandbox never holds
an expected value and its exit status decides nothing. Each test is one process step; the
outcome is 1 only when every test passes. A sandbox failure (``ExecResult.infra_error``) makes
the verdict an infrastructure failure, never a 0 for the policy.
"""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, InfrastructureError, RlvrError
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import StepScore, Verdict
from rlvr_gym.sandboxes.base import ExecResult, Limits, Sandbox, SandboxFile
from rlvr_gym.verifiers.code.asserts import FunctionTest
from rlvr_gym.verifiers.code.call_harness import RESULTS_FILE
from rlvr_gym.verifiers.code.extract import extract_code
from rlvr_gym.verifiers.code.plain import NotPlainData, decode
from rlvr_gym.verifiers.code.problem import CodeProblem, StdioTest
from rlvr_gym.verifiers.code.stdio import compare_tokens

MAX_CODE_CHARS = 200_000
_CLIP = 600
_HARNESS_SOURCE = (resources.files(__package__) / "call_harness.py").read_bytes()
_DEFAULT_SANDBOX: Sandbox | None = None
_DEFAULT_LOCK = threading.Lock()


def default_code_sandbox() -> Sandbox:
    """The process-wide Docker sandbox pool, started on first use (the pool closes at exit).

    A missing runner image raises `ImageMissingError` (build it with ``rlvr sandbox build``);
    an engine that cannot be reached raises `InfrastructureError`.
    """
    global _DEFAULT_SANDBOX
    with _DEFAULT_LOCK:
        if _DEFAULT_SANDBOX is None:
            from rlvr_gym.sandboxes.pool import DockerSandboxPool

            try:
                _DEFAULT_SANDBOX = DockerSandboxPool()
            except RlvrError:
                raise
            except Exception as exc:  # the docker SDK raises many types when the engine is down
                raise InfrastructureError(
                    f"cannot start the Docker sandbox pool ({exc}); check that Docker runs"
                ) from exc
        return _DEFAULT_SANDBOX


def set_default_code_sandbox(sandbox: Sandbox | None) -> Sandbox | None:
    """Make `sandbox` the process-wide default (None: start the Docker pool on next use).

    Returns the previous default. The caller keeps ownership of `sandbox` and closes it.
    """
    global _DEFAULT_SANDBOX
    with _DEFAULT_LOCK:
        previous, _DEFAULT_SANDBOX = _DEFAULT_SANDBOX, sandbox
    return previous


@dataclass(frozen=True)
class TestResult:
    """The judgement of one test: passed, a short reason, and text a model can read."""

    __test__ = False

    passed: bool
    reason: str
    label: str
    feedback: str = ""


class _InfraFailure(Exception):
    pass


def _clip(text: str, limit: int = _CLIP) -> str:
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more chars]"


def _tail(data: bytes, limit: int = _CLIP) -> str:
    text = data.decode("utf-8", errors="replace").strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def _show(value: Any) -> str:
    try:
        text = repr(value)
    except ValueError:
        # Stops the "huge_int_crashes_the_judge" attack of tests/code/test_code_attacks.py: an
        # int past sys.get_int_max_str_digits() (e.g. 10**5000) cannot be repr-ed, and the
        # ValueError escaped `verify` instead of a verdict.
        text = "<a value too large to print>"
    return _clip(text, 300)


class CodeVerifier:
    """Judges Python programs against a code task's tests (see the module docstring).

    - `sandbox`: where programs run; the process-wide Docker pool when None.
    - `limits`: the limits of one run (function problems: the whole program with every call;
      stdio problems: one test).
    - `call_timeout_s`: the per-call guard inside the function harness.
    - `budget_s`: wall time for all runs of one response; tests not started by then fail.
    - `concurrency`: stdio tests run at once (at most the sandbox pool's size helps).
    - `python`: the interpreter inside the sandbox.
    """

    family = "code"

    def __init__(
        self,
        sandbox: Sandbox | None = None,
        limits: Limits | None = None,
        *,
        call_timeout_s: float = 5.0,
        budget_s: float = 120.0,
        concurrency: int = 1,
        python: str = "python3",
        max_result_bytes: int = 1_000_000,
    ) -> None:
        for name, value in (("call_timeout_s", call_timeout_s), ("budget_s", budget_s)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not 0 < value < math.inf:
                raise ConfigurationError(f"{name} must be a positive number, got {value!r}")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ConfigurationError(
                f"concurrency must be an integer of at least 1, got {concurrency!r}"
            )
        self._sandbox = sandbox
        self.limits = limits or Limits()
        self.call_timeout_s = call_timeout_s
        self.budget_s = budget_s
        self.concurrency = concurrency
        self.python = python
        self.max_result_bytes = max_result_bytes

    @property
    def sandbox(self) -> Sandbox:
        return self._sandbox if self._sandbox is not None else default_code_sandbox()

    def verify(self, task: Task, response: str) -> Verdict:
        """Judge one response: extract its code, run the tests, judge each on the host."""
        started = time.perf_counter()
        problem = CodeProblem.from_reference(task.reference)
        if not isinstance(response, str):
            return self._no_run(problem, "not_text", "The response must be text.", started,
                                format_ok=False)
        code, extraction = extract_code(response)
        if not code.strip():
            return self._no_run(problem, "no_code", "No code found: answer with a ```python "
                                "block.", started, format_ok=False)
        if len(code) > MAX_CODE_CHARS:
            return self._no_run(problem, "too_long", f"The code is longer than {MAX_CODE_CHARS} "
                                "characters.", started)
        program = problem.program(code)
        error = _compile_error(program)
        if error is not None:
            return self._no_run(problem, "compile_error", f"Your code does not compile: {error}",
                                started, format_ok=extraction != "text")
        try:
            if problem.kind == "function":
                results = self._judge_function(problem, program)
            else:
                results = self._judge_stdio(problem, program, started)
        except _InfraFailure as exc:
            return Verdict.infrastructure_failure(str(exc), time.perf_counter() - started)
        except InfrastructureError as exc:
            return Verdict.infrastructure_failure(str(exc), time.perf_counter() - started)
        return _verdict(problem, results, extraction, time.perf_counter() - started)

    def verify_step(self, task: Task, history: Sequence[str], action: str) -> Verdict:
        """Judge one resubmission of a multi-turn episode; ``details["final"]`` when all pass."""
        verdict = self.verify(task, action)
        if verdict.infra_error is not None:
            return verdict
        attempt = len(history) + 1
        feedback = f"Attempt {attempt}: {verdict.feedback}"
        if not verdict.correct:
            feedback += "\nFix the code and submit the whole program again."
        return dataclasses.replace(verdict, feedback=feedback)

    def _no_run(
        self, problem: CodeProblem, reason: str, feedback: str, started: float,
        *, format_ok: bool = True,
    ) -> Verdict:
        results = [TestResult(False, reason, label) for label in _labels(problem)]
        return _verdict(problem, results, "", time.perf_counter() - started, reason=reason,
                        feedback=feedback, format_ok=format_ok)

    def _run(self, argv: Sequence[str], files: Sequence[SandboxFile], stdin: bytes,
             collect: Sequence[str]) -> ExecResult:
        result = self.sandbox.run(argv, files=files, stdin=stdin, limits=self.limits,
                                  collect=collect)
        if result.infra_error is not None:
            raise _InfraFailure(f"sandbox failure: {result.infra_error}")
        return result

    def _judge_function(self, problem: CodeProblem, program: str) -> list[TestResult]:
        assert problem.entry_point is not None
        calls = [c for test in problem.function_tests for c in test.calls]
        spec = {
            "calls": calls, "entry_point": problem.entry_point,
            "call_timeout_s": self.call_timeout_s, "max_result_bytes": self.max_result_bytes,
        }
        files = [
            SandboxFile("harness.py", _HARNESS_SOURCE),
            SandboxFile("solution.py", program.encode("utf-8", errors="surrogatepass")),
            SandboxFile("calls.json", json.dumps(spec).encode("ascii")),
        ]
        result = self._run([self.python, "-I", "harness.py"], files, b"", [RESULTS_FILE])
        return judge_function_results(problem, result)

    def _judge_stdio(self, problem: CodeProblem, program: str, started: float) -> list[TestResult]:
        files = [SandboxFile("solution.py", program.encode("utf-8", errors="surrogatepass"))]
        deadline = started + self.budget_s
        failed = threading.Event()

        def run_one(test: StdioTest) -> TestResult | None:
            label = _stdio_label(test)
            if failed.is_set():
                return None
            if time.perf_counter() > deadline:
                return TestResult(False, "budget", label,
                                  f"Not run: the {self.budget_s:g} s budget for all tests ran out.")
            try:
                result = self._run([self.python, "-I", "solution.py"], files,
                                   test.input.encode("utf-8"), ())
            except (_InfraFailure, InfrastructureError):
                failed.set()
                raise
            return judge_stdio_result(test, result, problem.float_tolerance)

        items = list(problem.stdio_tests)
        outcomes: list[TestResult | None]
        if self.concurrency == 1:
            outcomes = [run_one(item) for item in items]
        else:
            with ThreadPoolExecutor(max_workers=self.concurrency) as executor:
                outcomes = list(executor.map(run_one, items))
        if any(o is None for o in outcomes):
            raise _InfraFailure("sandbox failure during a stdio test")
        return [o for o in outcomes if o is not None]


def _compile_error(program: str) -> str | None:
    """The syntax error of `program` (parsed on the host, never run), or None."""
    try:
        ast.parse(program, filename="solution.py")
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        line = f"\n    {exc.text.strip()}" if exc.text else ""
        return f"{type(exc).__name__}: {exc.msg}{where}{line}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"{type(exc).__name__}: the code cannot be parsed"
    return None


def _labels(problem: CodeProblem) -> list[str]:
    if problem.kind == "function":
        return [t.source for t in problem.function_tests]
    return [_stdio_label(t) for t in problem.stdio_tests]


def _stdio_label(test: StdioTest) -> str:
    return "stdin: " + _clip(test.input, 120)


@dataclass(frozen=True)
class _CallOutcome:
    value: Any = None
    kind: str = ""
    error: str = ""


def _read_results(data: bytes) -> tuple[dict[str, Any] | None, list[_CallOutcome]]:
    """The load record and the call outcomes, in order, up to the first line out of sequence."""
    load: dict[str, Any] | None = None
    outcomes: list[_CallOutcome] = []
    for raw in data.split(b"\n"):
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):
            break
        if type(record) is not dict:
            break
        if load is None:
            if record.get("load") not in ("ok", "error"):
                break
            load = record
            if record["load"] != "ok":
                break
            continue
        if record.get("i") != len(outcomes):
            break
        if "value" in record:
            try:
                outcomes.append(_CallOutcome(value=decode(record["value"])))
            except (NotPlainData, RecursionError) as exc:
                outcomes.append(_CallOutcome(kind="not_plain", error=str(exc)))
        else:
            outcomes.append(_CallOutcome(kind=str(record.get("kind", "error")),
                                         error=str(record.get("error", ""))[:_CLIP]))
    return load, outcomes


def _stopped(result: ExecResult) -> str:
    if result.timed_out:
        return "the program ran out of time"
    if result.oom_killed:
        return "the program ran out of memory"
    if result.signal is not None:
        return f"the program was killed by signal {result.signal}"
    return f"the program stopped (exit status {result.exit_code})"


def judge_function_results(problem: CodeProblem, result: ExecResult) -> list[TestResult]:
    """Judge every assert from the harness's results file (missing results fail)."""
    load, outcomes = _read_results(result.files.get(RESULTS_FILE, b""))
    tests = problem.function_tests
    if load is None or load.get("load") != "ok":
        if load is None:
            reason, message = "runtime_error", f"Your code did not run: {_stopped(result)}."
            if result.stderr.strip():
                message += f"\n{_tail(result.stderr)}"
        elif load.get("kind") == "timeout":
            reason, message = "timeout", "Running your code's top level took too long."
        else:
            reason = "runtime_error"
            message = f"Your code raised an error when loaded: {load.get('error', '')}"
        return [TestResult(False, reason, t.source, message) for t in tests]
    missing_entry = not load.get("entry_point", True)
    judged: list[TestResult] = []
    position = 0
    for test in tests:
        mine = outcomes[position:position + len(test.calls)]
        position += len(test.calls)
        judged.append(_judge_assert(problem, test, mine, result, missing_entry))
    return judged


def _judge_assert(
    problem: CodeProblem, test: FunctionTest, outcomes: list[_CallOutcome], result: ExecResult,
    missing_entry: bool,
) -> TestResult:
    header = f"assert {test.source.removeprefix('assert').strip()}"
    if len(outcomes) < len(test.calls):
        call = test.calls[len(outcomes)]
        return TestResult(False, "no_result", test.source,
                          f"{header}\n{_clip(call, 300)} gave no result: {_stopped(result)} "
                          "before it returned.")
    for call, outcome in zip(test.calls, outcomes, strict=True):
        if outcome.kind:
            if missing_entry and outcome.kind == "error":
                detail = f"your code does not define `{problem.entry_point}`"
            elif outcome.kind == "timeout":
                detail = f"timed out ({outcome.error})"
            elif outcome.kind in ("not_plain", "too_large"):
                detail = f"returned a value the judge cannot read as plain data ({outcome.error})"
            else:
                detail = f"raised {outcome.error}"
            reason = {"error": "runtime_error", "timeout": "timeout"}.get(outcome.kind,
                                                                           outcome.kind)
            return TestResult(False, reason, test.source,
                              f"{header}\n{_clip(call, 300)} {detail}")
    passed, why = test.evaluate([o.value for o in outcomes])
    if passed:
        return TestResult(True, "passed", test.source)
    shown = "\n".join(f"{_clip(c, 300)} returned {_show(o.value)}"
                      for c, o in zip(test.calls, outcomes, strict=True))
    return TestResult(False, "wrong_answer", test.source,
                      f"{header}\n{shown}" + (f"\n({why})" if why else ""))


def judge_stdio_result(
    test: StdioTest, result: ExecResult, float_tolerance: float | None = None
) -> TestResult:
    """Judge one stdio run: a clean exit and the expected tokens, compared on the host."""
    label = _stdio_label(test)
    shown_input = f"Input:\n{_clip(test.input)}"
    if result.timed_out:
        return TestResult(False, "timeout", label, f"Time limit exceeded.\n{shown_input}")
    if result.oom_killed:
        return TestResult(False, "memory_limit", label, f"Memory limit exceeded.\n{shown_input}")
    if result.output_truncated:
        return TestResult(False, "output_limit", label, f"Output limit exceeded.\n{shown_input}")
    if result.exit_code != 0:
        cause = (f"killed by signal {result.signal}" if result.exit_code is None
                 else f"exited with status {result.exit_code}")
        return TestResult(False, "runtime_error", label,
                          f"Runtime error: your program {cause}.\n{shown_input}\n"
                          f"Error output:\n{_tail(result.stderr)}")
    try:
        got = result.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return TestResult(False, "not_utf8", label,
                          f"Your output is not valid UTF-8 text.\n{shown_input}")
    mismatch = compare_tokens(test.output, got, float_tolerance=float_tolerance)
    if mismatch is None:
        return TestResult(True, "passed", label)
    return TestResult(False, "wrong_answer", label,
                      f"Wrong answer: {mismatch.describe()}.\n{shown_input}\n"
                      f"Expected output:\n{_clip(test.output)}\nYour output:\n{_clip(got)}")


def _verdict(
    problem: CodeProblem, results: Sequence[TestResult], extraction: str, elapsed_s: float,
    *, reason: str | None = None, feedback: str | None = None, format_ok: bool = True,
) -> Verdict:
    passed = sum(r.passed for r in results)
    total = len(results)
    first = next((i for i, r in enumerate(results) if not r.passed), None)
    if first is None:
        reason = reason or "correct"
        feedback = feedback or f"All {total} tests passed."
    else:
        reason = reason or results[first].reason
        if feedback is None:
            feedback = (f"{passed}/{total} tests passed. Test {first + 1} failed:\n"
                        f"{results[first].feedback}")
    steps = tuple(
        StepScore(index=i, text=r.label, score=1.0 if r.passed else 0.0, reason=r.reason)
        for i, r in enumerate(results)
    )
    return Verdict(
        outcome=1.0 if total and passed == total else 0.0,
        steps=steps,
        format_ok=format_ok,
        reason=reason,
        feedback=feedback,
        details={
            "kind": problem.kind, "passed": passed, "total": total,
            "pass_rate": passed / total if total else 0.0, "extraction": extraction,
            "first_failed_test": first, "final": total > 0 and passed == total,
        },
        elapsed_s=elapsed_s,
    )

