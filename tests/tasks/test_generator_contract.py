"""The contract every math generator keeps: seeding, levels, knob validation and step format."""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
import statistics
from typing import Any

import pytest
from generated_tasks import generated

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.task import Task
from rlvr_gym.tasks.generators import GENERATORS, MathGenerator

NAMES = sorted(GENERATORS)
SEEDS = range(50)
EXPECTED = {
    "arithmetic": "MathArithmetic",
    "fractions": "MathFractions",
    "linear_equations": "MathLinear",
    "linear_systems": "MathLinearSystem",
    "quadratics": "MathQuadratic",
    "polynomials": "MathPolynomial",
    "calculus": "MathCalculus",
    "number_theory": "MathNumberTheory",
    "word_problems": "MathWordProblems",
}
# Knobs that measure size; each must never shrink as the level rises.
GROWING_KNOBS = {
    "arithmetic": ("operands", "magnitude", "max_value"),
    "fractions": ("terms", "max_denominator", "max_numerator"),
    "linear_equations": ("max_coefficient", "max_constant"),
    "linear_systems": ("size",),
    "quadratics": ("max_leading", "max_coefficient"),
    "polynomials": ("factors", "max_leading"),
    "calculus": ("terms", "max_degree", "max_coefficient"),
    "number_theory": ("count", "max_value", "max_modulus", "max_exponent"),
    "word_problems": ("parts", "magnitude"),
}
BOXED = re.compile(r"^The answer is \\boxed\{(.*)\}\.$")


def _cases() -> list[tuple[str, int]]:
    return [(name, level) for name in NAMES for level in sorted(GENERATORS[name].levels)]


def _int_knobs(generator: MathGenerator[Any]) -> list[str]:
    config = generator.config(1)
    return [
        f.name for f in dataclasses.fields(config)
        if type(getattr(config, f.name)) is int
    ]


def test_every_planned_generator_is_registered_under_its_env_name() -> None:
    assert {name: g.env_name for name, g in GENERATORS.items()} == EXPECTED


@pytest.mark.parametrize("name", NAMES)
def test_levels_run_from_one_to_between_three_and_five(name: str) -> None:
    levels = sorted(GENERATORS[name].levels)
    assert levels == list(range(1, len(levels) + 1))
    assert 3 <= len(levels) <= 5


@pytest.mark.parametrize("name", NAMES)
def test_every_knob_is_documented_in_the_config_docstring(name: str) -> None:
    config_cls = GENERATORS[name].config_cls
    for f in dataclasses.fields(config_cls):
        assert f"{f.name}:" in (config_cls.__doc__ or ""), f.name


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_and_level_give_the_same_task(name: str) -> None:
    generator = GENERATORS[name]
    for level in generator.levels:
        assert generator.generate(7, level) == generator.generate(7, level)


@pytest.mark.parametrize("name", NAMES)
def test_generation_ignores_the_global_random_state(name: str) -> None:
    generator = GENERATORS[name]
    random.seed(1)
    first = generator.generate(3, generator.max_level)
    random.seed(2)
    random.random()
    assert generator.generate(3, generator.max_level) == first


@pytest.mark.parametrize("name", NAMES)
def test_different_seeds_give_different_tasks(name: str) -> None:
    generator = GENERATORS[name]
    for level in generator.levels:
        prompts = {generated(name, level, seed).prompt_text for seed in range(20)}
        assert len(prompts) >= 15, (level, len(prompts))


@pytest.mark.parametrize(("name", "level"), _cases())
def test_every_level_yields_well_formed_tasks(name: str, level: int) -> None:
    for seed in SEEDS:
        task = generated(name, level, seed)
        assert isinstance(task, Task)
        assert task.id == f"{name}/{level}/{seed}"
        assert task.family == "math"
        assert "Give " in task.prompt_text
        assert "\\boxed{}" in task.prompt_text
        assert task.difficulty["level"] == level
        assert task.metadata["generator"] == name
        answer = str(task.reference["answer"])
        assert answer
        assert "\\boxed" not in answer
        steps = str(task.reference["solution"]).split("\n")
        assert len(steps) >= 2
        assert all(line.strip() for line in steps)
        assert Task.from_json(task.to_json()) == task


