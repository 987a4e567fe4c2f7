"""Systems of linear equations, 2x2 and 3x3, with a unique solution (rlvr/MathLinearSystem-v0)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from rlvr_gym.tasks.generators.base import (
    GeneratedProblem,
    GeneratorConfig,
    MathGenerator,
    register_generator,
)
from rlvr_gym.tasks.generators.notation import (
    answer_line,
    latex_number,
    latex_tuple,
    operand,
)

_MAX_DRAWS = 1000
_MAX_DENOMINATOR = 12
VARIABLES = ("x", "y", "z")

Row = tuple[tuple[int, ...], int]


@dataclass(frozen=True)
class LinearSystemConfig(GeneratorConfig):
    """Knobs of a square linear system ``A v = b``.

    size: the number of equations and unknowns, 2 or 3.
    max_coefficient: the largest absolute value of an entry of ``A`` (1..20).
    max_solution: the largest absolute value of a solution component (integer solutions) or
        scale of the right-hand side, ``b`` within ``max_coefficient * max_solution`` (1..50).
    integer_solution: every component is an integer; otherwise at least one is a fraction.
    """

    size: int = 2
    max_coefficient: int = 5
    max_solution: int = 5
    integer_solution: bool = True

    def validate(self) -> None:
        self.require_int("size", 2, 3)
        self.require_int("max_coefficient", 1, 20)
        self.require_int("max_solution", 1, 50)
        self.require_bool("integer_solution")


def _combination(coefficients: tuple[int, ...]) -> str:
    """``2 x - 3 y + z``: the nonzero terms in variable order."""
    text = ""
    for c, name in zip(coefficients, VARIABLES, strict=False):
        if c == 0:
            continue
        body = name if abs(c) == 1 else f"{abs(c)} {name}"
        if not text:
            text = f"-{body}" if c < 0 else body
        else:
            text += f" - {body}" if c < 0 else f" + {body}"
    return text


def render_equation(row: Row) -> str:
    """``2 x - 3 y = 7``."""
    coefficients, rhs = row
    return f"{_combination(coefficients)} = {latex_number(rhs)}"


def _scale(row: Row, factor: int) -> Row:
    return tuple(factor * c for c in row[0]), factor * row[1]


def _subtract(first: Row, second: Row) -> Row:
    return tuple(a - b for a, b in zip(first[0], second[0], strict=True)), first[1] - second[1]


def _normalise(row: Row) -> Row:
    """Divide out the common factor and make the first nonzero coefficient positive."""
    content = math.gcd(*row[0], row[1])
    lead = next(c for c in row[0] if c)
    if lead < 0:
        content = -content
    return tuple(c // content for c in row[0]), row[1] // content


def _determinant(matrix: list[tuple[int, ...]]) -> int:
    if len(matrix) == 2:
        (a, b), (c, d) = matrix
        return a * d - b * c
    return sum(
        (-1) ** j * matrix[0][j] * _determinant([row[:j] + row[j + 1:] for row in matrix[1:]])
        for j in range(3)
    )


def _cramer(
    matrix: list[tuple[int, ...]], rhs: list[int], determinant: int
) -> tuple[Fraction, ...]:
    """The exact solution by Cramer's rule (the systems are at most 3x3)."""
    n = len(matrix)
    return tuple(
        Fraction(
            _determinant([(*row[:j], b, *row[j + 1:]) for row, b in zip(matrix, rhs, strict=True)]),
            determinant,
        )
        for j in range(n)
    )


