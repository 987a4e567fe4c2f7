"""`split_steps` and `score_steps`: process rewards that catch wrong intermediate steps."""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlvr_gym.core.verdict import StepScore, Verdict
from rlvr_gym.verifiers.math.extract import extract_final_answer
from rlvr_gym.verifiers.math.steps import (
    NOTHING_TO_CHECK,
    StepScorer,
    SympyStepScorer,
    score_steps,
    split_steps,
)


def scores(*steps: str) -> list[float]:
    return [step.score for step in score_steps(steps)]


def checked(*steps: str) -> list[bool]:
    return [step.checked for step in score_steps(steps)]


# split_steps ----------------------------------------------------------------------------------


def test_each_non_empty_line_is_a_step() -> None:
    assert split_steps("First line\n\n  second line  \n") == ["First line", "second line"]


def test_sentences_split_outside_inline_math_only() -> None:
    solution = "We have $x = 3. 5$ here. Then $y = 2$! Done? Yes"
    assert split_steps(solution) == [
        "We have $x = 3. 5$ here.", "Then $y = 2$!", "Done?", "Yes",
    ]


def test_list_markers_and_abbreviations_do_not_split_a_step() -> None:
    assert split_steps("1. Add e.g. the tens first. Then the units.") == [
        "1. Add e.g. the tens first.", "Then the units.",
    ]


def test_code_fence_lines_are_dropped() -> None:
    assert split_steps("```\nx = 3\n```") == ["x = 3"]


def test_rows_of_a_display_environment_become_wrapped_steps() -> None:
    solution = (
        "Expand:\n\\[\n\\begin{aligned}\n(x+1)^2 &= x^2 + 2x + 1 \\\\\n"
        "&= 10 \\\\[2pt]\n\\end{aligned}\n\\] so done."
    )
    assert split_steps(solution) == [
        "Expand:", "\\[ (x+1)^2 &= x^2 + 2x + 1 \\]", "\\[ &= 10 \\]", "so done.",
    ]


def test_align_environment_rows_become_steps() -> None:
    solution = "\\begin{align*} 2x &= 8 \\\\ x &= 4 \\end{align*}"
    assert split_steps(solution) == ["\\[ 2x &= 8 \\]", "\\[ x &= 4 \\]"]


def test_rows_of_a_nested_matrix_stay_in_one_step() -> None:
    solution = "$$M = \\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}$$"
    assert split_steps(solution) == ["\\[ M = \\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix} \\]"]


def test_an_unclosed_display_is_prose() -> None:
    assert split_steps("\\[ x = 1\nnext") == ["\\[ x = 1", "next"]


# score_steps: the core promise ----------------------------------------------------------------


def test_wrong_intermediate_equality_scores_zero_for_that_step() -> None:
    assert scores("$3 + 4 = 7$", "$7 \\cdot 2 = 15$", "$15 - 1 = 14$") == [1.0, 0.0, 1.0]


def test_a_wrong_step_costs_process_reward_even_with_the_right_final_answer() -> None:
    response = "First $2 + 2 = 5$.\nSo the total is $\\boxed{4}$."
    steps = score_steps(split_steps(response))
    verdict = Verdict(outcome=1.0, steps=tuple(steps))
    assert extract_final_answer(response).answer == "4"
    assert verdict.first_wrong_step == 0
    assert verdict.process < 1.0


def test_the_reason_names_the_failing_relation() -> None:
    (step,) = score_steps(["We add: $3 + 4 = 8$."])
    assert (step.checked, step.score, step.reason) == (True, 0.0, "3 + 4 = 8 is false")


