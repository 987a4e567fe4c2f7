"""Reference solutions are checkable line by line: identities are true, equations keep solutions."""

from __future__ import annotations

import itertools
import re

import pytest
import sympy
from generated_tasks import generated
from latex_reading import X, equal, read_alternatives, read_expression, read_set, read_tuple

from rlvr_gym.tasks.generators import GENERATORS

SEEDS = range(10)
IDENTITY_GENERATORS = ["arithmetic", "fractions", "polynomials", "calculus", "word_problems"]
LABEL = re.compile(r"^[A-Z][^:=]*: ")


def _cases(names: list[str]) -> list[tuple[str, int]]:
    return [(name, level) for name in names for level in sorted(GENERATORS[name].levels)]


def _work_lines(name: str, level: int, seed: int) -> list[str]:
    """Every line of the reference solution but the final ``The answer is ...``."""
    task = generated(name, level, seed)
    return str(task.reference["solution"]).split("\n")[:-1]


def _chain_holds(line: str) -> bool:
    sides = [read_expression(side) for side in LABEL.sub("", line).split("=")]
    return len(sides) >= 2 and all(equal(a, b) for a, b in itertools.pairwise(sides))


@pytest.mark.parametrize(("name", "level"), _cases(IDENTITY_GENERATORS))
def test_every_step_is_a_true_chain_of_equalities(name: str, level: int) -> None:
    for seed in SEEDS:
        for line in _work_lines(name, level, seed):
            assert _chain_holds(line), (name, level, seed, line)


@pytest.mark.parametrize("level", sorted(GENERATORS["number_theory"].levels)[:3])
def test_number_theory_steps_are_true_identities(level: int) -> None:
    # Higher levels write powers such as 7^{50000}, true but too large to expand in a test.
    for seed in SEEDS:
        for line in _work_lines("number_theory", level, seed):
            assert _chain_holds(line), (level, seed, line)


def test_word_problem_steps_name_what_they_compute() -> None:
    for seed in SEEDS:
        for line in _work_lines("word_problems", 3, seed):
            assert LABEL.match(line), line


@pytest.mark.parametrize("level", sorted(GENERATORS["linear_equations"].levels))
def test_linear_equation_steps_keep_the_solution_set(level: int) -> None:
    for seed in SEEDS:
        task = generated("linear_equations", level, seed)
        name = task.metadata["variable"]
        solution = read_expression(str(task.reference["answer"]))
        for line in _work_lines("linear_equations", level, seed):
            left, right = (read_expression(s.replace(name, "x")) for s in line.split("="))
            assert list(sympy.roots(sympy.Poly(left - right, X))) == [solution], line


@pytest.mark.parametrize("level", sorted(GENERATORS["quadratics"].levels))
def test_quadratic_steps_keep_the_roots(level: int) -> None:
    for seed in SEEDS:
        task = generated("quadratics", level, seed)
        roots = read_set(str(task.reference["answer"]))
        for line in _work_lines("quadratics", level, seed):
            if "x" not in line:
                assert _chain_holds(line), line
                continue
            found: set[sympy.Expr] = set()
            for equation in read_alternatives(line):
                left, right = (read_expression(s) for s in equation.split("="))
                if left == X and X not in right.free_symbols:
                    found.add(right)  # a solved form; sympy's root finder is slow on surds
                else:
                    found.update(sympy.roots(sympy.Poly(left - right, X)))
            assert len(found) == len(roots), line
            assert all(any(equal(r, s) for s in roots) for r in found), line


@pytest.mark.parametrize("level", sorted(GENERATORS["linear_systems"].levels))
def test_linear_system_steps_hold_at_the_solution(level: int) -> None:
    for seed in SEEDS:
        task = generated("linear_systems", level, seed)
        solution = read_tuple(str(task.reference["answer"]))
        values = dict(zip(sympy.symbols(task.metadata["variables"]), solution, strict=True))
        for line in _work_lines("linear_systems", level, seed):
            left, right = (read_expression(s).subs(values) for s in line.split("="))
            assert left == right, line


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_steps_never_write_two_numbers_side_by_side(name: str) -> None:
    for level in GENERATORS[name].levels:
        for line in _work_lines(name, level, 0):
            assert not re.search(r"\d\s+\d", LABEL.sub("", line)), line
