"""TRL adapter, against GRPOTrainer's documented call shapes (``docs/source/grpo_trainer.md``:
``reward_func(prompts, completions, **dataset_columns) -> list[float | None]``; and
``environment_factory``: a no-argument class, ``reset(**row)``, public methods as tools)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from adapter_rows import right, wrong

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.task import Task
from rlvr_gym.integrations.trl import (
    export_trl_dataset,
    trl_environment_factory,
    trl_environment_reward,
    trl_reward_functions,
)


def test_one_reward_function_per_component_named_for_trl_logs() -> None:
    names = [f.__name__ for f in trl_reward_functions("math")]
    assert names == ["rlvr_outcome", "rlvr_process", "rlvr_format"]


def test_reward_functions_take_prompts_completions_and_columns() -> None:
    params = inspect.signature(trl_reward_functions("math")[0]).parameters
    assert list(params)[:2] == ["prompts", "completions"]
    assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def test_plain_completions_are_scored_against_the_answer_column(math_tasks: list[Task]) -> None:
    outcome = trl_reward_functions("math", components=["outcome"])[0]
    tasks = math_tasks[:2]
    rewards = outcome(prompts=[t.prompt_text for t in tasks],
                      completions=[right(tasks[0]), wrong(tasks[1])],
                      answer=[t.reference["answer"] for t in tasks])
    assert rewards == [1.0, 0.0]


def test_conversational_completions_use_the_last_assistant_message(
    math_tasks: list[Task],
) -> None:
    outcome = trl_reward_functions("math", components=["outcome"])[0]
    task = math_tasks[0]
    completion = [{"role": "assistant", "content": right(task)}]
    rewards = outcome(prompts=[[{"role": "user", "content": task.prompt_text}]],
                      completions=[completion], task=[task.to_json()])
    assert rewards == [1.0]


def test_every_component_is_a_plain_float(math_tasks: list[Task]) -> None:
    task = math_tasks[0]
    values = [f(prompts=[task.prompt_text], completions=[right(task)], task=[task.to_json()])
              for f in trl_reward_functions("math")]
    assert values == [[1.0], [1.0], [1.0]]
    assert all(type(v[0]) is float for v in values)


def test_a_batch_is_scored_once_for_all_components(
    math_tasks: list[Task], monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rlvr_gym.integrations import _common, trl

    calls = []
    real = _common.score_pairs

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(trl, "score_pairs", counting)
    task = math_tasks[0]
    for f in trl_reward_functions("math"):
        f(prompts=[""], completions=[right(task)], answer=[task.reference["answer"]])
    assert len(calls) == 1


def test_a_dataset_without_task_or_answer_column_is_refused() -> None:
    outcome = trl_reward_functions("math")[0]
    with pytest.raises(ConfigurationError, match="'task' column"):
        outcome(prompts=["?"], completions=["\\boxed{1}"], solution=["1"])


def test_a_code_dataset_needs_task_json_not_a_bare_answer() -> None:
    outcome = trl_reward_functions("code")[0]
    with pytest.raises(ConfigurationError, match="task JSON"):
        outcome(prompts=["?"], completions=["x"], answer=["1"])


def test_export_writes_chat_prompts_and_the_task_column(tmp_path: Path) -> None:
    path = export_trl_dataset("rlvr/MathLinear-v0", 3, tmp_path / "train.jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 3
    assert rows[0]["prompt"][0]["role"] == "user"
    task = Task.from_json(rows[0]["task"])
    assert rows[0]["answer"] == task.reference["answer"]


def test_an_exported_row_feeds_the_reward_functions(tmp_path: Path) -> None:
    path = export_trl_dataset("rlvr/MathLinear-v0", 1, tmp_path / "train.jsonl")
    row = json.loads(path.read_text())
    task = Task.from_json(row["task"])
    outcome = trl_reward_functions(components=["outcome"])[0]
    assert outcome(prompts=[row["prompt"]], completions=[right(task)], task=[row["task"]],
                   answer=[row["answer"]]) == [1.0]


def test_the_environment_class_is_built_with_no_arguments_and_reset_with_the_row(
    math_tasks: list[Task],
) -> None:
    env_cls = trl_environment_factory("rlvr/MathLinearSteps-v0")
    env = env_cls()
    assert env.reset(task=math_tasks[0].to_json(), prompt=[]) is None


def test_only_submit_is_exposed_as_a_tool() -> None:
    env_cls = trl_environment_factory("rlvr/MathLinearSteps-v0")
    tools = [n for n, _ in inspect.getmembers(env_cls, inspect.isfunction)
             if not n.startswith("_") and n != "reset"]
    assert tools == ["submit"]
    assert "Args:" in (env_cls.submit.__doc__ or "")


def test_an_episode_accumulates_reward_and_ends_on_the_final_answer(
    math_tasks: list[Task],
) -> None:
    task = math_tasks[0]
    env = trl_environment_factory("rlvr/MathLinearSteps-v0")()
    env.reset(task=task.to_json())
    for step in str(task.reference["solution"]).splitlines():
        env.submit(step)
    assert env.done
    assert trl_environment_reward(environments=[env]) == [env.reward]
    assert env.reward > 0.9
    assert "ended" in env.submit("more")


def test_the_environment_reward_needs_environments() -> None:
    with pytest.raises(ConfigurationError, match="environment_factory"):
        trl_environment_reward(completions=["x"])
