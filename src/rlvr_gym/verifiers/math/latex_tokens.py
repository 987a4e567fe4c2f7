"""Answer text (LaTeX or plain) → a flat tuple of tokens: the first stage of the answer parser.

The tokenizer settles everything that depends on raw characters, so the parser never looks at
text: thousands separators (`1,000`, `1{,}000`, `1\\,000`, `1 000`), unit words and `\\text{}`
content, spacing commands, unicode operators and math delimiters. It scans once, left to right,
with no regular expressions, so its cost is linear in the length of the answer.

Thousands separators join a leading group of one to three digits to groups of exactly three
digits (`1,234,567`; a group followed by a fourth digit ends the number). `{,}`, `\\,` and a
space are separators anywhere; a bare comma is one only at top level, outside brackets and set
braces, and never when followed by a space. So `1,000` is one thousand, `1, 000` is the list
1, 0 and `\\{1,000\\}` is the set {1, 0}. The explicit separators `{,}`, `{, }` and `,\\!`
may have spaces around them (`32,\\! 349`, `14 {, }916`).

A repeating decimal is one NUM token whose repetend is in parentheses: `0.\\overline{3}` and
`0.(3)` both become `0.(3)`. An ellipsis (`...`, `\\ldots`, `\\cdots`, `\\dots`, `…`) is
the OP token `...`; a scale word after a number (`4.5 million`) becomes `* 1000000`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final

NUM: Final = "num"
NAME: Final = "name"
FUNC: Final = "func"
OP: Final = "op"
TEXT: Final = "text"
BEGIN: Final = "begin"
END: Final = "end"


class LatexSyntaxError(ValueError):
    """The answer text is not an answer form the parser understands (a model's fault, not ours)."""


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical unit; `space_before` records whitespace, which separates mixed numbers."""

    kind: str
    text: str
    space_before: bool = False


# Functions written either as `\name` or as a plain word.
FUNCTIONS: Final = frozenset({
    "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "arccot", "arcsec",
    "arccsc", "asin", "acos", "atan", "sinh", "cosh", "tanh", "coth", "ln", "log", "lg", "exp",
    "sqrt", "abs", "floor", "ceil", "max", "min", "gcd", "lcm", "frac", "binom",
})
_COMMAND_ALIASES: Final = {
    "dfrac": "frac", "tfrac": "frac", "cfrac": "frac", "dbinom": "binom", "tbinom": "binom",
}
GREEK: Final = frozenset({
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
    "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon",
    "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma",
    "Phi", "Psi", "Omega",
})
_CONSTANT_WORDS: Final = {"pi": "pi", "infty": "oo", "inf": "oo", "infinity": "oo", "oo": "oo"}
_COMMAND_OPS: Final = {
    "cdot": "*", "times": "*", "ast": "*", "div": "/", "pm": "pm", "mp": "mp",
    "le": "<=", "leq": "<=", "leqslant": "<=", "lt": "<", "ge": ">=", "geq": ">=",
    "geqslant": ">=", "gt": ">", "ne": "!=", "neq": "!=", "approx": "=", "in": "in",
    "cup": "cup", "setminus": "setminus", "backslash": "setminus", "langle": "langle",
    "rangle": "rangle", "lfloor": "lfloor", "rfloor": "rfloor", "lceil": "lceil",
    "rceil": "rceil", "lbrace": "lset", "rbrace": "rset", "lvert": "|", "rvert": "|",
    "vert": "|", "emptyset": "emptyset", "varnothing": "emptyset", "degree": "deg",
    "circ": "deg", "land": ",", "lor": "or",
}
_SPACING: Final = frozenset({
    "left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "bigg", "Bigg", "biggl",
    "biggr", "Biggl", "Biggr", "middle", "displaystyle", "textstyle", "quad", "qquad", "limits",
    "nolimits", "rm", "bf", "it",
})
# Wrappers whose argument is math: their content is tokenized in place.
_MATH_WRAPPERS: Final = frozenset({
    "boxed", "mathbf", "mathit", "mathsf", "bm", "boldsymbol", "pmb", "mathnormal", "fbox",
})
# Wrappers whose argument is prose: a number, a unit, a connective or a word answer.
_TEXT_WRAPPERS: Final = frozenset({
    "text", "textbf", "textit", "textrm", "textsf", "texttt", "textnormal", "mbox", "mathrm",
    "operatorname", "hbox",
})
# Unit words dropped after a number; longer words become TEXT tokens, dropped the same way.
UNIT_WORDS: Final = frozenset({
    "cm", "mm", "km", "nm", "ft", "yd", "mi", "mph", "kph", "hr", "hrs", "kg", "mg", "lb", "lbs",
    "oz", "ml", "cc", "usd", "sq", "day", "days", "ways", "units", "unit", "cents", "cent",
    "dollar", "dollars", "meter", "meters", "metre", "metres", "inch", "inches", "feet", "foot",
    "yard", "yards", "mile", "miles", "hour", "hours", "minute", "minutes", "second", "seconds",
    "week", "weeks", "year", "years", "gram", "grams", "liter", "liters", "litre", "litres",
    "square", "cubic", "radian", "radians", "rad", "people", "students", "points", "cm2", "m2",
})
# One-letter units, read as units only after a value and only in `\text` or with a unicode
# power (`100\pi\text{ m}^2`, `5 m²`); `5 m^2` is a monomial.
_UNIT_LETTERS: Final = frozenset({"m", "g", "s", "L", "h"})
_CURRENCY_COMMANDS: Final = frozenset({"euro", "texteuro", "pounds", "textsterling", "yen",
                                       "textyen"})
_SCALE_WORDS: Final = {"thousand": "1000", "million": "1000000", "billion": "1000000000",
                       "trillion": "1000000000000"}
_ELLIPSIS_COMMANDS: Final = frozenset({"ldots", "cdots", "dots", "dotsc", "dotsb", "hdots"})
# The longest repetend read (1/97 has 96 digits): `10**len` stays small on hostile input.
MAX_REPETEND: Final = 1_000
_DEGREE_WORDS: Final = frozenset({"degree", "degrees", "deg"})
_PERCENT_WORDS: Final = frozenset({"percent"})
# Short words that are answers, not products of variables (`no` is not n·o).
_SHORT_WORDS: Final = frozenset({"yes", "no", "odd", "all", "none", "true", "false", "and"})
_CONNECTIVES: Final = {"or": "or", "and": ","}
_UNICODE: Final = {
    "−": "-", "–": "-", "×": "*", "·": "*", "÷": "/", "≤": "<=", "≥": ">=", "≠": "!=",
    "π": "\\pi ", "∞": "\\infty ", "√": "\\sqrt ", "°": "\\degree ", "∪": "\\cup ",
    "∅": "\\emptyset ", "±": "\\pm ", "∈": "\\in ", "⟨": "\\langle ", "⟩": "\\rangle ",
    "≈": "=", "\u2009": " ", "\u00a0": " ", "…": "\\ldots ", "€": " ",
    "£": " ", "¥": " ", "₹": " ", "¢": " ",
}
# Kept apart from `^2` until scanned: `5 m²` is a unit, `5 m^2` a monomial.
_SUPERSCRIPTS: Final = {"²": "2", "³": "3"}
_OPENERS: Final = frozenset({"(", "[", "lset", "langle"})
_CLOSERS: Final = frozenset({")", "]", "rset", "rangle"})


def tokenize(text: str, *, comma_thousands: bool = True) -> tuple[Token, ...]:
    """Split an answer into tokens; `comma_thousands=False` reads every bare comma as a separator.

    Raises `LatexSyntaxError` on a command or character that no answer form uses.
    """
    return _Scanner(_pre_normalise(text), comma_thousands).run()


def _pre_normalise(text: str) -> str:
    s = text.strip()
    for old, new in _UNICODE.items():
        if old in s:
            s = s.replace(old, new)
    for old, new in (("\\$", " "), ("$", " "), ("\\(", " "), ("\\)", " "), ("\\[", " "),
                     ("\\]", " "), ("^{\\circ}", "\\degree "), ("^\\circ", "\\degree "),
                     ("\\%", "%"), ("{, }", "{,}"), ("**", "^")):
        if old in s:
            s = s.replace(old, new)
    s = s.strip()
    while s.endswith((".", "\\\\")):
        if s.endswith("...") and not s.endswith("...."):
            break  # a closing ellipsis is part of the answer, not a full stop
        s = s[:-1].rstrip() if s.endswith(".") else s[:-2].rstrip()
    return s


class _Scanner:
    """One left-to-right pass over the normalised text."""

    def __init__(self, source: str, comma_thousands: bool) -> None:
        self.s = source
        self.i = 0
        self.out: list[Token] = []
        self.depth = 0  # bracket nesting: bare commas inside brackets always separate items
        self.space = False
        self.comma_thousands = comma_thousands

    def emit(self, kind: str, text: str) -> None:
        if kind == OP and text in _OPENERS:
            self.depth += 1
        elif kind == OP and text in _CLOSERS:
            self.depth = max(0, self.depth - 1)
        self.out.append(Token(kind, text, self.space))
        self.space = False

    def run(self) -> tuple[Token, ...]:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c.isspace() or c == "~":
                self.space = True
                self.i += 1
            elif c.isdigit() or (c == "." and s[self.i + 1:self.i + 2].isdecimal()):
                if c in _SUPERSCRIPTS:
                    self.emit(OP, "^")
                    self.emit(NUM, _SUPERSCRIPTS[c])
                    self.i += 1
                else:
                    self.emit(NUM, self.number())
            elif c.isascii() and c.isalpha():
                self.word()
            elif c == "\\":
                self.command()
            else:
                self.symbol(c)
        return tuple(self.out)

    def symbol(self, c: str) -> None:
        s, i = self.s, self.i
        two = s[i:i + 2]
        if two in ("<=", ">=", "!="):
            self.emit(OP, two)
            self.i += 2
        elif two == "+-":
            self.emit(OP, "pm")
            self.i += 2
        elif c == "." and s.startswith("...", i):
            self.emit(OP, "...")
            self.i += 3
        elif c == "{" and s.startswith("{,}", i):
            self.space = True  # a `{,}` that does not join digit groups is a stray mark
            self.i += 3
        elif c in "+-*/^_!%,;=<>()[]{}|&'":
            self.emit(OP, c)
            self.i += 1
        else:
            raise LatexSyntaxError(f"unexpected character {c!r}")

    def number(self) -> str:
        s = self.s
        start = self.i
        digits = self._digits()
        groups = [digits]
        while digits and len(groups[0]) <= 3:
            sep = self._thousands_separator()
            if sep == 0:
                break
            self.i += sep
            groups.append(self._digits())
        text = "".join(groups)
        if s.startswith(".", self.i) and s[self.i + 1:self.i + 2].isdecimal():
            self.i += 1
            text += "." + self._digits()
            repetend = self._repetend()
            if repetend:
                return f"{text}({repetend})"
        elif not text:
            raise LatexSyntaxError(f"malformed number at {s[start:start + 10]!r}")
        elif s.startswith(".", self.i):
            self.i += 1
            repetend = self._repetend()
            if repetend:
                return f"{text}.({repetend})"
            self.i -= 1
        j = self.i
        if s[j:j + 1] in ("e", "E"):
            k = j + 1
            if s[k:k + 1] in ("+", "-"):
                k += 1
            if s[k:k + 1].isdecimal():
                self.i = k
                text += "e" + s[j + 1:k] + self._digits()
        return text

    def _repetend(self) -> str:
        """The repeating block after a decimal's digits (`\\overline{34}`, `(34)`), consumed."""
        s, i = self.s, self.i
        if s.startswith("\\overline", i) and not s[i + 9:i + 10].isalpha():
            self.i = i + 9
            block = self.braced().strip()
            if not block.isdigit():
                raise LatexSyntaxError("\\overline after a decimal must cover digits")
        elif s.startswith("(", i):
            end = s.find(")", i, i + MAX_REPETEND + 2)
            block = s[i + 1:end] if end > 0 else ""
            if not (block.isascii() and block.isdigit()):
                return ""  # `2.5(x+1)` is a product
            self.i = end + 1
        else:
            return ""
        if not block.isascii() or len(block) > MAX_REPETEND:
            raise LatexSyntaxError("the repeating block of a decimal is too long")
        return block

    def _digits(self) -> str:
        s, start = self.s, self.i
        while self.i < len(s) and s[self.i].isdecimal():
            self.i += 1
        return s[start:self.i]

    def _thousands_separator(self) -> int:
        """Length of a thousands separator at the cursor (0 if none): see the module docstring."""
        s, i = self.s, self.i
        j = i
        while s.startswith(" ", j):
            j += 1
        explicit = 3 if s.startswith(("{,}", ",\\!"), j) else 0
        if explicit:  # spaces around `{,}` and `,\!` do not matter
            j += explicit
            while s.startswith(" ", j):
                j += 1
            group = s[j:j + 3]
            if len(group) == 3 and group.isdecimal() and not s[j + 3:j + 4].isdecimal():
                return j - i
            return 0
        for sep, anywhere in (("\\,", True), (",", False), (" ", True)):
            if not s.startswith(sep, i):
                continue
            if not anywhere and (self.depth > 0 or (sep == "," and not self.comma_thousands)):
                return 0
            j = i + len(sep)
            group = s[j:j + 3]
            if len(group) == 3 and group.isdecimal() and not s[j + 3:j + 4].isdecimal():
                return len(sep)
            return 0
        return 0

    def word(self) -> None:
        s, start = self.s, self.i
        while self.i < len(s) and s[self.i].isascii() and s[self.i].isalpha():
            self.i += 1
        self.add_word(s[start:self.i])

    def add_word(self, word: str) -> None:
        lower = word.lower()
        if word in FUNCTIONS:
            self.emit(FUNC, word)
        elif lower in _CONSTANT_WORDS:
            self.emit(NAME, _CONSTANT_WORDS[lower])
        elif word in GREEK:
            self.emit(NAME, word)
        elif lower in _CONNECTIVES:
            self.emit(OP, _CONNECTIVES[lower])
        elif lower in _DEGREE_WORDS:
            self.emit(OP, "deg")
        elif lower in _PERCENT_WORDS:
            self.emit(OP, "%")
        elif lower in UNIT_WORDS or (word in _UNIT_LETTERS and self.after_value()
                                     and self.s[self.i:self.i + 1] in _SUPERSCRIPTS):
            self.skip_unit_exponent()
            self.space = True
        elif lower in _SCALE_WORDS and self.after_number():
            self.emit_scale(lower)
        elif word[:-1] in FUNCTIONS and len(word) > 2:
            self.emit(FUNC, word[:-1])  # `sinx`, `lnx`
            self.emit(NAME, word[-1])
        elif len(word) >= 4 or lower in _SHORT_WORDS:
            self.emit(TEXT, word)
            self.skip_unit_exponent()
        else:
            for letter in word:
                self.emit(NAME, letter)

    def after_number(self) -> bool:
        return bool(self.out) and self.out[-1].kind == NUM

    def after_value(self) -> bool:
        """Whether the last token ends a value (`5`, `\\pi`, `x`, `)`), so a unit may follow."""
        last = self.out[-1] if self.out else None
        return last is not None and (last.kind in (NUM, NAME) or (
            last.kind == OP and last.text in (")", "]", "}")))

    def emit_scale(self, word: str) -> None:
        """`4.5 million` is 4.5 · 10⁶."""
        self.emit(OP, "*")
        self.emit(NUM, _SCALE_WORDS[word])

    def skip_unit_exponent(self) -> None:
        """Drop the `^2` of `cm^2` along with the unit."""
        s = self.s
        j = self.i
        while j < len(s) and s[j] == " ":
            j += 1
        if s[j:j + 1] in _SUPERSCRIPTS:
            self.i = j + 1
            return
        if not s.startswith("^", j):
            return
        j += 1
        if s.startswith("{", j):
            end = s.find("}", j)
            self.i = len(s) if end < 0 else end + 1
        else:
            self.i = j + 1

    def command(self) -> None:
        s, i = self.s, self.i
        j = i + 1
        while j < len(s) and s[j].isascii() and s[j].isalpha():
            j += 1
        name = s[i + 1:j]
        if not name:
            self.i = i + 2
            self.symbol_command(s[i + 1:i + 2])
            return
        self.i = j
        name = _COMMAND_ALIASES.get(name, name)
        if name in _SPACING:
            sizing = name in ("left", "right", "middle") or name.startswith(("big", "Big"))
            if sizing and s.startswith(".", self.i):
                self.i += 1  # `\\left.` opens nothing
        elif name in FUNCTIONS:
            self.emit(FUNC, name)
        elif name in GREEK:
            self.emit(NAME, name)
        elif name in _CONSTANT_WORDS:
            self.emit(NAME, _CONSTANT_WORDS[name])
        elif name in _COMMAND_OPS:
            self.emit(OP, _COMMAND_OPS[name])
        elif name in _TEXT_WRAPPERS:
            self.text_wrapper(name)
        elif name in _MATH_WRAPPERS:
            self.math_wrapper()
        elif name == "mathbb":
            content = self.braced().strip()
            if content != "R":
                raise LatexSyntaxError(f"unsupported number set \\mathbb{{{content}}}")
            self.emit(OP, "reals")
        elif name in ("begin", "end"):
            env = self.braced().strip().rstrip("*")
            self.emit(BEGIN if name == "begin" else END, env)
            if name == "begin" and env == "array":
                self.braced()  # column specification
        elif name in ("hspace", "vspace", "phantom", "hphantom"):
            self.braced()
        elif name in _ELLIPSIS_COMMANDS:
            self.emit(OP, "...")
        elif name in _CURRENCY_COMMANDS:
            self.space = True
        elif name in ("imath", "jmath"):
            self.emit(NAME, "i")
        elif name == "not" and s.startswith("=", self.i):
            self.i += 1
            self.emit(OP, "!=")
        else:
            raise LatexSyntaxError(f"unsupported command \\{name}")

    def symbol_command(self, c: str) -> None:
        if c == "{":
            self.emit(OP, "lset")
        elif c == "}":
            self.emit(OP, "rset")
        elif c == "\\":
            self.emit(OP, "\\\\")
        elif c in ",;: " or c == "":
            self.space = True
        elif c == "!":
            pass  # negative thin space
        elif c in "%&#_":
            self.emit(OP, c if c != "&" else "&")
        elif c == "|":
            raise LatexSyntaxError("norms \\| are not supported")
        else:
            raise LatexSyntaxError(f"unsupported command \\{c}")

    def braced(self) -> str:
        """The raw content of the `{...}` group at the cursor (or the next character)."""
        s = self.s
        while self.i < len(s) and s[self.i] == " ":
            self.i += 1
        if not s.startswith("{", self.i):
            if self.i >= len(s):
                raise LatexSyntaxError("a command is missing its argument")
            self.i += 1
            return s[self.i - 1]
        level = 0
        for j in range(self.i, len(s)):
            if s[j] == "{" and s[j - 1:j] != "\\":
                level += 1
            elif s[j] == "}" and s[j - 1:j] != "\\":
                level -= 1
                if level == 0:
                    content = s[self.i + 1:j]
                    self.i = j + 1
                    return content
        raise LatexSyntaxError("unbalanced braces")

    def splice(self, content: str) -> None:
        """Tokenize `content` in the current context (depth, separators) and append it."""
        inner = _Scanner(content, self.comma_thousands)
        inner.depth = self.depth
        inner.space = self.space
        self.out.extend(inner.run())
        self.depth = inner.depth
        self.space = False

    def math_wrapper(self) -> None:
        self.splice(self.braced())

    def text_wrapper(self, name: str) -> None:
        content = self.braced().strip()
        if not content:
            self.space = True
            return
        words = content.replace(",", " ").split()
        lowered = [w.lower() for w in words]
        if name == "operatorname" and content in FUNCTIONS:
            self.emit(FUNC, content)
        elif len(words) == 1 and words[0] in _UNIT_LETTERS and self.after_value():
            self.skip_unit_exponent()  # `100\pi\text{ m}^2`
            self.space = True
        elif all(len(w) < 2 or not w.isalpha() for w in words) and not _has_letter_run(content):
            self.splice(content)  # `\text{5}`, `\text{(A)}`, `\mathrm{x}`
        elif len(lowered) == 1 and (lowered[0] in _CONSTANT_WORDS or words[0] in GREEK):
            self.add_word(words[0])  # `\text{infinity}`, `\text{pi}`
        elif len(lowered) == 1 and lowered[0] in _CONNECTIVES:
            self.emit(OP, _CONNECTIVES[lowered[0]])
        elif all(w in UNIT_WORDS for w in lowered):
            self.skip_unit_exponent()  # `\text{ cm}^3`
            self.space = True
        elif (lowered[0] in _SCALE_WORDS and self.after_number()
              and all(w in UNIT_WORDS for w in lowered[1:])):
            self.emit_scale(lowered[0])  # `4.5 \text{ million}`, `2\text{ billion dollars}`
        elif all(w in _DEGREE_WORDS for w in lowered):
            self.emit(OP, "deg")
        else:
            self.emit(TEXT, content)
            self.skip_unit_exponent()


_WRAPPERS: Final = _TEXT_WRAPPERS | _MATH_WRAPPERS
_SPELLED_UNITS: Final = {
    word: value for value, word in enumerate((
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen"))
}
_SPELLED_TENS: Final = {
    word: 10 * value for value, word in enumerate((
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), start=2)
}
_MAX_SPELLED_LENGTH: Final = 80  # "nine hundred and seventy-seven" inside `\textbf{...}`


def spelled_number(text: str) -> int | None:
    """The value of an answer that is a whole number from 0 to 999 written in words.

    `five`, `\\text{Twenty-one}`, `one hundred and five` → 5, 21, 105; anything else → None.
    """
    s = text.strip().strip("$").strip()
    if len(s) > _MAX_SPELLED_LENGTH or not (s[-1:].isalpha() or s.endswith(("}", "."))):
        return None
    for _ in range(3):  # `\boxed{\text{five}}`
        brace = s.find("{")
        if not (s.startswith("\\") and s.endswith("}") and brace > 0
                and s[1:brace] in _WRAPPERS):
            break
        s = s[brace + 1:-1].strip()
    words = s.rstrip(".").lower().replace("-", " ").split()
    if "hundred" not in words:
        return _below_hundred(words)
    split = words.index("hundred")
    head, tail = words[:split], words[split + 1:]
    hundreds = 1 if head in ([], ["a"]) else _below_hundred(head)
    if tail[:1] == ["and"]:
        tail = tail[1:]
    rest = _below_hundred(tail) if tail else 0
    if hundreds is None or not 1 <= hundreds <= 9 or rest is None or (tail and rest == 0):
        return None
    return 100 * hundreds + rest


def _below_hundred(words: list[str]) -> int | None:
    if len(words) == 1:
        word = words[0]
        return _SPELLED_UNITS.get(word, _SPELLED_TENS.get(word))
    if len(words) == 2 and words[0] in _SPELLED_TENS and words[1] in _SPELLED_UNITS:
        unit = _SPELLED_UNITS[words[1]]
        return _SPELLED_TENS[words[0]] + unit if 1 <= unit <= 9 else None
    return None


def chosen_option(text: str) -> str | None:
    """The option letter an answer opens with: `(D)`, `\\text{(D) } 12`, `\\textbf{(D)} 12` → "D".

    Only a capital letter in parentheses counts, so `(x) 12` or `D 12` picks nothing, and an
    answer naming a second option (`(A) and (C)`) picks none.
    """
    i = 0
    while i < len(text) and text[i] in " $":
        i += 1
    while text.startswith("\\", i):  # leading wrappers; an index, not slices: linear
        brace = text.find("{", i, i + 16)
        if brace < 0 or text[i + 1:brace] not in _WRAPPERS:
            break
        i = brace + 1
        while text.startswith(" ", i):
            i += 1
    if not _is_option(text, i):
        return None
    if any(_is_option(text, j) for j in range(i + 3, len(text) - 2)):
        return None  # `(A) and (C)` picks two
    return text[i + 1]


def _is_option(text: str, i: int) -> bool:
    return (text.startswith("(", i) and text[i + 2:i + 3] == ")"
            and "A" <= text[i + 1:i + 2] <= "Z")


def _has_letter_run(text: str) -> bool:
    """Whether `text` holds two consecutive letters, i.e. a word rather than a symbol."""
    return any(a.isalpha() and b.isalpha() for a, b in itertools.pairwise(text))
