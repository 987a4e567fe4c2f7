"""Each schedule's shape, validation and round trip through a dict."""

from __future__ import annotations

import math

import pytest

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.rewards import (
    Constant,
    Cosine,
    Exponential,
    Linear,
    OneMinus,
    Piecewise,
    Schedule,
    SuccessGated,
    as_schedule,
    schedule_from_dict,
)

EVERY_KIND: list[Schedule] = [
    Constant(0.3),
    Linear(1.0, 0.0, steps=100, begin=10),
    Cosine(1.0, 0.0, steps=100),
    Exponential(1.0, 0.1, half_life=50),
    Piecewise(((0, 1.0), (100, 0.5), (200, 0.0))),
    SuccessGated(1.0, 0.0, low=0.2, high=0.8),
    OneMinus(Linear(1.0, 0.0, steps=100)),
]


def test_constant_is_the_same_at_every_step() -> None:
    assert {Constant(0.3)(t) for t in (0, 1, 10**9)} == {0.3}


def test_linear_holds_before_begin_ramps_then_holds_after() -> None:
    s = Linear(1.0, 0.0, steps=100, begin=10)
    assert s(0) == s(10) == 1.0
    assert s(60) == pytest.approx(0.5)
    assert s(110) == s(5000) == 0.0


def test_cosine_starts_slow_passes_halfway_at_midpoint_and_ends() -> None:
    s = Cosine(1.0, 0.0, steps=100)
    assert s(0) == 1.0
    assert s(50) == pytest.approx(0.5)
    assert s(10) > Linear(1.0, 0.0, steps=100)(10)
    assert s(100) == pytest.approx(0.0)


def test_exponential_halves_the_gap_every_half_life() -> None:
    s = Exponential(1.0, 0.0, half_life=50)
    assert s(0) == 1.0
    assert s(50) == pytest.approx(0.5)
    assert s(100) == pytest.approx(0.25)


def test_piecewise_interpolates_between_points_and_holds_outside() -> None:
    s = Piecewise(((10, 1.0), (20, 0.0), (30, 0.5)))
    assert s(0) == 1.0
    assert s(15) == pytest.approx(0.5)
    assert s(25) == pytest.approx(0.25)
    assert s(1000) == 0.5


def test_success_gated_moves_with_the_success_rate_not_the_step() -> None:
    s = SuccessGated(1.0, 0.0, low=0.2, high=0.8)
    assert s(10_000, success_rate=0.1) == 1.0
    assert s(0, success_rate=0.5) == pytest.approx(0.5)
    assert s(0, success_rate=0.9) == 0.0


def test_one_minus_complements_its_inner_schedule() -> None:
    inner = Linear(1.0, 0.0, steps=10)
    assert all(OneMinus(inner)(t) + inner(t) == pytest.approx(1.0) for t in range(12))


@pytest.mark.parametrize("schedule", EVERY_KIND, ids=lambda s: s.kind)
def test_every_schedule_round_trips_through_a_dict(schedule: Schedule) -> None:
    again = schedule_from_dict(schedule.to_dict())
    assert again == schedule
    assert [again(t, 0.5) for t in range(0, 300, 7)] == [schedule(t, 0.5) for t in range(0, 300, 7)]


@pytest.mark.parametrize("schedule", EVERY_KIND, ids=lambda s: s.kind)
def test_every_schedule_is_frozen(schedule: Schedule) -> None:
    with pytest.raises(AttributeError):
        schedule.kind_value = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Constant(math.nan),
        lambda: Linear(1.0, 0.0, steps=0),
        lambda: Cosine(1.0, 0.0, steps=10, begin=-1),
        lambda: Exponential(1.0, 0.0, half_life=0),
        lambda: Piecewise(()),
        lambda: Piecewise(((10, 1.0), (10, 0.0))),
        lambda: SuccessGated(1.0, 0.0, low=0.8, high=0.2),
        lambda: Linear("1", 0.0, steps=10),  # type: ignore[arg-type]
    ],
)
def test_bad_schedule_arguments_raise_configuration_error(build: object) -> None:
    with pytest.raises(ConfigurationError):
        build()  # type: ignore[operator]


def test_negative_step_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="non-negative"):
        Constant(1.0)(-1)


def test_unknown_kind_names_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="linear"):
        schedule_from_dict({"kind": "linaer"})


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="stpes"):
        schedule_from_dict({"kind": "linear", "start": 1, "end": 0, "stpes": 5})


def test_a_number_is_a_constant_schedule() -> None:
    assert as_schedule(0.25) == Constant(0.25)
