"""Whether a model's final answer equals the reference answer: the math answer-equivalence engine.

`answers_equivalent(reference, answer)` runs inside a killable worker (the time limit is enforced
from outside), is deterministic, and never raises on bad model output. The rules:

* Numbers compare exactly. A *decimal* equals a different exact value only within a relative
  1e-9, so `0.5` = 1/2 but `0.333` ≠ 1/3 and `3.14` ≠ π (`0.3333333333` = 1/3 does pass).
  A repeating decimal is exact (`0.\\overline{3}` = 1/3), and so are numbers in words (`five`).
* `50\\%` equals 50 and 0.5 (as in Math-Verify); two percentages compare as written.
  `30^\\circ` equals 30 and π/6.
* Expressions: equal if they agree at four fixed sample points (real values of both signs,
  exact rationals where possible, else 30 significant digits); sympy's `simplify` decides only
  when fewer than three of the six candidate points can be evaluated.
* `x = 3` equals `3` (an equation solved for a variable stands for its value); two equations are
  equal when one is a nonzero multiple of the other (`y = 2x + 1` vs `2x - y + 1 = 0`) or, in one
  variable, when they have the same solutions.
* Inequalities, intervals, unions and ℝ compare as subsets of the real line, open and closed
  ends respected (`x \\le 3` = `(-\\infty, 3]`).
* Sets `\\{...\\}`, bare lists `1, 2` and `\\pm` are unordered; tuples are ordered; a bare list
  against a tuple is read in order. `(1, 2)` is a point against a point, an interval against an
  interval. Matrices compare entry by entry; a one-row or one-column matrix equals a tuple.
* A bare `1,000` is one thousand, unless the other answer is a list or set, in which case it is
  re-read as the list 1, 0 (see `latex_tokens` for the separator rule).
* A list ending in an ellipsis (`1, 2, 3, \\ldots`) is infinite: it equals only a list with the
  same items and an ellipsis, never a finite list or set.
* Multiple choice: against a reference that is an option letter (`D`, `(D)`, `\\text{(D)}`), an
  answer that opens with that letter in parentheses picks it, whatever follows
  (`\\text{(D) } 12`). The rule is one-way: the reference names the option.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from typing import Final, TypeAlias

import mpmath
import sympy

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.verifiers.math.fast_path import fast_equivalent, normalise
from rlvr_gym.verifiers.math.latex import LatexSyntaxError, ParsedAnswer, parse_answer
from rlvr_gym.verifiers.math.latex_tokens import chosen_option
from rlvr_gym.verifiers.math.structures import (
    MARKER_SCALE,
    Bracketed,
    Continuation,
    Matrix,
    Node,
    RealSet,
    Relation,
    Scalar,
    SetOf,
    Text,
    ValueList,
    as_real_set,
    drop_markers,
    relation_variable,
)

__all__ = ["answers_equivalent"]

EXACT: Final = 1e-25  # relative difference below which two exact values are one number
DECIMAL: Final = 1e-9  # relative difference allowed when either answer is written as a decimal
_SAMPLED: Final = 1e-18  # evaluation at sample points loses a few of its 30 digits
_DIGITS: Final = 30
_SAMPLE_TRIALS: Final = 6
_MIN_AGREEING: Final = 3  # fewer points evaluate (poles, ∞): let simplify decide
_ENOUGH_AGREEING: Final = 4
_MAX_SUBSTITUTED_POWER: Final = 64
_rng = random.Random(20240601)
# Fixed points, both signs, away from 0 and ±1 where distinct expressions often coincide.
_SAMPLE_VALUES: Final = tuple(
    tuple(sympy.Rational(f"{_rng.choice((-1, 1)) * _rng.uniform(0.15, 2.9):.6f}")
          for _ in range(12))
    for _ in range(_SAMPLE_TRIALS)
)
del _rng
_EMPTY_WORDS: Final = frozenset({"no solution", "no solutions", "no real solutions", "none",
                                 "empty set", "no real solution"})


def answers_equivalent(reference: str, answer: str) -> tuple[bool, str]:
    """Whether `answer` means the same as `reference`, and which rule decided it.

    The reason is "identical", "numeric", "symbolic", "equation", "set", "interval", "tuple",
    "matrix", "text" or "choice" when equal; "mismatch", "unparseable reference: ...", "unparseable
    answer: ..." or "comparison failed: ..." otherwise. Only MemoryError and RecursionError
    escape (the worker reports those).
    """
    if not isinstance(reference, str) or not isinstance(answer, str):
        raise ConfigurationError(
            f"answers_equivalent takes two str, got {type(reference).__name__} and "
            f"{type(answer).__name__}"
        )
    quick = fast_equivalent(reference, answer)
    if quick is not None:
        if not quick:
            return False, "mismatch"
        return True, "identical" if normalise(reference) == normalise(answer) else "numeric"
    try:
        ref = parse_answer(reference)
    except LatexSyntaxError as exc:
        return False, f"unparseable reference: {_shorten(str(exc))}"
    option = _option_letter(ref.node)
    if option is not None and chosen_option(answer) == option:
        return True, "choice"  # before parsing: the option's own text need not parse
    try:
        ans = parse_answer(answer)
    except LatexSyntaxError as exc:
        return False, f"unparseable answer: {_shorten(str(exc))}"
    ref, ans = _reread_thousands(reference, ref, answer, ans)
    tolerance = DECIMAL if ref.has_decimal or ans.has_decimal else EXACT
    try:
        kind = _equal(ref.node, ans.node, tolerance)
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # sympy raises anything on odd input; a verdict must come back
        return False, f"comparison failed: {type(exc).__name__}"
    return (True, kind) if kind else (False, "mismatch")


def _shorten(message: str, limit: int = 120) -> str:
    """Reasons travel in logs and verdicts: never echo a megabyte of model output."""
    return message if len(message) <= limit else message[:limit - 3] + "..."


def _option_letter(node: Node) -> str | None:
    """The letter of a multiple-choice reference (`D`, `(D)`, `\\text{D}` parse alike)."""
    if isinstance(node, Scalar) and isinstance(node.expr, sympy.Symbol):
        name = str(node.expr)
        if len(name) == 1 and "A" <= name <= "Z":
            return name
    return None


def _reread_thousands(
    reference: str, ref: ParsedAnswer, answer: str, ans: ParsedAnswer
) -> tuple[ParsedAnswer, ParsedAnswer]:
    """Against a list, a bare `1,000` is the list 1, 0 rather than one thousand."""
    collections = (SetOf, ValueList, Bracketed)
    if isinstance(ref.node, collections) and isinstance(ans.node, Scalar) and "," in answer:
        try:
            return ref, parse_answer(answer, comma_thousands=False)
        except LatexSyntaxError:
            return ref, ans
    if isinstance(ans.node, collections) and isinstance(ref.node, Scalar) and "," in reference:
        try:
            return parse_answer(reference, comma_thousands=False), ans
        except LatexSyntaxError:
            return ref, ans
    return ref, ans


def _equal(a: Node, b: Node, tol: float) -> str | None:
    """The kind of equality between two parsed answers, or None if they differ."""
    if isinstance(a, Scalar) and isinstance(b, Scalar):
        if not scalars_equal(a.expr, b.expr, tol):
            return None
        free = (a.expr.free_symbols | b.expr.free_symbols) - MARKER_SCALE.keys()
        return "symbolic" if free else "numeric"
    if isinstance(a, Continuation) or isinstance(b, Continuation):
        return "set" if isinstance(a, Continuation) and isinstance(b, Continuation) else None
    if isinstance(a, Relation) or isinstance(b, Relation):
        return _relation_equal(a, b, tol)
    if isinstance(a, RealSet) or isinstance(b, RealSet):
        return _real_sets_equal(a, b, tol)
    if isinstance(a, Text) or isinstance(b, Text):
        return _text_equal(a, b)
    if isinstance(a, Matrix) or isinstance(b, Matrix):
        return _matrix_equal(a, b, tol)
    if isinstance(a, Bracketed) and isinstance(b, Bracketed):
        same_brackets = (a.opener, a.closer) == (b.opener, b.closer)
        if len(a.items) == 2 and not same_brackets:
            return None  # (1, 2) and [1, 2] differ as intervals
        return "tuple" if _ordered_equal(a.items, b.items, tol) else None
    if isinstance(a, (SetOf, ValueList)) and isinstance(b, (SetOf, ValueList)):
        return "set" if _unordered_equal(a.items, b.items, tol) else None
    for listed, other in ((a, b), (b, a)):
        if isinstance(listed, ValueList) and isinstance(other, Bracketed):
            in_order = len(other.items) != 2 or other.opener == "("
            return "tuple" if in_order and _ordered_equal(listed.items, other.items, tol) else None
        if isinstance(listed, SetOf) and len(listed.items) == 1:
            return _equal(listed.items[0], other, tol)
    return None


def _ordered_equal(a: Sequence[Node], b: Sequence[Node], tol: float) -> bool:
    return len(a) == len(b) and all(_equal(x, y, tol) for x, y in zip(a, b, strict=True))


def _unordered_equal(a: Sequence[Node], b: Sequence[Node], tol: float) -> bool:
    """Same elements, ignoring order and repetition."""
    if len(a) == len(b) and _ordered_equal(a, b, tol):
        return True
    return all(any(_equal(x, y, tol) for y in b) for x in a) and all(
        any(_equal(x, y, tol) for x in a) for y in b)


# -- scalars ---------------------------------------------------------------------------------
def scalars_equal(a: sympy.Expr, b: sympy.Expr, tol: float = EXACT) -> bool:
    """Whether two expressions are equal, resolving percent and degree marks either way."""
    marks_a = a.free_symbols & MARKER_SCALE.keys()
    marks_b = b.free_symbols & MARKER_SCALE.keys()
    if not marks_a and not marks_b:
        return _exprs_equal(a, b, tol)
    marks = sorted(marks_a | marks_b, key=str)
    readings = [
        (sympy.Integer(1),) if m in marks_a and m in marks_b else (sympy.Integer(1),
                                                                    MARKER_SCALE[m])
        for m in marks
    ]
    for values in itertools.product(*readings):
        substitution = dict(zip(marks, values, strict=True))
        if _exprs_equal(a.xreplace(substitution), b.xreplace(substitution), tol):
            return True
    return False


def _exprs_equal(a: sympy.Expr, b: sympy.Expr, tol: float) -> bool:
    if a == b:
        return True
    infinities = (sympy.oo, -sympy.oo, sympy.zoo)
    if a.has(*infinities) or b.has(*infinities):
        return False
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    if not symbols:
        return _constants_equal(a, b, tol)
    return _sampled_equal(a, b, symbols, tol)


def _constants_equal(a: sympy.Expr, b: sympy.Expr, tol: float) -> bool:
    if a.is_Rational and b.is_Rational:
        return _rationals_close(a, b, tol)
    if tol == EXACT and (a - b).is_Rational:
        # Cancels what evaluation cannot resolve: `10^{10^{10}}` against `10^{10^{10}} + 1`.
        return bool(a - b == 0)
    va, vb = _evaluate(a), _evaluate(b)
    if va is None or vb is None:
        return bool(sympy.simplify(a - b) == 0)
    return _close(va, vb, tol)


def _rationals_close(a: sympy.Rational, b: sympy.Rational, tol: float) -> bool:
    return a == b or (tol > EXACT and bool(abs(a - b) <= tol * max(abs(a), abs(b))))


def _sampled_equal(
    a: sympy.Expr, b: sympy.Expr, symbols: Sequence[sympy.Symbol], tol: float
) -> bool:
    """Agreement at fixed sample points; `simplify` only if too few points evaluate."""
    exact = _small_powers(a) and _small_powers(b)
    agreeing = 0
    for point in _sample_points(symbols):
        va, vb = _sample(a, point, exact), _sample(b, point, exact)
        if va is None or vb is None:
            continue
        if not _agree(va, vb, max(tol, _SAMPLED)):
            return False
        agreeing += 1
        if agreeing == _ENOUGH_AGREEING:
            return True
    if agreeing >= _MIN_AGREEING:
        return True
    return bool(sympy.simplify(a - b) == 0)


Sample: TypeAlias = "sympy.Rational | mpmath.mpc"


def _sample(expr: sympy.Expr, point: dict[sympy.Symbol, sympy.Expr], exact: bool) -> Sample | None:
    """`expr` at `point`: an exact rational when substitution gives one, else 30 digits.

    Exact substitution (for polynomials and rational functions, five times faster than evalf)
    is used only when no large power forbids it.
    """
    if not exact:
        return _evaluate(expr, point)
    value = expr.xreplace(point)
    return value if value.is_Rational else _evaluate(value)


def _agree(a: Sample, b: Sample, tol: float) -> bool:
    if isinstance(a, sympy.Rational) and isinstance(b, sympy.Rational):
        return _rationals_close(a, b, tol)
    return _close(_as_mpc(a), _as_mpc(b), tol)


def _as_mpc(value: Sample) -> mpmath.mpc:
    if isinstance(value, mpmath.mpc):
        return value
    with mpmath.workdps(_DIGITS + 10):
        return mpmath.mpc(mpmath.mpmathify(value))


def _sample_points(symbols: Sequence[sympy.Symbol]) -> list[dict[sympy.Symbol, sympy.Expr]]:
    width = len(_SAMPLE_VALUES[0])
    return [
        {s: values[(i * 5) % width] * (1 + i // width) for i, s in enumerate(symbols)}
        for values in _SAMPLE_VALUES
    ]


def _evaluate(
    expr: sympy.Expr, point: dict[sympy.Symbol, sympy.Expr] | None = None
) -> mpmath.mpc | None:
    """`expr` (at `point`) as a finite 30-digit complex number, or None if it is not one."""
    value = expr.evalf(_DIGITS, subs=point) if point else expr.evalf(_DIGITS)
    with mpmath.workdps(_DIGITS + 10):
        try:
            number = mpmath.mpc(mpmath.mpmathify(value))
        except (TypeError, ValueError):  # a symbol, ∞ or nan is left: no finite value here
            return None
        return number if mpmath.isfinite(number) else None


def _small_powers(expr: sympy.Expr) -> bool:
    """No integer power above `_MAX_SUBSTITUTED_POWER`: `x^{10^9}` at x = 1.23 has 10⁸ digits."""
    return all(not (p.exp.is_Integer and abs(p.exp) > _MAX_SUBSTITUTED_POWER)
               for p in expr.atoms(sympy.Pow))


def _close(a: mpmath.mpc, b: mpmath.mpc, tol: float) -> bool:
    with mpmath.workdps(_DIGITS + 10):
        difference = abs(a - b)
        return bool(difference <= tol * max(abs(a), abs(b)) or difference < 1e-30)


# -- relations -------------------------------------------------------------------------------
def _relation_equal(a: Node, b: Node, tol: float) -> str | None:
    if isinstance(a, Relation) and isinstance(b, Relation):
        if a.is_equation and b.is_equation:
            return "equation" if _equations_equal(a, b, tol) else None
        if relation_variable(a) != relation_variable(b):
            return None
        return _real_sets_equal(a, b, tol)
    relation, other = (a, b) if isinstance(a, Relation) else (b, a)
    assert isinstance(relation, Relation)
    value = _solved_value(relation)
    if value is not None:
        return _equal(Scalar(value), other, tol)
    if not relation.is_equation:
        return _real_sets_equal(relation, other, tol)
    solutions = _solutions(relation)
    if solutions is None:
        return None
    found = SetOf(tuple(Scalar(s) for s in solutions))
    return "equation" if _equal(found, other, tol) else None


def _solved_value(relation: Relation) -> sympy.Expr | None:
    """The value of an equation solved for a variable: `x = 3` → 3, `3 = x` → 3."""
    if not relation.is_equation:
        return None
    left, right = relation.exprs
    if isinstance(left, sympy.Symbol) and not right.has(left):
        return right
    if isinstance(right, sympy.Symbol) and not left.has(right):
        return left
    return None


def _equations_equal(a: Relation, b: Relation, tol: float) -> bool:
    """One equation is a nonzero multiple of the other, or both have the same solutions."""
    da = drop_markers(a.exprs[0] - a.exprs[1])
    db = drop_markers(b.exprs[0] - b.exprs[1])
    if da == db or da == -db:
        return True
    symbols = sorted(da.free_symbols | db.free_symbols, key=str)
    if not symbols or da.free_symbols != db.free_symbols:
        return False
    exact = _small_powers(da) and _small_powers(db)
    ratios: list[Sample] = []
    for point in _sample_points(symbols):
        va, vb = _sample(da, point, exact), _sample(db, point, exact)
        if va is None or vb is None or abs(vb) < 1e-20 or abs(va) < 1e-20:
            continue
        if isinstance(va, sympy.Rational) and isinstance(vb, sympy.Rational):
            ratios.append(va / vb)
        else:
            with mpmath.workdps(_DIGITS + 10):
                ratios.append(_as_mpc(va) / _as_mpc(vb))
    if len(ratios) >= _MIN_AGREEING and all(_agree(r, ratios[0], _SAMPLED) for r in ratios):
        return True
    sa, sb = _solutions(a), _solutions(b)
    if sa is None or sb is None:
        return False
    return _unordered_equal([Scalar(s) for s in sa], [Scalar(s) for s in sb], tol)


def _solutions(relation: Relation) -> tuple[sympy.Expr, ...] | None:
    """The finitely many complex solutions of a one-variable equation, or None."""
    variable = relation_variable(relation)
    if variable is None or not relation.is_equation:
        return None
    difference = drop_markers(relation.exprs[0] - relation.exprs[1])
    solutions = sympy.solveset(difference, variable, sympy.S.Complexes)
    if not isinstance(solutions, sympy.FiniteSet):
        return None
    return tuple(solutions.args)


# -- sets of reals ---------------------------------------------------------------------------
def _real_sets_equal(a: Node, b: Node, tol: float) -> str | None:
    sa, sb = as_real_set(a), as_real_set(b)
    if sa is None or sb is None:
        return None
    kind = "set" if isinstance(sa, sympy.FiniteSet) and isinstance(sb, sympy.FiniteSet) else (
        "interval")
    if sa == sb:
        return kind
    pieces_a, pieces_b = _pieces(sa), _pieces(sb)
    if pieces_a is None or pieces_b is None or len(pieces_a) != len(pieces_b):
        return None
    for pa, pb in zip(pieces_a, pieces_b, strict=True):
        if type(pa) is not type(pb):
            return None
        if isinstance(pa, sympy.Interval):
            if (pa.left_open, pa.right_open) != (pb.left_open, pb.right_open):
                return None
            if not (_exprs_equal(pa.start, pb.start, tol) and _exprs_equal(pa.end, pb.end, tol)):
                return None
        elif not _exprs_equal(pa, pb, tol):
            return None
    return kind


def _pieces(value: sympy.Set) -> list[sympy.Basic] | None:
    """A set as sorted intervals and points, or None if it is not built from those."""
    parts = value.args if isinstance(value, sympy.Union) else (value,)
    pieces: list[sympy.Basic] = []
    for part in parts:
        if isinstance(part, sympy.Interval):
            pieces.append(part)
        elif isinstance(part, sympy.FiniteSet):
            pieces.extend(part.args)
        elif part is not sympy.S.EmptySet:
            return None
    start = {True: lambda p: p.start, False: lambda p: p}
    try:
        pieces.sort(key=lambda p: float(start[isinstance(p, sympy.Interval)](p)))
    except TypeError:
        return None
    return pieces


# -- other shapes ----------------------------------------------------------------------------
def _text_equal(a: Node, b: Node) -> str | None:
    texts = [_as_text(n) for n in (a, b)]
    if texts[0] is None or texts[1] is None:
        return None
    return "text" if texts[0] == texts[1] else None


def _as_text(node: Node) -> str | None:
    if isinstance(node, Text):
        words = "".join(c.lower() if c.isalnum() else " " for c in node.text).split()
        text = " ".join(words)
        return "empty set" if text in _EMPTY_WORDS else text
    if isinstance(node, Scalar) and isinstance(node.expr, sympy.Symbol):
        return str(node.expr).lower()
    if (isinstance(node, SetOf) and not node.items) or (
            isinstance(node, RealSet) and node.value is sympy.S.EmptySet):
        return "empty set"
    return None


def _matrix_equal(a: Node, b: Node, tol: float) -> str | None:
    if isinstance(a, Matrix) and isinstance(b, Matrix):
        if [len(r) for r in a.rows] != [len(r) for r in b.rows]:
            return None
        pairs = zip(itertools.chain(*a.rows), itertools.chain(*b.rows), strict=True)
        return "matrix" if all(scalars_equal(x, y, tol) for x, y in pairs) else None
    matrix, other = (a, b) if isinstance(a, Matrix) else (b, a)
    assert isinstance(matrix, Matrix)
    if not isinstance(other, (Bracketed, ValueList)) or min(
            len(matrix.rows), len(matrix.rows[0])) != 1:
        return None
    entries = [Scalar(e) for e in itertools.chain(*matrix.rows)]
    return "matrix" if _ordered_equal(entries, other.items, tol) else None
