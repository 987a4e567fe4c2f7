from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rlvr_gym.core.errors import TaskFileError
from rlvr_gym.tasks.code_datasets import load_code_tasks, load_public_code_tasks


def write(tmp_path: Path, *rows: dict[str, Any]) -> Path:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


HUMANEVAL = {
    "task_id": "HumanEval/53", "entry_point": "add",
    "prompt": "def add(x: int, y: int):\n    \"\"\"Add two numbers x and y.\"\"\"\n",
    "canonical_solution": "    return x + y\n",
    "test": "\n\nMETADATA = {}\n\n\ndef check(candidate):\n    assert candidate(0, 1) == 1\n"
            "    assert candidate(5, 7) == 12, 'msg'\n    assert True\n",
}


def test_humaneval_check_asserts_become_the_tests(tmp_path: Path) -> None:
    [task] = load_code_tasks(write(tmp_path, HUMANEVAL))
    assert task.id == "HumanEval/53"
    assert task.family == "code"
    assert task.reference["kind"] == "function"
    assert list(task.reference["tests"]) == [
        "assert candidate(0, 1) == 1", "assert candidate(5, 7) == 12"]
    assert task.reference["solution"].endswith("return x + y\n")
    assert task.reference["prefix"] == HUMANEVAL["prompt"]


def test_humaneval_checks_with_loops_are_refused_or_skipped(tmp_path: Path) -> None:
    looping = {**HUMANEVAL, "task_id": "HumanEval/38",
               "test": "def check(candidate):\n    for x in range(3):\n"
                       "        assert candidate(x, 0) == x\n"}
    path = write(tmp_path, looping, HUMANEVAL)
    with pytest.raises(TaskFileError, match="row 1"):
        load_code_tasks(path)
    with pytest.warns(RuntimeWarning, match="HumanEval/38"):
        tasks = load_code_tasks(path, skip_unsupported=True)
    assert [t.id for t in tasks] == ["HumanEval/53"]


def test_mbpp_rows_find_their_entry_point_in_the_tests(tmp_path: Path) -> None:
    row = {"task_id": 2, "text": "Write a function to find the shared elements.",
           "code": "def similar_elements(a, b):\n    return tuple(set(a) & set(b))",
           "test_list": ["assert set(similar_elements((3, 4), (4, 5))) == set((4,))"],
           "challenge_test_list": [], "test_setup_code": ""}
    [task] = load_code_tasks(write(tmp_path, row))
    assert task.id == "MBPP/2"
    assert task.reference["entry_point"] == "similar_elements"
    assert "similar_elements" in task.prompt_text


def test_apps_stdio_and_call_based_rows(tmp_path: Path) -> None:
    stdio = {"problem_id": 7, "question": "Print a+b.", "difficulty": "introductory",
             "input_output": json.dumps({"inputs": ["1 2\n"], "outputs": [["3"]]}),
             "solutions": json.dumps(["print(sum(map(int, input().split())))"])}
    call = {"problem_id": 8, "question": "Return a+b.", "starter_code": "def add(a, b):",
            "input_output": json.dumps({"fn_name": "add", "inputs": [[1, 2]], "outputs": [[3]]}),
            "solutions": "[]"}
    first, second = load_code_tasks(write(tmp_path, stdio, call))
    assert first.reference["kind"] == "stdio"
    assert list(first.reference["tests"]) == [{"input": "1 2\n", "output": "3"}]
    assert first.reference["solution"].startswith("print")
    assert second.reference["kind"] == "function"
    assert list(second.reference["tests"]) == ["assert add(1, 2) == 3"]


def test_code_contests_rows_join_the_chosen_test_sets(tmp_path: Path) -> None:
    row = {"name": "1000_A", "description": "Echo.", "difficulty": 7,
           "public_tests": {"input": ["a\n"], "output": ["a\n"]},
           "private_tests": {"input": ["b\n"], "output": ["b\n"]},
           "generated_tests": {"input": [], "output": []},
           "solutions": {"language": [2, 3], "solution": ["int main(){}", "print(input())"]}}
    [task] = load_code_tasks(write(tmp_path, row))
    assert len(task.reference["tests"]) == 2
    assert task.reference["solution"] == "print(input())"
    assert task.difficulty["level"] == 7
    [public_only] = load_code_tasks(write(tmp_path, row), test_sets=("public_tests",))
    assert len(public_only.reference["tests"]) == 1


def test_malformed_rows_name_the_row_and_field(tmp_path: Path) -> None:
    row = {"id": "x", "kind": "function", "entry_point": "f", "prompt": "p",
           "tests": ["print(1)"]}
    with pytest.raises(TaskFileError, match=r"row 1, field 'tests'.*one assert"):
        load_code_tasks(write(tmp_path, row))


def test_the_bundled_public_set_has_38_problems_with_their_solutions() -> None:
    tasks = load_public_code_tasks()
    assert len(tasks) == 38
    assert sum(t.reference["kind"] == "function" for t in tasks) == 26
    for task in tasks:
        assert task.reference["solution"]
        assert len(task.metadata["wrong_solutions"]) == \
            len(task.metadata["wrong_solution_pass_rates"]) >= 1
