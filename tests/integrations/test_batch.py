"""`score_batch`: process-parallel scoring, order, infrastructure failures as verdicts."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from adapter_rows import right, wrong

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.task import Task
from rlvr_gym.integrations.batch import BatchScorer, register_batch_verifier, score_batch

HERE = str(Path(__file__).parent)
if HERE not in sys.path:  # the spawned workers import `_families` from here
    sys.path.insert(0, HERE)


def test_verdicts_come_back_in_input_order(math_tasks: list[Task]) -> None:
    responses = [right(t) if i % 2 == 0 else wrong(t) for i, t in enumerate(math_tasks)]
    verdicts = score_batch(math_tasks, responses, workers=2)
    assert [v.outcome for v in verdicts] == [1.0 if i % 2 == 0 else 0.0
                                            for i in range(len(math_tasks))]


def test_process_scores_come_from_the_worked_steps(math_tasks: list[Task]) -> None:
    verdicts = score_batch(math_tasks[:2], [right(t) for t in math_tasks[:2]], workers=1)
    assert all(v.steps and v.process == 1.0 for v in verdicts)


def test_an_empty_batch_scores_nothing() -> None:
    assert score_batch([], [], workers=2) == []


def test_mismatched_lengths_are_refused(math_tasks: list[Task]) -> None:
    with pytest.raises(ConfigurationError, match="responses"):
        score_batch(math_tasks, ["x"], workers=1)


def test_a_task_without_an_answer_is_refused_naming_its_row(math_tasks: list[Task]) -> None:
    broken = Task(id="broken", family="math", prompt="?", reference={"answer": ""})
    with pytest.raises(ConfigurationError, match="row 1"):
        score_batch([math_tasks[0], broken], ["\\boxed{1}", "\\boxed{1}"], workers=1)


def test_an_unknown_family_is_refused_before_any_work() -> None:
    task = Task(id="t", family="chess", prompt="?", reference={})
    with pytest.raises(ConfigurationError, match="register_batch_verifier"):
        score_batch([task], ["e4"], workers=1)


def test_an_unreachable_backend_becomes_an_infra_verdict(math_tasks: list[Task]) -> None:
    import _families  # noqa: F401  (registers the family in this process too)

    down = Task(id="down", family="unreachable", prompt="?", reference={})
    with BatchScorer(1, preload=["_families"]) as scorer:
        verdicts = scorer.score([math_tasks[0], down], [right(math_tasks[0]), "x"])
    assert verdicts[0].outcome == 1.0 and verdicts[0].infra_error is None
    assert verdicts[1].infra_error is not None and "unreachable" in verdicts[1].infra_error


def test_a_dead_worker_becomes_infra_verdicts_not_an_exception() -> None:
    import _families  # noqa: F401

    dying = Task(id="dying", family="dying", prompt="?", reference={})
    with BatchScorer(1, preload=["_families"]) as scorer:
        verdicts = scorer.score([dying], ["x"])
    assert verdicts[0].infra_error is not None and "died" in verdicts[0].infra_error


def test_a_scorer_is_reused_across_batches(math_tasks: list[Task]) -> None:
    with BatchScorer(2) as scorer:
        scorer.warm()
        first = scorer.score(math_tasks, [right(t) for t in math_tasks])
        second = scorer.score(math_tasks, [wrong(t) for t in math_tasks])
    assert all(v.correct for v in first) and not any(v.correct for v in second)


def test_registering_replaces_a_family_factory() -> None:
    from rlvr_gym.integrations import batch

    before = batch.BATCH_VERIFIERS["math"]
    try:
        register_batch_verifier("math", before)
        assert batch.BATCH_VERIFIERS["math"] is before
    finally:
        batch.BATCH_VERIFIERS["math"] = before


@pytest.mark.docker
@pytest.mark.slow
def test_code_rows_run_in_each_workers_own_docker_pool() -> None:
    from rlvr_gym.tasks.code_datasets import load_public_code_tasks

    tasks = load_public_code_tasks("function")[:2]
    responses = [f"```python\n{t.reference['solution']}\n```" for t in tasks]
    responses[1] = "```python\ndef nothing():\n    return 0\n```"
    verdicts = score_batch(tasks, responses, workers=2)
    assert [v.outcome for v in verdicts] == [1.0, 0.0]
    assert all(v.infra_error is None for v in verdicts)
