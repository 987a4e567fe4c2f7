"""`extract_final_answer`: which answer a response committed to, and whether it hedged."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlvr_gym.verifiers.math.extract import (
    SEARCH_WINDOW,
    Extraction,
    extract_final_answer,
)


def test_boxed_answer_is_stripped_of_box_dollars_and_period() -> None:
    found = extract_final_answer("So the result is $\\boxed{42}$.")
    assert found == Extraction(answer="42", candidates=("42",), source="boxed", hedged=False)


@pytest.mark.parametrize(
    ("response", "answer"),
    [
        ("\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"),
        ("\\boxed{\\sqrt{\\frac{a}{b}}}", "\\sqrt{\\frac{a}{b}}"),
        ("\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),
        ("\\boxed{\\left\\{ x \\right\\}}", "\\left\\{ x \\right\\}"),
        ("\\boxed{5.}", "5"),
        ("\\boxed{$7$}", "7"),
    ],
)
def test_boxed_content_keeps_balanced_nested_braces(response: str, answer: str) -> None:
    assert extract_final_answer(response).answer == answer


def test_boxed_without_braces_takes_the_next_token() -> None:
    assert extract_final_answer("The answer is $\\boxed 5$").answer == "5"


def test_fbox_is_an_answer_source() -> None:
    found = extract_final_answer("Hence \\fbox{12}")
    assert (found.answer, found.source) == ("12", "fbox")


def test_a_box_inside_a_box_is_one_answer() -> None:
    found = extract_final_answer("\\boxed{\\boxed{3}}")
    assert (found.answer, found.hedged) == ("3", False)


def test_an_unbalanced_box_is_not_an_answer() -> None:
    assert extract_final_answer("\\boxed{3").source == "none"


def test_empty_box_is_not_an_answer() -> None:
    assert extract_final_answer("\\boxed{} and nothing else").answer is None


def test_two_different_boxed_answers_are_hedged() -> None:
    found = extract_final_answer("First \\boxed{3}. On reflection, \\boxed{4}.")
    assert found.hedged
    assert found.candidates == ("3", "4")


def test_boxed_answers_joined_by_or_are_hedged() -> None:
    assert extract_final_answer("$\\boxed{3} \\text{ or } \\boxed{4}$").hedged


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("3", "3"),
        ("x + 1", "x+1"),
        ("\\dfrac{1}{2}", "\\frac{1}{2}"),
        ("\\left( 1, 2 \\right)", "(1,2)"),
        ("$5$", "5"),
    ],
)
def test_the_same_answer_boxed_twice_is_not_hedged(first: str, second: str) -> None:
    found = extract_final_answer(f"\\boxed{{{first}}} so again \\boxed{{{second}}}")
    assert not found.hedged
    assert len(found.candidates) == 1


def test_candidates_are_ordered_by_last_appearance_so_the_answer_is_last() -> None:
    found = extract_final_answer("\\boxed{3} \\boxed{4} \\boxed{3}")
    assert found.candidates == ("4", "3")
    assert found.answer == found.candidates[-1] == "3"


def test_a_box_holding_alternatives_is_one_answer_for_the_comparator() -> None:
    found = extract_final_answer("\\boxed{2 \\text{ or } 3}")
    assert (found.answer, found.hedged) == ("2 \\text{ or } 3", False)


@pytest.mark.parametrize(
    ("response", "answer"),
    [
        ("Therefore, the final answer is 17.", "17"),
        ("Final Answer: $\\frac{3}{4}$", "\\frac{3}{4}"),
        ("The answer is 3.5. I checked it twice.", "3.5"),
        ("**Answer:** 12", "12"),
        ("**Final Answer:** x = 2", "x = 2"),
        ("Answer: (1, 2)", "(1, 2)"),
        ("## Final Answer\n\n$x^2$\n", "x^2"),
        ("Final answer:\n\n  \\(\\pi\\)", "\\pi"),
    ],
)
def test_answer_phrases_are_extracted(response: str, answer: str) -> None:
    found = extract_final_answer(response)
    assert (found.answer, found.source) == (answer, "final_answer_phrase")


def test_the_last_answer_phrase_wins() -> None:
    found = extract_final_answer("The answer is 4. Checking: yes.\nFinal answer: 4")
    assert (found.answer, found.hedged) == ("4", False)


def test_two_different_answer_phrases_are_hedged() -> None:
    assert extract_final_answer("The answer is 3. Hmm, no. The answer is 4.").hedged


def test_answer_phrase_with_or_is_hedged() -> None:
    found = extract_final_answer("The answer is 3 or 4.")
    assert found.hedged
    assert found.candidates == ("3", "4")


def test_a_phrase_inside_a_final_answer_line_counts_once() -> None:
    found = extract_final_answer("Final Answer: The final answer is $5$. I hope it is correct.")
    assert found.candidates == ("5",)


@pytest.mark.parametrize(
    "response",
    ["Let me answer the question: 5 apples", "The answer is not 5.", "We need the final answer"],
)
def test_text_that_is_not_a_commitment_gives_no_answer(response: str) -> None:
    assert extract_final_answer(response).answer is None


def test_phrases_are_ignored_when_a_box_exists() -> None:
    found = extract_final_answer("So the answer is 12 apples.\n\n$\\boxed{12}$")
    assert (found.answer, found.source, found.hedged) == ("12", "boxed", False)


def test_gsm8k_marker_is_an_answer_source() -> None:
    found = extract_final_answer("She has 3 + 4 = 7 apples.\n#### 7")
    assert (found.answer, found.source) == ("7", "gsm8k")


def test_a_markdown_heading_is_not_a_gsm8k_answer() -> None:
    assert extract_final_answer("#### Step 1\nAdd the numbers.").source == "none"


def test_phrases_are_preferred_over_gsm8k_markers() -> None:
    assert extract_final_answer("#### 6\nThe answer is 7.").source == "final_answer_phrase"


def test_last_number_fallback_is_off_by_default() -> None:
    assert extract_final_answer("She ends with 42 apples") == Extraction(
        answer=None, candidates=(), source="none", hedged=False
    )


def test_last_number_fallback_is_opt_in() -> None:
    found = extract_final_answer("From 3 to 1,250 apples", allow_last_number=True)
    assert (found.answer, found.source) == ("1,250", "last_number")


def test_only_the_tail_of_a_long_response_is_searched() -> None:
    response = "\\boxed{1}" + "x" * SEARCH_WINDOW + "\\boxed{2}"
    assert extract_final_answer(response).candidates == ("2",)


FRAGMENTS = st.sampled_from([
    "\\boxed{", "\\fbox{", "\\boxed ", "{", "}", "\\{", "\\}", "\\", "$", " ", "\n", "1", "x",
    ".", " or ", "The answer is ", "Final Answer:", "**Answer:** ", "#### ", "answer ", "is ",
])


@st.composite
def adversarial_responses(draw: st.DrawFn) -> str:
    """Up to 100k characters: a repeated fragment soup wrapped in deeply nested boxes."""
    unit = "".join(draw(st.lists(FRAGMENTS, min_size=1, max_size=60)))
    body = unit * draw(st.integers(min_value=1, max_value=100_000 // len(unit)))
    depth = draw(st.integers(min_value=0, max_value=12_000))
    opener = draw(st.sampled_from(["\\boxed{", "{", "\\fbox{"]))
    closers = "}" * draw(st.integers(min_value=0, max_value=depth))
    return (opener * depth + body + closers)[:100_000]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(response=st.one_of(adversarial_responses(), st.text(max_size=100_000)))
def test_extraction_returns_within_50_ms_on_any_text(response: str) -> None:
    # Best of three, so a scheduler hiccup on a loaded machine is not read as a slow algorithm.
    elapsed = []
    for _ in range(3):
        started = time.perf_counter()
        extract_final_answer(response, allow_last_number=True)
        elapsed.append(time.perf_counter() - started)
    assert min(elapsed) < 0.05
