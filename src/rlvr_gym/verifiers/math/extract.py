"""Find the final answer a model committed to in a whole response, and whether it hedged.

This runs in the caller's process without a time limit, so every step is linear in the length of
the text: only the last `SEARCH_WINDOW` characters are searched, braces are matched in one
iterative pass (no recursion on nesting depth), and no regular expression nests quantifiers.

Rules, in order of preference (the first source that yields an answer wins):

1. ``\\boxed{...}`` / ``\\fbox{...}`` (source ``"boxed"`` / ``"fbox"``, after the last one):
   braces are matched with ``\\{`` and ``\\}`` as literals; a box inside a box belongs to the
   outer one; ``\\boxed 42`` without braces boxes the next whitespace-delimited token (what the
   writer means; TeX itself would box only the ``4``). A box is one answer, even when it holds
   ``2 \\text{ or } 3``: references are written that way for multi-valued answers, so set
   semantics are left to the comparator.
2. Answer phrases (source ``"final_answer_phrase"``): "final answer is X", "Final Answer: X",
   "The answer is X", "**Answer:** X", and a "Final Answer" heading followed by the answer on the
   next line. X runs to the end of its sentence (a period outside ``$...$`` followed by space or
   the end of the line). When one phrase contains another ("Final Answer: The final answer is
   $5$."), the inner one counts. "X or Y" is two answers.
3. GSM8K ``#### X`` (source ``"gsm8k"``) where X starts like a number or formula (a markdown
   heading such as ``#### Step 2`` is not an answer). "X or Y" is two answers.
4. Only with ``allow_last_number=True``: the last number in the text (source ``"last_number"``).
   Off by default because it rewards guessing.

Hedging: a response that commits to two or more *different* answers (two boxes that differ, or
"X or Y") is hedged, and a verifier must score it 0. "Different" is decided here by a cheap
normalised string comparison (whitespace, ``$``, ``\\left``/``\\right``, ``\\dfrac``/``\\tfrac``,
thin spaces), so ``\\boxed{1/2}`` and ``\\boxed{0.5}`` both appear in `candidates`; the verifier
re-checks distinct candidates for mathematical equality in its worker process and only calls the
response hedged when they really differ. Answer phrases are not consulted when a box exists:
prose restatements ("so the answer is 12 apples") differ in form from the box and would be
mistaken for hedges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SEARCH_WINDOW", "Extraction", "extract_final_answer", "normalise_for_comparison"]

# A final answer sits near the end; 20k characters is far more than any worked tail needs and
# bounds the cost of pathological responses (megabytes of braces) to a few milliseconds.
SEARCH_WINDOW = 20_000
# An answer phrase longer than this is prose, not an answer; it also bounds per-phrase work.
_MAX_PHRASE_ANSWER = 500

_BOX = re.compile(r"\\(boxed|fbox)(?![A-Za-z])")
_BRACE_TOKEN = re.compile(r"\\.|[{}]", re.DOTALL)
_NON_SPACE_RUN = re.compile(r"[^\s$]+")
_SPACE_RUN = re.compile(r"\s*")
_PHRASE = re.compile(r"\b(final[ \t]{1,3}answer|answer)\b", re.IGNORECASE)
_GSM8K = re.compile(r"####[ \t]{0,10}([^\n]*)")
_LAST_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_OR_WORD = re.compile(r"\s+or\s+", re.IGNORECASE)
_TEXT_OR = re.compile(r"\\(?:text|textrm|mbox|mathrm)\{\s*or\s*\}", re.IGNORECASE)
_NORMALISE_DROP = re.compile(
    r"\\left(?![A-Za-z])|\\right(?![A-Za-z])|\\displaystyle|\\[!,;: ]|\$|\s+"
)
_GSM8K_START = frozenset("-+$\\(.0123456789")
_PHRASE_FILLER = frozenset(" \t*_:")


@dataclass(frozen=True)
class Extraction:
    """The final answer(s) found in a response.

    - `answer`: the committed final answer, without ``\\boxed{}``, surrounding ``$`` or a
      trailing period; None when none was found. Always equals ``candidates[-1]``.
    - `candidates`: every distinct answer the response committed to (from the winning source),
      ordered by their last appearance, so the final answer is last.
    - `source`: ``"boxed"``, ``"fbox"``, ``"final_answer_phrase"``, ``"gsm8k"``,
      ``"last_number"`` (opt-in) or ``"none"``.
    - `hedged`: two or more candidates differ after cheap normalisation (see the module doc);
      the verifier confirms with a mathematical comparison.
    """

    answer: str | None
    candidates: tuple[str, ...]
    source: str
    hedged: bool


def extract_final_answer(response: str, *, allow_last_number: bool = False) -> Extraction:
    """Find the final answer of `response` (see the module docstring for the rules).

    Linear in ``min(len(response), SEARCH_WINDOW)``; never raises on any text.
    """
    text = response[-SEARCH_WINDOW:] if len(response) > SEARCH_WINDOW else response
    for source, answers in (
        *_boxed_answers(text),
        ("final_answer_phrase", _phrase_answers(text)),
        ("gsm8k", _gsm8k_answers(text)),
    ):
        if answers:
            return _committed(source, answers)
    if allow_last_number:
        numbers = _LAST_NUMBER.findall(text)
        if numbers:
            return _committed("last_number", [numbers[-1].rstrip(",")])
    return Extraction(answer=None, candidates=(), source="none", hedged=False)


def normalise_for_comparison(answer: str) -> str:
    """A cheap canonical form of an answer string, used only to tell answers apart."""
    answer = answer.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return _NORMALISE_DROP.sub("", answer).rstrip(".")


def _committed(source: str, answers: list[str]) -> Extraction:
    last_seen: dict[str, tuple[int, str]] = {}
    for position, answer in enumerate(answers):
        last_seen[normalise_for_comparison(answer)] = (position, answer)
    candidates = tuple(answer for _, answer in sorted(last_seen.values()))
    return Extraction(
        answer=candidates[-1], candidates=candidates, source=source, hedged=len(candidates) > 1
    )


def _matching_braces(text: str) -> dict[int, int]:
    """Map the index of every balanced ``{`` to its ``}``, in one pass with an explicit stack."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for token in _BRACE_TOKEN.finditer(text):
        char = token.group()
        if char == "{":
            stack.append(token.start())
        elif char == "}" and stack:
            pairs[stack.pop()] = token.start()
    return pairs


