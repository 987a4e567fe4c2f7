"""``rlvr score --processes``: rows scored on worker processes (each with its own math pool and
Docker sandbox pool) are the rows plain ``rlvr score`` writes, and the two resume each other."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rlvr_gym.cli import main
from rlvr_gym.tasks.code_datasets import bundled_public_path


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _without_timing(row: dict[str, Any]) -> dict[str, Any]:
    """A row without its timings (``elapsed_s``, ``scoring_s``, ...), which differ run to run."""
    verdict = row.get("verdict")
    if isinstance(verdict, dict):
        verdict = {k: v for k, v in verdict.items() if not k.endswith("_s")}
    return {**{k: v for k, v in row.items() if not k.endswith("_s")}, "verdict": verdict}


def _block(code: str) -> str:
    return f"```python\n{code}\n```"


@pytest.fixture
def rows_file(tmp_path: Path) -> Path:
    """Math rows (right, wrong, hedged, a missing field), a bad line, an unknown family."""
    rows: list[Any] = [
        {"id": f"m{i}", "family": "math", "answer": str(i * 3),
         "response": f"{i} * 3 = {i * 3}\n\\boxed{{{i * 3 + (i % 2)}}}"}
        for i in range(12)
    ]
    rows.insert(3, {"id": "hedged", "family": "math", "answer": "2",
                    "response": "\\boxed{2} or \\boxed{3}"})
    rows.insert(5, {"id": "no-response", "family": "math", "answer": "2"})
    rows.insert(7, {"id": "chess", "family": "chess", "response": "e4"})
    lines = [json.dumps(r) for r in rows]
    lines.insert(9, "{not json")
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _score(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["score", *argv, "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
def test_processes_write_the_rows_plain_score_writes(
    rows_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, on_processes = tmp_path / "plain.jsonl", tmp_path / "processes.jsonl"
    assert _score(capsys, str(rows_file), "--out", str(plain))[0] == 0
    code, out, err = _score(capsys, str(rows_file), "--out", str(on_processes), "--processes",
                            "--workers", "2", "--per-worker", "2")
    assert code == 0, err
    assert [_without_timing(r) for r in _rows(on_processes)] == \
        [_without_timing(r) for r in _rows(plain)]
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["count"] == 16
    assert summary["errors"] == 3
    assert summary["mean_score"] == pytest.approx(6 / 13)  # 6 of 12 right, hedged wrong


@pytest.mark.slow
@pytest.mark.parametrize("first", [["--processes", "--workers", "2"], []])
def test_processes_and_threads_resume_each_other(
    rows_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], first: list[str]
) -> None:
    whole, out = tmp_path / "whole.jsonl", tmp_path / "out.jsonl"
    assert _score(capsys, str(rows_file), "--out", str(whole))[0] == 0
    assert _score(capsys, str(rows_file), "--out", str(out), *first)[0] == 0
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:6]) + lines[6][:10])  # six rows and a torn seventh
    second = [] if first else ["--processes", "--workers", "2"]
    code, stdout, err = _score(capsys, str(rows_file), "--out", str(out), *second)
    assert code == 0, err
    assert [_without_timing(r) for r in _rows(out)] == [_without_timing(r) for r in _rows(whole)]
    assert json.loads(stdout.strip().splitlines()[-1])["scored_now"] == 10


@pytest.mark.slow
@pytest.mark.docker
def test_processes_judge_code_rows_in_their_own_sandboxes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problems = [json.loads(line) for line in bundled_public_path().read_text().splitlines()]
    function, stdio = problems[0], problems[-1]
    rows = [
        {**{k: function[k] for k in ("id", "kind", "entry_point", "tests")}, "family": "code",
         "response": _block(function["reference_solution"])},
        {**{k: stdio[k] for k in ("id", "kind", "entry_point", "tests")}, "family": "code",
         "response": _block(stdio["wrong_solutions"][0])},
        {**{k: stdio[k] for k in ("id", "kind", "entry_point", "tests")}, "family": "code",
         "response": _block(stdio["reference_solution"])},
        {"id": "math", "family": "math", "answer": "4", "response": "\\boxed{4}"},
    ]
    source = tmp_path / "code.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "scored.jsonl"
    code, _, err = _score(capsys, str(source), "--out", str(out), "--processes", "--workers",
                          "2", "--per-worker", "1")
    assert code == 0, err
    scored = _rows(out)
    assert [r["score"] for r in scored] == [1.0, 0.0, 1.0, 1.0]
    assert not any(r["verdict"]["infra_error"] for r in scored)
    assert scored[1]["verdict"]["process"] == pytest.approx(
        stdio["wrong_solution_pass_rates"][0], abs=1e-4)


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--processes", "--ray", "local"], "not allowed with argument"),
        (["--per-worker", "2"], "--per-worker"),
        (["--processes", "--workers", "0"], "--workers must be between 1 and"),
        (["--processes", "--per-worker", "0"], "--per-worker must be between 1 and"),
    ],
)
def test_score_executor_mistakes_exit_2(
    rows_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
    match: str,
) -> None:
    out = tmp_path / "out.jsonl"
    code, _, err = _score(capsys, str(rows_file), "--out", str(out), *argv)
    assert code == 2
    assert "error: " in err
    assert match in err
    assert not out.exists() or out.read_text() == ""