@pytest.mark.parametrize(
    "step",
    [
        "$3 + 4 = 7$",
        "$\\frac{3}{4} \\cdot 8 = 6$",
        "$12 \\div 4 \\times 2 = 6$",
        "$2^{10} = 1024$",
        "$\\dfrac{1}{2} + \\frac13 = \\frac{5}{6}$",
        "$\\sqrt{16} = 4 = 2^2$",
        "$\\sqrt[3]{27} = 3$",
        "$5! = 120$",
        "$\\left(1 + 2\\right)^2 = 9$",
        "$1{,}000 + 1,000 = 2000$",
        "$\\sin(\\pi/6) = 0.5$",
        "$90^\\circ + 90^\\circ = 180^\\circ$",
        "$0.1 + 0.2 = 0.3$",
        "$2 \\cdot 3 = 6 \\Rightarrow 6 + 1 = 7$",
    ],
)
def test_true_relations_score_one(step: str) -> None:
    (result,) = score_steps([step])
    assert (result.checked, result.score) == (True, 1.0), result.reason


@pytest.mark.parametrize(
    "step",
    [
        "$3 \\times 4 = 13$",
        "$\\frac{1}{2} + \\frac{1}{3} = \\frac{2}{5}$",
        "$2^{10} = 1000$",
        "$10^{100} + 1 = 10^{100}$",
        "$2 \\cdot 3 = 6 = 7$",
        "$2/3 = 0.5$",
    ],
)
def test_false_relations_score_zero(step: str) -> None:
    (result,) = score_steps([step])
    assert (result.checked, result.score) == (True, 0.0)


def test_a_prose_step_is_unchecked() -> None:
    (step,) = score_steps(["Let us think about the apples."])
    assert step == StepScore(
        index=0, text="Let us think about the apples.", score=1.0, checked=False,
        reason=NOTHING_TO_CHECK,
    )


# equations ------------------------------------------------------------------------------------


def test_the_first_equation_in_an_unknown_is_a_premise() -> None:
    assert checked("$2x + 3 = 11$") == [False]


def test_valid_equation_transformations_check() -> None:
    steps = ("$2x + 3 = 11$", "$2x = 8$", "$x = 4$")
    assert checked(*steps) == [False, True, True]
    assert scores(*steps) == [1.0, 1.0, 1.0]


def test_a_wrong_transformation_fails_and_the_next_consistent_step_passes() -> None:
    results = score_steps(["$2x + 3 = 11$", "$2x = 6$", "$x = 3$"])
    assert [r.score for r in results] == [1.0, 0.0, 1.0]
    assert results[1].reason == "2x = 6 does not follow from 2x + 3 = 11 (solutions {3} vs {4})"


def test_a_solved_value_must_solve_the_previous_equation() -> None:
    results = score_steps(["$2x = 8$", "$x = 5$"])
    assert results[1].score == 0.0
    assert "x = 5 does not solve 2x = 8" in results[1].reason


def test_solved_values_are_substituted_into_later_steps() -> None:
    steps = ("$2x = 8$", "$x = 4$", "$y = 2 \\cdot 4 + 1 = 9$", "$z = 2x + 1 = 9$")
    assert scores(*steps) == [1.0, 1.0, 1.0, 1.0]
    assert checked(*steps)[2:] == [True, True]


def test_a_wrong_substitution_fails() -> None:
    results = score_steps(["$x = 4$", "$y = 2x + 1 = 10$"])
    assert results[1].score == 0.0
    assert results[1].reason == "2x + 1 = 10 is false for x = 4"


def test_each_root_of_a_quadratic_checks() -> None:
    steps = ("$x^2 - 5x + 6 = 0$", "$(x - 2)(x - 3) = 0$", "$x = 2$", "$x = 3$", "$x = 4$")
    assert scores(*steps) == [1.0, 1.0, 1.0, 1.0, 0.0]


def test_dropping_or_adding_roots_is_a_sound_transformation() -> None:
    assert scores("$x^2 = 4$", "$x = 2$") == [1.0, 1.0]
    assert scores("$\\sqrt{x} = 2$", "$x = 4$", "$x^2 = 16$") == [1.0, 1.0, 1.0]


