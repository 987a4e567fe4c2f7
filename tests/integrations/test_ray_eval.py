"""`evaluate(..., ray_address=)` and `rlvr eval --ray` on a local Ray instance: the same rows as
the env path (math generators, the bundled code problems in Docker, Lean without a REPL), resume
across Ray and no Ray, refused options, a killed actor, the command line."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gymnasium
import pytest
import ray

import rlvr_gym
from rlvr_gym.cli import main
from rlvr_gym.core import procfs
from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.task import Task
from rlvr_gym.evaluation import evaluate
from rlvr_gym.evaluation.policies import reference_response
from rlvr_gym.rewards import RewardSpec, RewardSpecWrapper

CONTENT = ("task_index", "sample_index", "task_id", "response", "reward", "verdict",
           "infra_error")


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


class MixedMath:
    """Right, wrong, hedged, unanswered and slow-to-check answers, in turn."""

    spec = "test:mixed-math"

    def __call__(self, task: Task, n: int) -> list[str]:
        answer = task.reference["answer"]
        kinds = [
            reference_response(task),
            f"The answer is \\boxed{{{answer}+1}}.",
            f"It is \\boxed{{{answer}}} or maybe \\boxed{{{answer}+2}}.",
            "I do not know.",
            f"2 + 2 = 4\nso \\boxed{{\\sqrt{{({answer})^2}}}}",
        ]
        return [kinds[j % len(kinds)] for j in range(n)]


class MixedCode:
    """The reference program, a crashing one, prose and code that does not compile."""

    spec = "test:mixed-code"

    def __call__(self, task: Task, n: int) -> list[str]:
        kinds = [
            reference_response(task),
            "```python\nimport sys\nsys.exit(3)\n```",
            "no code here",
            "```python\ndef broken(:\n```",
        ]
        return [kinds[j % len(kinds)] for j in range(n)]


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _content(path: Path) -> list[dict[str, Any]]:
    """What must not depend on where a row was scored, sorted by (task, sample)."""
    rows = [{k: row[k] for k in CONTENT} for row in _rows(path)]
    return sorted(rows, key=lambda r: (r["task_index"], r["sample_index"]))


@pytest.mark.parametrize(
    "env_kwargs",
    [
        {},
        # every verifier setting and the reward weights reach the actors: with no time to
        # check, the sqrt answers time out; no steps are scored; the weights are the env's
        {"timeout_s": 1e-6, "process": False,
         "reward_weights": {"outcome": 1.0, "process": 0.5, "format": 0.25}},
    ],
)
def test_ray_rows_equal_env_rows_on_a_math_generator(
    tmp_path: Path, env_kwargs: dict[str, Any]
) -> None:
    args: dict[str, Any] = {"env_id": "rlvr/MathLinear-v0", "policy": MixedMath(), "n": 6,
                            "samples": 5, "env_kwargs": env_kwargs, "progress": False}
    local = evaluate(out=tmp_path / "env.jsonl", **args)
    remote = evaluate(out=tmp_path / "ray.jsonl", ray_address="auto", workers=2, **args)
    assert _content(tmp_path / "ray.jsonl") == _content(tmp_path / "env.jsonl")
    assert [r["task_index"] for r in _rows(tmp_path / "ray.jsonl")] == \
        [i for i in range(6) for _ in range(5)]  # written in order
    assert (remote.pass_at_k, remote.mean_outcome) == (local.pass_at_k, local.mean_outcome)
    reasons = {r["verdict"]["reason"] for r in _rows(tmp_path / "ray.jsonl")}
    if env_kwargs:
        assert "timeout" in reasons
        assert all(r["verdict"]["steps"] == [] for r in _rows(tmp_path / "ray.jsonl"))
        assert all(r["reward"]["weights"] == env_kwargs["reward_weights"]
                   for r in _rows(tmp_path / "ray.jsonl"))
    else:
        assert {"correct", "wrong_answer", "hedged", "no_answer"} <= reasons
        assert "timeout" not in reasons


@pytest.mark.slow
@pytest.mark.docker
def test_ray_rows_equal_env_rows_on_the_bundled_code_problems(tmp_path: Path) -> None:
    args: dict[str, Any] = {"env_id": "rlvr/CodePublic-v0", "policy": MixedCode(), "n": 5,
                            "samples": 4, "progress": False}
    evaluate(out=tmp_path / "env.jsonl", **args)
    evaluate(out=tmp_path / "ray.jsonl", ray_address="auto", workers=2, **args)
    assert _content(tmp_path / "ray.jsonl") == _content(tmp_path / "env.jsonl")
    reasons = {r["verdict"]["reason"] for r in _rows(tmp_path / "ray.jsonl")}
    assert {"correct", "runtime_error", "compile_error"} <= reasons
    outcomes = [r["reward"]["outcome"] for r in _rows(tmp_path / "ray.jsonl")]
    assert outcomes[0::4] == [1.0] * 5 and set(outcomes[1::4]) == {0.0}
    assert not any(r["infra_error"] for r in _rows(tmp_path / "ray.jsonl"))


def test_lean_settings_reach_the_actors_and_rows_match(tmp_path: Path) -> None:
    """No Lean REPL on this machine or its actors: both paths give the same infrastructure
    rows, and the env's `command` setting travels to the actors."""
    args: dict[str, Any] = {"env_id": "rlvr/LeanCore-v0", "policy": "reference", "n": 3,
                            "samples": 1, "progress": False}
    evaluate(out=tmp_path / "env.jsonl", **args)
    evaluate(out=tmp_path / "ray.jsonl", ray_address="auto", workers=2, **args)
    assert _content(tmp_path / "ray.jsonl") == _content(tmp_path / "env.jsonl")

    from rlvr_gym.integrations.ray import actor_verifier_for

    env = rlvr_gym.make("rlvr/LeanCore-v0", command=["lake", "env", "repl"], cwd="proj")
    recipe = actor_verifier_for(env.unwrapped.verifier)  # type: ignore[attr-defined]
    env.close()
    assert recipe.family == "lean"
    assert recipe.settings["command"] == ["lake", "env", "repl"]
    assert recipe.settings["cwd"] == "proj"


