"""Bad configuration: a ConfigurationError naming the parameter; never nan or a negative count
taken silently, never an AttributeError, TypeError or KeyError from inside."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import gymnasium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_strategies import attempt, bad_numbers, junk_values, within

import rlvr_gym  # noqa: F401 (registers the rlvr/ ids)
from rlvr_gym.core.env import RlvrEnv
from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.verdict import StepScore, Verdict
from rlvr_gym.curriculum import (
    GroupFilter,
    LearnabilityCurriculum,
    LearningProgressCurriculum,
    ThresholdCurriculum,
    filter_groups,
)
from rlvr_gym.rewards import (
    SCHEDULES,
    LengthPenalty,
    Linear,
    ProcessGuards,
    RewardSpec,
    RewardSpecWrapper,
    schedule_from_dict,
)
from rlvr_gym.sandboxes.base import Limits
from rlvr_gym.tasks.generators import GENERATORS

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# --- gymnasium.make ------------------------------------------------------------------------

COUNTS = [0, -1, 1.5, math.nan, math.inf, "3", True, None, [2]]
SECONDS = [0, -1, math.nan, math.inf, -math.inf, "3", True, None]
DIFFICULTIES = ["hard", 1.5, math.nan, True, [1], 0, -1, 99, {"level": 99}, {"nope": 1},
                {"level": "2"}]
WEIGHTS = [{"outcome": math.nan}, {"outcome": math.inf}, {"bogus": 1}, [1], "x",
           {"outcome": "1"}, {"outcome": None}, {"process": True}]
COMMON = {"max_steps": COUNTS, "difficulty": DIFFICULTIES, "reward_weights": WEIGHTS,
          "render_mode": ["human", 5, [1]], "format": ["csv", 5, None]}
BAD_KWARGS: dict[str, dict[str, list[Any]]] = {
    "rlvr/MathArithmetic-v0": {
        **COMMON, "mode": ["multi", 5, None, ["single"]], "timeout_s": SECONDS,
        "process": [1, "yes", None], "step_scorer": [5, "x"],
        "generator": ["nope", 5, ["arithmetic"]],
    },
    "rlvr/Math-v0": {"generators": ["arithmetic", 5, [5], ["nope"], {"a": 1}],
                     # a mix caps a level at each generator's highest, so 99 is fine here
                     "difficulty": [d for d in DIFFICULTIES if d != 99]},
    "rlvr/MathFile-v0": {"dataset": [5, "", ["a.jsonl"]], "timeout_s": SECONDS,
                         "difficulty": ["hard", 1.5, True]},
    "rlvr/CodePublic-v0": {
        **COMMON, "difficulty": ["hard", 1.5, True], "mode": ["steps!", 5, ["single"]],
        "kind": ["fn", 5, ["stdio"]], "concurrency": COUNTS,
        "sandbox": [5, "docker"], "limits": [{"wall_s": 1}, 5], "dataset": [5, ""],
    },
    "rlvr/LeanCore-v0": {
        **COMMON, "difficulty": ["hard", 1.5, True], "mode": ["single", 5, None],
        "command": ["lake", [1], []], "cwd": [5, ""], "verifier_options": [[1], "x"],
        "header": [5, ["import Mathlib"]], "dataset": [5, ""],
    },
}
MAKE_CASES = [(id, name, value) for id, kwargs in BAD_KWARGS.items()
              for name, values in kwargs.items() for value in values]


@pytest.mark.parametrize(("id", "name", "value"), MAKE_CASES,
                         ids=[f"{i.split('/')[1]}-{n}-{v!r:.12}" for i, n, v in MAKE_CASES])
def test_make_with_a_bad_kwarg_names_it(id: str, name: str, value: Any) -> None:
    with pytest.raises(ConfigurationError) as caught:
        gymnasium.make(id, **{name: value})
    message = str(caught.value)
    assert name in message or (name == "reward_weights" and "reward" in message), message


@pytest.mark.parametrize("id", sorted(BAD_KWARGS))
@pytest.mark.parametrize("name", ["timeout", "max_step", "seed", "Mode", "difficulty_level"])
def test_make_with_an_unknown_kwarg_names_it(id: str, name: str) -> None:
    with pytest.raises(ConfigurationError, match=f"'{name}'"):
        gymnasium.make(id, **{name: 1})


def test_an_unknown_kwarg_suggests_the_near_miss() -> None:
    with pytest.raises(ConfigurationError, match="did you mean 'timeout_s'"):
        gymnasium.make("rlvr/MathArithmetic-v0", timeout=1)


@SETTINGS
@given(options=st.one_of(junk_values, st.dictionaries(
    st.sampled_from(["task", "index", "difficulty", "seed", "level"]), junk_values, max_size=2)))
def test_reset_with_bad_options_is_refused_and_the_env_stays_usable(options: Any) -> None:
    env = gymnasium.make("rlvr/MathArithmetic-v0", timeout_s=0.5)
    # a first good reset: gymnasium 1.4's passive checker breaks the first step() of an env
    # whose very first reset raised (its saved reset data stays None), whatever the env
    env.reset(seed=0)
    _, error = attempt(lambda: env.reset(seed=0, options=options), ConfigurationError)
    assert error is None or str(error)
    _, info = env.reset(seed=1)
    answer = info["task"]["reference"]["answer"]
    assert env.step(f"\\boxed{{{answer}}}")[1] == 1.0


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True, [1]])
def test_reset_with_a_bad_seed_names_it(seed: Any) -> None:
    env = gymnasium.make("rlvr/MathArithmetic-v0")
    with pytest.raises(ConfigurationError, match="seed"):
        env.reset(seed=seed)


# --- generator knobs -----------------------------------------------------------------------


@SETTINGS
@given(data=st.data(), name=st.sampled_from(sorted(GENERATORS)))
def test_generator_knobs_are_checked(data: st.DataObject, name: str) -> None:
    generator = GENERATORS[name]
    knobs = [f.name for f in dataclasses.fields(generator.config_cls)]
    values = st.one_of(junk_values, st.integers(-3, 30), st.lists(st.text(max_size=8), max_size=3))
    difficulty = data.draw(st.one_of(
        junk_values,
        st.dictionaries(st.sampled_from([*knobs, "level", "bogus"]), values, max_size=3),
    ))
    with within(10):
        task, error = attempt(lambda: generator.generate(0, difficulty), ConfigurationError)
    if error is not None:
        named = [*knobs, "level", "bogus", "difficulty"]
        assert any(k in str(error) for k in named), error
    else:
        assert task is not None and task.reference["answer"]


# --- reward weights, schedules, specs ------------------------------------------------------


@SETTINGS
@given(weights=st.dictionaries(st.sampled_from(["outcome", "process", "format", "other"]),
                               st.one_of(junk_values, bad_numbers), max_size=3))
def test_reward_weights_given_to_an_env_are_checked(weights: dict[str, Any]) -> None:
    env, error = attempt(lambda: gymnasium.make("rlvr/MathArithmetic-v0",
                                                reward_weights=weights), ConfigurationError)
    if error is not None:
        assert "reward" in str(error)
        return
    assert env is not None
    unwrapped = env.unwrapped
    assert isinstance(unwrapped, RlvrEnv)
    for name in ("outcome", "process", "format"):
        assert math.isfinite(getattr(unwrapped.weights, name))


_FIELDS = sorted({f.name for cls in SCHEDULES.values() for f in dataclasses.fields(cls)})


schedule_dicts = st.fixed_dictionaries(
    {"kind": st.one_of(st.sampled_from(sorted(SCHEDULES)), junk_values)},
    optional={name: st.one_of(junk_values, bad_numbers.filter(lambda v: not callable(v)),
                              st.integers(0, 100), st.floats(-2, 2),
                              st.lists(st.tuples(st.integers(0, 50), st.floats(-1, 1)),
                                       max_size=3))
              for name in _FIELDS},
)


@SETTINGS
@given(data=schedule_dicts, steps=st.lists(st.integers(0, 10**12), min_size=1, max_size=4),
       rate=st.floats(0, 1))
def test_a_schedule_dict_builds_a_finite_schedule_or_names_the_field(
    data: dict[str, Any], steps: list[int], rate: float
) -> None:
    schedule, error = attempt(lambda: schedule_from_dict(data), ConfigurationError)
    if error is not None:
        message = str(error)
        assert "kind" in message or any(name in message for name in _FIELDS), message
        return
    assert schedule is not None
    for step in steps:
        assert math.isfinite(schedule(step, rate))
    assert schedule_from_dict(schedule.to_dict()) == schedule


@SETTINGS
@given(step=st.one_of(junk_values, st.integers(max_value=-1), st.integers(min_value=2**63)),
       rate=st.one_of(st.floats(0, 1), junk_values))
def test_a_schedule_refuses_a_bad_step_or_rate(step: Any, rate: Any) -> None:
    schedule = Linear(1.0, 0.0, 10)
    value, error = attempt(lambda: schedule(step, rate), ConfigurationError)
    if error is not None:
        assert "step" in str(error) or "rate" in str(error)
    else:
        assert value is not None and math.isfinite(value)


spec_fields = st.fixed_dictionaries({}, optional={
    "outcome": st.one_of(st.floats(-2, 2), junk_values, schedule_dicts),
    "process": st.one_of(st.floats(-2, 2), junk_values),
    "format": st.one_of(st.floats(-2, 2), junk_values),
    "hedging": st.one_of(st.floats(0, 2), junk_values),
    "length": st.one_of(st.none(), junk_values, st.fixed_dictionaries(
        {"target": st.one_of(st.integers(-5, 50), junk_values),
         "limit": st.one_of(st.integers(-5, 100), junk_values)},
        optional={"weight": st.one_of(st.floats(0, 2), bad_numbers.filter(
            lambda v: not callable(v)))})),
    "guards": st.one_of(st.none(), junk_values, st.fixed_dictionaries({}, optional={
        "form": st.one_of(st.sampled_from(["mean", "min", "delta"]), junk_values),
        "clip": st.one_of(st.none(), junk_values, st.lists(st.floats(-1, 2), max_size=3)),
        "episode_cap": st.one_of(st.none(), st.floats(0, 5), junk_values)})),
    "success_alpha": st.one_of(st.floats(0, 1.5), junk_values),
    "bogus": junk_values,
})


def _verdict(outcome: float, scores: list[float]) -> Verdict:
    return Verdict(outcome=outcome, steps=tuple(StepScore(i, "s", x) for i, x in enumerate(scores)),
                   reason="correct" if outcome else "wrong_answer")


@SETTINGS
@given(data=spec_fields, outcome=st.sampled_from([0.0, 1.0]),
       scores=st.lists(st.floats(0, 1), max_size=3), step=st.integers(0, 10**9))
def test_a_reward_spec_dict_builds_a_finite_reward_or_names_the_field(
    data: dict[str, Any], outcome: float, scores: list[float], step: int
) -> None:
    spec, error = attempt(lambda: RewardSpec.from_dict(data), ConfigurationError)
    if error is not None:
        assert str(error)
        return
    assert spec is not None
    reward = spec.score(_verdict(outcome, scores), step, response="x" * 40)
    assert math.isfinite(reward.total)
    assert RewardSpec.from_dict(json.loads(json.dumps(spec.to_dict()))).to_dict() == \
        spec.to_dict()


def _corrupt(state: Any, draw: st.DataObject) -> Any:
    """A copy of a JSON-like state with one field dropped, replaced or nested deeper changed."""
    if isinstance(state, dict) and state:
        key = draw.draw(st.sampled_from(sorted(state)), label="field")
        action = draw.draw(st.sampled_from(["drop", "replace", "deeper"]), label="action")
        copy = dict(state)
        if action == "drop":
            del copy[key]
        elif action == "replace":
            copy[key] = draw.draw(st.one_of(junk_values, bad_numbers.filter(
                lambda v: not callable(v) and not isinstance(v, bytes))), label="value")
        else:
            copy[key] = _corrupt(state[key], draw)
        return copy
    if isinstance(state, list) and state:
        index = draw.draw(st.integers(0, len(state) - 1), label="index")
        return [*state[:index], _corrupt(state[index], draw), *state[index + 1:]]
    return draw.draw(junk_values, label="value")


def _as_json(state: Any) -> str:
    return json.dumps(state, sort_keys=True, default=repr)


@SETTINGS
@given(draw=st.data())
def test_a_corrupted_reward_spec_state_is_refused_and_changes_nothing(
    draw: st.DataObject
) -> None:
    spec = RewardSpec.annealed(Linear(1.0, 0.0, 100))
    for outcome in (1.0, 0.0, 1.0):
        spec.score(_verdict(outcome, [0.5]), 3)
    env = gymnasium.make("rlvr/MathArithmetic-v0")
    wrapper = RewardSpecWrapper(env, spec)
    before = _as_json(wrapper.state_dict())
    corrupted = _corrupt(wrapper.state_dict(), draw)
    _, error = attempt(lambda: wrapper.load_state_dict(corrupted), ConfigurationError)
    if error is not None:
        assert _as_json(wrapper.state_dict()) == before
    else:
        assert math.isfinite(spec.success_rate) and 0 <= spec.success_rate <= 1


@pytest.mark.parametrize(("make", "field"), [
    (lambda: LengthPenalty(target=-1, limit=10), "target"),
    (lambda: LengthPenalty(target=10, limit=10), "limit"),
    (lambda: LengthPenalty(target=1, limit=10, weight=math.nan), "weight"),
    (lambda: ProcessGuards(clip=5), "clip"),  # type: ignore[arg-type]
    (lambda: ProcessGuards(clip=(0, math.inf)), "clip"),
    (lambda: ProcessGuards(episode_cap=-1.0), "episode_cap"),
    (lambda: ProcessGuards(form="max"), "form"),
    (lambda: RewardSpec(success_alpha=math.nan), "success_alpha"),
    (lambda: RewardSpec(length={"target": 1}), "length"),  # type: ignore[arg-type]
    (lambda: RewardSpec(guards=[1]), "guards"),  # type: ignore[arg-type]
    (lambda: RewardSpec(process=math.inf), "process"),
    (lambda: RewardSpec.annealed(0.5, outcome=1.0), "outcome"),
    (lambda: RewardSpecWrapper(gymnasium.make("rlvr/Math-v0"), {"outcome": 1}), "spec"),  # type: ignore[arg-type]
])
def test_reward_parts_name_the_bad_parameter(make: Any, field: str) -> None:
    with pytest.raises(ConfigurationError, match=field):
        make()


# --- curricula -----------------------------------------------------------------------------

CURRICULA = {
    "threshold": (ThresholdCurriculum, ("promote", "demote", "window", "start", "seed")),
    "learnability": (LearnabilityCurriculum, ("window", "epsilon", "seed")),
    "progress": (LearningProgressCurriculum, ("fast", "slow", "epsilon", "seed")),
}


@SETTINGS
@given(kind=st.sampled_from(sorted(CURRICULA)), data=st.data(),
       levels=st.one_of(st.just([1, 2, 3]), junk_values))
def test_curriculum_parameters_are_checked(kind: str, data: st.DataObject, levels: Any) -> None:
    cls, names = CURRICULA[kind]
    options = data.draw(st.dictionaries(st.sampled_from(names),
                                        st.one_of(junk_values, bad_numbers), max_size=2))
    curriculum, error = attempt(lambda: cls(levels, **options), ConfigurationError)
    if error is not None:
        message = str(error)
        assert "level" in message or any(n in message for n in options), message
        return
    assert curriculum is not None
    level = curriculum.sample()
    assert level in curriculum.levels


@SETTINGS
@given(kind=st.sampled_from(sorted(CURRICULA)),
       target=st.one_of(st.integers(0, 4), junk_values),
       scores=st.one_of(st.lists(st.floats(0, 1), max_size=3), junk_values))
def test_a_bad_update_is_refused_and_changes_nothing(kind: str, target: Any,
                                                    scores: Any) -> None:
    curriculum = CURRICULA[kind][0]([1, 2, 3])
    curriculum.update(1, [1.0, 0.0])
    before = _as_json(curriculum.state_dict())
    _, error = attempt(lambda: curriculum.update(target, scores), ConfigurationError)
    if error is not None:
        assert _as_json(curriculum.state_dict()) == before
    else:
        assert curriculum.updates == 2


@SETTINGS
@given(kind=st.sampled_from(sorted(CURRICULA)), draw=st.data())
def test_a_corrupted_curriculum_state_is_refused_and_changes_nothing(
    kind: str, draw: st.DataObject
) -> None:
    cls = CURRICULA[kind][0]
    source = cls([1, 2, 3], seed=5)
    for level, score in ((1, 1.0), (2, 0.0), (1, 1.0)):
        source.update(level, score)
        source.sample()
    target = cls([1, 2, 3], seed=9)
    before = _as_json(target.state_dict())
    corrupted = _corrupt(json.loads(json.dumps(source.state_dict())), draw)
    _, error = attempt(lambda: target.load_state_dict(corrupted), ConfigurationError)
    if error is not None:
        assert _as_json(target.state_dict()) == before
    else:
        assert target.sample() in target.levels


@SETTINGS
@given(groups=st.one_of(junk_values, st.lists(st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3), junk_values),
    max_size=3)), tolerance=st.one_of(st.floats(0, 1), bad_numbers))
def test_group_filters_check_scores_and_tolerance(groups: Any, tolerance: Any) -> None:
    group_filter, error = attempt(lambda: GroupFilter(tolerance=tolerance), ConfigurationError)
    if error is not None:
        assert "tolerance" in str(error)
        return
    assert group_filter is not None
    keep, error = attempt(lambda: group_filter(groups), ConfigurationError)
    if error is not None:
        assert "group" in str(error)
        assert group_filter.state_dict() == GroupFilter().state_dict()
        return
    assert keep == filter_groups(groups, tolerance=tolerance)


@SETTINGS
@given(draw=st.data())
def test_a_corrupted_group_filter_state_is_refused_and_changes_nothing(
    draw: st.DataObject
) -> None:
    group_filter = GroupFilter()
    group_filter([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    before = group_filter.state_dict()
    _, error = attempt(lambda: group_filter.load_state_dict(_corrupt(before, draw)),
                       ConfigurationError)
    if error is not None:
        assert group_filter.state_dict() == before
    assert all(isinstance(v, int) and v >= 0 for v in group_filter.state_dict().values())


# --- sandbox limits ------------------------------------------------------------------------

LIMIT_FIELDS = [f.name for f in dataclasses.fields(Limits)]


@SETTINGS
@given(field=st.sampled_from(LIMIT_FIELDS), value=st.one_of(bad_numbers, junk_values,
                                                            st.integers(min_value=2**63)))
def test_limits_name_the_bad_field(field: str, value: Any) -> None:
    limits, error = attempt(lambda: Limits(**{field: value}), ConfigurationError)
    if error is not None:
        assert f"Limits.{field}" in str(error)
        return
    number = getattr(limits, field)
    assert math.isfinite(number) and number > 0
    if field not in ("wall_s", "cpu_s"):
        assert isinstance(number, int)
