"""`AnyText`: a gymnasium `Text` space that accepts every Unicode string up to a length."""

from __future__ import annotations

import string
from typing import Any

from gymnasium.spaces import Text

MAX_TEXT_LENGTH = 1_000_000


class AnyText(Text):
    """Text of any characters (prompts and responses are Unicode); samples use printable ASCII."""

    def __init__(self, max_length: int = MAX_TEXT_LENGTH, *, min_length: int = 0) -> None:
        super().__init__(max_length, min_length=min_length, charset=string.printable)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    def __repr__(self) -> str:
        return f"AnyText({self.min_length}, {self.max_length})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, AnyText)
            and self.min_length == other.min_length
            and self.max_length == other.max_length
        )

    __hash__ = Text.__hash__
