"""`score_batch` on 1 worker against 2: rows per second and the speed-up, for math and code rows.

- math rows: ``--math-rows`` tasks from the procedural generators (every generator in turn,
  levels 1-3, seeds from 0), half answered with the reference solution and its boxed answer,
  half with a wrong boxed answer; steps are scored (``process=True``), so each right row costs
  sympy step checks in the worker's own math pool;
- code rows: ``--code-rows`` rows from the bundled public problems, in turn the reference
  solution and the first known-wrong solution, judged in each worker's own Docker pool
  (one container per worker).

Each worker count gets a `BatchScorer` that is warmed first (processes spawned, sympy imported,
containers started: what a trainer keeping one scorer across steps pays once) and then scores
the same rows ``--rounds`` times; the best round is reported (the machine is shared). The cold
time of one-off `score_batch` (spawning included) is printed too. Every verdict is checked
against the expected outcome.

    python3 -m rlvr_gym sandbox build        # the runner image, once
    python3 benchmarks/score_batch.py [--math-rows 300] [--code-rows 40] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence

from rlvr_gym.core.task import Task
from rlvr_gym.integrations.batch import BatchScorer, score_batch


def math_rows(n: int) -> tuple[list[Task], list[str], list[float]]:
    from rlvr_gym.tasks.generators import GENERATORS

    names = sorted(GENERATORS)
    tasks, responses, expected = [], [], []
    for i in range(n):
        generator = GENERATORS[names[i % len(names)]]
        task = generator.generate(i // len(names), 1 + i % min(3, generator.max_level))
        answer = task.reference["answer"]
        if i % 2 == 0:
            responses.append(f"{task.reference['solution']}\n\\boxed{{{answer}}}")
            expected.append(1.0)
        else:
            responses.append(f"So the answer is \\boxed{{{answer} + 1}}.")
            expected.append(0.0)
        tasks.append(task)
    return tasks, responses, expected


def code_rows(n: int) -> tuple[list[Task], list[str], list[float]]:
    from rlvr_gym.tasks.code_datasets import load_public_code_tasks

    public = load_public_code_tasks()
    tasks, responses, expected = [], [], []
    for i in range(n):
        task = public[(i // 2) % len(public)]
        wrong = list(task.metadata.get("wrong_solutions") or [])
        if i % 2 == 0 or not wrong:
            program, outcome = str(task.reference["solution"]), 1.0
        else:
            program, outcome = str(wrong[0]), 0.0
        tasks.append(task)
        responses.append(f"```python\n{program}\n```")
        expected.append(outcome)
    return tasks, responses, expected


def timed(scorer: BatchScorer, tasks: Sequence[Task], responses: Sequence[str],
          expected: Sequence[float], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        verdicts = scorer.score(tasks, responses)
        elapsed = time.perf_counter() - started
        infra = [v.infra_error for v in verdicts if v.infra_error]
        if infra:
            raise SystemExit(f"infrastructure failures: {infra[:3]}")
        wrong = [i for i, (v, e) in enumerate(zip(verdicts, expected, strict=True))
                 if v.outcome != e]
        if wrong:
            raise SystemExit(f"unexpected outcomes on rows {wrong[:10]}")
        best = min(best, elapsed)
    return best


def measure(family: str, rows: tuple[list[Task], list[str], list[float]],
            rounds: int) -> dict[str, float]:
    tasks, responses, expected = rows
    result: dict[str, float] = {"rows": len(tasks)}
    for workers in (1, 2):
        started = time.perf_counter()
        score_batch(tasks, responses, workers=workers)
        result[f"cold_s_{workers}"] = time.perf_counter() - started
        with BatchScorer(workers) as scorer:
            scorer.warm([family])
            elapsed = timed(scorer, tasks, responses, expected, rounds)
        result[f"warm_s_{workers}"] = elapsed
        result[f"rows_per_s_{workers}"] = len(tasks) / elapsed
    result["speedup"] = result["rows_per_s_2"] / result["rows_per_s_1"]
    result["cold_speedup"] = result["cold_s_1"] / result["cold_s_2"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--math-rows", type=int, default=300)
    parser.add_argument("--code-rows", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-code", action="store_true", help="no Docker: math rows only")
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}")
    report = {"math": measure("math", math_rows(args.math_rows), args.rounds)}
    if not args.skip_code:
        report["code"] = measure("code", code_rows(args.code_rows), args.rounds)
    print(f"{'rows':<6}{'n':>5}{'1 worker rows/s':>17}{'2 workers rows/s':>18}{'speed-up':>10}"
          f"{'cold 1 s':>10}{'cold 2 s':>10}")
    for family, r in report.items():
        print(f"{family:<6}{int(r['rows']):>5}{r['rows_per_s_1']:>17.1f}{r['rows_per_s_2']:>18.1f}"
              f"{r['speedup']:>9.2f}x{r['cold_s_1']:>10.2f}{r['cold_s_2']:>10.2f}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
