"""The written form of exact values: numbers, expressions, sets, tuples and the boxed last line.

Every generator renders through here so answers share one LaTeX dialect a checker can parse:
``-\\frac{1}{2}`` (sign outside the fraction), ``\\{-2, 3\\}``, ``(1, -2)``, ``x^{2} + 2 x + 1``.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import sympy

Exact = int | Fraction


def as_fraction(value: Exact | sympy.Rational) -> Fraction:
    """An exact rational as a `Fraction`, whether it came from Python or from sympy."""
    if isinstance(value, sympy.Rational):
        return Fraction(int(value.p), int(value.q))
    return Fraction(value)


def latex_number(value: Exact | sympy.Rational) -> str:
    """``7``, ``-3``, ``\\frac{3}{4}`` or ``-\\frac{1}{2}``: a rational in lowest terms."""
    q = as_fraction(value)
    sign = "-" if q < 0 else ""
    q = abs(q)
    if q.denominator == 1:
        return f"{sign}{q.numerator}"
    return f"{sign}\\frac{{{q.numerator}}}{{{q.denominator}}}"


def operand(value: Exact | sympy.Rational) -> str:
    """A number inside a larger expression: negatives get parentheses (``3 - (-2)``)."""
    text = latex_number(value)
    return f"({text})" if as_fraction(value) < 0 else text


def latex_expr(expr: sympy.Expr) -> str:
    """sympy's LaTeX for an exact expression, with rationals in `latex_number` form."""
    expr = sympy.sympify(expr)
    if isinstance(expr, sympy.Rational):
        return latex_number(expr)
    text: str = sympy.latex(expr)
    if text.startswith("- "):
        text = "-" + text[2:]
    return text


def latex_set(items: Iterable[str]) -> str:
    """``\\{a, b\\}``: the written form of an answer that is a set."""
    return "\\{" + ", ".join(items) + "\\}"


def latex_tuple(items: Iterable[str]) -> str:
    """``(a, b)``: the written form of an answer that is an ordered tuple."""
    return "(" + ", ".join(items) + ")"


def answer_line(answer: str) -> str:
    """The last line of every reference solution."""
    return f"The answer is \\boxed{{{answer}}}."
