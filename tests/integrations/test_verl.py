"""verl adapter, against verl's documented shapes: ``compute_score(data_source, solution_str,
ground_truth, extra_info)`` returning a dict with ``score``; rows with ``data_source``,
``prompt`` (chat), ``ability``, ``reward_model`` (``style``, ``ground_truth``), ``extra_info``."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from adapter_rows import right, wrong

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.task import Task
from rlvr_gym.integrations.verl import compute_score, export_verl_parquet

KEYS = {"score", "outcome", "process", "format", "infra_error"}


def test_the_signature_is_verls() -> None:
    params = list(inspect.signature(compute_score).parameters)
    assert params[:4] == ["data_source", "solution_str", "ground_truth", "extra_info"]


def test_a_right_answer_scores_one_with_its_components(math_tasks: list[Task]) -> None:
    task = math_tasks[0]
    result = compute_score("rlvr/MathLinear-v0", right(task), task.reference["answer"])
    assert set(result) == KEYS
    assert result["score"] == 1.0 and result["outcome"] == 1.0


def test_every_sample_returns_the_same_keys(math_tasks: list[Task]) -> None:
    task = math_tasks[0]
    result = compute_score("rlvr-math", wrong(task), task.reference["answer"], None)
    assert set(result) == KEYS and result["score"] == 0.0


def test_a_task_json_ground_truth_is_used_whole(math_tasks: list[Task]) -> None:
    task = math_tasks[1]
    assert compute_score("math", right(task), task.to_json())["score"] == 1.0


def test_gsm8k_style_list_ground_truth_is_accepted() -> None:
    assert compute_score("math", "so \\boxed{72}", ["72"])["score"] == 1.0


def test_reward_kwargs_can_weigh_components(math_tasks: list[Task]) -> None:
    task = math_tasks[0]
    result = compute_score("math", right(task), task.reference["answer"],
                           reward_weights={"outcome": 0.5, "format": 0.5})
    assert result["score"] == 1.0 and result["format"] == 1.0


def test_a_code_source_with_a_bare_answer_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="task JSON"):
        compute_score("rlvr/CodePublic-v0", "print(1)", "1")


def test_export_writes_verls_row_format(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = export_verl_parquet("rlvr/MathLinear-v0", 4, tmp_path / "train.parquet")
    rows = pq.read_table(path).to_pylist()
    assert len(rows) == 4
    row = rows[0]
    assert set(row) == {"data_source", "prompt", "ability", "reward_model", "extra_info"}
    assert row["data_source"] == "rlvr/MathLinear-v0" and row["ability"] == "math"
    assert row["prompt"][0]["role"] == "user"
    assert row["reward_model"]["style"] == "rule"
    assert row["extra_info"]["index"] == 0


def test_an_exported_row_scores_through_compute_score(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    row = pq.read_table(export_verl_parquet("rlvr/MathLinear-v0", 1,
                                            tmp_path / "t.parquet")).to_pylist()[0]
    task = Task.from_json(row["extra_info"]["task"])
    result = compute_score(row["data_source"], right(task), row["reward_model"]["ground_truth"],
                           row["extra_info"])
    assert result["score"] == 1.0


def test_code_rows_carry_the_task_json_as_ground_truth(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    row = pq.read_table(export_verl_parquet("rlvr/CodePublic-v0", 1,
                                            tmp_path / "c.parquet")).to_pylist()[0]
    assert Task.from_json(row["reward_model"]["ground_truth"]).family == "code"
