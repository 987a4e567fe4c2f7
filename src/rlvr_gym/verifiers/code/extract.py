"""Finding the program in a model's response: markdown fences, else the whole text.

Rule: the last block fenced as Python (```python, ```py, ```python3); with no Python block, the
largest fenced block of any language; with no fence at all, the whole response. A fence left
open at the end (a response cut off by the token limit) runs to the end of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "py3"})
_OPENING = re.compile(r"^[ \t]{0,3}(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block: its language (lower case, may be empty) and its text."""

    language: str
    text: str
    closed: bool = True


def fenced_blocks(text: str) -> list[CodeBlock]:
    """Every fenced block of `text`, in order."""
    blocks: list[CodeBlock] = []
    fence: str | None = None
    language = ""
    lines: list[str] = []
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if fence is None:
            match = _OPENING.match(bare)
            if match:
                fence = match["fence"]
                words = match["info"].split()
                language = words[0].lower() if words else ""
                lines = []
            continue
        stripped = bare.strip()
        if stripped.startswith(fence) and set(stripped) == {fence[0]}:
            blocks.append(CodeBlock(language, "".join(lines)))
            fence = None
            continue
        lines.append(line)
    if fence is not None:
        blocks.append(CodeBlock(language, "".join(lines), closed=False))
    return blocks


def extract_code(response: str) -> tuple[str, str]:
    """The program in `response` and where it came from: ``python_block``, ``block`` or ``text``."""
    blocks = fenced_blocks(response)
    python = [b for b in blocks if b.language in PYTHON_LANGUAGES]
    if python:
        return python[-1].text, "python_block"
    if blocks:
        return max(blocks, key=lambda b: len(b.text.strip())).text, "block"
    return response, "text"
