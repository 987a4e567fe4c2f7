"""Find the final answer a model committed to in a whole response, and whether it hedged.

This runs in the caller's process without a time limit, so every step is linear in the length of
the text: only the last `SEARCH_WINDOW` characters are searched, braces are matched in one
iterative pass (no recursion on nesting depth), and no regular expression nests quantifiers.

Markers (each commits to one or more answers at a place in the text):

1. ``\\boxed{...}`` / ``\\fbox{...}`` (source ``"boxed"`` / ``"fbox"``): braces are matched with
   ``\\{`` and ``\\}`` as literals; a box inside a box belongs to the outer one; ``\\boxed 42``
   without braces boxes the next whitespace-delimited token (what the writer means; TeX itself
   would box only the ``4``). A box is one answer, even when it holds ``2 \\text{ or } 3``:
   references are written that way for multi-valued answers, so set semantics are left to the
   comparator.
2. Answer phrases (source ``"final_answer_phrase"``): "final answer is X", "Final Answer: X",
   "The answer is X", "**Answer:** X", a "Final Answer" or PRM800K ``# Answer`` heading followed
   by the answer on the next non-empty line, "Answer" directly followed by math
   (``Answer \\[ 9 \\]``), and a GSM8K-solution answer line ``A: 18``. X runs to the end of its
   sentence (a period outside ``$...$`` followed by space or the end of the line). When one
   phrase contains another ("Final Answer: The final answer is $5$."), the inner one counts; a
   phrase whose answer holds a box defers to the box. "The answer is not X" and "the final
   answer is correct" commit to nothing.
3. GSM8K ``#### X`` (source ``"gsm8k"``) where X starts like a number or formula (a markdown
   heading such as ``#### Step 2`` is not an answer).
4. Only when there is no marker at all: a concluding sentence (source ``"conclusion"``), the last
   sentence when it opens with "Therefore", "Thus", "Hence" or "So". It is a commitment, so it
   is on by default; a caller that reads every step of an unfinished solution should pass
   ``allow_conclusion=False`` ("So $x = 2$." mid-solution is not a final answer).
5. Only with ``allow_last_number=True``: the last number in the text (source ``"last_number"``).
   Off by default because it rewards guessing.

Sentences: a phrase, ``####`` or concluding answer written as prose ("The volume of $V$ is 120",
"Jane started 3 hours ago") is reduced to the answer inside: the text after the last " is ",
" are ", " equals " or " = " outside math, then the last ``$...$`` math in what remains (each
math when several follow the verb: "the roots are $1$ and $2$" commits to both), then its only
number. A trailing "I hope it is correct." is dropped. A phrase that cannot be reduced is kept as
written; a concluding sentence that cannot be reduced (two different numbers, no verb, no math)
is no answer.

Commitment and hedging: the answers of every marker are pooled in text order.

- Retraction: a marker is dropped when the text between it and the next marker contains a
  retraction cue ("wait", "retract", "mistake", "that's wrong", "corrected", "actually", ...;
  `_RETRACTION`). This is not a reward hack: it only ever removes answers, and the answers left
  are all graded, so a retraction never lets two different answers both count. "X or Y" inside
  one marker is not a retraction: it is two answers.
- Hedging: a response left with two or more *different* answers (two boxes that differ, a box
  and a "Final Answer:" line that differ, "X or Y") is hedged, and a verifier must score it 0.
  "Different" is decided here by a cheap normalised string comparison (whitespace, ``$``,
  ``\\left``/``\\right``, ``\\dfrac``/``\\tfrac``, thin spaces), so ``\\boxed{1/2}`` and
  "Final Answer: 0.5" both appear in `candidates`; the verifier re-checks distinct candidates for
  mathematical equality in its worker process and only calls the response hedged when they
  really differ. Equal answers under several markers are one answer, written as the
  highest-priority marker wrote it (box, then phrase, then ``####``).
- A mid-sentence "the answer is X" is a prose restatement, not a marker, when a box exists ("so
  the answer is 12 apples" next to ``\\boxed{12}``); explicit markers ("Final Answer:", a line
  opening with "Answer:", ``#### X``, ``A: X``) are commitments and do compete with boxes.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
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
_ANSWER_LINE = re.compile(r"^A:[ \t]{0,10}([^\n]*)", re.MULTILINE)
_LAST_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:/\d+)?(?:\\?%|[ \t]?percent\b)?")
# Words in ``\text{ cm}`` are a unit, not prose: "5 \text{ cm}" is an answer as written.
_TEXT_GROUP = re.compile(r"\\(?:text|textrm|textup|textnormal|mathrm|mbox)[ \t]{0,3}\{[^{}]*\}")
_OR_WORD = re.compile(r"\s+or\s+", re.IGNORECASE)
_TEXT_OR = re.compile(r"\\(?:text|textrm|mbox|mathrm)\{\s*or\s*\}", re.IGNORECASE)
_NORMALISE_DROP = re.compile(
    r"\\left(?![A-Za-z])|\\right(?![A-Za-z])|\\displaystyle|\\[!,;: $]|\$|\s+"
)
_MATH_OPEN = re.compile(r"\\\$|\$\$|\$|\\\(|\\\[")
_MATH_CLOSE = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}
_VERB = re.compile(r"\s(?:is|are|equals|=)\s", re.IGNORECASE)
_PROSE_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
_CONCLUSION_CUE = re.compile(r"(?<!\S)(?:Therefore|Thus|Hence|So)\b,?")
_RETRACTION = re.compile(
    r"\b(?:wait|retract(?:s|ed|ing)?|mistakes?|made\s+an\s+error|arithmetic\s+error"
    r"|that['\u2019]s\s+wrong|that\s+is\s+wrong|was\s+wrong|incorrect|correction|corrected"
    r"|let\s+me\s+redo|let\s+me\s+recompute|actually)\b",
    re.IGNORECASE,
)
_GSM8K_START = frozenset("-+$\\(.0123456789")
_PHRASE_FILLER = frozenset(" \t*_:")
_LINE_MARKUP = frozenset("#*_> \t")
_HOPE = "i hope it is correct"
# Words that are mathematics, not prose, when they appear outside ``$...$``.
_MATH_WORDS = frozenset({
    "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "arcsin", "arccos",
    "arctan", "log", "ln", "lg", "exp", "sqrt", "pi", "mod", "gcd", "lcm", "max", "min", "det",
    "lim", "inf", "sup", "deg",
})
# "the final answer is correct": a verdict on an answer, not an answer.
_VERDICT_WORDS = frozenset({
    "correct", "right", "wrong", "incorrect", "reasonable", "valid", "consistent", "plausible",
    "confirmed", "verified",
})
# Equal answers under several markers are written as the highest-priority marker wrote them.
_PRIORITY = {
    "boxed": 0, "fbox": 0, "final_answer_phrase": 1, "gsm8k": 2, "conclusion": 3,
    "last_number": 4,
}


@dataclass(frozen=True)
class Extraction:
    """The final answer(s) found in a response.

    - `answer`: the committed final answer, without ``\\boxed{}``, surrounding ``$`` or a
      trailing period; None when none was found. Always equals ``candidates[-1]``.
    - `candidates`: every distinct answer the response committed to (pooled from all markers,
      retracted ones removed), ordered by their last appearance, so the final answer is last.
    - `source`: the marker `answer` was taken from: ``"boxed"``, ``"fbox"``,
      ``"final_answer_phrase"``, ``"gsm8k"``, ``"conclusion"``, ``"last_number"`` (opt-in) or
      ``"none"``.
    - `hedged`: two or more candidates differ after cheap normalisation (see the module doc);
      the verifier confirms with a mathematical comparison.
    """

    answer: str | None
    candidates: tuple[str, ...]
    source: str
    hedged: bool


@dataclass(frozen=True)
class _Marker:
    """One marker in the text: the span it occupies and the answers it commits to."""

    start: int
    end: int
    source: str
    answers: tuple[str, ...]


def extract_final_answer(
    response: str, *, allow_last_number: bool = False, allow_conclusion: bool = True
) -> Extraction:
    """Find the final answer of `response` (see the module docstring for the rules).

    Linear in ``min(len(response), SEARCH_WINDOW)``; never raises on any text.
    """
    text = response[-SEARCH_WINDOW:] if len(response) > SEARCH_WINDOW else response
    boxes = _box_markers(text)
    markers = [
        *boxes,
        *_phrase_markers(text, [(box.start, box.end) for box in boxes]),
        *_line_markers(text, _GSM8K, "gsm8k"),
        *_line_markers(text, _ANSWER_LINE, "final_answer_phrase"),
    ]
    if not markers and allow_conclusion:
        markers = _conclusion_markers(text)
    if not markers and allow_last_number:
        numbers = _LAST_NUMBER.findall(text)
        if numbers:
            markers = [_Marker(len(text), len(text), "last_number", (numbers[-1].rstrip(","),))]
    if not markers:
        return Extraction(answer=None, candidates=(), source="none", hedged=False)
    return _committed(text, markers)


def normalise_for_comparison(answer: str) -> str:
    """A cheap canonical form of an answer string, used only to tell answers apart."""
    answer = answer.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return _NORMALISE_DROP.sub("", answer).rstrip(".")


def _committed(text: str, markers: list[_Marker]) -> Extraction:
    """Pool the answers of `markers`, drop retracted ones, and merge equal answers."""
    markers = sorted(markers, key=lambda marker: (marker.start, marker.end))
    # A retraction only ever removes answers, so it can never make two answers count.
    kept = [
        marker
        for marker, following in zip(markers, [*markers[1:], None], strict=True)
        if following is None or not _RETRACTION.search(text, marker.end, following.start)
    ]
    # normalised answer -> (last position, priority, answer as written, source)
    seen: dict[str, tuple[int, int, str, str]] = {}
    position = 0
    for marker in kept:
        priority = _PRIORITY[marker.source]
        for answer in marker.answers:
            key = normalise_for_comparison(answer)
            earlier = seen.get(key)
            if earlier is not None and earlier[1] < priority:
                seen[key] = (position, *earlier[1:])
            else:
                seen[key] = (position, priority, answer, marker.source)
            position += 1
    ordered = sorted(seen.values())
    candidates = tuple(answer for _, _, answer, _ in ordered)
    return Extraction(
        answer=candidates[-1], candidates=candidates, source=ordered[-1][3],
        hedged=len(candidates) > 1,
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


def _box_markers(text: str) -> list[_Marker]:
    """The top-level boxes, in order; a box inside a box is part of the outer one."""
    if "\\boxed" not in text and "\\fbox" not in text:
        return []
    pairs = _matching_braces(text)
    markers: list[_Marker] = []
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
            covered_until = close + 1
        else:
            token = _NON_SPACE_RUN.match(text, position)
            if token is None:
                continue
            content = token.group().rstrip(".,;")
            covered_until = token.end()
        cleaned = _clean(content)
        if cleaned:
            markers.append(_Marker(match.start(), covered_until, match.group(1), (cleaned,)))
    return markers


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


def _without_hope(answer: str) -> str:
    """Drop the Minerva sign-off "I hope it is correct." from the end of `answer`."""
    trimmed = answer.rstrip().rstrip(".").rstrip()
    if trimmed.lower().endswith(_HOPE):
        return trimmed[: -len(_HOPE)].rstrip()
    return answer


def _math_spans(text: str) -> list[tuple[int, int, int, int]]:
    """``(start, content start, content end, end)`` of every closed ``$``, ``$$``, ``\\(``
    and ``\\[`` group, in one pass."""
    spans: list[tuple[int, int, int, int]] = []
    unclosed: set[str] = set()  # a closer that is missing once is missing for every later opener
    position = 0
    while True:
        opening = _MATH_OPEN.search(text, position)
        if opening is None:
            return spans
        delimiter = opening.group()
        position = opening.end()
        if delimiter == "\\$" or delimiter in unclosed:
            continue
        closer = _MATH_CLOSE[delimiter]
        close = text.find(closer, position)
        if close == -1:
            unclosed.add(delimiter)
            continue
        spans.append((opening.start(), position, close, close + len(closer)))
        position = close + len(closer)


def _masked(text: str, spans: Sequence[tuple[int, int, int, int]]) -> str:
    """`text` with every math group blanked to NULs of the same length (indices still match)."""
    pieces: list[str] = []
    position = 0
    for start, _, _, end in spans:
        pieces += [text[position:start], "\0" * (end - start)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _is_prose(masked: str) -> bool:
    """Several words, at least one an English word rather than a variable or a function."""
    if len(masked.split(maxsplit=1)) < 2:
        return False
    return any(
        word.group().lower() not in _MATH_WORDS for word in _PROSE_WORD.finditer(masked)
    )


def _reduce(answer: str) -> list[str] | None:
    """The answer(s) inside a prose sentence (module doc); `answer` itself when it is not
    prose; None when prose holds no single answer."""
    if _PROSE_WORD.search(answer) is None:  # no word at all: "18", "(7, 6)", "x = 3"
        cleaned = _clean(answer)
        return [cleaned] if cleaned else None
    spans = _math_spans(answer)
    masked = _TEXT_GROUP.sub(lambda group: "\0" * len(group.group()), _masked(answer, spans))
    if not _is_prose(masked):
        cleaned = _clean(answer)
        return [cleaned] if cleaned else None
    verbs = list(_VERB.finditer(masked))
    start = verbs[-1].end() if verbs else 0
    if verbs and not _is_prose(masked[start:]):
        cleaned = _clean(answer[start:])
        return [cleaned] if cleaned else None
    maths = [_clean(answer[inner:close]) for _, inner, close, end in spans if end > start]
    maths = [math for math in maths if math]
    if maths:
        return maths if verbs else maths[-1:]
    numbers = {_number_as_written(number) for number in _NUMBER.findall(masked, start)}
    if len({number.replace(",", "") for number in numbers}) == 1:
        return [numbers.pop()]
    return None


def _number_as_written(number: str) -> str:
    """A number found in prose, with "28 percent" written as ``28%``."""
    if number.endswith("percent"):
        return number[: -len("percent")].rstrip() + "%"
    return number.rstrip(",")


def _answers_in(region: str) -> tuple[str, ...]:
    """The answers a marker's region commits to: its alternatives, each reduced from prose."""
    answers: list[str] = []
    for part in _split_alternatives(_without_hope(region)):
        answers.extend(_reduce(part) or [part])
    return tuple(answers)


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
        elif char in ".!?" and not in_dollar and (
            position + 1 >= stop or text[position + 1].isspace()
        ):
            return position
        position += 1
    return stop


def _line_end(text: str, start: int, stop: int) -> int:
    end = text.find("\n", start, stop)
    return stop if end == -1 else end


def _line_prefix(text: str, position: int) -> str | None:
    """The text from the start of `position`'s line to it, when that is only markdown
    (``**``, ``#``, ``>``, spaces); None when the line holds words before `position`."""
    line_start = text.rfind("\n", max(0, position - 20), position) + 1
    prefix = text[line_start:position]
    if (line_start == 0 and position > 20) or not set(prefix) <= _LINE_MARKUP:
        return None
    return prefix


def _math_group_end(text: str, position: int, limit: int) -> int | None:
    """End of the math group opening at `position` (``\\[ 9 \\]``, ``\\( 9 \\)``, ``$9$``)."""
    for opening, closing in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if text.startswith(opening, position):
            close = text.find(closing, position + len(opening), limit)
            return None if close == -1 else close + len(closing)
    return None


def _starts_in(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """True when one of the sorted, disjoint `spans` starts in ``[start, end)``."""
    index = bisect.bisect_left(spans, start, key=lambda span: span[0])
    return index < len(spans) and spans[index][0] < end


def _inside(spans: Sequence[tuple[int, int]], position: int) -> bool:
    """True when `position` lies inside one of the sorted, disjoint `spans`."""
    index = bisect.bisect_right(spans, position, key=lambda span: span[0]) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def _phrase_markers(text: str, boxes: Sequence[tuple[int, int]]) -> list[_Marker]:
    """The answer phrases, in order; an outer phrase containing another is dropped.

    Each answer region stops at the next phrase, so every character is scanned once. With
    `boxes` (spans of the boxes), a phrase inside a box or holding a box is the box's business,
    and a mid-sentence "the answer is X" is a restatement, not a marker.
    """
    matches = [match for match in _PHRASE.finditer(text) if not _inside(boxes, match.start())]
    markers: list[_Marker] = []
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
        if position >= limit or _opens_with_verdict(text, position, limit, verb):
            continue
        final = match.group(1).lower().startswith("final")
        prefix = _line_prefix(text, match.start())
        stop = min(limit, position + _MAX_PHRASE_ANSWER)
        line_end = _line_end(text, position, stop)
        rest_of_line_empty = not text[position:line_end].strip("*_# \t\r")
        heading = rest_of_line_empty and (final or bool(prefix and set(prefix) & {"#", "*"}))
        if colon or verb or heading:
            if rest_of_line_empty:
                # "**Final Answer:**" or "# Answer" with the answer on one of the next lines
                for _ in range(3):
                    if line_end >= stop:
                        break
                    position = line_end + 1
                    line_end = _line_end(text, position, stop)
                    if text[position:line_end].strip():
                        break
            end = _sentence_end(text, position, line_end)
        elif match.group(1)[0].isupper() and (
            math_end := _math_group_end(text, position, limit)
        ):
            end = math_end  # "Answer \\[ 9 \\]"
        else:
            continue  # "answer the question", "the final answer we need"
        if end >= limit and limit < len(text):
            continue  # "Final Answer: The final answer is $5$." -> only the inner phrase counts
        if boxes and (_starts_in(boxes, match.start(), end) or not (final or prefix is not None)):
            continue
        answers = _answers_in(text[position:end])
        if answers:
            markers.append(_Marker(match.start(), end, "final_answer_phrase", answers))
    return markers


def _opens_with_verdict(text: str, position: int, limit: int, verb: bool) -> bool:
    """True for "not 5" and, after "is", "correct" or "wrong": a judgement, not an answer."""
    word_end = position
    while word_end < min(limit, position + 16) and text[word_end].isalpha():
        word_end += 1
    word = text[position:word_end].lower()
    return word == "not" or (verb and word in _VERDICT_WORDS)


def _line_markers(text: str, pattern: re.Pattern[str], source: str) -> list[_Marker]:
    """Answers of line markers (``#### 7``, ``A: 18``) that start like a number or formula."""
    markers: list[_Marker] = []
    for match in pattern.finditer(text):
        content = match.group(1).strip()
        if content and content[0] in _GSM8K_START:
            answers = _answers_in(content)
            if answers:
                markers.append(_Marker(match.start(), match.end(), source, answers))
    return markers


def _conclusion_markers(text: str) -> list[_Marker]:
    """The concluding sentence "Therefore, ... is 2/3." at the very end, reduced to its answer."""
    body = _without_hope(text).rstrip()
    line_start = body.rfind("\n") + 1
    line_end = len(body.rstrip(".!? \t"))
    sentence_start = position = line_start
    while position < line_end:
        position = _sentence_end(body, position, line_end) + 1
        if position < line_end:
            sentence_start = position
    sentence = body[sentence_start:line_end]
    cues = list(_CONCLUSION_CUE.finditer(_masked(sentence, _math_spans(sentence))))
    if not cues:
        return []
    answers = _reduce(sentence[cues[-1].end() :].strip())
    if not answers:
        return []
    return [_Marker(sentence_start + cues[-1].start(), line_end, "conclusion", tuple(answers))]
