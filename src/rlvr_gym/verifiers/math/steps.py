"""Process rewards for worked math solutions: split a solution into steps, check each with sympy.

A wrong intermediate equality costs process reward even when the final answer happens to be
right. `split_steps` is cheap and runs anywhere; `score_steps` uses sympy and belongs inside a
killable worker process (`WorkerPool`), since a step can hold arbitrarily expensive mathematics.

What `score_steps` checks in a step (everything else leaves the step unchecked, score 1):

- Math segments: ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``, ``\\begin{align}``-style
  environments, GSM8K calculator notes ``<<3*4=12>>``; failing those, the math runs of a bare
  line (see `_bare_math`).
- Chains of relations ``a = b = c`` are checked pair by pair. Between expressions without
  symbols ``=`` is exact (a decimal written with d places may be off by less than 10^-d:
  ``1/3 = 0.333``), ``\\approx`` allows 1%, and ``\\ne < > \\le \\ge`` compare numbers.
- An equality with symbols is first tried as an identity (at random points). If it is not one it
  is an *equation*: ``x = 4`` (a solved form) must be a solution of the previous equation in
  ``x``; any other equation in one unknown must keep the previous equation's solutions (equal
  sets, or one contained in the other: discarding a root the problem rules out, or squaring
  both sides, are sound moves). Values from solved forms (``x = 4``) are substituted into later
  relations, so ``y = 2x + 1 = 9`` checks after ``x = 4``. The first equation in an unknown,
  and equations in several unknowns, are premises: recorded, not judged.
"""

from __future__ import annotations

import cmath
import math
import random
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from rlvr_gym.core.verdict import StepScore

if TYPE_CHECKING:
    from rlvr_gym.core.isolation import WorkerPool

__all__ = [
    "NOTHING_TO_CHECK",
    "StepScorer",
    "SympyStepScorer",
    "score_steps",
    "split_steps",
]

NOTHING_TO_CHECK = "nothing to check"

# Bounds on work per call, so a long response degrades to "unchecked" rather than a timeout.
# They are counts, not clocks, to keep scores deterministic.
_MAX_STEP_CHARS = 4_000
_MAX_SIDE_CHARS = 300
_MAX_RELATIONS = 400
_MAX_POLY_DEGREE = 6
_MAX_RESULT_DIGITS = 5_000
_MAX_FACTORIAL = 200
_MAX_DIGITS = 100
_APPROX_TOLERANCE = 0.01
_EXACT_TOLERANCE = 1e-10
_IDENTITY_POINTS = 6

# --------------------------------------------------------------------------------------------
# Splitting


_FENCE = re.compile(r"\s*(```|~~~)")
_DISPLAY_OPEN = re.compile(r"(?<!\\)\\\[|\$\$|\\begin\{([A-Za-z]{1,20}\*?)\}")
_ROW_TOKEN = re.compile(
    r"\\begin\{([^{}\n]{0,30})\}|\\end\{([^{}\n]{0,30})\}|\\\\(?:\[[^\]\n]{0,20}\])?"
)
_LIST_MARKER = re.compile(r"(?:step\s{1,3})?(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,4})[.)]", re.IGNORECASE)
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "eq.", "fig.", "no.")
_ROW_NOISE = re.compile(r"\\(?:nonumber|notag)(?![A-Za-z])|\\label\{[^{}]{0,60}\}")
_WHITESPACE = re.compile(r"\s+")
# Environments whose rows are steps; their begin/end markers vanish when a block is split.
_ALIGNMENT_ENVIRONMENTS = frozenset({
    "align", "align*", "aligned", "alignat", "alignat*", "alignedat", "equation", "equation*",
    "eqnarray", "eqnarray*", "gather", "gather*", "gathered", "multline", "multline*", "split",
    "flalign", "flalign*", "displaymath", "math",
})


def split_steps(solution: str) -> list[str]:
    """Split a worked solution into steps, in order.

    - Lines that open or close a code fence (```, ~~~) are dropped; the lines between are kept.
    - A display block (``\\[...\\]``, ``$$...$$``, ``\\begin{align}``-like environments, also
      spanning lines) gives one step per row: rows end at ``\\\\`` outside nested environments
      such as matrices; each is re-wrapped as ``\\[ row \\]``, so a step is self-contained math.
    - Other text gives one step per non-empty line, further split after ``.``, ``!`` or ``?``
      followed by a space, outside inline math (not after list markers such as "1." or
      abbreviations such as "e.g.").

    Linear in the length of the solution.
    """
    text = "\n".join(line for line in solution.splitlines() if not _FENCE.match(line))
    steps: list[str] = []
    unclosed: set[str] = set()  # closers known to be absent further on: keeps the scan linear
    prose_start = search_from = 0
    while True:
        opening = _DISPLAY_OPEN.search(text, search_from)
        if opening is None:
            break
        environment = opening.group(1)
        if environment is not None and environment not in _ALIGNMENT_ENVIRONMENTS:
            search_from = opening.end()
            continue
        closer = (
            f"\\end{{{environment}}}" if environment is not None
            else "\\]" if opening.group() == "\\[" else "$$"
        )
        close = -1 if closer in unclosed else text.find(closer, opening.end())
        if close == -1:
            unclosed.add(closer)
            search_from = opening.end()
            continue
        steps.extend(_prose_steps(text[prose_start : opening.start()]))
        steps.extend(_display_rows(text[opening.end() : close]))
        prose_start = search_from = close + len(closer)
    steps.extend(_prose_steps(text[prose_start:]))
    return steps