def _cut(path: Path, rows: int) -> None:
    """Leave `rows` whole rows and half of the next, as a run killed mid-write does."""
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:rows]) + lines[rows][: len(lines[rows]) // 2])


@pytest.mark.parametrize("first_on_ray", [False, True])
def test_a_run_resumes_across_ray_and_no_ray(tmp_path: Path, first_on_ray: bool) -> None:
    # A generous time limit: a step check timing out on a loaded machine would make the rows
    # differ for a reason this test is not about.
    args: dict[str, Any] = {"env_id": "rlvr/MathArithmetic-v0", "policy": MixedMath(), "n": 5,
                            "samples": 3, "progress": False, "env_kwargs": {"timeout_s": 30.0}}
    whole = tmp_path / "whole.jsonl"
    evaluate(out=whole, **args)
    out = tmp_path / "eval.jsonl"
    first: dict[str, Any] = {"ray_address": "auto", "workers": 2} if first_on_ray else {}
    second: dict[str, Any] = {} if first_on_ray else {"ray_address": "auto", "workers": 2}
    evaluate(out=out, **first, **args)
    meta = (tmp_path / "eval.meta.json").read_text()
    assert "ray" not in meta.lower()
    _cut(out, 7)
    summary = evaluate(out=out, **second, **args)
    assert _content(out) == _content(whole)
    assert len(_rows(out)) == 15  # nothing lost, nothing twice
    assert summary.scored == 15
    assert (tmp_path / "eval.meta.json").read_text() == meta


def _register(id: str, entry_point: Any) -> str:
    rlvr_gym.register(id, entry_point, description="test: Ray refusals")
    return id


def _wrapped_linear_env(**kwargs: Any) -> gymnasium.Env[str, str]:
    return RewardSpecWrapper(rlvr_gym.make("rlvr/MathLinear-v0", **kwargs), RewardSpec())


@pytest.mark.parametrize(
    ("env_id", "env_kwargs", "match"),
    [
        ("rlvr/MathLinearSteps-v0", {}, "step mode"),
        ("rlvr/MathLinear-v0", {"mode": "steps"}, "step mode"),
        ("rlvr/MathLinear-v0", {"step_scorer": "half"}, "'step_scorer'"),
        ("rlvr/CodePublicMulti-v0", {}, "step mode"),
        ("wrapped", {}, "wrapped in RewardSpecWrapper"),
    ],
)
def test_options_the_actors_cannot_honour_are_refused_before_anything_is_written(
    tmp_path: Path, env_id: str, env_kwargs: dict[str, Any], match: str
) -> None:
    if env_id == "wrapped":
        env_id = _register("rlvr/TestRayWrapped-v0", _wrapped_linear_env)
    if env_kwargs.get("step_scorer") == "half":
        env_kwargs = {"step_scorer": half_marks}
    _assert_refused(tmp_path, env_id, env_kwargs, match)


def half_marks(problem: str, steps: Sequence[str]) -> list[float]:
    """A step scorer of this process (a learned one would hold a model)."""
    return [0.5] * len(steps)


def _assert_refused(tmp_path: Path, env_id: str, env_kwargs: dict[str, Any], match: str) -> None:
    out = tmp_path / "eval.jsonl"
    with pytest.raises(ConfigurationError, match=match) as refused:
        evaluate(env_id, MixedMath(), n=2, samples=1, out=out, env_kwargs=env_kwargs,
                 progress=False, ray_address="auto", workers=1)
    assert "without --ray" in str(refused.value)
    assert not out.exists()


@pytest.mark.docker
def test_a_sandbox_given_to_the_env_is_refused(tmp_path: Path) -> None:
    from rlvr_gym.sandboxes import DockerSandboxPool

    sandbox = DockerSandboxPool(size=1)
    try:
        _assert_refused(tmp_path, "rlvr/CodePublic-v0", {"sandbox": sandbox}, "'sandbox'")
    finally:
        sandbox.close()


def _my_actor_pids() -> list[int]:
    """Pids of the VerifierActor processes of this test's own Ray instance (descendants of
    this process), never another run's."""
    found = []
    for actor in procfs.pids():
        argv = procfs.cmdline(actor)
        if not argv or not argv[0].startswith(b"ray::VerifierActor"):
            continue
        pid: int | None = actor
        while pid is not None and pid > 1 and pid != os.getpid():
            stat = procfs.read_stat(pid)
            pid = stat.ppid if stat is not None else None
        if pid == os.getpid():
            found.append(actor)
    return found


class KillsActorsAtTask:
    """The reference policy, which kills this test's verifier actors when asked for one task."""

    spec = "test:kills-actors"

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id
        self.killed: list[int] = []

    def __call__(self, task: Task, n: int) -> list[str]:
        if task.id == self.task_id and not self.killed:
            self.killed = _my_actor_pids()
            for pid in self.killed:
                os.kill(pid, signal.SIGKILL)
        return [reference_response(task)] * n


@pytest.mark.slow
def test_a_killed_actor_gives_infra_error_rows_not_a_crash(tmp_path: Path) -> None:
    env = rlvr_gym.make("rlvr/MathArithmetic-v0")
    killer_task = env.reset(options={"index": 10})[1]["task"]["id"]
    env.close()
    policy = KillsActorsAtTask(killer_task)  # 2 actors x 4 chunks x 4 rows: tasks 0-7, then 8-15
    out = tmp_path / "eval.jsonl"
    summary = evaluate("rlvr/MathArithmetic-v0", policy, n=16, samples=4, out=out,
                       progress=False, ray_address="auto", workers=2)
    assert len(policy.killed) == 2
    rows = _rows(out)
    assert len(rows) == 64
    failed = [r for r in rows if r["infra_error"]]
    assert failed, "the rows the dead actors held must be infrastructure errors"
    assert all("actor died" in r["verdict"]["infra_error"] and r["reward"]["infra_error"]
               for r in failed)
    assert all(r["task_index"] >= 8 for r in failed)
    assert all(r["reward"]["outcome"] == 1.0 for r in rows if not r["infra_error"])
    assert summary.infra_errors == len(failed) < 64


def test_rlvr_eval_with_ray_local_writes_the_rows_plain_eval_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["eval", "rlvr/MathFractions-v0", "-n", "3", "--samples", "2", "--no-progress"]
    assert main([*common, "--out", str(tmp_path / "plain.jsonl")]) == 0
    capsys.readouterr()
    code = main([*common, "--out", str(tmp_path / "ray.jsonl"), "--ray", "local",
                 "--workers", "2"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "pass@1 1.000" in captured.out
    assert _content(tmp_path / "ray.jsonl") == _content(tmp_path / "plain.jsonl")
    summary = json.loads((tmp_path / "ray.summary.json").read_text())
    assert (summary["tasks"], summary["samples"], summary["infra_errors"]) == (3, 2, 0)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--ray", "local", "--workers", "0"], "--workers must be between 1 and"),
        (["--workers", "2"], "needs --ray"),
        (["--ray", "local", "--env-kwarg", "mode=steps"], "step mode"),
    ],
)
def test_rlvr_eval_ray_mistakes_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], match: str
) -> None:
    out = tmp_path / "e.jsonl"
    code = main(["eval", "rlvr/MathLinear-v0", "-n", "1", "--samples", "1", "--out", str(out),
                 *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1
    assert match in err
    assert not out.exists()