def elimination_steps(rows: list[Row], solution: tuple[Fraction, ...]) -> list[str]:
    """Fraction-free elimination then back substitution; every line holds at the solution."""
    size = len(rows)
    steps: list[str] = []
    active = list(rows)
    triangular: list[tuple[int, Row]] = []
    for column in range(size):
        candidates = [i for i, row in enumerate(active) if row[0][column] != 0]
        pivot_index = min(candidates, key=lambda i: abs(active[i][0][column]))
        pivot = active.pop(pivot_index)
        triangular.append((column, pivot))
        remaining: list[Row] = []
        for row in active:
            if row[0][column] == 0:
                remaining.append(row)
                continue
            g = math.gcd(pivot[0][column], row[0][column])
            p, q = pivot[0][column] // g, row[0][column] // g
            if p < 0:
                p, q = -p, -q
            scaled_row, scaled_pivot = _scale(row, p), _scale(pivot, q)
            if p != 1:
                steps.append(render_equation(scaled_row))
            if q != 1:
                steps.append(render_equation(scaled_pivot))
            difference = _subtract(scaled_row, scaled_pivot)
            steps.append(render_equation(difference))
            reduced = _normalise(difference)
            if reduced != difference:
                steps.append(render_equation(reduced))
            remaining.append(reduced)
        active = remaining
    for column, (coefficients, rhs) in reversed(triangular):
        unknown = VARIABLES[column]
        lead = coefficients[column]
        alone = _combination(tuple(lead if i == column else 0 for i in range(size)))
        known = [(c, solution[i]) for i, c in enumerate(coefficients) if c and i != column]
        if known:
            terms = alone
            for c, value in known:
                sign = "-" if c < 0 else "+"
                factor = "" if abs(c) == 1 else f"{abs(c)} \\cdot "
                terms += f" {sign} {factor}{operand(value)}"
            steps.append(f"{terms} = {latex_number(rhs)}")
        rest = rhs - sum((c * value for c, value in known), Fraction(0))
        steps.append(f"{alone} = {latex_number(rest)}")
        if lead != 1:
            steps.append(f"{unknown} = {latex_number(rest / lead)}")
    return list(dict.fromkeys(steps))  # a line already derived is not derived again


class LinearSystemGenerator(MathGenerator[LinearSystemConfig]):
    """Solve a 2x2 or 3x3 system; difficulty adds unknowns, larger entries and fractions."""

    name: ClassVar[str] = "linear_systems"
    env_name: ClassVar[str] = "MathLinearSystem"
    description: ClassVar[str] = "Solve a 2x2 or 3x3 linear system with a unique solution."
    config_cls: ClassVar[type[GeneratorConfig]] = LinearSystemConfig
    levels: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"size": 2, "max_coefficient": 5, "max_solution": 5, "integer_solution": True},
        2: {"size": 2, "max_coefficient": 9, "max_solution": 10, "integer_solution": True},
        3: {"size": 3, "max_coefficient": 5, "max_solution": 5, "integer_solution": True},
        4: {"size": 3, "max_coefficient": 9, "max_solution": 10, "integer_solution": True},
        5: {"size": 3, "max_coefficient": 9, "max_solution": 10, "integer_solution": False},
    }

    def build(self, rng: random.Random, config: LinearSystemConfig) -> GeneratedProblem:
        matrix, rhs, solution = self._draw(rng, config)
        rows: list[Row] = list(zip(matrix, rhs, strict=True))
        names = list(VARIABLES[: config.size])
        order = latex_tuple(names)
        answer = latex_tuple(latex_number(v) for v in solution)
        shape = "pair" if config.size == 2 else "triple"
        equations = "\n".join(f"${render_equation(row)}$" for row in rows)
        kind = "integers" if config.integer_solution else "integers or fractions in lowest terms"
        question = (
            f"Solve the system of equations\n{equations}\n"
            f"Give the answer as an ordered {shape} ${order}$, with entries as {kind}."
        )
        steps = [*elimination_steps(rows, solution), answer_line(answer)]
        metadata = {"variables": names, "matrix": [list(r) for r in matrix], "rhs": list(rhs)}
        return GeneratedProblem(question, answer, tuple(steps), metadata)

    @staticmethod
    def _draw(
        rng: random.Random, config: LinearSystemConfig
    ) -> tuple[list[tuple[int, ...]], list[int], tuple[Fraction, ...]]:
        n, c, s = config.size, config.max_coefficient, config.max_solution
        for _ in range(_MAX_DRAWS):
            matrix = [tuple(rng.randint(-c, c) for _ in range(n)) for _ in range(n)]
            # At most one zero per equation, so every equation ties unknowns together.
            if any(row.count(0) > 1 for row in matrix) or (n == 2 and any(0 in r for r in matrix)):
                continue
            determinant = _determinant(matrix)
            if determinant == 0:
                continue
            if config.integer_solution:
                solution = tuple(Fraction(rng.randint(-s, s)) for _ in range(n))
                if all(v == 0 for v in solution):
                    continue
                rhs = [
                    int(sum(a * v for a, v in zip(row, solution, strict=True))) for row in matrix
                ]
            else:
                rhs = [rng.randint(-c * s, c * s) for _ in range(n)]
                solution = _cramer(matrix, rhs, determinant)
                # Small denominators keep the answer a fraction a person would write.
                if all(v.denominator == 1 for v in solution) or any(
                    v.denominator > _MAX_DENOMINATOR for v in solution
                ):
                    continue
            return matrix, rhs, solution
        raise RuntimeError("linear_systems: could not draw a nonsingular system")


register_generator(LinearSystemGenerator())