def _display_rows(block: str) -> list[str]:
    """The rows of a display block, each wrapped as ``\\[ row \\]``."""
    rows: list[str] = []
    depth = 0
    row_start = 0
    pieces: list[str] = []
    for token in _ROW_TOKEN.finditer(block):
        begin, end = token.group(1), token.group(2)
        if begin is not None or end is not None:
            name = begin if begin is not None else end
            if name in _ALIGNMENT_ENVIRONMENTS:
                pieces.append(block[row_start : token.start()])
                row_start = token.end()
            elif begin is not None:
                depth += 1
            else:
                depth = max(0, depth - 1)
        elif depth == 0:
            pieces.append(block[row_start : token.start()])
            rows.append(" ".join(pieces))
            pieces = []
            row_start = token.end()
    pieces.append(block[row_start:])
    rows.append(" ".join(pieces))
    steps = []
    for row in rows:
        cleaned = _WHITESPACE.sub(" ", _ROW_NOISE.sub(" ", row)).strip()
        if cleaned:
            steps.append(f"\\[ {cleaned} \\]")
    return steps


def _prose_steps(text: str) -> list[str]:
    steps: list[str] = []
    for line in text.splitlines():
        steps.extend(_sentences(line))
    return steps


def _sentences(line: str) -> list[str]:
    """Split one line after sentence ends outside ``$...$`` and ``\\(...\\)``."""
    sentences: list[str] = []
    start = 0
    in_dollar = in_paren = False
    position = 0
    length = len(line)
    while position < length:
        char = line[position]
        if char == "\\":
            following = line[position + 1 : position + 2]
            if following == "(":
                in_paren = True
            elif following == ")":
                in_paren = False
            position += 2
            continue
        if char == "$":
            in_dollar = not in_dollar
        elif (
            char in ".!?"
            and not (in_dollar or in_paren)
            and (position + 1 == length or line[position + 1] in " \t")
        ):
            piece = line[start : position + 1].strip()
            if not _LIST_MARKER.fullmatch(piece) and not piece.lower().endswith(_ABBREVIATIONS):
                sentences.append(piece)
                start = position + 1
        position += 1
    tail = line[start:].strip()
    if tail:
        sentences.append(tail)
    return [sentence for sentence in sentences if sentence]


# --------------------------------------------------------------------------------------------
# Finding math in a step


_CALCULATOR_NOTE = re.compile(r"<<([^<>\n]{1,300})>>")
_MATH_OPEN = re.compile(
    r"(?<!\\)\$\$|(?<!\\)\$|\\\[|\\\(|\\begin\{([A-Za-z]{1,20}\*?)\}"
)
_CURRENCY_DOLLAR = re.compile(r"(?<!\\)\$(?=\d)")
_SUPERSCRIPTS = str.maketrans({"²": "^2", "³": "^3", "−": "-", "×": "*", "÷": "/", "·": "*",
                               "⋅": "*", "π": "\\pi ", "√": "\\sqrt "})


def _math_segments(step: str) -> list[str]:
    """The math strings of a step, in order (see the module docstring)."""
    step = step.translate(_SUPERSCRIPTS)
    segments = [note.group(1) for note in _CALCULATOR_NOTE.finditer(step)]
    if segments:
        step = _CALCULATOR_NOTE.sub(" ", step)
    if _is_currency(step):
        step = _CURRENCY_DOLLAR.sub("", step)
    delimited = _delimited_math(step)
    if delimited:
        return segments + delimited
    return segments + _bare_math(step)


def _is_currency(step: str) -> bool:
    """True when ``$`` marks money ("3 * $4 = $12"), not math: an odd count of single ``$``, or
    a ``$...$`` pair whose content starts or ends with a space."""
    if not _CURRENCY_DOLLAR.search(step):
        return False
    singles = [m.start() for m in re.finditer(r"(?<![\\$])\$(?!\$)", step)]
    if len(singles) % 2:
        return True
    for first, second in zip(singles[::2], singles[1::2], strict=False):
        content = step[first + 1 : second]
        if not content or content[0].isspace() or content[-1].isspace():
            return True
    return False


def _delimited_math(step: str) -> list[str]:
    segments: list[str] = []
    unclosed: set[str] = set()
    position = 0
    while True:
        opening = _MATH_OPEN.search(step, position)
        if opening is None:
            return segments
        token = opening.group()
        environment = opening.group(1)
        if environment is not None and environment not in _ALIGNMENT_ENVIRONMENTS:
            position = opening.end()
            continue
        closer = (
            f"\\end{{{environment}}}" if environment is not None
            else {"$$": "$$", "$": "$", "\\[": "\\]", "\\(": "\\)"}[token]
        )
        close = -1 if closer in unclosed else step.find(closer, opening.end())
        if close == -1:
            unclosed.add(closer)
            position = opening.end()
            continue
        content = step[opening.end() : close]
        if environment is not None:
            segments.extend(_display_rows(content))  # rows of an inline align: one chain each
        else:
            segments.append(content)
        position = close + len(closer)


