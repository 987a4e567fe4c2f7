"""Stdio tests: compare a program's output with the expected one, token by token, on the host.

Tokens are the whitespace-separated words of each text, so leading spaces, trailing newlines and
line breaks do not matter (some public expected outputs carry stray spaces). With a float
tolerance, two numeric tokens also match when they are close (absolute or relative).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class TokenMismatch:
    """Where two outputs first differ: the token index and the two tokens (None past the end)."""

    index: int
    expected: str | None
    got: str | None

    def describe(self) -> str:
        if self.got is None:
            return f"the output ends after {self.index} tokens; expected {self.expected!r} next"
        if self.expected is None:
            return f"the output has extra tokens from token {self.index + 1}: {self.got!r}"
        return f"token {self.index + 1} is {self.got[:80]!r}, expected {self.expected[:80]!r}"


def _close(expected: str, got: str, tolerance: float) -> bool:
    if not (_NUMBER.fullmatch(expected) and _NUMBER.fullmatch(got)):
        return False
    a, b = float(expected), float(got)
    return math.isfinite(b) and math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def compare_tokens(
    expected: str, got: str, *, float_tolerance: float | None = None
) -> TokenMismatch | None:
    """None when the outputs match token by token, else the first mismatch."""
    want, have = expected.split(), got.split()
    for index, (a, b) in enumerate(zip(want, have, strict=False)):
        if a != b and not (float_tolerance is not None and _close(a, b, float_tolerance)):
            return TokenMismatch(index, a, b)
    if len(want) != len(have):
        index = min(len(want), len(have))
        return TokenMismatch(
            index,
            want[index] if index < len(want) else None,
            have[index] if index < len(have) else None,
        )
    return None
