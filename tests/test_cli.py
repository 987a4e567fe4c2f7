"""The ``rlvr`` command, run in-process through `main` (and once as a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rlvr_gym.cli import main

SRC = Path(__file__).resolve().parents[1] / "src"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --- rlvr score -------------------------------------------------------------------------------

SCORE_ROWS = [
    {"id": "right", "family": "math", "answer": "22", "response": "4*3 + 5*2 = 22\n\\boxed{22}"},
    {"id": "wrong", "family": "math", "answer": "22", "response": "So \\boxed{21}"},
    {"id": "hedged", "family": "math", "answer": "22",
     "response": "It is \\boxed{21}. Or maybe \\boxed{22}."},
    {"id": "frac", "family": "math", "answer": "\\frac{1}{2}", "response": "\\boxed{0.5}"},
    {"id": "no-response", "family": "math", "answer": "22"},
    {"id": "chess", "family": "chess", "fen": "8/8/8/8/8/8/8/8", "response": "e4"},
]


@pytest.fixture
def score_input(tmp_path: Path) -> Path:
    path = tmp_path / "responses.jsonl"
    lines = [json.dumps(r) for r in SCORE_ROWS]
    lines.insert(4, "{this is not json")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_score_writes_scores_and_ends_with_the_summary_line(
    capsys: pytest.CaptureFixture[str], score_input: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scored.jsonl"
    code, stdout, _ = _run(capsys, "score", str(score_input), "--out", str(out), "--workers", "2")
    assert code == 0
    rows = {r.get("id", r.get("row")): r for r in _rows(out)}
    assert rows["right"]["score"] == 1.0
    assert rows["wrong"]["score"] == 0.0
    assert rows["hedged"]["score"] == 0.0
    assert rows["hedged"]["verdict"]["reason"] == "hedged"
    assert rows["frac"]["score"] == 1.0
    assert rows["no-response"]["error"].startswith("row 6: field 'response'")
    assert rows[5]["error"].startswith("row 5: not valid JSON")
    assert rows["chess"]["error"].startswith("row 7: unknown family 'chess'")
    summary = json.loads(stdout.strip().splitlines()[-1])
    assert summary["count"] == 7
    assert summary["errors"] == 3
    assert summary["mean_score"] == pytest.approx(2 / 4)
    assert summary["checks_per_s"] > 0


def test_score_rerun_resumes_and_prints_the_same_summary(
    capsys: pytest.CaptureFixture[str], score_input: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scored.jsonl"
    _run(capsys, "score", str(score_input), "--out", str(out))
    before = out.read_text()
    code, stdout, _ = _run(capsys, "score", str(score_input), "--out", str(out))
    assert code == 0
    assert out.read_text() == before
    assert json.loads(stdout.splitlines()[-1])["scored_now"] == 0


# --- rlvr eval --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env_id", ["rlvr/MathArithmetic-v0", "rlvr/MathLinear-v0", "rlvr/MathLinearSteps-v0"]
)
def test_eval_reference_policy_scores_full_marks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, env_id: str
) -> None:
    out = tmp_path / "eval.jsonl"
    code, stdout, _ = _run(capsys, "eval", env_id, "-n", "3", "--samples", "2", "--out",
                           str(out), "--no-progress")
    assert code == 0, stdout
    summary = json.loads((tmp_path / "eval.summary.json").read_text())
    assert summary["mean_outcome"] == 1.0
    assert summary["pass_at_k"] == {"1": 1.0, "2": 1.0}
    assert summary["infra_errors"] == 0
    assert "pass@1 1.000" in stdout
    assert len(_rows(out)) == 6


@pytest.mark.slow
def test_eval_with_no_arguments_runs_the_embedded_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = _run(capsys, "eval")
    assert code == 0
    summary = json.loads((tmp_path / "rlvr-eval.summary.json").read_text())
    assert summary["env_id"] == "rlvr/Math-v0"
    assert summary["policy"] == "reference"
    assert (summary["tasks"], summary["samples"]) == (20, 4)
    assert summary["mean_outcome"] == 1.0
    assert len(_rows(tmp_path / "rlvr-eval.jsonl")) == 80


def test_eval_passes_env_kwargs_to_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "eval.jsonl"
    code, _, err = _run(capsys, "eval", "rlvr/MathArithmetic-v0", "-n", "2", "--samples", "1",
                        "--out", str(out), "--env-kwarg", "mode=steps",
                        "--env-kwarg", "max_steps=8", "--no-progress")
    assert code == 0, err
    assert all("step_rewards" in row for row in _rows(out))
    meta = json.loads((tmp_path / "eval.meta.json").read_text())
    assert meta["env_kwargs"] == {"mode": "steps", "max_steps": 8}


def test_eval_rerun_with_another_seed_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = str(tmp_path / "eval.jsonl")
    args = ["eval", "rlvr/MathArithmetic-v0", "-n", "1", "--samples", "1", "--out", out]
    assert _run(capsys, *args)[0] == 0
    code, _, err = _run(capsys, *args, "--seed", "5")
    assert code == 2
    assert err.startswith("error: ")
    assert "seed: 0 there, 5 now" in err


# --- rlvr tasks -------------------------------------------------------------------------------


def test_tasks_lists_ids_with_family_and_description(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = _run(capsys, "tasks")
    assert code == 0
    line = next(x for x in stdout.splitlines() if x.startswith("rlvr/Math-v0 "))
    assert "math" in line
    assert "mix" in line


def test_tasks_add_and_remove_a_data_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("RLVR_GYM_HOME", str(home))
    data = tmp_path / "mine.jsonl"
    data.write_text(json.dumps({"prompt": "What is 2 + 3?", "answer": "5"}) + "\n")
    code, stdout, err = _run(capsys, "tasks", "add", str(data), "--id", "rlvr/MineCli-v0")
    assert code == 0, err
    assert "rlvr/MineCli-v0" in stdout
    stored = json.loads((home / "tasks.json").read_text())
    assert stored["rlvr/MineCli-v0"]["path"] == str(data.resolve())
    assert "rlvr/MineCli-v0" in _run(capsys, "tasks")[1]

    assert "--policy reference -n 1" in stdout  # the hint fits the file's one row
    out = tmp_path / "mine-eval.jsonl"
    code, _, err = _run(capsys, "eval", "rlvr/MineCli-v0", "-n", "1", "--samples", "2",
                        "--out", str(out))
    assert code == 0, err
    assert [r["reward"]["outcome"] for r in _rows(out)] == [1.0, 1.0]
    code, _, err = _run(capsys, "eval", "rlvr/MineCli-v0", "-n", "2", "--out",
                        str(tmp_path / "past-the-end.jsonl"))
    assert code == 2
    assert "has 1 tasks" in err and "use n=1 or less" in err

    assert _run(capsys, "tasks", "remove", "rlvr/MineCli-v0")[0] == 0
    assert "rlvr/MineCli-v0" not in json.loads((home / "tasks.json").read_text())
    assert "rlvr/MineCli-v0" not in _run(capsys, "tasks")[1]


def test_tasks_add_of_a_malformed_file_names_the_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RLVR_GYM_HOME", str(tmp_path / "home"))
    data = tmp_path / "bad.jsonl"
    data.write_text(json.dumps({"prompt": "x", "answer": "1"}) + "\n" + '{"prompt": "y"}\n')
    code, _, err = _run(capsys, "tasks", "add", str(data), "--id", "rlvr/Bad-v0")
    assert code == 2
    assert "row 2" in err


def test_tasks_remove_of_an_unknown_id_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RLVR_GYM_HOME", str(tmp_path / "home"))
    code, _, err = _run(capsys, "tasks", "remove", "rlvr/Nothing-v0")
    assert code == 2
    assert err.startswith("error: ")


# --- errors -----------------------------------------------------------------------------------


def test_unknown_env_is_one_error_line_with_a_suggestion(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = _run(capsys, "eval", "rlvr/MathLiner-v0", "--out", str(tmp_path / "e.jsonl"))
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("error: ")
    assert "Did you mean `rlvr/MathLinear-v0`" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["eval", "--env-kwarg", "novalue"], "key=value"),
        (["eval", "--policy", "gpt-4"], "unknown policy"),
        (["eval", "--policy", "file:/nonexistent/x.jsonl"], "not found"),
        (["eval", "--temperature", "0.5"], "does not take option"),
        (["eval", "-n", "0"], "at least 1"),
        (["score", "/nonexistent/in.jsonl", "--out", "x.jsonl"], "not found"),
    ],
)
def test_configuration_mistakes_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    argv: list[str], match: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ")
    assert match in err
    assert err.count("\n") == 1


def test_infrastructure_failures_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "down.py").write_text(
        "from rlvr_gym import InfrastructureError\n"
        "def policy(task, n):\n"
        "    raise InfrastructureError('model server went away')\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    code, _, err = _run(capsys, "eval", "rlvr/MathArithmetic-v0", "--policy",
                        "python:down:policy", "-n", "1", "--samples", "1")
    assert code == 1
    assert err == "error: model server went away\n"


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "eval", "-n", "many")[0] == 2
    assert _run(capsys, "frobnicate")[0] == 2


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys)
    assert code == 2
    assert "eval" in err
    assert "score" in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = _run(capsys, "eval", "--help")
    assert code == 0
    assert "--policy" in stdout


def test_a_real_subprocess_runs_eval(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])]
    )}
    result = subprocess.run(
        [sys.executable, "-m", "rlvr_gym.cli", "eval", "rlvr/MathArithmetic-v0", "-n", "2",
         "--samples", "2", "--out", str(tmp_path / "e.jsonl")],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "pass@1 1.000" in result.stdout
    assert result.stderr == ""  # stderr is a pipe, so no progress bar
