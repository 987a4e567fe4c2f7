"""Exact arithmetic expression trees: random shapes, LaTeX rendering and step-by-step reduction.

Shared by the arithmetic and fraction generators. Values are `Fraction`s throughout, so integer
expressions are the special case whose leaves (and, without division, results) are whole.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from rlvr_gym.tasks.generators.notation import latex_number

OPERATOR_LATEX = {"+": "+", "-": "-", "*": "\\cdot", "/": "\\div"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


@dataclass(frozen=True)
class Leaf:
    """A number in an expression."""

    value: Fraction


@dataclass(frozen=True)
class BinOp:
    """One binary operation ``left op right``; `op` is one of ``+ - * /``."""

    op: str
    left: Expression
    right: Expression


Expression = Leaf | BinOp


def apply(op: str, left: Fraction, right: Fraction) -> Fraction:
    """The exact value of ``left op right``; raises ZeroDivisionError for division by zero."""
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    return left / right


def evaluate(expr: Expression) -> Fraction:
    """The exact value of the whole expression."""
    if isinstance(expr, Leaf):
        return expr.value
    return apply(expr.op, evaluate(expr.left), evaluate(expr.right))


def _precedence(expr: Expression) -> int:
    return 3 if isinstance(expr, Leaf) else _PRECEDENCE[expr.op]


def render(
    expr: Expression, number: Callable[[Fraction], str] = latex_number, *, leading: bool = True
) -> str:
    """LaTeX of the tree, parenthesised where its shape differs from left-to-right precedence.

    Negative numbers are parenthesised except at the very start, so ``3 - (-2)`` never
    reads as ``3 - -2``.
    """
    if isinstance(expr, Leaf):
        text = number(expr.value)
        return text if leading or expr.value >= 0 else f"({text})"
    prec = _PRECEDENCE[expr.op]
    left_parens = _precedence(expr.left) < prec
    # A right operand of equal precedence keeps its parentheses even when they could go
    # (``a + (b + c)``), so the reduction order the steps follow is visible in the text.
    right_parens = _precedence(expr.right) <= prec
    left = render(expr.left, number, leading=leading or left_parens)
    right = render(expr.right, number, leading=right_parens)
    if left_parens:
        left = f"({left})"
    if right_parens:
        right = f"({right})"
    return f"{left} {OPERATOR_LATEX[expr.op]} {right}"


def _reducible(expr: Expression, path: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], BinOp]]:
    """Every operation whose operands are both numbers, in left-to-right order."""
    if isinstance(expr, Leaf):
        return []
    if isinstance(expr.left, Leaf) and isinstance(expr.right, Leaf):
        return [(path, expr)]
    return _reducible(expr.left, (*path, 0)) + _reducible(expr.right, (*path, 1))


def _replace(expr: Expression, path: tuple[int, ...], new: Expression) -> Expression:
    if not path:
        return new
    if not isinstance(expr, BinOp):
        raise ValueError(f"path {path} leads through a number")
    if path[0] == 0:
        return BinOp(expr.op, _replace(expr.left, path[1:], new), expr.right)
    return BinOp(expr.op, expr.left, _replace(expr.right, path[1:], new))


def reduce_once(expr: BinOp) -> tuple[Expression, BinOp]:
    """Carry out one operation (products and quotients first, then leftmost).

    Returns the expression with that operation replaced by its value, and the operation itself.
    """
    candidates = _reducible(expr)
    path, node = max(candidates, key=lambda item: _PRECEDENCE[item[1].op])
    value = evaluate(node)
    return _replace(expr, path, Leaf(value)), node


def _respects(value: Fraction, allow_negative: bool, max_abs: int) -> bool:
    return (allow_negative or value >= 0) and abs(value) <= max_abs


def _flat(leaves: Sequence[Fraction], ops: Sequence[str]) -> Expression:
    """The tree of ``l0 o0 l1 o1 l2 ...`` read with the usual precedence, left to right."""
    terms: list[Expression] = [Leaf(leaves[0])]
    joins: list[str] = []
    for op, value in zip(ops, leaves[1:], strict=True):
        if _PRECEDENCE[op] == 2:
            terms[-1] = BinOp(op, terms[-1], Leaf(value))
        else:
            joins.append(op)
            terms.append(Leaf(value))
    tree = terms[0]
    for op, term in zip(joins, terms[1:], strict=True):
        tree = BinOp(op, tree, term)
    return tree


def _valid(expr: Expression, allow_negative: bool, max_abs: int) -> bool:
    """Whether every intermediate value is defined and within the bounds."""
    if isinstance(expr, Leaf):
        return True
    children_valid = _valid(expr.left, allow_negative, max_abs) and _valid(
        expr.right, allow_negative, max_abs
    )
    if not children_valid:
        return False
    try:
        value = evaluate(expr)
    except ZeroDivisionError:
        return False
    return _respects(value, allow_negative, max_abs)


def random_flat(
    rng: random.Random,
    leaves: Sequence[Fraction],
    operators: str,
    *,
    allow_negative: bool,
    max_abs: int,
) -> Expression | None:
    """A parenthesis-free expression over `leaves`, or None when this draw breaks the bounds."""
    ops = [rng.choice(operators) for _ in leaves[1:]]
    tree = _flat(leaves, ops)
    return tree if _valid(tree, allow_negative, max_abs) else None


def random_nested(
    rng: random.Random,
    leaves: Sequence[Fraction],
    operators: str,
    *,
    allow_negative: bool,
    max_abs: int,
) -> Expression | None:
    """A randomly shaped tree over `leaves` (parentheses where the shape needs them).

    Each operation is picked among `operators` so the intermediate value stays in bounds;
    None when no operator fits at some node.
    """
    if len(leaves) == 1:
        return Leaf(leaves[0])
    split = rng.randint(1, len(leaves) - 1)
    left = random_nested(rng, leaves[:split], operators, allow_negative=allow_negative,
                         max_abs=max_abs)
    right = random_nested(rng, leaves[split:], operators, allow_negative=allow_negative,
                          max_abs=max_abs)
    if left is None or right is None:
        return None
    left_value, right_value = evaluate(left), evaluate(right)
    choices = list(operators)
    rng.shuffle(choices)
    for op in choices:
        try:
            value = apply(op, left_value, right_value)
        except ZeroDivisionError:
            continue
        if _respects(value, allow_negative, max_abs):
            return BinOp(op, left, right)
    return None
