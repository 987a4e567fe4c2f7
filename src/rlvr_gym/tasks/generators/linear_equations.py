"""Linear equations in one unknown, ``a x + b = c x + d`` (rlvr/MathLinear-v0)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

import sympy

from rlvr_gym.tasks.generators.base import (
    GeneratedProblem,
    GeneratorConfig,
    MathGenerator,
    register_generator,
)
from rlvr_gym.tasks.generators.notation import answer_line, latex_expr, latex_number
from rlvr_gym.tasks.generators.sampling import signed_int

_MAX_DRAWS = 1000
VARIABLES = ("x", "y", "z", "n", "t")


@dataclass(frozen=True)
class LinearEquationConfig(GeneratorConfig):
    """Knobs of ``a x + b = c x + d``.

    max_coefficient: the largest absolute value of ``a`` and ``c`` (2..100).
    max_constant: the largest absolute value of ``b`` and ``d`` (5..10**4).
    both_sides: the unknown appears on both sides (``c != 0``); otherwise ``c = 0``.
    integer_solution: the solution is an integer; otherwise it is a fraction that is not whole.
    """

    max_coefficient: int = 5
    max_constant: int = 20
    both_sides: bool = False
    integer_solution: bool = True

    def validate(self) -> None:
        self.require_int("max_coefficient", 2, 100)
        self.require_int("max_constant", 5, 10**4)
        self.require_bool("both_sides")
        self.require_bool("integer_solution")


def _side(coefficient: int, constant: int, variable: sympy.Symbol) -> str:
    return latex_expr(coefficient * variable + constant)


def solution_steps(a: int, b: int, c: int, d: int, variable: sympy.Symbol) -> list[str]:
    """Equations with the same solution set, ending in ``variable = value``."""
    name = latex_expr(variable)
    k, rhs = a - c, d - b
    steps = []
    if c != 0:
        steps.append(f"{_side(k, b, variable)} = {latex_number(d)}")
    if b != 0:
        steps.append(f"{_side(k, 0, variable)} = {latex_number(rhs)}")
    if k != 1:
        steps.append(f"{name} = {latex_number(Fraction(rhs, k))}")
    return steps


class LinearEquationGenerator(MathGenerator[LinearEquationConfig]):
    """Solve ``a x + b = c x + d``; difficulty adds size, unknowns on both sides, fractions."""

    name: ClassVar[str] = "linear_equations"
    env_name: ClassVar[str] = "MathLinear"
    description: ClassVar[str] = "Solve a linear equation a x + b = c x + d for the unknown."
    config_cls: ClassVar[type[GeneratorConfig]] = LinearEquationConfig
    levels: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"max_coefficient": 5, "max_constant": 20, "both_sides": False,
            "integer_solution": True},
        2: {"max_coefficient": 9, "max_constant": 30, "both_sides": True,
            "integer_solution": True},
        3: {"max_coefficient": 12, "max_constant": 50, "both_sides": True,
            "integer_solution": False},
        4: {"max_coefficient": 20, "max_constant": 200, "both_sides": True,
            "integer_solution": False},
    }

    def build(self, rng: random.Random, config: LinearEquationConfig) -> GeneratedProblem:
        a, b, c, d = self._draw(rng, config)
        variable = sympy.Symbol(rng.choice(VARIABLES))
        solution = Fraction(d - b, a - c)
        answer = latex_number(solution)
        equation = f"{_side(a, b, variable)} = {_side(c, d, variable)}"
        kind = "an integer" if config.integer_solution else "a fraction in lowest terms"
        question = f"Solve ${equation}$ for ${variable}$. Give ${variable}$ as {kind}."
        steps = [*solution_steps(a, b, c, d, variable), answer_line(answer)]
        metadata = {"variable": str(variable), "a": a, "b": b, "c": c, "d": d}
        return GeneratedProblem(question, answer, tuple(steps), metadata)

    @staticmethod
    def _draw(rng: random.Random, config: LinearEquationConfig) -> tuple[int, int, int, int]:
        m, n = config.max_coefficient, config.max_constant
        for _ in range(_MAX_DRAWS):
            a = signed_int(rng, m)
            c = signed_int(rng, m) if config.both_sides else 0
            if a == c:
                continue
            if config.integer_solution:
                b = signed_int(rng, n)
                solution = signed_int(rng, max(2, n // (2 * abs(a - c))))
                d = (a - c) * solution + b
            else:
                b, d = signed_int(rng, n), rng.randint(-n, n)
                if (d - b) % (a - c) == 0:
                    continue
            if abs(d) <= n:
                return a, b, c, d
        raise RuntimeError("linear_equations: could not draw an equation; the bounds are too tight")


register_generator(LinearEquationGenerator())
