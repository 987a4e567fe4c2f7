"""A GRPO-style training loop in plain Python, end to end, with nothing heavy to train.

What it exercises, on a real environment (``rlvr/MathArithmetic-v0``):

- ``reset``/``step`` for every sample: each prompt is one task, sampled ``--group-size`` times
  (one single-turn episode per sample, as GRPO samples a group of completions per prompt);
- a `RewardSpec` that anneals ``r = a(t)·process + (1 - a(t))·outcome`` with a linear
  ``a(t)`` from 1 to 0 over ``--anneal`` training steps, applied by `RewardSpecWrapper` with the
  trainer's step counter as the clock;
- `GroupFilter`, which drops groups whose samples all got the same reward (zero advantage);
- a `ThresholdCurriculum` that chooses the difficulty level of each step's prompts from the
  outcomes of the groups sampled at it.

The "policy" is simulated: at each level it answers with the task's reference solution (right)
with probability ``skill[level]``; otherwise it gives a wrong final answer, either after correct
working (process score 1) or after a slip in the working (a lower process score). Its skill at a
level grows with the number of group updates it has received there (only groups the filter
keeps count), so it learns faster where the curriculum puts it.

Every training step writes one JSON line to ``--out``: the reward components (group means), the
weights, the curriculum level and decision, the filter's counts and the policy's skill. Draw it
with ``rlvr plot LOG.jsonl --out DIR``.

    python examples/grpo_loop.py --out grpo-log.jsonl            # ~2,400 env steps, a few s
    rlvr plot grpo-log.jsonl --out plots/

The same simulated policy at a fixed skill profile evaluates with ``rlvr eval``::

    rlvr eval rlvr/MathArithmetic-v0 --policy python:examples/grpo_loop.py:eval_policy \\
        -n 100 --samples 8 --out eval.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import rlvr_gym
from rlvr_gym.core.task import Task
from rlvr_gym.curriculum import GroupFilter, ThresholdCurriculum
from rlvr_gym.rewards import Linear, RewardSpec, RewardSpecWrapper

ENV_ID = "rlvr/MathArithmetic-v0"
GENERATOR = "arithmetic"


class SimulatedPolicy:
    """Skill per level: ``floor + (cap - floor)·(1 - exp(-updates / tau))``; harder levels start
    lower and learn more slowly. `rate` scales how much one group update teaches."""

    def __init__(self, levels: Sequence[int], *, rate: float = 1.0, seed: int = 0) -> None:
        self.levels = list(levels)
        self.rate = rate
        self.updates = dict.fromkeys(self.levels, 0)
        self.rng = np.random.default_rng(seed)

    def skill(self, level: int) -> float:
        floor = 0.35 / level
        cap = 0.97
        tau = 6.0 * level
        return floor + (cap - floor) * (1.0 - math.exp(-self.rate * self.updates[level] / tau))

    def respond(self, task: Mapping[str, Any], level: int) -> str:
        return respond(task, self.skill(level), self.rng)

    def learn(self, level: int, groups: int) -> None:
        self.updates[level] += groups


def respond(task: Mapping[str, Any], skill: float, rng: np.random.Generator) -> str:
    """The reference solution with probability `skill`; else a wrong answer, after correct
    working (half the time) or after a slip in the first line of working."""
    reference = task["reference"]
    solution, answer = str(reference["solution"]), str(reference["answer"])
    if rng.random() < skill:
        return solution
    wrong = f"{answer}1"
    text = solution.replace(f"\\boxed{{{answer}}}", f"\\boxed{{{wrong}}}")
    if rng.random() < 0.5:
        lines = text.split("\n")
        if len(lines) > 1 and "=" in lines[0]:
            lines[0] = f"{lines[0]} + 1"  # the first relation no longer holds
        text = "\n".join(lines)
    return text


def eval_policy(task: Task, n: int) -> list[str]:
    """A fixed skill profile of the simulated policy, for ``rlvr eval --policy python:...``.

    Deterministic per task (seeded by its id), so a resumed evaluation draws the same answers.
    """
    level = int(task.difficulty.get("level", 1))
    skill = {1: 0.95, 2: 0.85, 3: 0.65, 4: 0.45, 5: 0.25}.get(level, 0.2)
    rng = np.random.default_rng(zlib.crc32(task.id.encode()))
    return [respond(task.to_dict(), skill, rng) for _ in range(n)]


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


def train(
    *,
    steps: int,
    prompts: int,
    group_size: int,
    anneal: int,
    out: Path,
    seed: int = 0,
    rate: float = 1.0,
    window: int = 16,
) -> dict[str, Any]:
    """Run the loop; write one JSON line per training step to `out`; return a summary."""
    step = 0  # the trainer's clock
    spec = RewardSpec.annealed(Linear(1.0, 0.0, steps=anneal), success_alpha=0.05)
    env = RewardSpecWrapper(rlvr_gym.make(ENV_ID), spec, clock=lambda: step)
    curriculum = ThresholdCurriculum.for_generator(
        GENERATOR, promote=0.8, demote=0.3, window=window, seed=seed
    )
    group_filter = GroupFilter()
    policy = SimulatedPolicy(curriculum.levels, rate=rate, seed=seed)
    env_steps = 0
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as log:
        for step in range(steps):
            level = curriculum.sample()
            groups: list[list[dict[str, Any]]] = []
            events_before = len(curriculum.events)
            for p in range(prompts):
                _, info = env.reset(
                    seed=seed * 1_000_003 + step * prompts + p, options={"difficulty": level}
                )
                task = info["task"]
                group = []
                for _ in range(group_size):
                    env.reset(options={"task": task})  # one episode per sample
                    response = policy.respond(task, level)
                    _, _, terminated, _, step_info = env.step(response)
                    assert terminated
                    env_steps += 1
                    group.append(step_info["reward"])
                groups.append(group)
                curriculum.update(task, [r["outcome"] for r in group])
            keep = group_filter([[r["total"] for r in g] for g in groups])
            policy.learn(level, len(keep))  # the "gradient step" on the informative groups
            rewards = [r for g in groups for r in g]
            moves = curriculum.events[events_before:]
            row = {
                "kind": "train",
                "step": step,
                "level": level,
                "next_level": curriculum.level,
                "decision": moves[-1].kind if moves else None,
                "weights": dict(rewards[0]["weights"]),
                "outcome": _mean([r["outcome"] for r in rewards]),
                "process": _mean([r["process"] for r in rewards]),
                "format": _mean([r["format"] for r in rewards]),
                "exploration": _mean([r["exploration"] for r in rewards]),
                "total": _mean([r["total"] for r in rewards]),
                "success_rate": rewards[-1]["success_rate"],
                "groups": len(groups),
                "groups_kept": len(keep),
                "dropped_solved": group_filter.last_decision["dropped_solved"]
                if group_filter.last_decision else 0,
                "dropped_failed": group_filter.last_decision["dropped_failed"]
                if group_filter.last_decision else 0,
                "skill": round(policy.skill(level), 4),
                "env_steps": env_steps,
            }
            log.write(json.dumps(row) + "\n")
    return {
        "steps": steps,
        "env_steps": env_steps,
        "seconds": round(time.perf_counter() - started, 2),
        "final_level": curriculum.level,
        "level_changes": [(e.kind, e.level, e.update) for e in curriculum.events],
        "drop_rate": round(group_filter.drop_rate, 3),
        "out": str(out),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="grpo-log.jsonl", help="JSONL training log")
    parser.add_argument("--steps", type=int, default=300, help="training steps (default 300)")
    parser.add_argument("--prompts", type=int, default=2, help="prompts per step (default 2)")
    parser.add_argument("--group-size", type=int, default=4, help="samples per prompt (K)")
    parser.add_argument("--anneal", type=int, default=None,
                        help="steps over which a(t) goes from 1 to 0 (default: 60%% of --steps)")
    parser.add_argument("--rate", type=float, default=1.0,
                        help="how fast the simulated policy learns (default 1)")
    parser.add_argument("--window", type=int, default=16,
                        help="curriculum window: outcomes per decision (default 16)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    anneal = args.anneal if args.anneal is not None else max(1, int(0.6 * args.steps))
    summary = train(
        steps=args.steps, prompts=args.prompts, group_size=args.group_size, anneal=anneal,
        out=Path(args.out), seed=args.seed, rate=args.rate, window=args.window,
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