def test_a_chain_of_implications_checks_each_equation() -> None:
    (step,) = score_steps(["$2x + 3 = 11 \\Rightarrow 2x = 8 \\Rightarrow x = 5$"])
    assert step.score == 0.0
    assert "x = 5" in step.reason


def test_an_identity_with_symbols_holds() -> None:
    assert scores("$(x + 1)^2 = x^2 + 2x + 1$", "$\\frac{a^2 - b^2}{a - b} = a + b$") == [1.0, 1.0]


def test_an_equality_that_holds_for_no_value_fails() -> None:
    (step,) = score_steps(["$(x + 1)^2 = x^2 + 2x + 2$"])
    assert step.score == 0.0
    assert step.reason.endswith("is false for every value of x")


def test_alignment_continuation_rows_continue_the_previous_chain() -> None:
    steps = split_steps("\\begin{align} (x+1)^2 &= x^2 + 2x + 1 \\\\ &= x^2 + 2x + 2 \\end{align}")
    assert scores(*steps) == [1.0, 0.0]


def test_function_notation_is_not_read_as_an_equation() -> None:
    steps = ("Let $f(x) = 2x + 1$.", "$f(3) = 2 \\cdot 3 + 1 = 7$", "$f(4) = 9$")
    assert scores(*steps) == [1.0, 1.0, 1.0]


# approximations, comparisons, percentages, units ----------------------------------------------


@pytest.mark.parametrize(
    ("step", "score"),
    [
        ("$\\frac{1}{3} \\approx 0.33$", 1.0),
        ("$\\pi \\approx 3.14$", 1.0),
        ("$100 \\approx 100.9$", 1.0),
        ("$\\pi \\approx 3$", 0.0),
        ("$1/3 = 0.333$", 1.0),
        ("$2/3 = 0.67$", 1.0),
        ("$2/3 = 0.6$", 1.0),
        ("$2/3 = 0.5$", 0.0),
        ("$100/3 = 33$", 0.0),
        ("$100/3 \\approx 33$", 1.0),
    ],
)
def test_approximate_and_rounded_values(step: str, score: float) -> None:
    assert scores(step) == [score]


@pytest.mark.parametrize(
    ("step", "score"),
    [
        ("$3 < 5$", 1.0),
        ("$7 > 9$", 0.0),
        ("$2 \\le 2$", 1.0),
        ("$3 \\geq 4$", 0.0),
        ("$5 \\ne 5$", 0.0),
        ("$5 \\neq 6$", 1.0),
        ("$\\frac{1}{2} < 0.6 < 1$", 1.0),
    ],
)
def test_comparisons_between_numbers(step: str, score: float) -> None:
    assert scores(step) == [score]


def test_comparisons_with_unknowns_are_unchecked() -> None:
    assert checked("$x > 0$") == [False]


@pytest.mark.parametrize(
    ("step", "score"),
    [
        ("$20\\% \\text{ of } 50 = 10$", 1.0),
        ("$15\\% \\cdot 200 = 30$", 1.0),
        ("20% of 50 = 12", 0.0),
        ("$5\\text{ cm} + 3\\text{ cm} = 8\\text{ cm}$", 1.0),
        ("He has 5 apples + 3 apples = 8 apples.", 1.0),
        ("So 6 apples + 3 apples = 10 apples.", 0.0),
        ("The area is 3 x 4 = 12 square meters.", 1.0),
    ],
)
def test_percentages_and_unit_words(step: str, score: float) -> None:
    results = score_steps([step])
    assert (results[0].checked, results[0].score) == (True, score)


def test_currency_dollars_are_not_math_delimiters() -> None:
    assert scores("She pays 3 * $4 = $12.", "Then $5 + $6 = $12.") == [1.0, 0.0]


def test_gsm8k_calculator_notes_are_checked() -> None:
    steps = ("He buys 3*4=<<3*4=12>>12 eggs.", "He eats 12-5=<<12-5=8>>8 eggs.")
    assert scores(*steps) == [1.0, 0.0]


