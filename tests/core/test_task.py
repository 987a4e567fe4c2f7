from __future__ import annotations

import json

import pytest

from rlvr_gym import ConfigurationError, Task


def make_task(**overrides: object) -> Task:
    data: dict[str, object] = {
        "id": "t1",
        "family": "math",
        "prompt": "What is 1 + 1?",
        "reference": {"answer": "2", "solution": "1 + 1 = 2"},
        "difficulty": {"level": 1},
        "metadata": {"tags": ["easy"]},
    }
    data.update(overrides)
    return Task(**data)  # type: ignore[arg-type]


def test_task_round_trips_through_json() -> None:
    task = make_task()
    assert Task.from_json(task.to_json()) == task
    assert json.loads(task.to_json())["reference"] == {"answer": "2", "solution": "1 + 1 = 2"}


def test_task_fields_cannot_be_mutated() -> None:
    task = make_task()
    with pytest.raises(TypeError):
        task.reference["answer"] = "3"  # type: ignore[index]
    with pytest.raises(AttributeError):
        task.id = "other"  # type: ignore[misc]


def test_nested_lists_are_frozen_and_thawed() -> None:
    task = make_task()
    assert task.metadata["tags"] == ("easy",)
    assert task.to_dict()["metadata"] == {"tags": ["easy"]}


def test_chat_prompt_joins_to_text() -> None:
    task = make_task(prompt=[{"role": "system", "content": "Be brief."},
                             {"role": "user", "content": "1 + 1?"}])
    assert task.prompt_text == "Be brief.\n\n1 + 1?"
    assert Task.from_dict(task.to_dict()) == task


def test_tasks_are_hashable() -> None:
    assert len({make_task(), make_task()}) == 1


def test_missing_field_names_the_field() -> None:
    with pytest.raises(ConfigurationError, match="reference"):
        Task.from_dict({"id": "x", "family": "math", "prompt": "p"})


def test_empty_id_is_rejected() -> None:
    with pytest.raises(ConfigurationError):
        make_task(id="")


@pytest.mark.parametrize("data", [
    ["not", "a", "mapping"],
    {"id": "t", "family": "math", "prompt": "?", "reference": ["answer", "1"]},
    {"id": "t", "family": "math", "prompt": "?", "reference": {}, "metadata": "x"},
])
def test_task_data_of_the_wrong_shape_is_a_configuration_error(data: object) -> None:
    with pytest.raises(ConfigurationError):
        Task.from_dict(data)  # type: ignore[arg-type]