_BARE_TOKEN = re.compile(
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?%?|\.\d+%?)"
    r"|(?P<cmd>\\[A-Za-z]+|\\[{}%])"
    r"|(?P<word>[A-Za-z]+)"
    r"|(?P<rel><=|>=|!=|==|=|≈|≠|≤|≥|<|>)"
    r"|(?P<op>\*\*|[-+*/^(){}\[\]!])"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.DOTALL,
)
# list markers: "-", "+", "*" only when a space follows, so "-4 t = -8" keeps its sign
_LINE_PREFIX = re.compile(r"(?:\s|[#>•]|[*+-](?=\s))*(?:\(?(?:\d{1,3}|[A-Za-z])[.)]\s+)?")
_BOLD = re.compile(r"\*\*(?=[A-Za-z])|(?<=[A-Za-z:.])\*\*|__")
_BARE_COMMANDS = frozenset({
    "\\times", "\\cdot", "\\div", "\\frac", "\\dfrac", "\\tfrac", "\\sqrt", "\\pi",
    "\\left", "\\right", "\\%", "\\{", "\\}", "\\boxed",
})
_FUNCTION_WORDS = frozenset({"sqrt", "sin", "cos", "tan", "ln", "exp", "pi"})
# A relation in prose is trusted only after one of these (or at the start, or after ":,;"):
# after other words the left side may be cut short ("half of 10 = 5", "add 3 to 5 = 8").
_CONNECTIVES = frozenset({
    "so", "thus", "then", "hence", "therefore", "get", "gets", "got", "have", "has", "is",
    "are", "was", "were", "gives", "giving", "yields", "now", "which", "means", "that", "since",
    "because", "simplify", "simplifying", "compute", "computing", "calculate", "calculating",
    "evaluate", "evaluating", "substituting", "check", "checking", "verify", "equation",
    "first", "next", "finally", "also", "obtain", "implies", "becomes", "where", "with", "and",
})
# Words that continue the expression before them ("= 3 squared"): the run is not a relation.
_CONTINUATIONS = frozenset({
    "squared", "cubed", "times", "divided", "multiplied", "plus", "minus", "over", "less",
    "more", "of", "to", "by", "percent", "factorial", "halved", "doubled", "tripled", "mod",
    "modulo", "hundred", "thousand", "million", "billion", "dozen", "th", "st", "nd", "rd",
    "per", "than",
})


@dataclass
class _Token:
    kind: str
    text: str


def _bare_math(line: str) -> list[str]:
    """The math runs of a line without math delimiters, each holding a relation.

    A run is a maximal stretch of numbers, one-letter variables, operators and relations; a
    word right after a number and before an operator, relation, punctuation or the end is a
    unit and is dropped ("5 apples + 3 apples = 8 apples"), "20% of 50" is a product, and
    "3 x 4" is a product. A run counts only after the line start, ``:,;`` or a connective word,
    and only when no continuing word follows it, so a relation whose sides were cut short by
    prose is never judged.
    """
    line = _BOLD.sub(" ", line)
    prefix = _LINE_PREFIX.match(line)
    line = line[prefix.end() :] if prefix else line
    tokens = []
    for match in _BARE_TOKEN.finditer(line):
        kind, text = match.lastgroup or "other", match.group()
        if kind == "cmd":
            if text in _RELATION_COMMANDS:
                kind = "rel"
            elif text in _BARE_COMMANDS:
                kind = "op"
            else:
                kind = "other"
        if kind != "space":
            tokens.append(_Token(kind, text))
    kinds = _classify_words(tokens)
    runs: list[str] = []
    index = 0
    while index < len(tokens):
        if kinds[index] not in {"math", "unit"}:
            index += 1
            continue
        start = index
        while index < len(tokens) and kinds[index] in {"math", "unit"}:
            index += 1
        run = [tokens[i] for i in range(start, index) if kinds[i] == "math"]
        before = tokens[start - 1] if start > 0 else None
        after = tokens[index] if index < len(tokens) else None
        if not any(token.kind == "rel" for token in run):
            continue
        if before is not None and not (
            before.text in ":,;" or before.text.lower() in _CONNECTIVES
        ):
            continue
        if after is not None and after.text.lower() in _CONTINUATIONS:
            continue
        if run[0].kind == "rel" or (run[-1].kind in {"rel", "op"} and run[-1].text != ")"):
            continue
        runs.append(" ".join(token.text for token in run))
    return runs


