"""Derivatives and exact definite integrals of polynomial, trig and exponential functions.

Environment id rlvr/MathCalculus-v0. A derivative's answer is an expression in ``x``; a definite
integral's answer is an exact number: ``\\frac{26}{3}``, ``e^{2} - 1``, ``2 + \\pi^{2}``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, ClassVar

import sympy

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.tasks.generators.base import (
    GeneratedProblem,
    GeneratorConfig,
    MathGenerator,
    register_generator,
)
from rlvr_gym.tasks.generators.notation import answer_line, latex_expr, operand
from rlvr_gym.tasks.generators.sampling import signed_int

X = sympy.Symbol("x")
KINDS = ("derivative", "integral", "mixed")
_TRANSCENDENTAL = {"sin": sympy.sin, "cos": sympy.cos, "exp": sympy.exp}
_TRIG_UPPER_BOUNDS = (sympy.pi / 2, sympy.pi)


@dataclass(frozen=True)
class CalculusConfig(GeneratorConfig):
    """Knobs of a function to differentiate or integrate.

    kind: ``"derivative"``, ``"integral"`` (definite, exact value) or ``"mixed"`` (either).
    terms: how many terms the function sums, 1..4.
    max_degree: the highest power of ``x`` in a polynomial term, 1..6.
    max_coefficient: the largest absolute coefficient of a term, 1..20.
    transcendental: terms like ``3 \\sin(2 x)``, ``\\cos(x)``, ``e^{2 x}`` may appear.
    composite: derivatives include a product-rule or chain-rule term (``x^{2} \\sin(x)``,
        ``(2 x + 1)^{3}``); needs `transcendental`. Integrals never use them.
    """

    kind: str = "derivative"
    terms: int = 2
    max_degree: int = 3
    max_coefficient: int = 5
    transcendental: bool = False
    composite: bool = False

    def validate(self) -> None:
        self.require_choice("kind", KINDS)
        self.require_int("terms", 1, 4)
        self.require_int("max_degree", 1, 6)
        self.require_int("max_coefficient", 1, 20)
        self.require_bool("transcendental")
        self.require_bool("composite")
        if self.composite and not self.transcendental:
            raise ConfigurationError(
                "CalculusConfig.composite needs transcendental=True (its product-rule terms "
                "multiply a power of x by sin, cos or exp)"
            )


@dataclass(frozen=True)
class Term:
    """One summand and the worked form of its derivative (the rule applied, unsimplified)."""

    expr: sympy.Expr
    rule_applied: str | None


def _d(expr: sympy.Expr) -> str:
    return f"\\frac{{d}}{{dx}}\\left({latex_expr(expr)}\\right)"


def power_term(c: int, k: int) -> Term:
    """``c x^k``; its worked derivative is ``c \\cdot k x^{k-1}``."""
    worked = f"{operand(c)} \\cdot {k} {latex_expr(X ** (k - 1))}" if k >= 2 else None
    return Term(c * X**k, worked)


def transcendental_term(c: int, name: str, k: int) -> Term:
    """``c g(k x)`` for g in sin, cos, exp; its worked derivative shows the chain rule."""
    g = _TRANSCENDENTAL[name]
    outer = sympy.diff(g(X), X).subs(X, k * X)
    worked = f"{operand(c)} \\cdot \\left({latex_expr(outer)}\\right)"
    if k != 1:
        worked += f" \\cdot {k}"
    return Term(c * g(k * X), worked)


def product_term(c: int, n: int, name: str, k: int) -> Term:
    """``c x^n g(k x)``; its worked derivative is ``u' v + u v'``."""
    u, v = c * X**n, _TRANSCENDENTAL[name](k * X)
    worked = (
        f"{latex_expr(sympy.diff(u, X))} \\cdot {latex_expr(v)} + "
        f"\\left({latex_expr(u)}\\right) \\cdot \\left({latex_expr(sympy.diff(v, X))}\\right)"
    )
    return Term(u * v, worked)


def chain_term(c: int, a: int, b: int, n: int) -> Term:
    """``c (a x + b)^n``; its worked derivative is ``c \\cdot n (a x + b)^{n-1} \\cdot a``."""
    inner = f"\\left({latex_expr(a * X + b)}\\right)"
    power = inner if n == 2 else f"{inner}^{{{n - 1}}}"
    scale = "" if c == 1 else f"{operand(c)} \\cdot "
    return Term(c * (a * X + b) ** n, f"{scale}{n} {power} \\cdot {a}")


def derivative_steps(terms: list[Term]) -> tuple[list[str], sympy.Expr]:
    """Differentiate term by term (sum rule); returns the steps and the derivative."""
    function = sympy.Add(*(t.expr for t in terms))
    steps = []
    for term in terms:
        parts = [_d(term.expr)]
        if term.rule_applied is not None:
            parts.append(term.rule_applied)
        result = latex_expr(sympy.diff(term.expr, X))
        if parts[-1] != result:
            parts.append(result)
        steps.append(" = ".join(parts))
    derivative = sympy.diff(function, X)
    if len(terms) > 1:
        steps.append(f"{_d(function)} = {latex_expr(derivative)}")
    return steps, derivative


def antiderivative_of(c: int, name: str | None, k: int) -> sympy.Expr:
    """An antiderivative of ``c x^k`` (`name` None) or of ``c g(k x)``, from the table."""
    if name is None:
        return sympy.Rational(c, k + 1) * X ** (k + 1)
    if name == "sin":
        return sympy.Rational(-c, k) * sympy.cos(k * X)
    if name == "cos":
        return sympy.Rational(c, k) * sympy.sin(k * X)
    return sympy.Rational(c, k) * sympy.exp(k * X)


def integral_steps(
    function: sympy.Expr, antiderivative: sympy.Expr, lower: sympy.Expr, upper: sympy.Expr
) -> tuple[list[str], sympy.Expr]:
    """Name an antiderivative (checked by differentiating it), then evaluate at the bounds."""
    value = sympy.expand(antiderivative.subs(X, upper) - antiderivative.subs(X, lower))
    integral = (
        f"\\int_{{{latex_expr(lower)}}}^{{{latex_expr(upper)}}} "
        f"\\left({latex_expr(function)}\\right)\\, dx"
    )
    at_upper = latex_expr(antiderivative.subs(X, upper))
    at_lower = latex_expr(antiderivative.subs(X, lower))
    steps = [
        f"{_d(antiderivative)} = {latex_expr(function)}",
        f"{integral} = \\left({at_upper}\\right) - \\left({at_lower}\\right) = {latex_expr(value)}",
    ]
    return steps, value


class CalculusGenerator(MathGenerator[CalculusConfig]):
    """Differentiate or integrate; difficulty adds terms, trig/exp, then product and chain rules."""

    name: ClassVar[str] = "calculus"
    env_name: ClassVar[str] = "MathCalculus"
    description: ClassVar[str] = "Derivatives and exact definite integrals of elementary functions."
    config_cls: ClassVar[type[GeneratorConfig]] = CalculusConfig
    levels: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"kind": "derivative", "terms": 2, "max_degree": 3, "max_coefficient": 5,
            "transcendental": False, "composite": False},
        2: {"kind": "mixed", "terms": 3, "max_degree": 4, "max_coefficient": 9,
            "transcendental": False, "composite": False},
        3: {"kind": "mixed", "terms": 3, "max_degree": 4, "max_coefficient": 9,
            "transcendental": True, "composite": False},
        4: {"kind": "mixed", "terms": 3, "max_degree": 5, "max_coefficient": 12,
            "transcendental": True, "composite": True},
    }

    def build(self, rng: random.Random, config: CalculusConfig) -> GeneratedProblem:
        kind = rng.choice(("derivative", "integral")) if config.kind == "mixed" else config.kind
        if kind == "derivative":
            return self._derivative(rng, config)
        return self._integral(rng, config)

    def _derivative(self, rng: random.Random, config: CalculusConfig) -> GeneratedProblem:
        c = config.max_coefficient
        terms: list[Term] = []
        if config.composite:
            terms.append(
                product_term(signed_int(rng, c), rng.randint(1, 2),
                             rng.choice(sorted(_TRANSCENDENTAL)), rng.randint(1, 3))
                if rng.random() < 0.5 else
                chain_term(signed_int(rng, 3), rng.randint(1, 3), signed_int(rng, 5),
                           rng.randint(2, 4))
            )
        if config.transcendental and len(terms) < config.terms:
            terms.append(transcendental_term(
                signed_int(rng, c), rng.choice(sorted(_TRANSCENDENTAL)), rng.randint(1, 3)
            ))
        degrees = rng.sample(range(1, config.max_degree + 1),
                             min(config.terms - len(terms), config.max_degree))
        terms.extend(power_term(signed_int(rng, c), k) for k in sorted(degrees, reverse=True))
        rng.shuffle(terms)
        function = sympy.Add(*(t.expr for t in terms))
        steps, derivative = derivative_steps(terms)
        answer = latex_expr(derivative)
        question = (
            f"Find the derivative of $f(x) = {latex_expr(function)}$ with respect to $x$. "
            "Give $f'(x)$ as an expression in $x$."
        )
        metadata = {"kind": "derivative", "function": str(function)}
        return GeneratedProblem(question, answer, (*steps, answer_line(answer)), metadata)

    def _integral(self, rng: random.Random, config: CalculusConfig) -> GeneratedProblem:
        c = config.max_coefficient
        special = rng.choice(sorted(_TRANSCENDENTAL)) if config.transcendental else None
        # (coefficient, function name or None for a power of x, k): c g(k x) or c x^k.
        terms: list[tuple[int, str | None, int]] = []
        if special is not None:
            terms.append((signed_int(rng, c), special, rng.randint(1, 2)))
        count = min(config.terms - len(terms), config.max_degree + 1)
        degrees = rng.sample(range(config.max_degree + 1), count)
        terms.extend((signed_int(rng, c), None, k) for k in sorted(degrees, reverse=True))
        function = sympy.Add(*(
            a * (X**k if name is None else _TRANSCENDENTAL[name](k * X)) for a, name, k in terms
        ))
        antiderivative = sympy.Add(*(antiderivative_of(*term) for term in terms))
        lower: sympy.Expr
        upper: sympy.Expr
        if special in ("sin", "cos"):
            lower, upper = sympy.Integer(0), rng.choice(_TRIG_UPPER_BOUNDS)
        elif special == "exp":
            lower, upper = sympy.Integer(0), sympy.Integer(rng.randint(1, 2))
        else:
            low, high = sorted(rng.sample(range(-3, 4), 2))
            lower, upper = sympy.Integer(low), sympy.Integer(high)
        steps, value = integral_steps(function, antiderivative, lower, upper)
        answer = latex_expr(value)
        question = (
            f"Evaluate $\\int_{{{latex_expr(lower)}}}^{{{latex_expr(upper)}}} "
            f"\\left({latex_expr(function)}\\right)\\, dx$. Give the exact value "
            "(use $\\pi$ and $e$ where they appear, no decimals)."
        )
        metadata = {
            "kind": "integral", "function": str(function),
            "lower": str(lower), "upper": str(upper),
        }
        return GeneratedProblem(question, answer, (*steps, answer_line(answer)), metadata)


register_generator(CalculusGenerator())
