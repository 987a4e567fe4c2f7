"""Judging on the host: results files and stdio runs are data; no sandbox is needed here."""

from __future__ import annotations

import json
from typing import Any

from rlvr_gym.core.task import Task
from rlvr_gym.sandboxes.base import ExecResult
from rlvr_gym.verifiers.code.call_harness import RESULTS_FILE, encode
from rlvr_gym.verifiers.code.problem import CodeProblem, StdioTest
from rlvr_gym.verifiers.code.verifier import (
    CodeVerifier,
    judge_function_results,
    judge_stdio_result,
)

PROBLEM = CodeProblem.from_reference({
    "kind": "function", "entry_point": "f",
    "tests": ["assert f(1) == 2", "assert f(2) == 4", "assert f(3) == 6"],
})


def results(*records: dict[str, Any], exit_code: int | None = 0) -> ExecResult:
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    return ExecResult(exit_code=exit_code, files={RESULTS_FILE: data})


def value(i: int, v: Any) -> dict[str, Any]:
    return {"i": i, "value": encode(v)}


def passed(judged: list[Any]) -> list[bool]:
    return [r.passed for r in judged]


def test_values_are_judged_by_the_asserts() -> None:
    run = results({"load": "ok"}, value(0, 2), value(1, 5), value(2, 6), {"done": True})
    judged = judge_function_results(PROBLEM, run)
    assert passed(judged) == [True, False, True]
    assert "f(2) returned 5" in judged[1].feedback
    assert "assert f(2) == 4" in judged[1].feedback


def test_missing_results_fail_the_remaining_tests_whatever_the_exit_status() -> None:
    judged = judge_function_results(PROBLEM, results({"load": "ok"}, value(0, 2), exit_code=0))
    assert passed(judged) == [True, False, False]
    assert judged[1].reason == "no_result"


def test_no_results_file_at_all_fails_every_test() -> None:
    judged = judge_function_results(PROBLEM, ExecResult(exit_code=0))
    assert passed(judged) == [False, False, False]


def test_a_load_error_fails_every_test_with_its_message() -> None:
    run = results({"load": "error", "kind": "error", "error": "NameError: name 'x'"})
    judged = judge_function_results(PROBLEM, run)
    assert passed(judged) == [False] * 3
    assert "NameError" in judged[0].feedback


def test_records_out_of_sequence_end_the_results() -> None:
    run = results({"load": "ok"}, value(0, 2), value(2, 6), value(1, 4))
    assert passed(judge_function_results(PROBLEM, run)) == [True, False, False]


def test_a_result_that_is_not_plain_data_fails_that_test_only() -> None:
    run = results({"load": "ok"}, value(0, 2),
                  {"i": 1, "kind": "not_plain", "error": "a value of type Anything"},
                  value(2, 6))
    judged = judge_function_results(PROBLEM, run)
    assert passed(judged) == [True, False, True]
    assert "plain data" in judged[1].feedback


def test_forged_tags_fail_the_test() -> None:
    run = results({"load": "ok"}, {"i": 0, "value": {"t": "object", "v": "2"}}, value(1, 4))
    assert passed(judge_function_results(PROBLEM, run))[:2] == [False, True]


def test_a_raised_error_is_the_feedback() -> None:
    run = results({"load": "ok"}, {"i": 0, "kind": "error", "error": "ZeroDivisionError: x"})
    judged = judge_function_results(PROBLEM, run)
    assert judged[0].reason == "runtime_error"
    assert "raised ZeroDivisionError" in judged[0].feedback


STDIO = StdioTest(input="1 2\n", output="3\n")


def test_stdio_output_is_compared_by_tokens() -> None:
    assert judge_stdio_result(STDIO, ExecResult(exit_code=0, stdout=b"  3")).passed
    wrong = judge_stdio_result(STDIO, ExecResult(exit_code=0, stdout=b"4\n"))
    assert not wrong.passed
    assert "Expected output:\n3" in wrong.feedback and "Input:\n1 2" in wrong.feedback


def test_stdio_right_output_with_a_crash_or_timeout_fails() -> None:
    assert judge_stdio_result(STDIO, ExecResult(exit_code=1, stdout=b"3")).reason == \
        "runtime_error"
    timed_out = ExecResult(exit_code=None, signal=9, stdout=b"3", timed_out=True)
    assert judge_stdio_result(STDIO, timed_out).reason == "timeout"


def test_stdio_non_utf8_output_fails() -> None:
    result = judge_stdio_result(STDIO, ExecResult(exit_code=0, stdout=b"3\xff\xfe"))
    assert result.reason == "not_utf8"


def function_task(tests: list[str]) -> Task:
    return Task(id="t", family="code", prompt="p",
                reference={"kind": "function", "entry_point": "f", "tests": tests})


def test_a_syntax_error_is_judged_without_running_anything() -> None:
    verifier = CodeVerifier()  # no sandbox is started for code that does not compile
    verdict = verifier.verify(function_task(["assert f(1) == 2"]), "```python\ndef f(:\n```")
    assert verdict.outcome == 0.0
    assert verdict.reason == "compile_error"
    assert "SyntaxError" in verdict.feedback
    assert [s.score for s in verdict.steps] == [0.0]
    assert verdict.infra_error is None


def test_a_response_without_code_fails_the_format() -> None:
    verdict = CodeVerifier().verify(function_task(["assert f(1) == 2"]), "I am not sure.")
    assert verdict.outcome == 0.0
    assert verdict.format_ok is False


def test_a_bare_completion_is_appended_to_the_prompt_prefix() -> None:
    problem = CodeProblem.from_reference({
        "kind": "function", "entry_point": "f", "tests": ["assert f(1) == 2"],
        "prefix": "def f(x):\n    \"\"\"Double x.\"\"\"\n",
    })
    assert problem.program("    return 2 * x\n").startswith("def f(x):")
    assert problem.program("def f(x):\n    return x + x\n") == "def f(x):\n    return x + x\n"
