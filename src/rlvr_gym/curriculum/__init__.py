"""Curricula: choose the next task's difficulty level from the policy's recent results.

    from rlvr_gym.curriculum import ThresholdCurriculum
    curriculum = ThresholdCurriculum.for_generator("arithmetic", promote=0.8, demote=0.3)
    prompt, info = env.reset(options={"difficulty": curriculum.sample()})
    ...
    curriculum.update(info["task"], [r.outcome for r in group])

See ``docs/curricula.md``.
"""

from __future__ import annotations

from rlvr_gym.curriculum.groups import GroupFilter, filter_groups, is_informative
from rlvr_gym.curriculum.samplers import (
    Curriculum,
    Decision,
    LearnabilityCurriculum,
    LearningProgressCurriculum,
    ThresholdCurriculum,
    generator_levels,
    level_of,
)

__all__ = [
    "Curriculum",
    "Decision",
    "GroupFilter",
    "LearnabilityCurriculum",
    "LearningProgressCurriculum",
    "ThresholdCurriculum",
    "filter_groups",
    "generator_levels",
    "is_informative",
    "level_of",
]
