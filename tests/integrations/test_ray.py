"""Ray verifier actors on a local Ray instance: same verdicts as processes, order, dead actors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray
from adapter_rows import right, wrong

from rlvr_gym.cli import main
from rlvr_gym.core.task import Task
from rlvr_gym.integrations.batch import score_batch
from rlvr_gym.integrations.ray import RayScorer


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


def _comparable(verdict: Any) -> dict[str, Any]:
    data = dict(verdict.to_dict())
    data.pop("elapsed_s", None)
    return {k: v for k, v in data.items() if "elapsed" not in k}


def test_actor_verdicts_equal_the_process_executor(math_tasks: list[Task]) -> None:
    responses = [right(t) if i % 2 == 0 else wrong(t) for i, t in enumerate(math_tasks)]
    on_ray = score_batch(math_tasks, responses, workers=2, executor="ray")
    on_processes = score_batch(math_tasks, responses, workers=2)
    assert [_comparable(v) for v in on_ray] == [_comparable(v) for v in on_processes]
    assert [v.outcome for v in on_ray] == [1.0 if i % 2 == 0 else 0.0
                                          for i in range(len(math_tasks))]


def test_order_is_preserved_over_many_small_chunks(math_tasks: list[Task]) -> None:
    tasks = math_tasks * 4
    pattern = [i % 3 == 0 for i in range(len(tasks))]
    responses = [right(t) if ok else wrong(t) for t, ok in zip(tasks, pattern, strict=True)]
    with RayScorer(2, chunks_per_actor=12, process=False) as scorer:
        verdicts = scorer.score(tasks, responses)
        assert scorer.score([], []) == []
    assert [v.outcome for v in verdicts] == [1.0 if ok else 0.0 for ok in pattern]



def _wait_until_dead(actor: Any, timeout_s: float = 30.0) -> None:
    """Return once calls on `actor` fail because it died (fails the test past `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            ray.get(actor.pid.remote(), timeout=5)
        except ray.exceptions.RayActorError:
            return
        except ray.exceptions.GetTimeoutError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the killed actor still answered after {timeout_s:g} s")

def test_a_killed_actor_gives_infra_verdicts_and_is_replaced(math_tasks: list[Task]) -> None:
    responses = [right(t) for t in math_tasks]
    with RayScorer(2, process=False) as scorer:
        assert all(v.outcome == 1.0 for v in scorer.score(math_tasks, responses))
        victim = scorer.actors[0]
        ray.kill(victim)
        _wait_until_dead(victim)  # the kill lands asynchronously; a task sent first may still run
        verdicts = scorer.score(math_tasks, responses)
        failed = [v for v in verdicts if v.infra_error is not None]
        assert failed, "the dead actor's rows must become infrastructure failures"
        assert all("actor died" in (v.infra_error or "") for v in failed)
        assert all(v.outcome == 1.0 for v in verdicts if v.infra_error is None)
        assert scorer.replaced >= 1 and scorer.actors[0] is not victim
        again = scorer.score(math_tasks, responses)  # recovered: every row scored
        assert [v.infra_error for v in again] == [None] * len(math_tasks)
        assert all(v.outcome == 1.0 for v in again)


def test_rlvr_score_with_ray_local(tmp_path: Path, math_tasks: list[Task],
                                   capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"family": "math", "answer": t.reference["answer"],
             "response": right(t) if i % 2 == 0 else wrong(t)}
            for i, t in enumerate(math_tasks)]
    rows.insert(2, {"family": "chess", "response": "e4"})
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{oops\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(["score", str(source), "--out", str(out), "--ray", "local", "--workers", "2",
                 "--no-progress"])
    assert code == 0, capsys.readouterr().err
    scored = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    plain = tmp_path / "plain.jsonl"
    assert main(["score", str(source), "--out", str(plain), "--no-progress"]) == 0
    expected = [json.loads(line) for line in plain.read_text(encoding="utf-8").splitlines()]
    def strip(row: dict[str, Any]) -> dict[str, Any]:  # timings differ run to run
        return {k: v for k, v in row.items() if k != "verdict" and not k.endswith("_s")}

    assert [strip(r) for r in scored] == [strip(r) for r in expected]
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["count"] == len(rows) + 1 and summary["errors"] == 2


def test_an_unknown_executor_is_refused(math_tasks: list[Task]) -> None:
    from rlvr_gym.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="executor"):
        score_batch(math_tasks[:1], [right(math_tasks[0])], workers=1, executor="threads")
