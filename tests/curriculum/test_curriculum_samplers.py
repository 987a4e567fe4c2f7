"""Each sampler's rule, its state round trip and its reports."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.curriculum import (
    Curriculum,
    LearnabilityCurriculum,
    LearningProgressCurriculum,
    ThresholdCurriculum,
    level_of,
)
from rlvr_gym.tasks.generators import GENERATORS

LEVELS = [1, 2, 3, 4, 5]


def test_threshold_starts_at_the_lowest_level() -> None:
    assert ThresholdCurriculum(LEVELS).sample() == 1


def test_threshold_promotes_above_the_success_rate() -> None:
    c = ThresholdCurriculum(LEVELS, promote=0.8, window=4)
    c.update(1, [1.0, 1.0, 1.0, 1.0])
    assert c.sample() == 2
    assert c.last_decision is not None and c.last_decision.kind == "promote"


def test_threshold_waits_for_a_full_window() -> None:
    c = ThresholdCurriculum(LEVELS, window=8)
    c.update(1, [1.0] * 7)
    assert c.sample() == 1


def test_threshold_demotes_below_the_success_rate() -> None:
    c = ThresholdCurriculum(LEVELS, demote=0.3, window=4, start=3)
    c.update(3, [0.0, 0.0, 0.0, 1.0])
    assert c.sample() == 2
    assert [e.kind for e in c.events] == ["demote"]


def test_threshold_stays_between_the_thresholds() -> None:
    c = ThresholdCurriculum(LEVELS, window=4, start=3)
    c.update(3, [1.0, 0.0, 1.0, 0.0])
    assert c.sample() == 3
    assert c.events == []


def test_threshold_does_not_leave_the_top_or_bottom_level() -> None:
    c = ThresholdCurriculum(LEVELS, window=2, start=5)
    c.update(5, [1.0, 1.0])
    low = ThresholdCurriculum(LEVELS, window=2)
    low.update(1, [0.0, 0.0])
    assert (c.sample(), low.sample()) == (5, 1)


def test_threshold_decides_on_fresh_results_after_a_move() -> None:
    c = ThresholdCurriculum(LEVELS, window=2, start=2)
    c.update(2, [1.0, 1.0])  # promote to 3
    c.update(3, [0.0, 0.0])  # demote to 2: its old perfect window must not promote at once
    c.update(2, [1.0])
    assert c.sample() == 2


def test_results_at_other_levels_do_not_move_the_threshold() -> None:
    c = ThresholdCurriculum(LEVELS, window=2)
    c.update(4, [0.0, 0.0])
    assert c.sample() == 1


def test_learnability_prefers_levels_near_half_success() -> None:
    c = LearnabilityCurriculum(LEVELS, window=10, epsilon=0.01, seed=0)
    c.update(1, [1.0] * 10)
    c.update(2, [1.0, 0.0] * 5)
    for level in (3, 4, 5):
        c.update(level, [0.0] * 10)
    draws = Counter(c.sample() for _ in range(500))
    assert draws.most_common(1)[0][0] == 2


def test_learnability_tries_unseen_levels() -> None:
    c = LearnabilityCurriculum(LEVELS, seed=0)
    c.update(1, [1.0] * 10)
    assert {c.sample() for _ in range(100)} >= {2, 3, 4, 5}


def test_learning_progress_prefers_the_level_that_is_changing() -> None:
    c = LearningProgressCurriculum(LEVELS, fast=0.3, slow=0.02, epsilon=0.01, seed=0)
    for level in LEVELS:
        c.update(level, [0.0] * 20)
    c.update(3, [1.0] * 10)
    assert c.progress(3) > 0.5
    assert Counter(c.sample() for _ in range(300)).most_common(1)[0][0] == 3


def test_learning_progress_counts_forgetting_too() -> None:
    c = LearningProgressCurriculum(LEVELS, fast=0.3, slow=0.02)
    c.update(2, [1.0] * 20)
    c.update(2, [0.0] * 5)
    assert c.progress(2) > 0.5


def test_weighted_samplers_report_their_probabilities() -> None:
    c = LearnabilityCurriculum(LEVELS, seed=0)
    level = c.sample()
    assert c.last_decision is not None
    assert c.last_decision.level == level
    assert sum(c.last_decision.weights.values()) == pytest.approx(1.0)


def test_same_seed_same_draws() -> None:
    a, b = LearnabilityCurriculum(LEVELS, seed=7), LearnabilityCurriculum(LEVELS, seed=7)
    assert [a.sample() for _ in range(50)] == [b.sample() for _ in range(50)]


@pytest.mark.parametrize(
    "make",
    [
        lambda: ThresholdCurriculum(LEVELS, window=3, seed=1),
        lambda: LearnabilityCurriculum(LEVELS, window=3, seed=1),
        lambda: LearningProgressCurriculum(LEVELS, seed=1),
    ],
    ids=["threshold", "learnability", "learning_progress"],
)
def test_state_dict_resumes_exactly(make: object) -> None:
    def drive(c: Curriculum, n: int, start: int) -> list[int]:
        out = []
        for i in range(start, start + n):
            level = c.sample()
            c.update(level, [float((i * 7 + level) % 3 == 0), float(i % 2)])
            out.append(level)
        return out

    reference: Curriculum = make()  # type: ignore[operator]
    expected = drive(reference, 60, 0)
    first: Curriculum = make()  # type: ignore[operator]
    got = drive(first, 25, 0)
    state = json.loads(json.dumps(first.state_dict()))
    second: Curriculum = make()  # type: ignore[operator]
    second.load_state_dict(state)
    got += drive(second, 35, 25)
    assert got == expected
    assert second.events == reference.events


def test_state_of_another_sampler_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="ThresholdCurriculum"):
        LearnabilityCurriculum(LEVELS).load_state_dict(ThresholdCurriculum(LEVELS).state_dict())


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_every_generator_levels_work(name: str) -> None:
    c = ThresholdCurriculum.for_generator(name, window=1)
    level = c.sample()
    task = GENERATORS[name].generate(0, level)
    c.update(task, 1.0)
    assert c.sample() == sorted(GENERATORS[name].levels)[1]


def test_level_of_reads_levels_mappings_tasks_and_task_dicts() -> None:
    task = GENERATORS["arithmetic"].generate(0, 3)
    assert {level_of(3), level_of({"level": 3}), level_of(task), level_of(task.to_dict())} == {3}


def test_level_of_without_a_level_says_what_to_pass() -> None:
    with pytest.raises(ConfigurationError, match="difficulty mapping"):
        level_of({"magnitude": 10})


@pytest.mark.parametrize(
    "build",
    [
        lambda: ThresholdCurriculum([]),
        lambda: ThresholdCurriculum(LEVELS, promote=0.2, demote=0.5),
        lambda: ThresholdCurriculum(LEVELS, window=0),
        lambda: ThresholdCurriculum(LEVELS, start=9),
        lambda: LearnabilityCurriculum(LEVELS, epsilon=0.0),
        lambda: LearningProgressCurriculum(LEVELS, fast=0.01, slow=0.1),
        lambda: ThresholdCurriculum.for_generator("arithmatic"),
        lambda: ThresholdCurriculum(LEVELS).update(1, [1.5]),
        lambda: ThresholdCurriculum(LEVELS).update(7, [1.0]),
        lambda: ThresholdCurriculum(LEVELS).update(1, []),
    ],
)
def test_bad_curriculum_arguments_raise_configuration_error(build: object) -> None:
    with pytest.raises(ConfigurationError):
        build()  # type: ignore[operator]
