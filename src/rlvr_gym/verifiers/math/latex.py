"""LaTeX or plain answer text → a structured answer of sympy expressions, without latex2sympy.

`parse_answer` is the entry point: tokens from `latex_tokens`, then a recursive-descent parser
that builds sympy objects directly (no `parse_expr`, no `eval`). Conventions it fixes:

* `\\log x` is base 10 (as in contest problems and Math-Verify), `\\ln x` is natural;
* `e` is Euler's number and `i` the imaginary unit; other letters are variables and a run of
  letters is their product (`xy` = x·y) unless it is a known function, constant or unit;
* `2\\frac{1}{2}` and `2 1/2` are mixed numbers (a proper fraction right after an integer);
* `2^10` in plain text means 2¹⁰ (the whole number is the exponent);
* `1/2x` is (1/2)·x, read left to right;
* `\\sin^2 x` is (sin x)², `\\sin^{-1} x` is arcsin x, `\\sin 2x` is sin(2x);
* `0.\\overline{3}` and `0.(3)` are exactly 1/3 (an exact value, not a decimal);
* a number in words (`five`, `\\text{twenty-one}`) is that number, and `infinitely many` is ∞;
* a list ending in an ellipsis (`1, 2, 3, \\ldots`) goes on forever: it ends in `Continuation`.
  So does a list left dangling on a comma (`1, 2, 3,`): that is what remains of
  `1, 2, 3, ...` once the answer extractor strips trailing dots as a full stop.

Integer powers and factorials too large to write out stay unevaluated, so a hostile answer such
as `10^{10^{10}}` costs microseconds, not the worker's memory.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final, TypeAlias

import mpmath
import sympy
from mpmath.libmp import prec_to_dps

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.verifiers.math.latex_tokens import (
    BEGIN,
    END,
    FUNC,
    NAME,
    NUM,
    OP,
    TEXT,
    LatexSyntaxError,
    Token,
    spelled_number,
    tokenize,
)
from rlvr_gym.verifiers.math.structures import (
    DEGREE,
    PERCENT,
    PLUS_MINUS,
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
    expand_plus_minus,
    interval,
    real_union,
)

__all__ = ["LatexSyntaxError", "ParsedAnswer", "parse_answer", "parse_expression"]

# Above these an integer power or factorial is left unevaluated (its digits would not fit).
_MAX_EXPONENT: Final = 10_000
_MAX_FACTORIAL: Final = 2_000
_MAX_DECIMAL_EXPONENT: Final = 1_000

Part: TypeAlias = "sympy.Expr | Node"
_STRUCTURES: Final = (Bracketed, SetOf, ValueList, RealSet, Matrix, Text, Relation, Scalar,
                      Continuation)
# Prose that means "infinitely many" (compared after lower-casing and dropping punctuation).
_INFINITE_PHRASES: Final = frozenset({"infinitely many", "infinitely many solutions", "infinite"})

_UNARY: Final = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "cot": sympy.cot, "sec": sympy.sec,
    "csc": sympy.csc, "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
    "arccot": sympy.acot, "arcsec": sympy.asec, "arccsc": sympy.acsc, "asin": sympy.asin,
    "acos": sympy.acos, "atan": sympy.atan, "sinh": sympy.sinh, "cosh": sympy.cosh,
    "tanh": sympy.tanh, "coth": sympy.coth, "ln": sympy.log, "exp": sympy.exp,
    "abs": sympy.Abs, "floor": sympy.floor, "ceil": sympy.ceiling,
    "lg": lambda x: sympy.log(x, 10),
}
_INVERSE: Final = {"sin": "arcsin", "cos": "arccos", "tan": "arctan", "cot": "arccot",
                   "sec": "arcsec", "csc": "arccsc"}
_VARIADIC: Final = {"max": sympy.Max, "min": sympy.Min, "gcd": sympy.gcd, "lcm": sympy.lcm}
_CONSTANTS: Final = {"pi": sympy.pi, "oo": sympy.oo, "e": sympy.E, "i": sympy.I}
_RELATION_OPS: Final = frozenset({"=", "<", ">", "<=", ">=", "!=", "in"})
_MATRIX_ENVS: Final = frozenset({"pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix",
                                 "array", "vmatrix"})
_CLOSE: Final = {"(": ")", "[": "]", "{": "}", "lset": "rset", "langle": "rangle",
                 "|": "|", "lfloor": "rfloor", "lceil": "rceil"}


class HugePower(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """`base^exponent` with an integer exponent too large to write out: opaque to arithmetic
    (sympy would expand `10^{10^{10}} + 1`), evaluated only numerically."""

    @classmethod
    def eval(cls, base: sympy.Expr, exponent: sympy.Expr) -> None:
        return None

    def _eval_evalf(self, prec: int) -> sympy.Expr | None:
        base, exponent = self.args
        if not exponent.is_Integer:
            return None  # a tower such as 9^{9^{9^9}}: compared only as written
        return sympy.Pow(base, exponent, evaluate=False).evalf(prec_to_dps(prec))


class HugeFactorial(sympy.Function):  # type: ignore[misc]  # sympy is untyped
    """`n!` for an n too large to multiply out; evaluated only numerically."""

    @classmethod
    def eval(cls, n: sympy.Expr) -> None:
        return None

    def _eval_evalf(self, prec: int) -> sympy.Expr | None:
        if not self.args[0].is_Integer:
            return None  # (10!)!: compared only as written
        with mpmath.workprec(prec):
            return sympy.Float(mpmath.factorial(int(self.args[0])), prec_to_dps(prec))


@dataclass(frozen=True)
class ParsedAnswer:
    """A parsed answer; `has_decimal` says it was written with a decimal point or an exponent."""

    node: Node
    has_decimal: bool


def parse_answer(text: str, *, comma_thousands: bool = True) -> ParsedAnswer:
    """Parse answer text into its structure; raises `LatexSyntaxError` if it is not an answer.

    Cached, so a reference checked against many responses is parsed once per worker.
    `comma_thousands=False` reads `1,000` as the list 1, 0 (see `latex_tokens`).
    """
    if not isinstance(text, str):
        raise ConfigurationError(f"an answer must be a str, not {type(text).__name__}")
    return _parse_cached(text, comma_thousands)


@functools.lru_cache(maxsize=8192)
def _parse_cached(text: str, comma_thousands: bool) -> ParsedAnswer:
    spelled = spelled_number(text)
    if spelled is not None:
        return ParsedAnswer(Scalar(sympy.Integer(spelled)), has_decimal=False)
    tokens = tokenize(text, comma_thousands=comma_thousands)
    words = [t.text for t in tokens if t.kind == TEXT]
    if words and all(t.kind == TEXT or t.text in "()[],." for t in tokens):
        phrase = " ".join(words)
        if " ".join("".join(c if c.isalnum() else " " for c in phrase.lower()).split()) in (
                _INFINITE_PHRASES):
            return ParsedAnswer(Scalar(sympy.oo), has_decimal=False)
        return ParsedAnswer(Text(phrase), has_decimal=False)
    parser = _Parser(tuple(t for t in tokens if t.kind != TEXT))  # words beside math are units
    try:
        node = parser.answer()
    except RecursionError as exc:
        raise LatexSyntaxError("the answer is nested too deeply") from exc
    except (TypeError, ValueError, AttributeError, ArithmeticError, IndexError) as exc:
        if isinstance(exc, LatexSyntaxError):
            raise
        raise LatexSyntaxError(f"cannot build the expression ({type(exc).__name__})") from exc
    return ParsedAnswer(expand_plus_minus(node), parser.has_decimal)


def parse_expression(text: str) -> sympy.Expr:
    """Parse text that must be a single expression (`\\frac{\\sqrt 2}{2}`) into sympy."""
    node = parse_answer(text).node
    if not isinstance(node, Scalar):
        raise LatexSyntaxError(f"{text!r} is a {type(node).__name__}, not a single expression")
    return node.expr


class _Parser:
    """Recursive descent over tokens; each method parses one level of precedence."""

    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self.tokens = list(tokens)
        self.pos = 0
        self.has_decimal = False
        self.abs_depth = 0

    # -- token access --------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, kind: str, *texts: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == kind and (not texts or token.text in texts)

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise LatexSyntaxError("the answer ends too early")
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.kind != OP or token.text != text:
            raise LatexSyntaxError(f"expected {text!r}, found {token.text!r}")

    # -- answer level --------------------------------------------------------------------
    def answer(self) -> Node:
        items = self.item_list(())
        if self.peek() is not None:
            raise LatexSyntaxError(f"unexpected {self.take().text!r}")
        if not items:
            raise LatexSyntaxError("the answer is empty")
        return items[0] if len(items) == 1 else ValueList(tuple(items))

    def item_list(self, closers: tuple[str, ...]) -> list[Node]:
        """Comma-separated items up to (not including) one of `closers` or the end."""
        items: list[Node] = []
        while True:
            dangling = False
            while self.at(OP, ",", ";"):
                self.take()
                dangling = True
            if self.at(OP, "..."):
                self.take()
                items.append(Continuation())
                continue
            if self.peek() is None or (closers and self.at(OP, *closers)):
                if dangling and not closers and len(items) > 1:
                    items.append(Continuation())  # `1, 2, 3,`: see the module docstring
                return items
            items.append(_node(self.item()))
            if not self.at(OP, ",", ";", "..."):
                return items

    def item(self) -> Part:
        """A relation, or relations and sets joined by `\\cup`, `or`, `\\setminus`."""
        parts = [self.relation()]
        ops: list[str] = []
        while self.at(OP, "cup", "or", "setminus") or (
            self.at(NAME, "U") and isinstance(parts[-1], (Bracketed, RealSet, SetOf))
        ):
            token = self.take()
            ops.append("cup" if token.kind == NAME else token.text)
            parts.append(self.relation())
        if not ops:
            return parts[0]
        nodes = [_node(p) for p in parts]
        if all(op == "or" for op in ops) and all(_is_value_like(n) for n in nodes):
            return ValueList(tuple(nodes))  # `x = 1 or x = 2`
        if all(op == "cup" for op in ops) and all(isinstance(n, SetOf) for n in nodes):
            return SetOf(tuple(i for n in nodes if isinstance(n, SetOf) for i in n.items))
        pending = [_real_set(nodes[0])]
        for op, node in zip(ops, nodes[1:], strict=True):
            if op == "setminus":
                pending = [sympy.Complement(real_union(pending), _real_set(node))]
            else:
                pending.append(_real_set(node))
        return RealSet(real_union(pending))

    def relation(self) -> Part:
        first = self.additive()
        exprs: list[Part] = [first]
        ops: list[str] = []
        while self.at(OP, *_RELATION_OPS):
            ops.append(self.take().text)
            exprs.append(self.additive())
        if not ops:
            return first
        if ops[-1] == "in" or not isinstance(exprs[-1], sympy.Expr):
            # `x \in [1, 2)`, `(x, y) = (1, 2)`: the answer is the right-hand side.
            right = exprs[-1]
            if ops[-1] == "in" and isinstance(right, Bracketed) and len(right.items) == 2:
                return RealSet(_real_set(right))
            return right
        if not all(isinstance(e, sympy.Expr) for e in exprs):
            raise LatexSyntaxError("a relation between structures")
        return Relation(tuple(e for e in exprs if isinstance(e, sympy.Expr)), tuple(ops))

    # -- arithmetic ----------------------------------------------------------------------
    def additive(self) -> Part:
        terms: list[sympy.Expr] = []
        sign: sympy.Expr = sympy.Integer(1)
        if self.at(OP, "+", "-", "pm", "mp"):
            sign = _SIGNS[self.take().text]
        while True:
            term = self.term()
            if not isinstance(term, sympy.Expr):
                if terms or sign != 1:
                    raise LatexSyntaxError("arithmetic on a tuple, set or matrix")
                return term
            terms.append(sign * term)
            if not self.at(OP, "+", "-", "pm", "mp"):
                return sympy.Add(*terms)
            sign = _SIGNS[self.take().text]

    def term(self) -> Part:
        start = self.pos
        result = self.factor()
        whole = self.pos == start + 1 and self.tokens[start].kind == NUM and isinstance(
            result, sympy.Integer)
        while True:
            if self.at(OP, "*", "/"):
                op = self.take().text
                right = _expr(self.factor())
                result = _expr(result) * (right if op == "*" else sympy.Pow(right, -1))
            elif self._starts_factor():
                if whole and (fraction := self._mixed_fraction()) is not None:
                    result = _expr(result) + fraction
                else:
                    result = _expr(result) * _expr(self.factor())
            else:
                return result
            whole = False

    def _starts_factor(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        if token.kind in (NUM, NAME, FUNC, BEGIN):
            return not (token.kind == NAME and token.text == "U" and self.at(OP, "(", "[",
                                                                              offset=1))
        return token.kind == OP and (
            token.text in ("(", "{", "lfloor", "lceil") or (token.text == "|"
                                                            and self.abs_depth == 0))

    def _mixed_fraction(self) -> sympy.Rational | None:
        """The proper fraction after a whole number (`2\\frac{1}{2}`, `2 1/2`), consumed."""
        token = self.peek()
        assert token is not None
        if token.kind == FUNC and token.text == "frac":
            saved, saved_tokens = self.pos, list(self.tokens)
            value = self.factor()
            if isinstance(value, sympy.Rational) and 0 < value < 1:
                return value
            self.pos, self.tokens = saved, saved_tokens
            return None
        if (token.kind == NUM and token.space_before and token.text.isdigit()
                and self.at(OP, "/", offset=1) and self.at(NUM, offset=2)):
            denominator = self.tokens[self.pos + 2].text
            after = self.peek(3)
            if (denominator.isdigit() and int(token.text) < int(denominator)
                    and (after is None or (after.kind == OP and after.text not in "^!"))):
                self.pos += 3
                return sympy.Rational(int(token.text), int(denominator))
        return None

    def factor(self) -> Part:
        if self.at(OP, "-", "+", "pm", "mp"):
            sign = _SIGNS[self.take().text]
            return sign * _expr(self.factor())
        return self.power()

    def power(self) -> Part:
        base = self.postfix(self.atom())
        if self.at(OP, "^"):
            self.take()
            return _power(_expr(base), self.exponent())
        return base

    def exponent(self) -> sympy.Expr:
        if self.at(OP, "{"):
            return _expr(self.group())
        if self.at(OP, "-", "+"):
            sign = _SIGNS[self.take().text]
            return sign * self.exponent()
        base = _expr(self.postfix(self.atom()))
        if self.at(OP, "^"):
            self.take()
            return _power(base, self.exponent())
        return base

    def postfix(self, value: Part) -> Part:
        while self.at(OP, "!", "%", "deg"):
            op = self.take().text
            expr = _expr(value)
            if op == "!":
                huge = (expr.is_Integer and expr > _MAX_FACTORIAL) or expr.has(
                    HugePower, HugeFactorial)
                value = HugeFactorial(expr) if huge else sympy.factorial(expr)
            else:
                value = expr * (PERCENT if op == "%" else DEGREE)
        return value

    # -- atoms ---------------------------------------------------------------------------
    def atom(self) -> Part:
        token = self.take()
        if token.kind == NUM:
            return self.number(token.text)
        if token.kind == NAME:
            return self.name(token.text)
        if token.kind == FUNC:
            return self.function(token.text)
        if token.kind == BEGIN:
            return self.matrix(token.text)
        if token.kind != OP:
            raise LatexSyntaxError(f"unexpected {token.text!r}")
        text = token.text
        if text in ("(", "["):
            return self.brackets(text)
        if text == "{":
            self.pos -= 1
            return self.group()
        if text in ("lset", "langle"):
            items = tuple(self.item_list((_CLOSE[text],)))
            self.expect(_CLOSE[text])
            return SetOf(items) if text == "lset" else Bracketed("(", ")", items)
        if text == "|":
            self.abs_depth += 1
            inner = _expr(self.additive())
            self.abs_depth -= 1
            self.expect("|")
            return sympy.Abs(inner)
        if text in ("lfloor", "lceil"):
            inner = _expr(self.additive())
            self.expect(_CLOSE[text])
            return sympy.floor(inner) if text == "lfloor" else sympy.ceiling(inner)
        if text == "reals":
            return RealSet(sympy.S.Reals)
        if text == "emptyset":
            return SetOf(())
        raise LatexSyntaxError(f"unexpected {text!r}")

    def number(self, text: str) -> sympy.Expr:
        if text.endswith(")"):
            return _repeating_decimal(text)
        if "." in text or "e" in text:
            self.has_decimal = True
        mantissa, _, exponent = text.partition("e")
        value = sympy.Rational(mantissa)
        if not exponent:
            return value
        power = int(exponent)
        if abs(power) > _MAX_DECIMAL_EXPONENT:
            return value * HugePower(10, power)
        return value * sympy.Rational(10) ** power

    def name(self, text: str) -> sympy.Expr:
        if self.at(OP, "_"):
            self.take()
            subscript = self.argument()
            return sympy.Symbol(f"{text}_{subscript}")
        return _CONSTANTS[text] if text in _CONSTANTS else sympy.Symbol(text)

    def brackets(self, opener: str) -> Part:
        items = self.item_list((")", "]"))
        closer = self.take().text
        if closer not in (")", "]"):
            raise LatexSyntaxError(f"{opener!r} closed by {closer!r}")
        if len(items) == 1 and closer == _CLOSE[opener]:
            item = items[0]
            return item.expr if isinstance(item, Scalar) else item
        if len(items) == 2 and all(isinstance(i, Scalar) for i in items):
            ends = [i.expr for i in items if isinstance(i, Scalar)]
            if closer != _CLOSE[opener] or any(e in (sympy.oo, -sympy.oo) for e in ends):
                real = interval(opener, ends[0], ends[1], closer)
                if real is None:
                    raise LatexSyntaxError("an interval needs real constant endpoints")
                return RealSet(real)
        if closer != _CLOSE[opener]:
            raise LatexSyntaxError(f"{opener!r} closed by {closer!r}")
        return Bracketed(opener, closer, tuple(items))

    def group(self) -> Part:
        """A `{...}` group: invisible grouping, or a set if it holds several items."""
        self.expect("{")
        items = self.item_list(("}",))
        self.expect("}")
        if len(items) != 1:
            return SetOf(tuple(items))
        return items[0].expr if isinstance(items[0], Scalar) else items[0]

    def argument(self, *, split_digits: bool = False) -> sympy.Expr:
        """One LaTeX macro argument: a `{group}`, a `(group)`, a number or a symbol.

        With `split_digits` (for `\\frac12`) a number argument is a single digit, as in TeX.
        """
        token = self.peek()
        if token is None:
            raise LatexSyntaxError("a command is missing its argument")
        if token.kind == OP and token.text in ("{", "("):
            return _expr(self.group() if token.text == "{" else self.atom())
        if split_digits and token.kind == NUM and len(token.text) > 1 and token.text.isdigit():
            self.tokens[self.pos] = Token(NUM, token.text[1:])  # `\frac12`: one digit each
            return sympy.Integer(int(token.text[0]))
        return _expr(self.postfix(self.atom()))

    def function(self, name: str) -> Part:
        if name == "frac":
            numerator = self.argument(split_digits=True)
            return numerator * sympy.Pow(self.argument(split_digits=True), -1)
        if name == "binom":
            n, k = self.argument(split_digits=True), self.argument(split_digits=True)
            return sympy.binomial(n, k)
        if name == "sqrt":
            if self.at(OP, "["):
                self.take()
                index = _expr(self.additive())
                self.expect("]")
                return _root(self.argument(), index)
            return sympy.sqrt(self.argument())
        power: sympy.Expr | None = None
        base: sympy.Expr | None = None
        if self.at(OP, "^"):
            self.take()
            power = self.exponent()
            if power == -1 and name in _INVERSE:
                name, power = _INVERSE[name], None
        if name == "log" and self.at(OP, "_"):
            self.take()
            base = self.argument()
        args = self.function_arguments()
        if name in _VARIADIC:
            value = _VARIADIC[name](*args)
        elif name == "log":
            if len(args) == 2:
                args, base = args[:1], args[1]
            value = sympy.log(args[0], base if base is not None else 10)
        elif len(args) == 1 and name in _UNARY:
            value = _UNARY[name](args[0])
        else:
            raise LatexSyntaxError(f"{name} takes one argument, got {len(args)}")
        return value if power is None else _power(value, power)

    def function_arguments(self) -> list[sympy.Expr]:
        """`(a, b)`, `{a}`, or the implicit product that follows `\\sin` in `\\sin 2x`."""
        if self.at(OP, "("):
            self.take()
            items = self.item_list((")",))
            self.expect(")")
            return [_expr(i) for i in items]
        if self.at(OP, "{"):
            return [_expr(self.group())]
        value = _expr(self.factor())
        while self.at(NUM) or self.at(NAME):
            value = value * _expr(self.power())
        return [value]

    def matrix(self, env: str) -> Part:
        if env not in _MATRIX_ENVS:
            raise LatexSyntaxError(f"unsupported environment {env!r}")
        rows: list[tuple[sympy.Expr, ...]] = []
        row: list[sympy.Expr] = []
        while not self.at(END):
            if self.peek() is None:
                raise LatexSyntaxError(f"\\begin{{{env}}} without \\end")
            row.append(_expr(self.additive()))
            if self.at(OP, "&"):
                self.take()
            elif self.at(OP, "\\\\"):
                self.take()
                rows.append(tuple(row))
                row = []
        if row:
            rows.append(tuple(row))
        self.take()
        if not rows or len({len(r) for r in rows}) != 1:
            raise LatexSyntaxError("a matrix needs rows of equal length")
        if env == "vmatrix":
            return sympy.Matrix(rows).det()
        return Matrix(tuple(rows))


_SIGNS: Final = {"+": sympy.Integer(1), "-": sympy.Integer(-1), "pm": PLUS_MINUS,
                 "mp": -PLUS_MINUS}


def _expr(part: Part) -> sympy.Expr:
    if isinstance(part, Scalar):
        return part.expr
    if isinstance(part, _STRUCTURES):
        raise LatexSyntaxError(f"a {type(part).__name__} where an expression is needed")
    if part.has(sympy.zoo, sympy.nan):
        raise LatexSyntaxError("the expression is undefined (division by zero?)")
    return part


def _node(part: Part) -> Node:
    if isinstance(part, _STRUCTURES):
        return part
    return Scalar(_expr(part))


def _is_value_like(node: Node) -> bool:
    return isinstance(node, Scalar) or (isinstance(node, Relation) and node.is_equation)


def _real_set(node: Node) -> sympy.Set:
    value = as_real_set(node)
    if value is None:
        raise LatexSyntaxError(f"a {type(node).__name__} is not a set of real numbers")
    return value


def _repeating_decimal(text: str) -> sympy.Rational:
    """`1.2(34)` = 1.2343434… = (1.234 · 10² − 1.2) / (10² − 1), exactly.

    The tokenizer caps the repetend's length, so `10**len` is small.
    """
    head, _, repetend = text[:-1].partition("(")
    scale = sympy.Integer(10) ** len(repetend)
    return (sympy.Rational(head + repetend) * scale - sympy.Rational(head)) / (scale - 1)


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    if base.is_Number and base not in (0, 1, -1) and (
            (exponent.is_Integer and abs(exponent) > _MAX_EXPONENT)
            or exponent.has(HugePower, HugeFactorial)):
        return HugePower(base, exponent)
    return sympy.Pow(base, exponent)


def _root(radicand: sympy.Expr, index: sympy.Expr) -> sympy.Expr:
    """`\\sqrt[n]{x}`: the real root for a negative number and odd n (∛-8 = -2)."""
    if radicand.is_number and radicand.is_negative and index.is_Integer and index % 2 == 1:
        return -sympy.root(-radicand, index)
    return sympy.root(radicand, index)
