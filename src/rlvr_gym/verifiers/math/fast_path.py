"""A microsecond pre-check that settles the easy answers without sympy or a worker process.

It runs in the caller's process with no time limit, so every step is bounded: inputs longer
than `MAX_LENGTH` are left to sympy, the only regular expressions are anchored and free of
nested ambiguity (linear time), exponents are capped before a `Fraction` is built, and nothing
is evaluated. It agrees with `compare.answers_equivalent` wherever it answers: same thousands
rule, same percent rule (`50\\%` equals 50 and 0.5), same decimal rule (a decimal equals an exact
value only if exactly equal or within a relative 1e-9).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Final, NamedTuple

MAX_LENGTH: Final = 200
_MAX_EXPONENT: Final = 300  # `1e999999999` would take Fraction minutes; sympy decides those
_DECIMAL_TOLERANCE: Final = Fraction(1, 10**9)

_STRIP: Final = ("$", "\\left", "\\right", "\\displaystyle", "\\!", "\\$")
_NUMBER: Final = re.compile(
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)?(?:\.(?P<frac>\d+))?"
    r"(?:[eE](?P<exp>[+-]?\d{1,6}))?"
)
_FRACTION: Final = re.compile(
    r"\\[dt]?frac(?:\{(?P<n>-?\d+)\}\{(?P<d>-?\d+)\}|(?P<n1>\d)(?P<d1>\d))|(?P<n2>\d+)/(?P<d2>\d+)"
)


class _Number(NamedTuple):
    value: Fraction
    percent: bool
    decimal: bool


def fast_equivalent(reference: str, answer: str) -> bool | None:
    """True/False when both answers are plain exact numbers (or the same text), else None.

    None means "ask sympy": the answers are longer than `MAX_LENGTH` or not simple numbers.
    """
    if len(reference) > MAX_LENGTH or len(answer) > MAX_LENGTH:
        return None
    ref, ans = normalise(reference), normalise(answer)
    if ref and ref == ans:
        return True
    ref_number, ans_number = _number(ref), _number(ans)
    if ref_number is None or ans_number is None:
        return None
    return _numbers_equal(ref_number, ans_number)


def normalise(text: str) -> str:
    """`text` without delimiters, sizing commands and spaces that carry no meaning.

    A space is kept between two letters or digits (it separates `2 1/2`, `\\pi r`, `2 e3`) and
    after a bare comma (`1, 000` is a list, `1,000` a number); elsewhere, and around the explicit
    thousands separators `{,}`, `{, }` and `,\\!`, it changes nothing. A closing ellipsis stays.
    """
    s = text.strip()
    if ",\\!" in s or "{, }" in s:
        s = s.replace(",\\!", "{,}").replace("{, }", "{,}")
    for mark in _STRIP:
        if mark in s:
            s = s.replace(mark, "")
    s = s.replace("\\,", " ").replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    out: list[str] = []
    i, end = 0, len(s)
    while i < end:
        c = s[i]
        i += 1
        if c == "{" and s.startswith(",}", i):
            out.append(",")
            i += 2
            while i < end and s[i].isspace():
                i += 1
        elif c.isspace():
            before, after = out[-1:] or [""], s[i:i + 1]
            meaningful = (before[0].isalnum() and after.isalnum()) or before[0] == ","
            if meaningful and out[-1] != " ":
                out.append(" ")
        else:
            out.append(c)
    result = "".join(out).strip()
    while result.endswith(".") and not (result.endswith("...") and not result.endswith("....")):
        result = result[:-1]
    return result


def _number(text: str) -> _Number | None:
    """`text` as an exact number, if it is one in a form the fast path reads."""
    percent = text.endswith("%")
    if percent:
        text = text[:-1].rstrip("\\")
    negative = text.startswith("-")
    if negative or text.startswith("+"):
        text = text[1:]
    if text.startswith("{") and text.endswith("}") and text.count("{") == 1:
        text = text[1:-1]
    value = _decimal(text)
    decimal = value is not None and ("." in text or "e" in text.lower())
    if value is None:
        value = _fraction(text)
    if value is None:
        return None
    return _Number(-value if negative else value, percent, decimal)


def _decimal(text: str) -> Fraction | None:
    match = _NUMBER.fullmatch(text)
    if match is None or not (match["int"] or match["frac"]):
        return None
    exponent = int(match["exp"] or 0)
    if abs(exponent) > _MAX_EXPONENT:
        return None
    digits = (match["int"] or "0").replace(",", "").replace(" ", "")
    fraction = match["frac"] or ""
    value = Fraction(int(digits + fraction), 10 ** len(fraction))
    return value * Fraction(10) ** exponent


def _fraction(text: str) -> Fraction | None:
    match = _FRACTION.fullmatch(text)
    if match is None:
        return None
    numerator = match["n"] or match["n1"] or match["n2"]
    denominator = match["d"] or match["d1"] or match["d2"]
    if int(denominator) == 0:
        return None
    return Fraction(int(numerator), int(denominator))


def _numbers_equal(ref: _Number, ans: _Number) -> bool:
    lenient = ref.decimal or ans.decimal
    if ref.percent == ans.percent:
        return _close(ref.value, ans.value, lenient)
    plain = ans if ref.percent else ref
    percent = ref if ref.percent else ans
    return any(_close(plain.value, v, lenient) for v in (percent.value, percent.value / 100))


def _close(a: Fraction, b: Fraction, lenient: bool) -> bool:
    if a == b:
        return True
    return lenient and abs(a - b) <= _DECIMAL_TOLERANCE * max(abs(a), abs(b))