def _boxed_answers(text: str) -> list[tuple[str, list[str]]]:
    """The top-level boxed answers as ``[(source of the last box, answers)]``, or ``[]``."""
    if "\\boxed" not in text and "\\fbox" not in text:
        return []
    pairs = _matching_braces(text)
    answers: list[str] = []
    source = "boxed"
    covered_until = -1
    for match in _BOX.finditer(text):
        if match.start() < covered_until:
            continue  # a box inside a box: the outer box is the answer
        start = _SPACE_RUN.match(text, match.end())
        position = start.end() if start else match.end()
        if position < len(text) and text[position] == "{":
            close = pairs.get(position)
            if close is None:
                continue  # unbalanced: not a committed answer
            content = text[position + 1 : close]
            covered_until = close
        else:
            token = _NON_SPACE_RUN.match(text, position)
            if token is None:
                continue
            content = token.group().rstrip(".,;")
            covered_until = token.end()
        cleaned = _clean(content)
        if cleaned:
            answers.append(cleaned)
            source = match.group(1)
    return [(source, answers)] if answers else []


def _clean(answer: str) -> str:
    """Strip markdown emphasis, surrounding math delimiters and a trailing period."""
    answer = answer.strip()
    for _ in range(4):  # delimiters nest at most a few deep in practice: ``**$5$**``
        before = answer
        answer = answer.strip("*_` \t\n").rstrip(".").rstrip()
        for opening, closing in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
            if (
                len(answer) >= len(opening) + len(closing)
                and answer.startswith(opening)
                and answer.endswith(closing)
            ):
                answer = answer[len(opening) : len(answer) - len(closing)].strip()
        for command in ("\\boxed{", "\\fbox{"):
            if answer.startswith(command) and answer.endswith("}"):
                inner = answer[len(command) : -1]
                if _braces_balanced(inner):
                    answer = inner.strip()
        if answer == before:
            break
    return answer


