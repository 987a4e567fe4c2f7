"""`evaluate`: deterministic tasks, one row per sample, resume without loss or duplicates."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

import rlvr_gym
from rlvr_gym import ConfigurationError, Task
from rlvr_gym.evaluation import evaluate
from rlvr_gym.evaluation import runner as runner_module
from rlvr_gym.evaluation.progress import ProgressBar


def boxed(task: Task) -> str:
    return f"so \\boxed{{{task.reference['answer']}}}"


class CountingPolicy:
    """Answers right on even samples and wrong on odd ones; records what it was asked."""

    spec = "test:counting"

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def __call__(self, task: Task, n: int) -> list[str]:
        self.calls.append((task.id, n))
        return [boxed(task) if j % 2 == 0 else "\\boxed{-1}" for j in range(n)]


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["task_index"], row["sample_index"], row["task_id"], row["response"],
            row["reward"]["outcome"])


def test_task_i_is_the_one_reset_with_seed_plus_i_gives(tmp_path: Path, fake_id: str) -> None:
    out = tmp_path / "eval.jsonl"
    evaluate(fake_id, CountingPolicy(), n=3, samples=1, out=out, seed=7, progress=False)
    env = rlvr_gym.make(fake_id)
    expected = [env.reset(seed=7 + i)[1]["task"]["id"] for i in range(3)]
    assert [r["task_id"] for r in _rows(out)] == expected


def test_every_task_and_sample_gets_one_row_with_reward_and_verdict(
    tmp_path: Path, fake_id: str
) -> None:
    out = tmp_path / "eval.jsonl"
    evaluate(fake_id, CountingPolicy(), n=3, samples=4, out=out, progress=False)
    rows = _rows(out)
    assert sorted((r["task_index"], r["sample_index"]) for r in rows) == [
        (i, j) for i in range(3) for j in range(4)
    ]
    first = rows[0]
    assert {"task_id", "response", "reward", "verdict", "elapsed_s", "infra_error"} <= set(first)
    assert first["reward"]["outcome"] == 1.0
    assert first["verdict"]["reason"] == "correct"


def test_summary_reports_pass_at_k_and_is_written_beside_the_results(
    tmp_path: Path, fake_id: str
) -> None:
    out = tmp_path / "eval.jsonl"
    summary = evaluate(fake_id, CountingPolicy(), n=3, samples=4, out=out, progress=False)
    assert summary.pass_at_k[1] == pytest.approx(0.5)
    assert summary.pass_at_k[2] == pytest.approx(1 - 1 / 6)  # 1 - C(2,2)/C(4,2)
    assert summary.pass_at_k[4] == pytest.approx(1.0)
    assert summary.mean_outcome == pytest.approx(0.5)
    assert summary.infra_errors == 0
    assert summary.seconds_per_sample is not None
    stored = json.loads((tmp_path / "eval.summary.json").read_text())
    assert stored["pass_at_k"]["2"] == pytest.approx(summary.pass_at_k[2])
    assert stored["env_id"] == fake_id


def test_reference_policy_scores_full_marks(tmp_path: Path, fake_id: str) -> None:
    summary = evaluate(fake_id, "reference", n=4, samples=2, out=tmp_path / "r.jsonl",
                       progress=False)
    assert summary.mean_outcome == 1.0
    assert summary.pass_at_k[1] == 1.0


def test_resume_after_a_kill_mid_row_loses_and_duplicates_nothing(
    tmp_path: Path, fake_id: str
) -> None:
    complete = tmp_path / "complete.jsonl"
    evaluate(fake_id, CountingPolicy(), n=4, samples=3, out=complete, progress=False)
    reference_rows = _rows(complete)

    killed = tmp_path / "killed.jsonl"
    evaluate(fake_id, CountingPolicy(), n=4, samples=3, out=killed, progress=False)
    data = killed.read_bytes()
    lines = data.splitlines(keepends=True)
    cut = sum(len(line) for line in lines[:5]) + len(lines[5]) // 2  # five rows and a half
    killed.write_bytes(data[:cut])

    policy = CountingPolicy()
    summary = evaluate(fake_id, policy, n=4, samples=3, out=killed, progress=False)
    resumed = _rows(killed)
    assert len(resumed) == len(reference_rows) == 12
    assert sorted(map(_key, resumed)) == sorted(map(_key, reference_rows))
    assert len({(r["task_index"], r["sample_index"]) for r in resumed}) == 12
    assert [n for _, n in policy.calls] == [3, 3, 3]  # task 0 was done; 1 is partial
    assert summary.scored == 12


def test_rerun_of_a_finished_run_asks_the_policy_nothing(tmp_path: Path, fake_id: str) -> None:
    out = tmp_path / "eval.jsonl"
    evaluate(fake_id, CountingPolicy(), n=2, samples=2, out=out, progress=False)
    policy = CountingPolicy()
    summary = evaluate(fake_id, policy, n=2, samples=2, out=out, progress=False)
    assert policy.calls == []
    assert len(_rows(out)) == 4
    assert summary.mean_outcome == pytest.approx(0.5)


def test_a_larger_n_extends_a_finished_run(tmp_path: Path, fake_id: str) -> None:
    out = tmp_path / "eval.jsonl"
    evaluate(fake_id, CountingPolicy(), n=2, samples=2, out=out, progress=False)
    policy = CountingPolicy()
    summary = evaluate(fake_id, policy, n=3, samples=2, out=out, progress=False)
    assert len(policy.calls) == 1
    assert len(_rows(out)) == 6
    assert summary.tasks == 3


@pytest.mark.parametrize(
    "change",
    [
        {"env_id": "rlvr/TestAdditionSteps-v0"},
        {"policy": "reference"},
        {"seed": 1},
        {"samples": 3},
        {"env_kwargs": {"max_steps": 3}},
    ],
)
def test_a_rerun_with_other_arguments_is_refused(
    tmp_path: Path, fake_id: str, change: dict[str, Any]
) -> None:
    out = tmp_path / "eval.jsonl"
    args: dict[str, Any] = {"env_id": fake_id, "policy": CountingPolicy(), "n": 2, "samples": 2,
                            "out": out, "seed": 0, "progress": False}
    evaluate(**args)
    before = out.read_bytes()
    with pytest.raises(ConfigurationError, match="different run"):
        evaluate(**{**args, **change})
    assert out.read_bytes() == before


def test_results_without_their_meta_file_are_refused(tmp_path: Path, fake_id: str) -> None:
    out = tmp_path / "eval.jsonl"
    evaluate(fake_id, CountingPolicy(), n=1, samples=1, out=out, progress=False)
    (tmp_path / "eval.meta.json").unlink()
    with pytest.raises(ConfigurationError, match="missing"):
        evaluate(fake_id, CountingPolicy(), n=1, samples=1, out=out, progress=False)


def test_infrastructure_errors_are_counted_and_left_out_of_pass_at_k(
    tmp_path: Path, fake_id: str
) -> None:
    def flaky(task: Task, n: int) -> list[str]:
        return [boxed(task), "INFRA"][:n]

    summary = evaluate(fake_id, flaky, n=3, samples=2, out=tmp_path / "e.jsonl", progress=False)
    assert summary.infra_errors == 3
    assert summary.mean_outcome == 1.0
    assert summary.pass_at_k[1] == 1.0
    assert summary.pass_at_k[2] is None  # no task has two judged samples


def test_a_policy_giving_the_wrong_number_of_responses_is_an_error(
    tmp_path: Path, fake_id: str
) -> None:
    with pytest.raises(ConfigurationError, match="returned 1 responses"):
        evaluate(fake_id, lambda task, n: ["x"], n=1, samples=2, out=tmp_path / "e.jsonl",
                 progress=False)


def test_unknown_environment_suggests_the_near_miss(tmp_path: Path, fake_id: str) -> None:
    with pytest.raises(rlvr_gym.UnknownEnvironmentError, match="Did you mean"):
        evaluate("rlvr/TestAdition-v0", "reference", n=1, samples=1, out=tmp_path / "e.jsonl")


@pytest.mark.parametrize(("n", "samples"), [(0, 1), (1, 0)])
def test_counts_below_one_are_refused(tmp_path: Path, fake_id: str, n: int, samples: int) -> None:
    with pytest.raises(ConfigurationError):
        evaluate(fake_id, "reference", n=n, samples=samples, out=tmp_path / "e.jsonl")


def test_step_mode_feeds_steps_until_the_episode_ends_and_sums_rewards(
    tmp_path: Path, fake_steps_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "_split_steps", lambda family, text: text.splitlines())

    def policy(task: Task, n: int) -> list[str]:
        return [f"think?\nstep\n{boxed(task)}\nafterthought"] * n

    out = tmp_path / "steps.jsonl"
    summary = evaluate(fake_steps_id, policy, n=2, samples=1, out=out, progress=False)
    row = _rows(out)[0]
    assert row["ended"] == "terminated"
    assert row["unused_steps"] == 1
    assert len(row["step_rewards"]) == len(row["step_verdicts"]) == 3
    assert row["reward"]["total"] == pytest.approx(sum(r["total"] for r in row["step_rewards"]))
    assert row["reward"]["total"] == pytest.approx(1.0 + 0.1 * (0.5 + 1.0 + 1.0))
    assert row["reward"]["process"] == pytest.approx((0.5 + 1.0 + 1.0) / 3)
    assert summary.mean_outcome == 1.0


def test_step_mode_stops_at_the_step_budget(
    tmp_path: Path, fake_steps_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "_split_steps", lambda family, text: text.splitlines())
    out = tmp_path / "steps.jsonl"
    evaluate(fake_steps_id, lambda task, n: ["a\nb\nc\nd\ne\nf"] * n, n=1, samples=1, out=out,
             progress=False)
    row = _rows(out)[0]
    assert row["ended"] == "truncated"
    assert len(row["step_rewards"]) == 4
    assert row["unused_steps"] == 2
    assert row["reward"]["outcome"] == 0.0


def test_progress_bar_is_silent_when_stderr_is_not_a_terminal(
    tmp_path: Path, fake_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    evaluate(fake_id, "reference", n=2, samples=1, out=tmp_path / "e.jsonl", progress=True)
    assert capsys.readouterr().err == ""


def test_progress_bar_can_be_forced(
    tmp_path: Path, fake_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    evaluate(fake_id, "reference", n=2, samples=1, out=tmp_path / "e.jsonl", progress="always")
    err = capsys.readouterr().err
    assert "2/2" in err
    assert err.endswith("\n")


def test_progress_bar_shows_count_rate_and_eta() -> None:
    stream = io.StringIO()
    bar = ProgressBar(10, initial=2, force=True, stream=stream, min_interval_s=0)
    bar.update(3)
    text = bar.render()
    assert "5/10" in text
    assert "/s" in text
    assert "ETA" in text
    assert "\r" in stream.getvalue()


def test_a_resume_whose_tasks_changed_is_refused(tmp_path: Path, fake_id: str) -> None:
    out = tmp_path / "eval.jsonl"
    evaluate(fake_id, CountingPolicy(), n=1, samples=2, out=out, progress=False)
    first = json.loads(out.read_text().splitlines()[0])
    out.write_text(json.dumps({**first, "task_id": "add/other"}) + "\n")
    with pytest.raises(ConfigurationError, match="environment changed"):
        evaluate(fake_id, CountingPolicy(), n=1, samples=2, out=out, progress=False)


def test_tasks_past_the_end_of_the_source_are_refused(tmp_path: Path, fake_id: str) -> None:
    out = tmp_path / "e.jsonl"
    with pytest.raises(ConfigurationError, match="has 1000000 tasks"):
        evaluate(fake_id, "reference", n=2, samples=1, out=out, seed=999_999, progress=False)
    with pytest.raises(ConfigurationError, match="past the last task"):
        evaluate(fake_id, "reference", n=1, samples=1, out=out, seed=1_000_000, progress=False)
    assert not out.exists()
    summary = evaluate(fake_id, "reference", n=1, samples=1, out=out, seed=999_999,
                       progress=False)
    assert summary.scored == 1


def test_a_dataset_level_counts_only_its_tasks(tmp_path: Path) -> None:
    """Three sample rows are at level 3: a fourth would wrap round to the first again."""
    out = tmp_path / "e.jsonl"
    with pytest.raises(ConfigurationError, match="has 3 tasks at difficulty 3"):
        evaluate("rlvr/MathFile-v0", "reference", n=4, samples=1, out=out,
                 env_kwargs={"difficulty": 3}, progress=False)
    assert not out.exists()
    summary = evaluate("rlvr/MathFile-v0", "reference", n=3, samples=1, out=out,
                       env_kwargs={"difficulty": 3}, progress=False)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert summary.scored == 3 and len({row["task_id"] for row in rows}) == 3


@pytest.mark.parametrize(
    ("change", "match"),
    [({"seed": -1}, "seed"), ({"samples": 100_001}, "at most"), ({"workers": 2}, "ray_address"),
     ({"ray_address": " "}, "ray_address")],
)
def test_impossible_settings_are_refused_before_anything_is_written(
    tmp_path: Path, fake_id: str, change: dict[str, Any], match: str
) -> None:
    out = tmp_path / "e.jsonl"
    args: dict[str, Any] = {"n": 1, "samples": 1, "out": out, "progress": False, **change}
    with pytest.raises(ConfigurationError, match=match):
        evaluate(fake_id, "reference", **args)
    assert not out.exists()


@pytest.mark.parametrize(
    "content",
    [b'{"task_index": 0, "sample_index": 0}',  # one row, no newline: not a torn row of ours
     b'{"task_index": 0, "sample_index": 0}\n{"task_in'],
)
def test_a_file_of_no_run_is_refused_byte_for_byte(
    tmp_path: Path, fake_id: str, content: bytes
) -> None:
    out = tmp_path / "theirs.jsonl"
    out.write_bytes(content)
    with pytest.raises(ConfigurationError, match="what produced them"):
        evaluate(fake_id, CountingPolicy(), n=1, samples=1, out=out, progress=False)
    assert out.read_bytes() == content
    assert not (tmp_path / "theirs.meta.json").exists()


def test_a_torn_row_of_another_run_is_kept_and_of_this_run_dropped(
    tmp_path: Path, fake_id: str
) -> None:
    out = tmp_path / "e.jsonl"
    evaluate(fake_id, CountingPolicy(), n=2, samples=1, out=out, progress=False)
    whole = out.read_bytes()
    out.write_bytes(whole + b'{"task_index": 2, "sam')
    torn = out.read_bytes()
    with pytest.raises(ConfigurationError, match="different run"):
        evaluate(fake_id, CountingPolicy(), n=2, samples=1, out=out, seed=4, progress=False)
    assert out.read_bytes() == torn
    evaluate(fake_id, CountingPolicy(), n=2, samples=1, out=out, progress=False)
    assert out.read_bytes() == whole


@pytest.mark.parametrize("where", ["dir", "under-a-file"])
def test_an_out_that_cannot_be_a_file_is_a_configuration_error(
    tmp_path: Path, fake_id: str, where: str
) -> None:
    (tmp_path / "a-file").write_text("keep me\n")
    out = tmp_path if where == "dir" else tmp_path / "a-file" / "e.jsonl"
    with pytest.raises(ConfigurationError, match="directory" if where == "dir" else "is a file"):
        evaluate(fake_id, "reference", n=1, samples=1, out=out, progress=False)
    assert (tmp_path / "a-file").read_text() == "keep me\n"