@pytest.mark.parametrize(
    "step",
    [
        "half of 10 = 5",
        "add 3 to 5 = 8",
        "The total is 4 = 2 squared",
        "x = 4 and y = 5 are the givens",
    ],
)
def test_bare_relations_cut_short_by_prose_are_not_judged(step: str) -> None:
    assert checked(step) == [False]


@pytest.mark.parametrize(
    "step", ["Step 1: 12 / 4 = 3", "1. 12 / 4 = 3", "- 60 \\times 2 = 120", "**Total:** 5 + 3 = 8"]
)
def test_a_bare_line_that_is_math_is_checked(step: str) -> None:
    assert score_steps([step])[0].reason == "1 relation holds"


# robustness -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "step",
    [
        "$10^{10^{10}} = 1$",
        "$2^{2^{2^{2^{2}}}} = 3$",
        "$99999999! = 1$",
        "$1e999999999 = 1$",
        "$" + "9" * 5000 + " = 1$",
        "$x^{x^{x^{x}}} = 1$",
        "$\\frac{1}{0} = 2$",
        "$" + "(" * 500 + "1" + ")" * 500 + " = 1$",
        "$\\int_0^1 x\\,dx = \\frac12$",
        "$ = = $",
        "$\\frac{}{} = 1$",
        "$__import__('os') = 1$",
        "$open(1) = 1$",
    ],
)
def test_pathological_or_unsupported_math_is_unchecked_not_an_error(step: str) -> None:
    assert checked(step) == [False]


def test_scores_are_deterministic_and_picklable() -> None:
    steps = ["$(x+1)^2 = x^2 + 2x + 1$", "$2x = 8$", "$x = 4$", "$3 + 4 = 8$"]
    first = score_steps(steps)
    assert first == score_steps(steps)
    assert pickle.loads(pickle.dumps(first)) == first


MATHY_STEP = st.lists(
    st.sampled_from([
        *"0123456789+-*/^()[]{}.,=<>!|xy $&%\n",
        "\\frac", "\\sqrt", "\\cdot", "^{", "\\pi", "\\text{", "\\left(", "\\right)", "\\approx",
        "\\ne", "\\\\", "\\begin{align}", "\\end{align}", "<<", ">>", "\\boxed{", " of ", "\\[",
        "\\]", " apples", "So ",
    ]),
    max_size=120,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(solution=MATHY_STEP)
def test_any_text_scores_without_raising(solution: str) -> None:
    results = score_steps(split_steps(solution))
    assert all(0.0 <= r.score <= 1.0 for r in results)
    assert [r.index for r in results] == list(range(len(results)))


# the scorer seam ------------------------------------------------------------------------------


def test_sympy_step_scorer_returns_one_score_per_step() -> None:
    scorer = SympyStepScorer()
    assert list(scorer("Add.", ["Add.", "$3 + 4 = 8$"])) == [1.0, 0.0]


def test_a_user_supplied_scorer_fits_the_protocol() -> None:
    class ConstantScorer:
        def __call__(self, problem: str, steps: Sequence[str]) -> Sequence[float]:
            return [0.5] * len(steps)

    scorer: StepScorer = ConstantScorer()
    assert isinstance(scorer, StepScorer)
    assert isinstance(SympyStepScorer(), StepScorer)


def test_sympy_step_scorer_can_run_in_a_worker_pool() -> None:
    from rlvr_gym.core.isolation import WorkerPool

    with WorkerPool(max_workers=1) as pool:
        scorer = SympyStepScorer(pool, timeout_s=30.0)
        assert list(scorer("", ["$2 \\cdot 3 = 6$", "$2 + 2 = 5$"])) == [1.0, 0.0]


def test_a_leading_minus_is_part_of_the_step_not_a_list_marker() -> None:
    scores = score_steps(["-4 t = -8", "t = 2"])
    assert [s.score for s in scores] == [1.0, 1.0]
    assert scores[1].checked