@pytest.mark.parametrize(("name", "level"), _cases())
def test_the_last_step_boxes_the_answer(name: str, level: int) -> None:
    for seed in range(20):
        task = generated(name, level, seed)
        last = str(task.reference["solution"]).split("\n")[-1]
        match = BOXED.match(last)
        assert match, last
        assert match.group(1) == task.reference["answer"]


@pytest.mark.parametrize("name", NAMES)
def test_only_the_last_step_holds_the_box(name: str) -> None:
    task = GENERATORS[name].generate(0, GENERATORS[name].max_level)
    steps = str(task.reference["solution"]).split("\n")
    assert not any("\\boxed" in line for line in steps[:-1])


@pytest.mark.parametrize("name", NAMES)
def test_size_knobs_never_shrink_as_the_level_rises(name: str) -> None:
    generator = GENERATORS[name]
    configs = [generator.config(level) for level in sorted(generator.levels)]
    for knob in GROWING_KNOBS[name]:
        values = [getattr(c, knob) for c in configs]
        assert values == sorted(values), (knob, values)
    for easier, harder in itertools.pairwise(configs):
        assert easier != harder


@pytest.mark.parametrize("name", NAMES)
def test_top_level_solutions_are_longer_than_level_one_solutions(name: str) -> None:
    generator = GENERATORS[name]

    def mean_length(level: int) -> float:
        return statistics.mean(
            len(str(generated(name, level, seed).reference["solution"])) for seed in range(20)
        )

    assert mean_length(generator.max_level) > 1.3 * mean_length(1)


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_knob_is_named_in_the_error(name: str) -> None:
    with pytest.raises(ConfigurationError, match=r"unknown difficulty knob.*'loudness'"):
        GENERATORS[name].generate(0, {"loudness": 3})


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("level", [0, 6, "2", True, 1.5])
def test_a_level_outside_the_table_is_refused(name: str, level: Any) -> None:
    with pytest.raises(ConfigurationError):
        GENERATORS[name].generate(0, level)


@pytest.mark.parametrize("name", NAMES)
def test_out_of_range_integer_knobs_are_refused_with_the_knob_named(name: str) -> None:
    generator = GENERATORS[name]
    for knob in _int_knobs(generator):
        for bad in (-1, 10**13, "3", True):
            with pytest.raises(ConfigurationError, match=knob):
                generator.generate(0, {knob: bad})


@pytest.mark.parametrize("name", NAMES)
def test_knob_overrides_apply_and_change_the_task_id(name: str) -> None:
    generator = GENERATORS[name]
    knob = _int_knobs(generator)[0]
    base = generator.config(1)
    low = getattr(base, knob)
    task = generator.generate(4, {"level": 1, knob: low + 1})
    assert task.difficulty[knob] == low + 1
    assert task.id != generator.generate(4, 1).id
    assert task.id.startswith(f"{name}/1/4/")


@pytest.mark.parametrize(
    ("name", "knobs", "message"),
    [
        ("arithmetic", {"operators": "+/"}, "operators"),
        ("arithmetic", {"max_value": 5, "magnitude": 10}, "max_value"),
        ("fractions", {"operators": ""}, "operators"),
        ("quadratics", {"root_kind": "complex"}, "root_kind"),
        ("quadratics", {"root_kind": "rational", "max_leading": 1}, "max_leading"),
        ("polynomials", {"task": "integrate"}, "task"),
        ("calculus", {"kind": "limit"}, "kind"),
        ("calculus", {"composite": True, "transcendental": False}, "composite"),
        ("number_theory", {"problems": ("gcd", "primes")}, "problems"),
        ("number_theory", {"problems": ()}, "problems"),
        ("word_problems", {"templates": ("shopping", "shopping")}, "templates"),
        ("linear_equations", {"both_sides": "yes"}, "both_sides"),
    ],
)
def test_bad_choice_knobs_are_refused_with_the_knob_named(
    name: str, knobs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        GENERATORS[name].generate(0, knobs)


def test_list_knobs_from_json_are_accepted_as_tuples() -> None:
    task = GENERATORS["number_theory"].generate(0, {"problems": ["gcd"]})
    assert task.difficulty["problems"] == ("gcd",)
    assert task.metadata["problem"] == "gcd"


def test_configs_are_frozen() -> None:
    config = GENERATORS["arithmetic"].config(2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.operands = 9  # type: ignore[misc]
