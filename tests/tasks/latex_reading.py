"""A small reader for the LaTeX dialect the generators write, so tests can check answers with sympy.

It knows only that dialect (``\\frac``, ``\\sqrt``, ``^{}``, ``\\cdot``, ``\\div``, ``\\bmod``,
``\\gcd``, ``\\operatorname{lcm}``, ``\\sin``/``\\cos``, ``e^{}``, ``\\pi``, ``\\frac{d}{dx}``
and ``\\int_{a}^{b} ... \\, dx``); it is independent of the package's own verifier on purpose.
"""

from __future__ import annotations

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication,
    parse_expr,
    standard_transformations,
)

X = sympy.Symbol("x")
_TRANSFORMS = (*standard_transformations, implicit_multiplication, convert_xor)
_NAMES = {
    "e": sympy.E,
    "igcd": sympy.igcd,
    "ilcm": sympy.ilcm,
    "DIFF": lambda expr: sympy.diff(expr, X),
    "INTEGRAL": lambda expr, low, high: sympy.integrate(expr, (X, low, high)),
}
_COMMANDS = [
    ("\\left", ""), ("\\right", ""), ("\\cdot", "*"), ("\\div", "/"), ("\\bmod", "%"),
    ("\\,", " "), ("\\sin", "sin"), ("\\cos", "cos"), ("\\pi", "pi"), ("\\gcd", "igcd"),
    ("\\operatorname{lcm}", "ilcm"),
]


def _group(text: str, start: int) -> tuple[str, int]:
    """The contents of the brace group opening at `start`, and the index after it."""
    if text[start] != "{":
        raise ValueError(f"expected '{{' at {start} in {text!r}")
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1 : i], i + 1
    raise ValueError(f"unbalanced braces in {text!r}")


def _rewrite(text: str) -> str:
    """LaTeX to Python syntax, innermost constructs first."""
    out = []
    i = 0
    while i < len(text):
        if text.startswith("\\frac{d}{dx}", i):
            out.append("DIFF")
            i += len("\\frac{d}{dx}")
        elif text.startswith("\\int_", i):
            low, i = _group(text, i + len("\\int_"))
            high, i = _group(text, i + 1)  # skip '^'
            end = text.index("\\, dx", i)
            out.append(
                f"INTEGRAL(({_rewrite(text[i:end])}), ({_rewrite(low)}), ({_rewrite(high)}))"
            )
            i = end + len("\\, dx")
        elif text.startswith("\\frac", i):
            numerator, i = _group(text, i + len("\\frac"))
            denominator, i = _group(text, i)
            out.append(f"(({_rewrite(numerator)})/({_rewrite(denominator)}))")
        elif text.startswith("\\sqrt", i):
            radicand, i = _group(text, i + len("\\sqrt"))
            out.append(f"sqrt({_rewrite(radicand)})")
        elif text.startswith("^{", i):
            exponent, i = _group(text, i + 1)
            out.append(f"**({_rewrite(exponent)})")
        else:
            for command, replacement in _COMMANDS:
                if text.startswith(command, i):
                    out.append(replacement)
                    i += len(command)
                    break
            else:
                out.append({"{": "(", "}": ")"}.get(text[i], text[i]))
                i += 1
    return "".join(out)


def read_expression(text: str) -> sympy.Expr:
    """One expression, e.g. ``-\\frac{1}{2}``, ``3 - \\sqrt{5}``, ``(x - 1)(x + 6)``."""
    return parse_expr(_rewrite(text.strip()), local_dict=dict(_NAMES), transformations=_TRANSFORMS)


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, "{": 1, ")": -1, "}": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def read_set(text: str) -> set[sympy.Expr]:
    """``\\{a, b\\}`` as a set of expressions; a bare value is a one-element set."""
    text = text.strip()
    if text.startswith("\\{") and text.endswith("\\}"):
        return {read_expression(part) for part in _split_top_level(text[2:-2])}
    return {read_expression(text)}


def read_tuple(text: str) -> tuple[sympy.Expr, ...]:
    """``(a, b, c)`` as a tuple of expressions."""
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        raise ValueError(f"not a tuple: {text!r}")
    return tuple(read_expression(part) for part in _split_top_level(text[1:-1]))


def read_alternatives(text: str) -> list[str]:
    """The equations of ``x = a \\text{ or } x = b``, with ``\\pm`` expanded into both signs."""
    out = []
    for part in text.split("\\text{ or }"):
        if "\\pm" in part:
            out.extend([part.replace("\\pm", "+"), part.replace("\\pm", "-")])
        else:
            out.append(part)
    return out


def equal(left: sympy.Expr, right: sympy.Expr) -> bool:
    """Exact equality of two expressions (numbers or functions of x)."""
    difference = sympy.expand(left - right)
    return bool(difference == 0 or sympy.simplify(difference) == 0)