def _classify_words(tokens: list[_Token]) -> list[str]:
    """Tag each token ``math``, ``unit`` (dropped) or ``break`` (ends a run)."""
    kinds: list[str] = []
    for index, token in enumerate(tokens):
        previous = tokens[index - 1] if index > 0 else None
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind in {"num", "rel", "op"}:
            kinds.append("math")
            continue
        if token.kind == "other":
            if token.text == "$":
                kinds.append("unit")  # money: "$12"
            else:
                kinds.append("break")
            continue
        word = token.text.lower()
        after_number = previous is not None and (
            previous.kind == "num" or previous.text == ")"
        )
        percent_of = word == "of" and previous is not None and previous.text.endswith("%")
        times = word == "x" and after_number and following is not None and following.kind == "num"
        variable = len(word) == 1 and (
            (previous is not None and previous.kind in {"num", "rel", "op"})
            or (following is not None and following.kind in {"rel", "op"})
        )
        if percent_of or times:
            token.text = "*"  # "20% of 50", "3 x 4"
            kinds.append("math")
        elif word in _FUNCTION_WORDS or variable:
            kinds.append("math")
        elif after_number and (
            following is None
            or following.kind in {"rel", "op"}
            or following.text in ".,;:!?"
        ) and word not in _CONTINUATIONS:
            kinds.append("unit")
        else:
            kinds.append("break")
    return kinds


# --------------------------------------------------------------------------------------------
# Relation chains


@dataclass(frozen=True)
class _Relation:
    left: str
    symbol: str
    right: str

    def __str__(self) -> str:
        return f"{self.left} {self.symbol} {self.right}"


_RELATION_COMMANDS = {
    "\\approx": "≈", "\\neq": "≠", "\\ne": "≠", "\\leq": "≤", "\\le": "≤", "\\leqslant": "≤",
    "\\geq": "≥", "\\ge": "≥", "\\geqslant": "≥", "\\lt": "<", "\\gt": ">",
}
# Relations we split on but do not judge (modular congruence, membership, similarity, ...).
_OPAQUE_COMMANDS = frozenset({
    "\\equiv", "\\cong", "\\sim", "\\simeq", "\\propto", "\\in", "\\notin", "\\subset",
    "\\subseteq", "\\mid", "\\parallel", "\\perp",
})
_SEPARATOR_COMMANDS = frozenset({
    "\\Rightarrow", "\\Longrightarrow", "\\implies", "\\iff", "\\Leftrightarrow", "\\rightarrow",
    "\\to", "\\therefore", "\\because", "\\quad", "\\qquad", "\\land", "\\lor", "\\vee",
    "\\wedge", "\\text", "\\\\",
})
_ASCII_RELATIONS = {"<=": "≤", ">=": "≥", "!=": "≠", "==": "=", ":=": "=", "=": "=",
                    "<": "<", ">": ">", "≈": "≈", "≠": "≠", "≤": "≤", "≥": "≥"}
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)", re.DOTALL)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))|\{,\}")
_TEXT_COMMAND = re.compile(
    r"\\(?:text|textrm|textit|textbf|mathrm|mbox|mathit)\s{0,3}\{([^{}]{0,100})\}"
)


def _relation_chains(math_text: str) -> list[list[tuple[str, str]]]:
    """Split math into chains ``[(side, relation-to-next), ...]`` at depth 0.

    Chains end at separators (``\\Rightarrow``, ``\\quad``, ``,``, ``;``, prose in ``\\text``).
    The last pair of a chain has relation ``""``. A leading empty side (``&= ...``) is kept as
    ``""`` so the caller can continue the previous chain.
    """
    text = _THOUSANDS.sub("", math_text)
    text = _TEXT_COMMAND.sub(_text_replacement, text).replace("&", " ")
    chains: list[list[tuple[str, str]]] = []
    chain: list[tuple[str, str]] = []
    side_start = 0
    depth = 0
    position = 0
    length = len(text)

    def cut(end: int, relation: str, resume: int) -> None:
        nonlocal side_start, chain
        side = text[side_start:end].strip()
        if relation == ";":
            chain.append((side, ""))
            chains.append(chain)
            chain = []
        else:
            chain.append((side, relation))
        side_start = resume

    while position < length:
        char = text[position]
        if char == "\\":
            command = _COMMAND.match(text, position)
            name = command.group() if command else char
            end = position + len(name)
            if depth == 0 and name in _RELATION_COMMANDS:
                cut(position, _RELATION_COMMANDS[name], end)
            elif depth == 0 and name in _OPAQUE_COMMANDS:
                cut(position, "?", end)
            elif depth == 0 and name in _SEPARATOR_COMMANDS:
                cut(position, ";", end)
            position = end
            continue
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth = max(0, depth - 1)
        elif depth == 0:
            pair = text[position : position + 2]
            if pair in _ASCII_RELATIONS:
                cut(position, _ASCII_RELATIONS[pair], position + 2)
                position += 2
                continue
            if char in _ASCII_RELATIONS:
                cut(position, _ASCII_RELATIONS[char], position + 1)
            elif char in ",;:":
                cut(position, ";", position + 1)
        position += 1
    cut(length, ";", length)
    return [c for c in chains if any(relation for _, relation in c)]


def _text_replacement(match: re.Match[str]) -> str:
    """``\\text{ cm}`` after a number is a unit (dropped), ``\\text{ of }`` after a percentage is
    a product, any other ``\\text{...}`` separates relations."""
    content = match.group(1).strip()
    if not content:
        return " "
    before = match.string[: match.start()].rstrip()[-1:]
    after = match.string[match.end() :].lstrip()[:1]
    if content.lower() == "of" and before == "%":
        return " \\cdot "
    if (before.isdigit() or before in ")}") and (not after or after in "+-*/=<>)^\\,.;"):
        return " "
    return " ; "


