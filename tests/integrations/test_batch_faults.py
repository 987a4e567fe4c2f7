"""Faults under `score_batch`'s processes: a worker killed mid-batch, the scoring process killed.

A dead worker breaks the whole process pool; the scorer must start a fresh one and score the
rows the dead pool held once more, so the batch comes back complete and right. A scoring
process killed with SIGKILL must leave no worker behind, and `rlvr score --processes` run again
must finish the file with no row lost and none duplicated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from adapter_rows import right, wrong

from rlvr_gym.core.procfs import children, is_running
from rlvr_gym.core.task import Task
from rlvr_gym.integrations.batch import BatchScorer
from rlvr_gym.tasks.generators import GENERATORS


def test_a_worker_killed_mid_batch_is_replaced_and_its_rows_scored_again(
    math_tasks: list[Task],
) -> None:
    tasks = math_tasks * 150
    responses = [right(t) if i % 3 else wrong(t) for i, t in enumerate(tasks)]
    with BatchScorer(2, process=True) as scorer:
        scorer.warm()
        workers = scorer.pids()
        assert len(workers) == 2 and set(workers) <= set(children(os.getpid()))
        threading.Timer(0.3, os.kill, args=(workers[0], signal.SIGKILL)).start()
        started = time.monotonic()
        verdicts = scorer.score(tasks, responses)
        assert time.monotonic() - started > 0.3, "the batch must outlast the kill"
        assert scorer.restarts == 1 and workers[0] not in scorer.pids()
        assert [v.infra_error for v in verdicts] == [None] * len(tasks)
        assert [v.outcome for v in verdicts] == [0.0 if i % 3 == 0 else 1.0
                                                 for i in range(len(tasks))]
        again = scorer.score(tasks[:6], responses[:6])  # the fresh pool serves the next batch
        assert [v.outcome for v in again] == [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]


def test_a_worker_that_died_while_idle_is_replaced_before_the_next_batch(
    math_tasks: list[Task],
) -> None:
    with BatchScorer(1, process=False) as scorer:
        scorer.warm()
        (worker,) = scorer.pids()
        os.kill(worker, signal.SIGKILL)
        while is_running(worker):
            time.sleep(0.01)
        verdicts = scorer.score(math_tasks, [right(t) for t in math_tasks])
        assert [v.outcome for v in verdicts] == [1.0] * len(math_tasks)
        assert scorer.restarts == 1


def _rows(count: int) -> list[dict[str, Any]]:
    generator = GENERATORS["linear_equations"]
    rows = []
    for i in range(count):
        task = generator.generate(i % 300, 1)
        answer = task.reference["answer"]
        response = f"\\boxed{{{answer}}}" if i % 2 == 0 else f"\\boxed{{{answer} + 1}}"
        rows.append({"id": i, "family": "math", "answer": answer, "response": response})
    return rows


def _read(path: Path) -> list[dict[str, Any]]:
    """The complete rows of a results file (a running writer may be mid-line)."""
    text = path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text[:text.rfind("\n") + 1].splitlines()]


def test_rlvr_score_processes_killed_with_sigkill_resumes_without_loss_or_duplicates(
    tmp_path: Path,
) -> None:
    rows = _rows(6000)
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "rlvr_gym", "score", str(source), "--out", str(out),
               "--processes", "--workers", "2", "--no-progress"]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or len(_read(out)) < 300):
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
        time.sleep(0.1)
    workers = children(first.pid)
    first.send_signal(signal.SIGKILL)
    first.wait()
    partial = len(_read(out))
    assert 300 <= partial < len(rows), "the kill must land mid-run"
    # the orphaned workers notice their parent's death and end (closing their pools)
    deadline = time.monotonic() + 15
    while any(is_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if is_running(pid)]

    second = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert second.returncode == 0, second.stderr
    scored = _read(out)
    assert [r["id"] for r in scored] == list(range(len(rows)))
    assert [r["score"] for r in scored] == [1.0 if i % 2 == 0 else 0.0 for i in range(len(rows))]
    summary = json.loads(second.stdout.strip().splitlines()[-1])
    assert summary["count"] == len(rows) and summary["scored_now"] <= len(rows) - partial
