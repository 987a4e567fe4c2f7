from __future__ import annotations

import json
from pathlib import Path

import pytest

from rlvr_gym import TaskFileError
from rlvr_gym.envs.math import bundled_sample_path
from rlvr_gym.tasks.datasets import load_math_tasks


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_gsm8k_rows_take_the_answer_after_the_hashes(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "gsm8k.jsonl", [{
        "question": "Natalia sold clips to 48 of her friends in April, and then she sold half "
                    "as many clips in May. How many clips did Natalia sell altogether?",
        "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
                  "Natalia sold 48+24 = <<48+24=72>>72 clips altogether.\n#### 72",
    }])
    (task,) = load_math_tasks(path)
    assert task.reference["answer"] == "72"
    assert "48+24" in task.reference["solution"]
    assert task.metadata["format"] == "gsm8k"


def test_gsm8k_answers_drop_thousands_separators(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "g.jsonl", [{"question": "q", "answer": "so\n#### 1,200"}])
    assert load_math_tasks(path)[0].reference["answer"] == "1200"


def test_math_rows_take_the_last_boxed_answer_and_the_level(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "math.jsonl", [{
        "problem": "If $x^2 = 4$ and $x > 0$, what is $x$?",
        "solution": "Since $x > 0$, $x = \\boxed{2}$.",
        "level": "Level 3",
        "type": "Algebra",
    }])
    (task,) = load_math_tasks(path)
    assert task.reference["answer"] == "2"
    assert task.difficulty["level"] == 3
    assert task.metadata["subject"] == "Algebra"


def test_plain_rows_keep_ids_and_levels(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "plain.jsonl", [
        {"id": "q1", "prompt": "2+2?", "answer": "4", "level": 1},
        {"prompt": "3+3?", "answer": 6},
    ])
    first, second = load_math_tasks(path)
    assert first.id == "q1" and first.difficulty["level"] == 1
    assert second.reference["answer"] == "6"
    assert second.id.startswith("plain/2-")


def test_parquet_files_load_like_jsonl(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "tasks.parquet"
    pq.write_table(pa.table({"prompt": ["2+2?", "3*3?"], "answer": ["4", "9"]}), path)
    tasks = load_math_tasks(path)
    assert [t.reference["answer"] for t in tasks] == ["4", "9"]


def test_the_bundled_sample_loads() -> None:
    tasks = load_math_tasks(bundled_sample_path())
    assert len(tasks) >= 20
    assert all("\\boxed" in t.reference["solution"] for t in tasks)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["not json"], r"row 1: not valid JSON"),
        ([[1, 2]], r"row 1: each line must be a JSON object"),
        ([{"prompt": "p", "answer": "4"}, {"prompt": "", "answer": "4"}],
         r"row 2, field 'prompt'"),
        ([{"question": "q", "answer": "no hashes here"}], r"row 1, field 'answer'.*####"),
        ([{"problem": "p", "solution": "no box"}], r"row 1, field 'solution'"),
        ([{"text": "what"}], r"row 1: cannot tell the row format"),
        ([{"prompt": "p", "answer": "1", "level": "hard"}], r"field 'level'"),
    ],
)
def test_bad_rows_name_the_file_row_and_field(
    tmp_path: Path, rows: list[object], message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    with pytest.raises(TaskFileError, match=message):
        load_math_tasks(path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match="file not found"):
        load_math_tasks(tmp_path / "nope.jsonl")


def test_an_empty_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(TaskFileError, match="no rows"):
        load_math_tasks(tmp_path / "empty.jsonl")