# --------------------------------------------------------------------------------------------
# Parsing one side into sympy


_LATEX_DROP = re.compile(
    r"\\(?:left|right|big|Big|bigg|Bigg|displaystyle|textstyle|boxed|fbox)(?![A-Za-z])\.?"
    r"|\\[,!;: ]|~"
)
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*\\?%")
_SUBSCRIPT = re.compile(r"_\{?([A-Za-z0-9]{1,5})\}?")
_FACTORIAL = re.compile(r"(\d+)\s*!")
_IDENTIFIER = re.compile(r"[A-Za-z]+")
_TOO_MANY_DIGITS = re.compile(rf"\d{{{_MAX_DIGITS + 1}}}")
_EMPTY_GROUP = re.compile(r"\(\s*\)")
_DIGIT_LETTER = re.compile(r"(?<=[0-9.])(?=[A-Za-z])")
_FUNCTION_CALL = re.compile(r"(?<![A-Za-z])[fgh]\s*'*\s*\(")
_SIMPLE_COMMANDS = {
    "\\cdot": "*", "\\times": "*", "\\ast": "*", "\\div": "/", "\\pi": " pi ", "\\sin": " sin ",
    "\\cos": " cos ", "\\tan": " tan ", "\\ln": " log ", "\\exp": " exp ",
}
_FUNCTION_NAMES = frozenset({"sqrt", "root", "sin", "cos", "tan", "log", "exp", "pi",
                             "factorial", "binomial"})
_DECIMAL = re.compile(r"-?\d*\.(\d+)")
_ALLOWED = re.compile(r"[0-9A-Za-z_+\-*/()., ]*")


def _to_python(side: str) -> str | None:
    """Rewrite a LaTeX or plain side as a restricted Python expression, or None."""
    if len(side) > _MAX_SIDE_CHARS or not side.strip():
        return None
    text = side.replace("$", " ")
    text = _LATEX_DROP.sub(" ", text)
    text = _DEGREES.sub(" *(pi/180) ", text)
    text = _PERCENT.sub(r" (\1/100) ", text)
    text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    text = _THOUSANDS.sub("", text)
    text = _SUBSCRIPT.sub(r"_\1", text)
    for name, template in (("\\frac", "(({0})/({1}))"), ("\\binom", "binomial({0},{1})")):
        rewritten = _rewrite_two_arguments(text, name, template)
        if rewritten is None:
            return None
        text = rewritten
    rewritten = _rewrite_roots(text)
    if rewritten is None:
        return None
    text = _COMMAND.sub(lambda m: _SIMPLE_COMMANDS.get(m.group(), m.group()), rewritten)
    if "\\" in text:
        return None  # a command we do not understand: never guess
    for factorial in _FACTORIAL.finditer(text):
        if int(factorial.group(1)) > _MAX_FACTORIAL:
            return None
    text = _FACTORIAL.sub(r" factorial(\1) ", text)
    text = text.replace("{", "(").replace("}", ")").replace("[", "(").replace("]", ")")
    text = text.replace("^", "**")
    if (
        _FUNCTION_CALL.search(text)
        or "__" in text
        or not _ALLOWED.fullmatch(text)
        or _EMPTY_GROUP.search(text)
    ):
        return None
    if _TOO_MANY_DIGITS.search(text):
        return None
    text = _DIGIT_LETTER.sub(" ", text)  # "1e999999999" is 1*e999999999, not a float literal
    return _IDENTIFIER.sub(_split_identifier, text)


def _split_identifier(match: re.Match[str]) -> str:
    """Known functions stay; other letter runs are products of one-letter symbols ("xy")."""
    name = match.group()
    if name in _FUNCTION_NAMES:
        return name
    following = match.string[match.end() : match.end() + 1]
    product = "*".join(name)
    return f"{product}*" if following == "(" else product


def _brace_argument(text: str, start: int) -> tuple[str, int] | None:
    """The argument of a command at `start`: a ``{...}`` group or one character."""
    while start < len(text) and text[start] == " ":
        start += 1
    if start >= len(text):
        return None
    if text[start] != "{":
        if text[start] == "\\":
            command = _COMMAND.match(text, start)
            return (command.group(), command.end()) if command else None
        return text[start], start + 1
    depth = 0
    for position in range(start, len(text)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : position], position + 1
    return None


def _rewrite_two_arguments(text: str, name: str, template: str) -> str | None:
    """Rewrite every ``\\name{a}{b}`` (innermost last, so arguments may nest) by `template`."""
    for _ in range(64):
        position = text.rfind(name)
        if position == -1:
            return text
        first = _brace_argument(text, position + len(name))
        second = _brace_argument(text, first[1]) if first else None
        if first is None or second is None:
            return None
        text = text[:position] + template.format(first[0], second[0]) + text[second[1] :]
    return None


