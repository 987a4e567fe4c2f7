"""Quadratic equations ``a x^2 + b x + c = 0`` with real roots (rlvr/MathQuadratic-v0)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

import sympy

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.tasks.generators.base import (
    GeneratedProblem,
    GeneratorConfig,
    MathGenerator,
    register_generator,
)
from rlvr_gym.tasks.generators.notation import (
    answer_line,
    latex_expr,
    latex_number,
    latex_set,
    operand,
)
from rlvr_gym.tasks.generators.sampling import signed_int

_MAX_DRAWS = 1000
X = sympy.Symbol("x")
ROOT_KINDS = ("integer", "rational", "irrational")
PM = "\\pm"


@dataclass(frozen=True)
class QuadraticConfig(GeneratorConfig):
    """Knobs of ``a x^2 + b x + c = 0``.

    root_kind: ``"integer"`` roots, ``"rational"`` roots (``(p x - q)(r x - s)``) or
        ``"irrational"`` roots written with ``\\sqrt`` (a positive non-square discriminant).
    max_root: the largest absolute value of a root (integer) or of ``q``, ``s`` (rational), 1..50.
    max_leading: the largest leading coefficient ``a`` (integer: a common factor; rational: the
        largest ``p``, ``r``), 1..10.
    max_coefficient: the largest absolute value of ``b`` and ``c`` for irrational roots, 2..50.
    """

    root_kind: str = "integer"
    max_root: int = 6
    max_leading: int = 1
    max_coefficient: int = 9

    def validate(self) -> None:
        self.require_choice("root_kind", ROOT_KINDS)
        self.require_int("max_root", 1, 50)
        self.require_int("max_leading", 1, 10)
        self.require_int("max_coefficient", 2, 50)
        if self.root_kind == "rational" and self.max_leading < 2:
            raise ConfigurationError(
                "QuadraticConfig.max_leading must be at least 2 for rational roots (with 1 every "
                "root is an integer); raise it or use root_kind='integer'"
            )


def _factor(p: int, q: int) -> str:
    """``(p x - q)``, the factor vanishing at ``q / p``."""
    return f"({latex_expr(p * X - q)})"


def surd(p: int, q: int, s: int, d: int, sign: str) -> str:
    """``\\frac{p <sign> q\\sqrt{s}}{d}``, plainest form; `sign` is ``+``, ``-`` or ``\\pm``."""
    radical = ("" if q == 1 else str(q)) + f"\\sqrt{{{s}}}"
    if p == 0:
        lead = {"+": "", "-": "-", PM: f"{PM} "}[sign]
        return f"{lead}{radical}" if d == 1 else f"{lead}\\frac{{{radical}}}{{{d}}}"
    numerator = f"{p} {sign} {radical}"
    return numerator if d == 1 else f"\\frac{{{numerator}}}{{{d}}}"


def _square_free(n: int) -> tuple[int, int]:
    """``(k, s)`` with ``n = k^2 s`` and ``s`` square-free."""
    k = 1
    for f, e in sympy.factorint(n).items():
        k *= int(f) ** (e // 2)
    return k, n // (k * k)


def factoring_steps(
    polynomial: sympy.Expr, content: int, factors: list[tuple[int, int]]
) -> list[str]:
    """Divide out the common factor, factor, set each factor to zero, read off the roots."""
    steps = []
    if content != 1:
        steps.append(f"{latex_expr(sympy.expand(polynomial / content))} = 0")
    distinct = sorted(set(factors), key=lambda f: Fraction(f[1], f[0]))
    if len(distinct) == 1:
        steps.append(f"{_factor(*distinct[0])}^{{2}} = 0")
    else:
        steps.append("".join(_factor(p, q) for p, q in distinct) + " = 0")
    zeros = [f"{latex_expr(p * X - q)} = 0" for p, q in distinct]
    roots = [f"x = {latex_number(Fraction(q, p))}" for p, q in distinct]
    if any(p != 1 for p, _ in distinct):
        steps.append(" \\text{ or } ".join(zeros))
    steps.append(" \\text{ or } ".join(roots))
    return steps


def formula_steps(a: int, b: int, c: int) -> tuple[list[str], str]:
    """The quadratic formula with the radical simplified; returns the steps and the answer."""
    discriminant = b * b - 4 * a * c
    k, s = _square_free(discriminant)
    steps = [f"{operand(b)}^{{2}} - 4 \\cdot {operand(a)} \\cdot {operand(c)} = {discriminant}"]
    steps.append(f"x = {surd(-b, 1, discriminant, 2 * a, PM)}")
    if k != 1:
        steps.append(f"x = {surd(-b, k, s, 2 * a, PM)}")
    g = math.gcd(b, k, 2 * a)
    p, q, d = -b // g, k // g, 2 * a // g
    if g != 1:
        steps.append(f"x = {surd(p, q, s, d, PM)}")
    low, high = surd(p, q, s, d, "-"), surd(p, q, s, d, "+")
    steps.append(f"x = {low} \\text{{ or }} x = {high}")
    return steps, latex_set([low, high])


class QuadraticGenerator(MathGenerator[QuadraticConfig]):
    """Find the real roots of a quadratic; difficulty moves from integer to irrational roots."""

    name: ClassVar[str] = "quadratics"
    env_name: ClassVar[str] = "MathQuadratic"
    description: ClassVar[str] = "Find the real roots of a quadratic equation."
    config_cls: ClassVar[type[GeneratorConfig]] = QuadraticConfig
    levels: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"root_kind": "integer", "max_root": 6, "max_leading": 1, "max_coefficient": 9},
        2: {"root_kind": "integer", "max_root": 12, "max_leading": 3, "max_coefficient": 9},
        3: {"root_kind": "rational", "max_root": 6, "max_leading": 3, "max_coefficient": 9},
        4: {"root_kind": "irrational", "max_root": 6, "max_leading": 3, "max_coefficient": 9},
        5: {"root_kind": "irrational", "max_root": 6, "max_leading": 4, "max_coefficient": 15},
    }

    def build(self, rng: random.Random, config: QuadraticConfig) -> GeneratedProblem:
        if config.root_kind == "irrational":
            a, b, c = self._draw_irrational(rng, config)
            steps, answer = formula_steps(a, b, c)
            polynomial = a * X**2 + b * X + c
        else:
            content, factors = self._draw_factored(rng, config)
            polynomial = sympy.expand(content * sympy.Mul(*(p * X - q for p, q in factors)))
            steps = factoring_steps(polynomial, content, factors)
            roots = sorted({Fraction(q, p) for p, q in factors})
            answer = latex_number(roots[0]) if len(roots) == 1 else latex_set(
                latex_number(r) for r in roots
            )
        question = (
            f"Find all real solutions of ${latex_expr(polynomial)} = 0$. Give the solutions as a "
            "set such as $\\{-2, 3\\}$, or as a single value if there is only one (a double "
            "root); write irrational roots exactly with $\\sqrt{}$."
        )
        coefficients = sympy.Poly(polynomial, X).all_coeffs()
        metadata = {"variable": "x", "coefficients": [int(v) for v in coefficients]}
        return GeneratedProblem(question, answer, (*steps, answer_line(answer)), metadata)

    @staticmethod
    def _draw_factored(
        rng: random.Random, config: QuadraticConfig
    ) -> tuple[int, list[tuple[int, int]]]:
        """A common factor and two factors ``(p, q)`` meaning ``p x - q`` with root ``q / p``."""
        if config.root_kind == "integer":
            content = rng.randint(1, config.max_leading)
            return content, [(1, signed_int(rng, config.max_root)) for _ in range(2)]
        for _ in range(_MAX_DRAWS):
            factors = [
                (rng.randint(1, config.max_leading), signed_int(rng, config.max_root))
                for _ in range(2)
            ]
            if all(math.gcd(p, q) == 1 for p, q in factors) and any(p > 1 for p, _ in factors):
                return 1, factors
        raise RuntimeError("quadratics: could not draw rational roots")

    @staticmethod
    def _draw_irrational(rng: random.Random, config: QuadraticConfig) -> tuple[int, int, int]:
        for _ in range(_MAX_DRAWS):
            a = rng.randint(1, config.max_leading)
            b = rng.randint(-config.max_coefficient, config.max_coefficient)
            c = signed_int(rng, config.max_coefficient)
            discriminant = b * b - 4 * a * c
            if discriminant > 0 and math.isqrt(discriminant) ** 2 != discriminant:
                return a, b, c
        raise RuntimeError("quadratics: could not draw irrational roots")


register_generator(QuadraticGenerator())
