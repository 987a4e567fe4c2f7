"""The examples run: the GRPO loop's log follows its schedule and the curriculum climbs; the
trainer-adapter examples' parts that need no trainer run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rlvr_gym.rewards import Linear

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.slow
def test_grpo_loop_log(tmp_path: Path) -> None:
    out = tmp_path / "log.jsonl"
    done = run("grpo_loop.py", "--out", str(out), "--steps", "80", "--anneal", "50",
               "--rate", "3", "--window", "8")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(80))
    schedule = Linear(1.0, 0.0, steps=50)
    for r in rows:
        assert r["weights"]["process"] == pytest.approx(schedule(r["step"]))
        assert r["weights"]["outcome"] == pytest.approx(1.0 - schedule(r["step"]))
        assert r["exploration"] == pytest.approx(r["weights"]["process"] * r["process"])
        assert r["groups_kept"] <= r["groups"]
    assert rows[0]["level"] == 1
    assert max(r["level"] for r in rows) >= 3
    assert any(r["decision"] == "promote" for r in rows)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["env_steps"] == 80 * 2 * 4


@pytest.mark.slow
def test_trl_example_runs_without_trl(tmp_path: Path) -> None:
    done = run("trl_grpo.py", "--out-dir", str(tmp_path), "-n", "4")
    assert done.returncode == 0, done.stderr
    assert "rlvr_outcome: [1.0, 0.0, 0.0]" in done.stdout
    assert (tmp_path / "train.jsonl").exists()


@pytest.mark.slow
def test_verl_example_runs(tmp_path: Path) -> None:
    done = run("verl_reward.py", "--out-dir", str(tmp_path), "-n", "4")
    assert done.returncode == 0, done.stderr
    assert "'score': 1.0" in done.stdout
    assert (tmp_path / "train.parquet").exists() and (tmp_path / "test.parquet").exists()
    assert "custom_reward_function.name=compute_score" in done.stdout


@pytest.mark.slow
def test_openrlhf_example_runs(tmp_path: Path) -> None:
    done = run("openrlhf_reward.py", "--out-dir", str(tmp_path), "-n", "4")
    assert done.returncode == 0, done.stderr
    assert "scores: [1.0, 0.0, 0.0]" in done.stdout