def _rewrite_roots(text: str) -> str | None:
    for _ in range(64):
        position = text.rfind("\\sqrt")
        if position == -1:
            return text
        cursor = position + len("\\sqrt")
        degree = None
        while text[cursor : cursor + 1] == " ":
            cursor += 1
        if text[cursor : cursor + 1] == "[":
            close = text.find("]", cursor)
            if close == -1:
                return None
            degree, cursor = text[cursor + 1 : close], close + 1
        argument = _brace_argument(text, cursor)
        if argument is None:
            return None
        replacement = (
            f" sqrt(({argument[0]})) " if degree is None
            else f" root(({argument[0]}), ({degree})) "
        )
        text = text[:position] + replacement + text[argument[1] :]
    return None


@lru_cache(maxsize=1)
def _sympy() -> tuple[Any, dict[str, Any], tuple[Any, ...]]:
    """sympy, a namespace without builtins for `parse_expr`, and its transformations.

    Imported on first use so that importing this module (to split steps) stays light.
    """
    import sympy
    from sympy.parsing.sympy_parser import (
        implicit_multiplication_application,
        rationalize,
        standard_transformations,
    )

    names = ("Symbol", "Integer", "Float", "Rational", "Number", "Add", "Mul", "Pow", "sqrt",
             "root", "sin", "cos", "tan", "log", "exp", "pi", "factorial", "binomial")
    namespace: dict[str, Any] = {"__builtins__": {}}
    namespace.update({name: getattr(sympy, name) for name in names})
    transformations = (*standard_transformations, implicit_multiplication_application,
                       rationalize)
    return sympy, namespace, transformations


def _parse(side: str) -> Any | None:
    """Parse one side to a sympy expression, or None when it is not plain, bounded math."""
    source = _to_python(side)
    if source is None:
        return None
    sympy, namespace, transformations = _sympy()
    from sympy.parsing.sympy_parser import parse_expr

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sympy deprecation chatter on odd input
            raw = parse_expr(source, local_dict={}, global_dict=dict(namespace),
                             transformations=transformations, evaluate=False)
            if not isinstance(raw, sympy.Expr) or not _bounded(raw, sympy):
                return None
            expression = parse_expr(source, local_dict={}, global_dict=dict(namespace),
                                    transformations=transformations)
    except Exception:
        return None
    if not isinstance(expression, sympy.Expr) or expression.has(sympy.zoo, sympy.nan):
        return None
    return expression


class _TooLarge(Exception):
    """An expression whose exact value would take too long to compute."""


def _bounded(expression: Any, sympy: Any) -> bool:
    """Reject towers and huge powers before sympy evaluates them exactly (``10^{10^{10}}``)."""
    try:
        return _digits(expression, sympy) <= _MAX_RESULT_DIGITS
    except (_TooLarge, TypeError, ValueError, OverflowError):
        return False


def _digits(node: Any, sympy: Any) -> float:
    """A rough upper bound on the number of decimal digits of `node` (symbols count as 1)."""
    if node.is_Rational:
        return float(max(len(str(node.p)), len(str(node.q))))
    if not node.args:
        return 1.0
    if isinstance(node, sympy.Pow):
        base = _digits(node.base, sympy)
        if _digits(node.exp, sympy) > 4:
            raise _TooLarge
        exponent = abs(complex(node.exp.evalf(15))) if node.exp.is_number else 10.0
        return max(base, 1.0) * max(exponent, 1.0)
    parts = [_digits(arg, sympy) for arg in node.args]
    if isinstance(node, sympy.Mul):
        return sum(parts)
    return max(parts) + 1.0


# --------------------------------------------------------------------------------------------
# Checking


@dataclass
class _SolvedState:
    """What earlier steps established: solved values and the last equation in each unknown."""

    values: dict[str, Any] = field(default_factory=dict)
    equations: dict[str, tuple[str, list[complex]]] = field(default_factory=dict)
    last_expression: str | None = None
    relations_checked: int = 0


def score_steps(steps: Sequence[str]) -> list[StepScore]:
    """Score each step: 1.0 when every relation in it holds, 0.0 when one fails (its reason
    names the relation); steps with nothing checkable are unchecked with score 1.0.

    Pure and deterministic; meant to run inside a worker process. Never raises on any text.
    """
    state = _SolvedState()
    scores: list[StepScore] = []
    for index, step in enumerate(steps):
        text = str(step)
        try:
            verdicts = _check_step(text, state) if len(text) <= _MAX_STEP_CHARS else []
        except Exception:  # a sympy corner we did not foresee: leave the step unjudged
            verdicts = []
        failed = next((reason for holds, reason in verdicts if not holds), None)
        if failed is not None:
            scores.append(StepScore(index=index, text=text, score=0.0, reason=failed))
        elif verdicts:
            count = len(verdicts)
            reason = "1 relation holds" if count == 1 else f"{count} relations hold"
            scores.append(StepScore(index=index, text=text, score=1.0, reason=reason))
        else:
            scores.append(
                StepScore(index=index, text=text, score=1.0, checked=False,
                          reason=NOTHING_TO_CHECK)
            )
    return scores


def _check_step(step: str, state: _SolvedState) -> list[tuple[bool, str]]:
    """The judged relations of one step as ``(holds, reason)``; premises are not listed."""
    verdicts: list[tuple[bool, str]] = []
    for segment in _math_segments(step):
        continues = segment.replace("&", " ").lstrip().startswith(
            ("=", "\\approx", "\\le", "\\ge", "<", ">", "\\ne")
        )
        for number, chain in enumerate(_relation_chains(segment)):
            if number == 0 and continues and chain[0][0] == "" and state.last_expression:
                chain = [(state.last_expression, chain[0][1]), *chain[1:]]
            verdicts.extend(_check_chain(chain, state))
            state.last_expression = chain[-1][0] or state.last_expression
    return verdicts


