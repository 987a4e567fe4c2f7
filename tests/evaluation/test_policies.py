"""Built-in policies: reference, file, python; and `load_policy` spec parsing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rlvr_gym import ConfigurationError, Task, TaskFileError
from rlvr_gym.evaluation.policies import (
    FilePolicy,
    Policy,
    load_policy,
    policy_name,
    reference_response,
)


def _task(id: str = "t/1", solution: str | None = "2 + 2 = 4", answer: str = "4") -> Task:
    reference = {"answer": answer} if solution is None else {"answer": answer,
                                                             "solution": solution}
    return Task(id=id, family="math", prompt="What is 2 + 2?", reference=reference)


def _write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_reference_appends_a_boxed_answer_when_the_solution_has_none() -> None:
    assert reference_response(_task()) == "2 + 2 = 4\nThe answer is \\boxed{4}."


def test_reference_keeps_a_solution_that_already_boxes_its_answer() -> None:
    task = _task(solution="2 + 2 = \\boxed{4}")
    assert reference_response(task) == "2 + 2 = \\boxed{4}"


def test_reference_without_a_solution_states_the_answer() -> None:
    assert reference_response(_task(solution=None)) == "The answer is \\boxed{4}."


def test_reference_policy_returns_n_copies() -> None:
    policy = load_policy("reference")
    assert isinstance(policy, Policy)
    assert policy(_task(), 3) == [reference_response(_task())] * 3
    assert policy_name(policy) == "reference"


def test_file_policy_reads_single_responses_and_lists(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "r.jsonl", [
        {"task_id": "t/1", "response": "a"},
        {"task_id": "t/1", "responses": ["b", "c"]},
        {"task_id": "t/2", "responses": ["x"]},
    ])
    policy = load_policy(f"file:{path}")
    assert policy(_task("t/1"), 3) == ["a", "b", "c"]
    assert policy(_task("t/1"), 2) == ["a", "b"]
    assert policy(_task("t/2"), 1) == ["x"]
    assert policy_name(policy) == f"file:{path}"


def test_file_policy_names_the_missing_task(tmp_path: Path) -> None:
    policy = FilePolicy(_write_jsonl(tmp_path / "r.jsonl", [{"task_id": "t/1", "response": "a"}]))
    with pytest.raises(TaskFileError, match="no response for task 't/9'"):
        policy(_task("t/9"), 1)


def test_file_policy_with_too_few_responses_says_how_many(tmp_path: Path) -> None:
    policy = FilePolicy(_write_jsonl(tmp_path / "r.jsonl", [{"task_id": "t/1", "response": "a"}]))
    with pytest.raises(TaskFileError, match=r"1 response.*2 samples"):
        policy(_task("t/1"), 2)


@pytest.mark.parametrize(
    ("bad_row", "match"),
    [
        ("{not json", r"r\.jsonl, row 2: not valid JSON"),
        ("[1, 2]", r"row 2: each line must be a JSON object"),
        ({"response": "a"}, r"row 2, field 'task_id'"),
        ({"task_id": "t/2"}, r"row 2, field 'response'"),
        ({"task_id": "t/2", "response": 3}, r"row 2, field 'response': must be a string"),
        ({"task_id": "t/2", "responses": "abc"}, r"row 2, field 'responses'"),
        ({"task_id": "t/2", "responses": ["a", 1]}, r"row 2, field 'responses'"),
    ],
)
def test_file_policy_errors_name_file_row_and_field(
    tmp_path: Path, bad_row: object, match: str
) -> None:
    path = _write_jsonl(tmp_path / "r.jsonl", [{"task_id": "t/1", "response": "a"}, bad_row])
    with pytest.raises(TaskFileError, match=match):
        load_policy(f"file:{path}")


def test_file_policy_with_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match="not found"):
        load_policy(f"file:{tmp_path / 'nope.jsonl'}")


def _module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "my_policies.py").write_text(
        "def batch(task, n):\n"
        "    return [task.id + str(i) for i in range(n)]\n"
        "\n"
        "def single(prompt):\n"
        "    return prompt.upper()\n"
        "\n"
        "def with_default(prompt, temperature=0.0):\n"
        "    return 'default'\n"
        "\n"
        "def bad_return(task, n):\n"
        "    return 'not a list'\n"
        "\n"
        "def three(a, b, c):\n"
        "    return []\n"
        "\n"
        "class Model:\n"
        "    def __call__(self, task, n):\n"
        "        return ['m'] * n\n"
        "\n"
        "model = Model()\n"
        "not_callable = 3\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return "my_policies"


def test_python_policy_taking_task_and_n_is_called_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _module(tmp_path, monkeypatch)
    assert load_policy(f"python:{module}:batch")(_task("t/1"), 2) == ["t/10", "t/11"]
    assert load_policy(f"python:{module}:model")(_task(), 2) == ["m", "m"]


def test_python_policy_taking_a_prompt_is_called_n_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _module(tmp_path, monkeypatch)
    assert load_policy(f"python:{module}:single")(_task(), 2) == ["WHAT IS 2 + 2?"] * 2
    assert load_policy(f"python:{module}:with_default")(_task(), 1) == ["default"]


def test_python_policy_from_a_file_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _module(tmp_path, monkeypatch)
    policy = load_policy(f"python:{tmp_path / 'my_policies.py'}:batch")
    assert policy(_task("t/1"), 1) == ["t/10"]


@pytest.mark.parametrize(
    ("target", "match"),
    [
        ("no_such_module_xyz:f", "cannot import"),
        ("my_policies:missing", "has no 'missing'"),
        ("my_policies:not_callable", "not callable"),
        ("my_policies", "must look like"),
        ("my_policies:three", "must take"),
    ],
)
def test_python_policy_spec_errors_are_configuration_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, match: str
) -> None:
    _module(tmp_path, monkeypatch)
    with pytest.raises(ConfigurationError, match=match):
        load_policy(f"python:{target}")


def test_python_policy_must_return_strings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _module(tmp_path, monkeypatch)
    with pytest.raises(ConfigurationError, match="list of strings"):
        load_policy(f"python:{module}:bad_return")(_task(), 1)


@pytest.mark.parametrize("spec", ["", "gpt-4", "file:", "openai:", "python:", "reference:x"])
def test_unknown_policy_specs_list_the_known_ones(spec: str) -> None:
    with pytest.raises(ConfigurationError, match="reference, file:PATH, openai:MODEL"):
        load_policy(spec)


def test_options_a_policy_does_not_take_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="does not take option"):
        load_policy("reference", temperature=0.7)


def test_unset_options_are_ignored() -> None:
    assert load_policy("reference", temperature=None, base_url=None) is not None


@pytest.mark.parametrize(
    ("source", "kind"),
    [("def policy(task, n)\n    return []\n", "SyntaxError"),
     ("raise RuntimeError('no model')\n", "RuntimeError"),
     ("import sys\nsys.exit(3)\n", "SystemExit")],
)
def test_a_policy_file_that_fails_to_import_is_a_configuration_error(
    tmp_path: Path, source: str, kind: str
) -> None:
    path = tmp_path / "broken_policy.py"
    path.write_text(source)
    with pytest.raises(ConfigurationError, match=kind):
        load_policy(f"python:{path}:policy")


@pytest.mark.parametrize(
    ("options", "match"),
    [({"temperature": float("nan")}, "temperature"), ({"temperature": float("inf")}, "temperature"),
     ({"max_tokens": 0}, "max_tokens"), ({"base_url": "http://"}, "no host"),
     ({"base_url": "http://a b/v1"}, "spaces"), ({"base_url": "http://h:port/v1"}, "malformed"),
     ({"api_key": "key with spaces"}, "API key")],
)
def test_openai_settings_no_request_could_use_are_refused_at_once(
    options: dict[str, Any], match: str
) -> None:
    options = {"base_url": "http://127.0.0.1:9/v1", **options}
    with pytest.raises(ConfigurationError, match=match) as refused:
        load_policy("openai:tiny", **options)
    assert "key with spaces" not in str(refused.value)  # a key is never printed