def _braces_balanced(text: str) -> bool:
    """True when no prefix of `text` closes more groups than it opened (escapes ignored)."""
    depth = 0
    for token in _BRACE_TOKEN.finditer(text):
        if token.group() == "{":
            depth += 1
        elif token.group() == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _split_alternatives(answer: str) -> list[str]:
    """Split "X or Y" (also ``X \\text{ or } Y`` and "either X or Y") into its answers."""
    answer = _TEXT_OR.sub(" or ", answer)
    parts = [_clean(part) for part in _OR_WORD.split(answer)]
    if parts and parts[0].lower().startswith("either "):
        parts[0] = _clean(parts[0][len("either ") :])
    return [part for part in parts if part]


def _sentence_end(text: str, start: int, stop: int) -> int:
    """Index where the sentence starting at `start` ends: a period (or !, ?) outside math that
    is followed by whitespace or the end of the line, or `stop`."""
    in_dollar = False
    position = start
    while position < stop:
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == "$":
            in_dollar = not in_dollar
        elif char in ".!?" and not in_dollar and (position + 1 >= stop or text[position + 1].isspace()):
            return position
        position += 1
    return stop


def _line_end(text: str, start: int, stop: int) -> int:
    end = text.find("\n", start, stop)
    return stop if end == -1 else end


def _phrase_answers(text: str) -> list[str]:
    """Answers of the answer phrases, in order; an outer phrase containing another is dropped.

    Each answer region stops at the next phrase, so every character is scanned once.
    """
    matches = list(_PHRASE.finditer(text))
    answers: list[str] = []
    for index, match in enumerate(matches):
        limit = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        position, colon, verb = match.end(), False, False
        while position < limit and text[position] in _PHRASE_FILLER:
            colon = colon or text[position] == ":"
            position += 1
        if text[position : position + 2].lower() == "is" and not text[
            position + 2 : position + 3
        ].isalpha():
            verb = True
            position += 2
            while position < limit and text[position] in _PHRASE_FILLER:
                position += 1
        if position >= limit or text[position : position + 4].lower() in {"not ", "not,"}:
            continue
        stop = min(limit, position + _MAX_PHRASE_ANSWER)
        line_end = _line_end(text, position, stop)
        rest_of_line_empty = not text[position:line_end].strip("*_# \t\r")
        heading = match.group(1).lower().startswith("final") and rest_of_line_empty
        if not (colon or verb or heading):
            continue  # "answer the question", "the final answer we need"
        if rest_of_line_empty:
            # "**Final Answer:**" with the answer on one of the next few lines
            for _ in range(3):
                if line_end >= stop:
                    break
                position = line_end + 1
                line_end = _line_end(text, position, stop)
                if text[position:line_end].strip():
                    break
        end = _sentence_end(text, position, line_end)
        if end >= limit and limit < len(text):
            continue  # "Final Answer: The final answer is $5$." -> only the inner phrase counts
        answers.extend(_split_alternatives(text[position:end]))
    return answers


def _gsm8k_answers(text: str) -> list[str]:
    answers: list[str] = []
    for match in _GSM8K.finditer(text):
        content = match.group(1).strip()
        if content and content[0] in _GSM8K_START:
            answers.extend(_split_alternatives(content))
    return answers