def _check_chain(chain: list[tuple[str, str]], state: _SolvedState) -> list[tuple[bool, str]]:
    verdicts: list[tuple[bool, str]] = []
    parsed = [_parse(side) if side else None for side, _ in chain]
    for index in range(len(chain) - 1):
        left_text, symbol = chain[index]
        right_text = chain[index + 1][0]
        left, right = parsed[index], parsed[index + 1]
        if left is None or right is None or symbol == "?":
            continue
        if state.relations_checked >= _MAX_RELATIONS:
            break
        state.relations_checked += 1
        relation = _Relation(left_text, symbol, right_text)
        verdict = _check_relation(relation, left, right, state)
        if verdict is not None:
            verdicts.append(verdict)
    return verdicts


def _check_relation(
    relation: _Relation, left: Any, right: Any, state: _SolvedState
) -> tuple[bool, str] | None:
    """Judge one relation; None when it is a premise or cannot be judged."""
    free = left.free_symbols | right.free_symbols
    if relation.symbol != "=":
        if free:
            return None
        return _compare_numbers(relation, left, right)
    if not free:
        holds = _closed_equal(left, right, relation)
        return None if holds is None else (holds, "" if holds else f"{relation} is false")
    if _identity(left, right, free):
        return True, ""
    if _never_equal(left, right):
        names = ", ".join(sorted(str(s) for s in free))
        return False, f"{relation} is false for every value of {names}"
    known = {s: state.values[s.name] for s in free if s.name in state.values}
    solved = _solved_form(left, right)
    if solved is not None:
        return _check_solved_form(relation, solved[0], solved[1], state)
    if known:
        left, right = left.xreplace(known), right.xreplace(known)
        free = left.free_symbols | right.free_symbols
        if not free:
            holds = _closed_equal(left, right, relation)
            if holds is None:
                return None
            values = ", ".join(f"{s} = {v}" for s, v in sorted(known.items(), key=str))
            return holds, "" if holds else f"{relation} is false for {values}"
        solved = _solved_form(left, right)
        if solved is not None:
            return _check_solved_form(relation, solved[0], solved[1], state)
    if len(free) != 1:
        return None
    (unknown,) = free
    roots = _solutions(left - right, unknown)
    if roots is None:
        return None
    previous = state.equations.get(unknown.name)
    state.equations[unknown.name] = (str(relation), roots)
    if previous is None:
        return None
    if _subset(roots, previous[1]) or _subset(previous[1], roots):
        return True, ""
    return False, (
        f"{relation} does not follow from {previous[0]} "
        f"(solutions {_format_roots(roots)} vs {_format_roots(previous[1])})"
    )


def _check_solved_form(
    relation: _Relation, unknown: Any, value: Any, state: _SolvedState
) -> tuple[bool, str] | None:
    """``x = 4``: a root of the last equation in x, if any; then remembered for substitution."""
    state.values[unknown.name] = value
    previous = state.equations.get(unknown.name)
    if previous is None:
        return None
    number = _numeric(value)
    if number is None:
        return None
    if _subset([number], previous[1]):
        return True, ""
    return False, (
        f"{relation} does not solve {previous[0]} (solutions {_format_roots(previous[1])})"
    )


def _solved_form(left: Any, right: Any) -> tuple[Any, Any] | None:
    """``(symbol, value)`` when one side is a lone symbol and the other has no symbols."""
    sympy = _sympy()[0]
    if isinstance(left, sympy.Symbol) and not right.free_symbols:
        return left, right
    if isinstance(right, sympy.Symbol) and not left.free_symbols:
        return right, left
    return None


def _numeric(expression: Any) -> complex | None:
    try:
        value = complex(expression.evalf(30))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None
    if not (cmath.isfinite(value)):
        return None
    return value


def _decimal_places(side: str) -> int | None:
    """Decimal places of a side written as a plain decimal ("0.333"), else None."""
    match = _DECIMAL.fullmatch(side.replace(" ", "").replace("$", "").strip("{}"))
    return len(match.group(1)) if match else None


def _closed_equal(left: Any, right: Any, relation: _Relation) -> bool | None:
    """Exact equality of two constant expressions; a decimal with d places may be off by less
    than 10^-d (rounded or truncated: ``1/3 = 0.33``)."""
    difference = left - right
    if difference == 0:
        return True
    places = [p for p in (_decimal_places(relation.left), _decimal_places(relation.right))
              if p is not None]
    tolerance = 10.0 ** -min(places) if places else 0.0
    a, b = _numeric(left), _numeric(right)
    if a is None or b is None:
        return None
    gap = abs(a - b)
    if difference.is_Rational:
        return gap < tolerance
    return gap <= _EXACT_TOLERANCE * max(1.0, abs(a), abs(b)) or gap < tolerance


