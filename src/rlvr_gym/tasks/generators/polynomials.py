"""Expand a product of linear factors, or factor a polynomial into them (rlvr/MathPolynomial-v0).

A factoring answer is checkable because it is an expression equal to the polynomial; the prompt
asks for the factored form and the reference answer is that form.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from rlvr_gym.tasks.generators.base import (
    GeneratedProblem,
    GeneratorConfig,
    MathGenerator,
    register_generator,
)
from rlvr_gym.tasks.generators.notation import answer_line, latex_number, operand
from rlvr_gym.tasks.generators.sampling import signed_int

_MAX_DRAWS = 1000
TASKS = ("expand", "factor", "mixed")

Factor = tuple[int, int]
"""``(p, q)`` meaning ``p x + q``, with ``p >= 1``, ``q != 0`` and ``gcd(p, q) = 1``."""


@dataclass(frozen=True)
class PolynomialConfig(GeneratorConfig):
    """Knobs of a product of linear factors ``(p x + q)``.

    task: ``"expand"`` the product, ``"factor"`` its expansion, or ``"mixed"`` (either, at random).
    factors: how many linear factors, 2..4 (the degree of the polynomial).
    max_constant: the largest absolute value of ``q``, 1..20.
    max_leading: the largest ``p`` (1 gives monic factors), 1..5.
    """

    task: str = "expand"
    factors: int = 2
    max_constant: int = 6
    max_leading: int = 1

    def validate(self) -> None:
        self.require_choice("task", TASKS)
        self.require_int("factors", 2, 4)
        self.require_int("max_constant", 1, 20)
        self.require_int("max_leading", 1, 5)


Coefficients = list[int]
"""A polynomial in x as integer coefficients, highest power first."""


def _linear(factor: Factor) -> Coefficients:
    return [factor[0], factor[1]]


def multiply(left: Coefficients, right: Coefficients) -> Coefficients:
    """The product of two polynomials."""
    product = [0] * (len(left) + len(right) - 1)
    for i, a in enumerate(left):
        for j, b in enumerate(right):
            product[i + j] += a * b
    return product


def divide(polynomial: Coefficients, factor: Factor) -> Coefficients:
    """The quotient of `polynomial` by ``p x + q``, which must divide it exactly."""
    p, q = factor
    remainder = list(polynomial)
    quotient = []
    for i in range(len(polynomial) - 1):
        lead, left = divmod(remainder[i], p)
        if left:
            raise ValueError(f"{factor} does not divide {polynomial}")
        quotient.append(lead)
        remainder[i + 1] -= lead * q
    if remainder[-1]:
        raise ValueError(f"{factor} does not divide {polynomial}")
    return quotient


def product_of(factors: list[Factor]) -> Coefficients:
    result = [1]
    for factor in factors:
        result = multiply(result, _linear(factor))
    return result


def _term(coefficient: int, power: int, *, leading: bool) -> str:
    """One monomial as sympy writes it (``2 x^{2}``), with its sign joined for a sum."""
    magnitude = abs(coefficient)
    body = "" if magnitude == 1 and power else str(magnitude)
    if power:
        body += (" " if body else "") + ("x" if power == 1 else f"x^{{{power}}}")
    if leading:
        return f"-{body}" if coefficient < 0 else body
    return f" - {body}" if coefficient < 0 else f" + {body}"


def _terms(polynomial: Coefficients) -> list[tuple[int, int]]:
    """``(coefficient, power)`` of each nonzero monomial, highest power first."""
    degree = len(polynomial) - 1
    return [(c, degree - i) for i, c in enumerate(polynomial) if c != 0]


def _join(terms: list[tuple[int, int]]) -> str:
    """A sum of monomials in the given order, like terms not combined."""
    return "".join(_term(c, k, leading=i == 0) for i, (c, k) in enumerate(terms))


def render(polynomial: Coefficients) -> str:
    """``x^{2} - x - 6``, as sympy's LaTeX writes it."""
    return _join(_terms(polynomial))


def _factor_text(factor: Factor) -> str:
    return f"({render(_linear(factor))})"


def factored(factors: list[Factor]) -> str:
    """``(x - 3)^{2}(2 x + 1)``: distinct factors by decreasing root, repeats as powers."""
    counts = Counter(factors)
    ordered = sorted(counts, key=lambda f: Fraction(f[1], f[0]))
    return "".join(
        _factor_text(f) + ("" if counts[f] == 1 else f"^{{{counts[f]}}}") for f in ordered
    )


def _product_line(left: Coefficients, factor: Factor, left_text: str) -> str:
    """``(A)(p x + q) = <every product of terms> = <like terms combined>``."""
    distributed = [
        (c1 * c2, k1 + k2) for c1, k1 in _terms(left) for c2, k2 in _terms(_linear(factor))
    ]
    parts = [f"{left_text}{_factor_text(factor)}", _join(distributed)]
    simplified = render(multiply(left, _linear(factor)))
    if parts[-1] != simplified:
        parts.append(simplified)
    return " = ".join(parts)


def expansion_steps(factors: list[Factor]) -> list[str]:
    """Multiply the factors in one at a time, distributing and then combining like terms."""
    current = _linear(factors[0])
    steps = []
    for i, factor in enumerate(factors[1:], start=1):
        current_text = f"({render(current)})"
        if i > 1:
            written = "".join(_factor_text(f) for f in factors[: i + 1])
            steps.append(f"{written} = {current_text}{_factor_text(factor)}")
        steps.append(_product_line(current, factor, current_text))
        current = multiply(current, _linear(factor))
    return steps


