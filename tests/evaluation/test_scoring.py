"""`score_rows` / `score_file`: per-row results, per-row errors, resume, summary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from rlvr_gym import ConfigurationError, Verdict
from rlvr_gym import scoring as scoring_module
from rlvr_gym.scoring import ScoreOptions, score_file, score_rows, summarize_scores


class ExactScorer:
    """Family "exact": right when the response equals the answer; INFRA fails the machinery."""

    instances = 0

    def __init__(self, options: ScoreOptions) -> None:
        type(self).instances += 1

    def __call__(self, row: Mapping[str, Any]) -> Verdict:
        if "answer" not in row:
            raise scoring_module.RowError("field 'answer' is missing")
        if row.get("response") == "INFRA":
            return Verdict.infrastructure_failure("fake")
        right = row.get("response") == row["answer"]
        return Verdict(outcome=1.0 if right else 0.0, reason="correct" if right else "wrong")

    def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def exact_family(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(scoring_module.SCORERS, "exact", ExactScorer)
    ExactScorer.instances = 0


ROWS: list[dict[str, Any]] = [
    {"family": "exact", "answer": "4", "response": "4", "id": "a"},
    {"family": "exact", "answer": "4", "response": "5"},
    {"family": "chess", "position": "8/8/8/8/8/8/8/8 w - - 0 1", "response": "e4"},
    {"family": "exact", "response": "4"},
    {"answer": "4", "response": "4"},
    {"family": "exact", "answer": "4", "response": "INFRA"},
]


def test_each_output_row_is_the_input_plus_score_reward_and_verdict() -> None:
    first, second, *_ = score_rows(ROWS, workers=2)
    assert first["id"] == "a"
    assert first["score"] == 1.0
    assert first["reward"]["outcome"] == 1.0
    assert first["verdict"]["reason"] == "correct"
    assert second["score"] == 0.0
    assert "error" not in first


def test_unknown_families_give_a_per_row_error_naming_the_row() -> None:
    result = score_rows(ROWS, workers=2)[2]
    assert result["score"] is None
    assert result["error"].startswith("row 3: unknown family 'chess'")
    assert "exact" in result["error"]


def test_rows_missing_a_field_give_a_per_row_error() -> None:
    results = score_rows(ROWS, workers=2)
    assert results[3]["error"] == "row 4: field 'answer' is missing"
    assert results[4]["error"].startswith("row 5: field 'family' is missing")


def test_one_scorer_is_built_per_family_per_run() -> None:
    score_rows(ROWS * 5, workers=4)
    assert ExactScorer.instances == 1


def test_summary_counts_errors_and_leaves_them_out_of_the_mean() -> None:
    summary = summarize_scores(score_rows(ROWS, workers=2))
    assert summary.count == 6
    assert summary.errors == 3
    assert summary.infra_errors == 1
    assert summary.mean_score == pytest.approx(0.5)


def _write(path: Path, lines: list[Any]) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _untimed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows without their timing (``scoring_s`` differs from run to run)."""
    return [{k: v for k, v in row.items() if k != "scoring_s"} for row in rows]


def test_score_file_keeps_order_and_turns_bad_json_into_an_error_row(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", [*ROWS[:2], "{oops", "", ROWS[1]])
    summary = score_file(source, tmp_path / "out.jsonl", workers=3)
    rows = _read(tmp_path / "out.jsonl")
    assert [r["score"] for r in rows] == [1.0, 0.0, None, 0.0]
    assert rows[2]["error"].startswith("row 3: not valid JSON")
    assert summary.count == 4
    assert summary.errors == 1
    assert json.loads((tmp_path / "out.summary.json").read_text())["count"] == 4


def test_score_file_resumes_after_a_kill_without_duplicates(tmp_path: Path) -> None:
    source = _write(tmp_path / "in.jsonl", ROWS * 3)
    out = tmp_path / "out.jsonl"
    score_file(source, out, workers=2)
    complete = _read(out)
    data = out.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 10  # half the rows and part of the next
    out.write_bytes(data[:cut])
    summary = score_file(source, out, workers=2)
    assert _untimed(_read(out)) == _untimed(complete)
    assert summary.count == len(ROWS) * 3
    assert summary.scored_now < summary.count


def test_score_file_refuses_output_of_another_input(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    score_file(_write(tmp_path / "a.jsonl", ROWS), out, workers=1)
    with pytest.raises(ConfigurationError, match="different run"):
        score_file(_write(tmp_path / "b.jsonl", ROWS), out, workers=1)


def test_score_file_of_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        score_file(tmp_path / "nope.jsonl", tmp_path / "out.jsonl")


def test_workers_below_one_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="workers"):
        score_rows(ROWS, workers=0)


def test_a_line_that_is_not_utf8_is_an_error_row_and_the_rest_is_scored(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = "".join(json.dumps(r) + "\n" for r in ROWS)
    source.write_bytes(b"\xff\xfe not text\n" + lines.encode())
    summary = score_file(source, tmp_path / "out.jsonl", workers=1)
    rows = _read(tmp_path / "out.jsonl")
    assert rows[0]["error"] == "row 1: not valid UTF-8 (byte 1)"
    assert len(rows) == len(ROWS) + 1 and summary.errors == 1 + sum(
        1 for r in rows[1:] if r.get("error"))


def test_score_file_splits_lines_as_task_files_do_and_survives_unreadable_json(
    tmp_path: Path,
) -> None:
    """Lines end at \\n, \\r\\n or a lone \\r (as `datasets.read_rows` reads them), so the same
    file has the same rows everywhere; an integer too long for Python is an error row."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(json.dumps(ROWS[0]).encode() + b"\r" + json.dumps(ROWS[1]).encode()
                       + b"\r\n" + b"[" + b"7" * 5000 + b"]\n" + json.dumps(ROWS[0]).encode())
    summary = score_file(source, tmp_path / "out.jsonl", workers=1)
    rows = _read(tmp_path / "out.jsonl")
    assert [r["score"] for r in rows] == [1.0, 0.0, None, 1.0]
    assert rows[2]["error"].startswith("row 3: not readable JSON")
    assert summary.count == 4 and summary.errors == 1