def _compare_numbers(relation: _Relation, left: Any, right: Any) -> tuple[bool, str] | None:
    a, b = _numeric(left), _numeric(right)
    if a is None or b is None:
        return None
    scale = max(1.0, abs(a), abs(b))
    gap = abs(a - b)
    if relation.symbol == "≈":
        holds = gap <= _APPROX_TOLERANCE * max(abs(a), abs(b)) + _EXACT_TOLERANCE
        return holds, "" if holds else f"{relation} is off by more than 1%"
    if relation.symbol == "≠":
        holds = gap > _EXACT_TOLERANCE * scale
        return holds, "" if holds else f"{relation} is false"
    if abs(a.imag) > _EXACT_TOLERANCE * scale or abs(b.imag) > _EXACT_TOLERANCE * scale:
        return None
    x, y, slack = a.real, b.real, _EXACT_TOLERANCE * scale
    order = {
        "<": x < y - slack, ">": x > y + slack, "≤": x <= y + slack, "≥": x >= y - slack,
    }.get(relation.symbol)
    if order is None:
        return None
    return order, "" if order else f"{relation} is false"


def _identity(left: Any, right: Any, free: set[Any]) -> bool:
    """True when ``left - right`` vanishes identically: exact first, then at random points."""
    difference = left - right
    if difference == 0:
        return True
    rng = random.Random(1729)  # fixed: the same step always gets the same score
    symbols = sorted(free, key=str)
    sympy = _sympy()[0]
    agreeing = 0
    for _ in range(_IDENTITY_POINTS):
        point = {s: sympy.Rational(rng.randint(11, 290), 100) for s in symbols}
        a, b = _numeric(left.xreplace(point)), _numeric(right.xreplace(point))
        if a is None or b is None:
            continue
        if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
            return False
        agreeing += 1
    return agreeing >= 3


def _never_equal(left: Any, right: Any) -> bool:
    """True when ``left - right`` is a nonzero constant over a denominator: no value works."""
    sympy = _sympy()[0]
    difference = left - right
    if not _cheap_to_expand(difference, sympy):
        return False
    numerator = sympy.expand(sympy.together(difference).as_numer_denom()[0])
    return bool(numerator.is_number and numerator != 0)


def _cheap_to_expand(expression: Any, sympy: Any) -> bool:
    """No power of an unknown above a small degree, so expanding stays fast."""
    return all(
        not node.free_symbols or (node.exp.is_number and abs(node.exp) <= 2 * _MAX_POLY_DEGREE)
        for node in expression.atoms(sympy.Pow)
    )


def _solutions(expression: Any, unknown: Any) -> list[complex] | None:
    """The roots of a rational equation of low degree in one unknown, numerically; else None."""
    sympy = _sympy()[0]
    if not _cheap_to_expand(expression, sympy):
        return None
    numerator, denominator = sympy.together(expression).as_numer_denom()
    if not (numerator.is_polynomial(unknown) and denominator.is_polynomial(unknown)):
        return None
    polynomial = sympy.Poly(numerator, unknown)
    if not 1 <= polynomial.degree() <= _MAX_POLY_DEGREE:
        return None
    roots: list[complex] = []
    for root in polynomial.nroots(n=20):
        value = complex(root)
        pole = _numeric(denominator.xreplace({unknown: root}))
        if pole is not None and abs(pole) < 1e-12:
            continue  # a zero of the denominator is no solution
        if not _subset([value], roots):
            roots.append(value)
    return roots


def _subset(small: list[complex], large: list[complex]) -> bool:
    return all(
        any(abs(a - b) <= 1e-8 * max(1.0, abs(a)) for b in large) for a in small
    )


def _format_roots(roots: list[complex]) -> str:
    def show(value: complex) -> str:
        if abs(value.imag) <= 1e-12 * max(1.0, abs(value)):
            real = value.real
            if math.isclose(real, round(real), abs_tol=1e-9):
                return str(round(real))
            return f"{real:.6g}"
        return f"{value:.6g}"

    return "{" + ", ".join(show(r) for r in roots) + "}"


# --------------------------------------------------------------------------------------------
# The scorer seam


@runtime_checkable
class StepScorer(Protocol):
    """Scores the steps of a solution: the slot for a learned process reward model (PRM).

    Given the problem text and the steps (as `split_steps` produced them), return one float in
    [0, 1] per step, in order (1 = the step is sound). `MathVerifier` clamps the values and
    reports the first step scoring below 1 as the first wrong step.
    """

    def __call__(self, problem: str, steps: Sequence[str]) -> Sequence[float]: ...


class SympyStepScorer:
    """The default `StepScorer`: `score_steps` (sympy checks), ignoring the problem text.

    With a `pool`, the checks run in a killable worker under `timeout_s` (a timeout raises
    `VerifierTimeout`); without one they run in this process with no time limit.
    """

    def __init__(self, pool: WorkerPool | None = None, *, timeout_s: float = 5.0) -> None:
        self.pool = pool
        self.timeout_s = timeout_s

    def __call__(self, problem: str, steps: Sequence[str]) -> Sequence[float]:
        if self.pool is None:
            scored = score_steps(steps)
        else:
            scored = self.pool.call(
                __name__, "score_steps", list(steps), timeout_s=self.timeout_s
            )
        return [step.score for step in scored]