def _power(value: Fraction, exponent: int) -> str:
    base = latex_number(value)
    if value < 0 or value.denominator != 1:
        base = f"({base})"
    return base if exponent == 1 else f"{base}^{{{exponent}}}"


def _evaluation(polynomial: Coefficients, value: Fraction) -> str:
    """``P(r)`` written out term by term, e.g. ``(-1)^{3} - 7 \\cdot (-1) - 6``."""
    pieces = []
    for i, (c, k) in enumerate(_terms(polynomial)):
        magnitude = abs(c)
        if k == 0:
            body = str(magnitude)
        elif magnitude == 1:
            body = _power(value, k)
        else:
            body = f"{magnitude} \\cdot {_power(value, k)}"
        sign = "-" if c < 0 else "+"
        pieces.append((f"-{body}" if c < 0 else body) if i == 0 else f" {sign} {body}")
    return "".join(pieces)


def _quadratic_steps(first: Factor, second: Factor) -> list[str]:
    """Split the middle term (``m n = a c``, ``m + n = b``), group, and pull out the factor."""
    (p1, q1), (p2, q2) = first, second
    a, c = p1 * p2, q1 * q2
    m, n = p1 * q2, q1 * p2
    inner = _factor_text(second)
    grouped = f"{render([p1, 0])} {inner}"
    grouped += f" {'-' if q1 < 0 else '+'} " + ("" if abs(q1) == 1 else f"{abs(q1)} ") + inner
    chain = [
        render(multiply(_linear(first), _linear(second))),
        _join([(a, 2), (m, 1), (n, 1), (c, 0)]),
        grouped,
        f"{_factor_text(first)}{_factor_text(second)}",
    ]
    if factored([first, second]) != chain[-1]:
        chain.append(factored([first, second]))
    return [
        f"{operand(m)} \\cdot {operand(n)} = {latex_number(a * c)}",
        f"{latex_number(m)} + {operand(n)} = {latex_number(m + n)}",
        " = ".join(chain),
    ]


def factoring_steps(factors: list[Factor]) -> list[str]:
    """Peel off one root at a time (check it, divide), then factor the last quadratic."""
    polynomial = product_of(factors)
    remaining = sorted(factors, key=lambda f: (f[0], abs(f[1]), f[1]))
    current = polynomial
    steps = []
    while len(remaining) > 2:
        factor = remaining.pop(0)
        root = Fraction(-factor[1], factor[0])
        steps.append(f"{_evaluation(current, root)} = 0")
        quotient = divide(current, factor)
        steps.append(f"{render(current)} = {_factor_text(factor)}({render(quotient)})")
        current = quotient
    steps.extend(_quadratic_steps(remaining[0], remaining[1]))
    if len(factors) > 2:
        steps.append(f"{render(polynomial)} = {factored(factors)}")
    return steps


class PolynomialGenerator(MathGenerator[PolynomialConfig]):
    """Expand or factor products of linear factors; difficulty adds factors and coefficients."""

    name: ClassVar[str] = "polynomials"
    env_name: ClassVar[str] = "MathPolynomial"
    description: ClassVar[str] = "Expand a product of linear factors or factor a polynomial."
    config_cls: ClassVar[type[GeneratorConfig]] = PolynomialConfig
    levels: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"task": "expand", "factors": 2, "max_constant": 6, "max_leading": 1},
        2: {"task": "mixed", "factors": 2, "max_constant": 9, "max_leading": 1},
        3: {"task": "mixed", "factors": 2, "max_constant": 9, "max_leading": 3},
        4: {"task": "mixed", "factors": 3, "max_constant": 9, "max_leading": 3},
        5: {"task": "mixed", "factors": 4, "max_constant": 9, "max_leading": 3},
    }

    def build(self, rng: random.Random, config: PolynomialConfig) -> GeneratedProblem:
        factors = self._draw(rng, config)
        task = rng.choice(("expand", "factor")) if config.task == "mixed" else config.task
        polynomial = product_of(factors)
        metadata = {"task": task, "polynomial": polynomial}
        if task == "expand":
            product = "".join(_factor_text(f) for f in factors)
            answer = render(polynomial)
            question = (
                f"Expand ${product}$. Give the answer as a polynomial in $x$ with like terms "
                "combined, highest power first."
            )
            steps = expansion_steps(factors)
        else:
            answer = factored(factors)
            question = (
                f"Factor ${render(polynomial)}$ completely over the integers. Give the answer "
                "in factored form, as a product of linear factors such as $(x + 1)(2 x - 3)$."
            )
            steps = factoring_steps(factors)
        return GeneratedProblem(question, answer, (*steps, answer_line(answer)), metadata)

    @staticmethod
    def _draw(rng: random.Random, config: PolynomialConfig) -> list[Factor]:
        factors: list[Factor] = []
        for _ in range(_MAX_DRAWS):
            p = rng.randint(1, config.max_leading)
            q = signed_int(rng, config.max_constant)
            if math.gcd(p, q) == 1:
                factors.append((p, q))
            if len(factors) == config.factors:
                return factors
        raise RuntimeError("polynomials: could not draw linear factors")


register_generator(PolynomialGenerator())
