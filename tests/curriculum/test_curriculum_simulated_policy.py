"""A simulated policy whose skill grows, then regresses: the curriculum follows it.

The policy solves a level-L task with probability ``sigmoid(3 * (skill - L))``. Tasks are real
`arithmetic` generator items at the level the curriculum chose, and results flow back through
``update(task, group_scores)`` as in a GRPO loop with groups of 8.
"""

from __future__ import annotations

import math

import numpy as np

from rlvr_gym.curriculum import GroupFilter, ThresholdCurriculum
from rlvr_gym.tasks.generators import GENERATORS

GROUP = 8


def skill_at(step: int) -> float:
    """Grows from 0.5 to 6 over 600 steps, then falls back to 1.5 by step 900."""
    if step < 600:
        return 0.5 + 5.5 * step / 600
    return max(1.5, 6.0 - 4.5 * (step - 600) / 300)


def test_difficulty_rises_with_skill_and_falls_when_it_regresses() -> None:
    generator = GENERATORS["arithmetic"]
    curriculum = ThresholdCurriculum.for_generator("arithmetic", promote=0.75, demote=0.35,
                                                   window=32)
    group_filter = GroupFilter()
    rng = np.random.default_rng(0)
    levels = []
    for step in range(1_100):
        level = curriculum.sample()
        task = generator.generate(step, level)
        p = 1.0 / (1.0 + math.exp(-3.0 * (skill_at(step) - level)))
        scores = [float(rng.random() < p) for _ in range(GROUP)]
        group_filter([scores])
        curriculum.update(task, scores)
        levels.append(level)

    assert levels[0] == 1
    assert max(levels[:600]) == generator.max_level
    assert levels[599] >= 4
    assert levels[-1] <= 2
    kinds = [e.kind for e in curriculum.events]
    assert "promote" in kinds
    assert "demote" in kinds[kinds.index("promote"):]
    assert any(e.kind == "demote" and e.update > 600 for e in curriculum.events)
    early, peak, late = (float(np.mean(levels[a : a + 100])) for a in (0, 500, 1_000))
    assert early < peak > late
    assert peak - late >= 2
    assert 0.0 < group_filter.drop_rate < 1.0
