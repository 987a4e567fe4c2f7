"""The shapes a parsed answer can take: a scalar, a relation, a tuple, a set, a real set, a matrix.

Arithmetic lives in sympy expressions; these frozen nodes hold the structure around them so the
comparison can treat sets as unordered, tuples as ordered and `(1, 2)` as either a point or an
open interval depending on what it is compared with.

Three marker symbols ride inside expressions and are resolved only when two answers meet:
`PERCENT` (`50\\%` is 50 or 0.5, whichever the other side means), `DEGREE` (`30^\\circ` is 30 or
π/6) and `PLUS_MINUS` (`1 \\pm 2` is the set {3, -1}, expanded once after parsing).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, TypeAlias

import sympy

PERCENT: Final = sympy.Symbol("_percent")
DEGREE: Final = sympy.Symbol("_degree")
PLUS_MINUS: Final = sympy.Symbol("_plus_minus")
MARKERS: Final = frozenset({PERCENT, DEGREE, PLUS_MINUS})
# What each unit marker means when the other answer does not carry it.
MARKER_SCALE: Final = {PERCENT: sympy.Rational(1, 100), DEGREE: sympy.pi / 180}


@dataclass(frozen=True)
class Scalar:
    """A single number or expression, e.g. `\\frac{\\sqrt2}{2}`, `x^2+1`, `50\\%`."""

    expr: sympy.Expr


@dataclass(frozen=True)
class Relation:
    """An equation or (chained) inequality: `exprs[0] ops[0] exprs[1] ops[1] ...`."""

    exprs: tuple[sympy.Expr, ...]
    ops: tuple[str, ...]

    @property
    def is_equation(self) -> bool:
        return self.ops == ("=",)


@dataclass(frozen=True)
class Bracketed:
    """Items in brackets: a tuple or point, or, with two items, possibly an interval."""

    opener: str
    closer: str
    items: tuple[Node, ...]


@dataclass(frozen=True)
class SetOf:
    """A finite set written with braces; order and repetition do not matter."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class ValueList:
    """A bare comma-separated list (`1, 2`): unordered against sets, ordered against tuples."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class RealSet:
    """A subset of the real line built from intervals, unions, ℝ and set differences."""

    value: sympy.Set


@dataclass(frozen=True)
class Matrix:
    """A matrix or vector from a `pmatrix`/`bmatrix`-style environment, row by row."""

    rows: tuple[tuple[sympy.Expr, ...], ...]


@dataclass(frozen=True)
class Continuation:
    """An ellipsis in a list (`1, 2, 3, \\ldots`): the pattern goes on, so a list ending in one
    is infinite and never equals a finite list; it matches only another ellipsis."""


@dataclass(frozen=True)
class Text:
    """A prose answer (`no solution`, `even`), compared case- and space-insensitively."""

    text: str


Node: TypeAlias = (
    "Scalar | Relation | Bracketed | SetOf | ValueList | RealSet | Matrix | Text | Continuation"
)


def map_exprs(node: Node, fn: Callable[[sympy.Expr], sympy.Expr]) -> Node:
    """`node` with `fn` applied to every expression in it (real sets are left alone)."""
    if isinstance(node, Scalar):
        return Scalar(fn(node.expr))
    if isinstance(node, Relation):
        return Relation(tuple(fn(e) for e in node.exprs), node.ops)
    if isinstance(node, Bracketed):
        return Bracketed(node.opener, node.closer, tuple(map_exprs(i, fn) for i in node.items))
    if isinstance(node, SetOf):
        return SetOf(tuple(map_exprs(i, fn) for i in node.items))
    if isinstance(node, ValueList):
        return ValueList(tuple(map_exprs(i, fn) for i in node.items))
    if isinstance(node, Matrix):
        return Matrix(tuple(tuple(fn(e) for e in row) for row in node.rows))
    return node


def has_symbol(node: Node, symbol: sympy.Symbol) -> bool:
    """Whether `symbol` occurs anywhere in the expressions of `node`."""
    if isinstance(node, Scalar):
        return bool(node.expr.has(symbol))
    if isinstance(node, Relation):
        return any(e.has(symbol) for e in node.exprs)
    if isinstance(node, (Bracketed, SetOf, ValueList)):
        return any(has_symbol(i, symbol) for i in node.items)
    if isinstance(node, Matrix):
        return any(e.has(symbol) for row in node.rows for e in row)
    return False


def expand_plus_minus(node: Node) -> Node:
    """Resolve `\\pm`: `1 \\pm 2` becomes the set {3, -1}; lists and sets expand item by item."""
    if not has_symbol(node, PLUS_MINUS):
        return node
    if isinstance(node, (ValueList, SetOf)):
        items: list[Node] = []
        for item in node.items:
            expanded = expand_plus_minus(item)
            items.extend(expanded.items if isinstance(expanded, SetOf) else (expanded,))
        return type(node)(tuple(items))
    plus = map_exprs(node, lambda e: e.xreplace({PLUS_MINUS: sympy.Integer(1)}))
    minus = map_exprs(node, lambda e: e.xreplace({PLUS_MINUS: sympy.Integer(-1)}))
    return SetOf((plus, minus))


def drop_markers(expr: sympy.Expr) -> sympy.Expr:
    """`expr` with percent read as 1/100 and degrees as plain numbers, for set endpoints."""
    if not expr.free_symbols & MARKERS:
        return expr
    return expr.xreplace({PERCENT: sympy.Rational(1, 100), DEGREE: sympy.Integer(1)})


_RELATIONS: Final[dict[str, Callable[[sympy.Expr, sympy.Expr], sympy.Basic]]] = {
    "<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge, "=": sympy.Eq, "!=": sympy.Ne,
}
_FLIPPED: Final = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}


def relation_variable(relation: Relation) -> sympy.Symbol | None:
    """The one variable a relation constrains (`1 < x < 3` → x), or None if there is not one."""
    symbols = set().union(*(e.free_symbols for e in relation.exprs)) - MARKERS
    if len(symbols) != 1:
        return None
    variable = next(iter(symbols))
    return variable if isinstance(variable, sympy.Symbol) else None


def relation_solution_set(relation: Relation) -> sympy.Set | None:
    """The real solution set of a one-variable relation (`x \\le 3` → (-∞, 3]), else None."""
    variable = relation_variable(relation)
    if variable is None:
        return None
    exprs = [drop_markers(e) for e in relation.exprs]
    sets = [_pair_solution_set(left, op, right, variable)
            for (left, right), op in zip(itertools.pairwise(exprs), relation.ops, strict=True)]
    return sets[0] if len(sets) == 1 else sympy.Intersection(*sets)


def _pair_solution_set(
    left: sympy.Expr, op: str, right: sympy.Expr, variable: sympy.Symbol
) -> sympy.Set:
    if right == variable and not left.has(variable):
        left, right, op = right, left, _FLIPPED[op]
    elif left != variable:
        constant, linear = (left - right).as_independent(variable, as_Add=True)
        slope = linear / variable
        if not slope.has(variable) and slope.is_nonzero and slope.is_extended_real:
            # `-x > -1`, `2x + 1 \le 5`: isolate the variable instead of calling solveset.
            left, right = variable, -constant / slope
            op = _FLIPPED[op] if slope.is_negative else op
    if left == variable and not right.has(variable) and right.is_extended_real is not False:
        # The common shapes, built directly: solveset is a hundred times slower.
        return {
            "<": lambda c: sympy.Interval.open(-sympy.oo, c),
            "<=": lambda c: sympy.Interval(-sympy.oo, c),
            ">": lambda c: sympy.Interval.open(c, sympy.oo),
            ">=": lambda c: sympy.Interval(c, sympy.oo),
            "=": lambda c: sympy.FiniteSet(c),
            "!=": lambda c: sympy.S.Reals - sympy.FiniteSet(c),
        }[op](right)
    return sympy.solveset(_RELATIONS[op](left, right), variable, sympy.S.Reals)


def as_real_set(node: Node) -> sympy.Set | None:
    """`node` read as a subset of ℝ (an interval, a relation's solutions, a set of reals)."""
    if isinstance(node, RealSet):
        return node.value
    if isinstance(node, Relation):
        return relation_solution_set(node)
    if isinstance(node, Bracketed) and len(node.items) == 2:
        low, high = node.items
        if not (isinstance(low, Scalar) and isinstance(high, Scalar)):
            return None
        return interval(node.opener, drop_markers(low.expr), drop_markers(high.expr), node.closer)
    if isinstance(node, Scalar):
        value = drop_markers(node.expr)
        return sympy.FiniteSet(value) if _is_real_constant(value) else None
    if isinstance(node, (SetOf, ValueList)):
        points = [as_real_set(item) for item in node.items]
        if any(p is None or not isinstance(p, sympy.FiniteSet) for p in points):
            return None
        return real_union(p for p in points if p is not None)
    return None


def real_union(sets: Iterable[sympy.Set]) -> sympy.Set:
    """The union of intervals and points, merged by hand: sympy's `Union` takes milliseconds.

    Falls back to sympy for anything that is not an interval or a finite set of real constants.
    """
    sets = list(sets)
    pieces: list[tuple[float, float, sympy.Expr, sympy.Expr, bool, bool]] = []
    for value in sets:
        for part in value.args if isinstance(value, sympy.Union) else (value,):
            if isinstance(part, sympy.Interval):
                ends = [(part.start, part.left_open), (part.end, part.right_open)]
            elif isinstance(part, sympy.FiniteSet) and all(_is_real_constant(p) for p in part.args):
                for point in part.args:
                    pieces.append((float(point), float(point), point, point, False, False))
                continue
            elif part is sympy.S.EmptySet:
                continue
            else:
                return sympy.Union(*sets)
            (low, low_open), (high, high_open) = ends
            pieces.append((float(low), float(high), low, high, low_open, high_open))
    pieces.sort(key=lambda p: (p[0], p[4]))
    merged: list[list[object]] = []
    for low_f, high_f, low, high, low_open, high_open in pieces:
        if merged:
            last = merged[-1]
            last_high_f, last_high_open = float(last[1]), bool(last[5])  # type: ignore[arg-type]
            if low_f < last_high_f or (low_f == last_high_f and not (low_open and last_high_open)):
                if high_f > last_high_f or (high_f == last_high_f and not high_open):
                    last[1], last[3], last[5] = high_f, high, high_open
                continue
        merged.append([low_f, high_f, low, high, low_open, high_open])
    parts = [
        sympy.FiniteSet(low) if low == high else sympy.Interval(low, high, lo, ho)
        for _, _, low, high, lo, ho in merged
    ]
    if not parts:
        return sympy.S.EmptySet
    return parts[0] if len(parts) == 1 else sympy.Union(*parts, evaluate=False)


def interval(opener: str, low: sympy.Expr, high: sympy.Expr, closer: str) -> sympy.Set | None:
    """The interval `opener low, high closer` if both ends are real constants, else None."""
    if not (_is_real_constant(low) and _is_real_constant(high)):
        return None
    return sympy.Interval(
        low, high, left_open=opener == "(" or low == -sympy.oo,
        right_open=closer == ")" or high == sympy.oo,
    )


def _is_real_constant(expr: sympy.Expr) -> bool:
    return not expr.free_symbols and expr.is_extended_real is True
