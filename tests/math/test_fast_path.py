"""The sympy-free pre-check: sure answers for plain numbers, None for everything else."""

from __future__ import annotations

import time

import pytest

from rlvr_gym.verifiers.math.fast_path import MAX_LENGTH, fast_equivalent, normalise


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        ("42", "42"),
        ("42", " 42 "),
        ("42", "$42$"),
        ("42", "42."),
        ("-3", "- 3"),
        ("1000000", "1,000,000"),
        ("1000", "1{,}000"),
        ("1000", "1\\,000"),
        ("32349", "32,\\! 349"),
        ("11111111100", "11,\\! 111,\\! 111,\\! 100"),
        ("14916", "14 {, }916"),
        ("1000", "1 000"),
        ("1000", "1000.0"),
        ("0.5", "\\frac{1}{2}"),
        ("0.5", ".5"),
        ("\\frac{1}{2}", "\\dfrac{1}{2}"),
        ("\\frac{1}{2}", "\\frac12"),
        ("\\frac{1}{2}", "1/2"),
        ("\\frac{2}{4}", "\\frac{1}{2}"),
        ("-\\frac{1}{2}", "\\frac{-1}{2}"),
        ("0.25", "\\tfrac14"),
        ("1500", "1.5e3"),
        ("\\left( x+1 \\right)", "(x+1)"),
        ("x + 1", "x+1"),
    ],
)
def test_plain_equal_numbers_are_settled_true(reference: str, answer: str) -> None:
    assert fast_equivalent(reference, answer) is True


@pytest.mark.parametrize(
    ("reference", "answer"),
    [("42", "43"), ("0.5", "\\frac13"), ("1000", "100"), ("-3", "3"), ("1,000", "1,001"),
     ("\\frac{1}{2}", "\\frac{1}{3}")],
)
def test_plain_different_numbers_are_settled_false(reference: str, answer: str) -> None:
    assert fast_equivalent(reference, answer) is False


def test_decimal_is_not_a_repeating_fraction() -> None:
    assert fast_equivalent("\\frac{1}{3}", "0.333") is False


def test_a_decimal_within_one_part_in_a_billion_equals_the_fraction() -> None:
    assert fast_equivalent("\\frac{1}{3}", "0.3333333333") is True


@pytest.mark.parametrize(
    ("reference", "answer", "expected"),
    [("50\\%", "50", True), ("50\\%", "0.5", True), ("0.5", "50%", True), ("50\\%", "50%", True),
     ("50\\%", "5", False), ("50\\%", "0.5\\%", False)],
)
def test_a_percentage_equals_its_number_and_its_fraction(
    reference: str, answer: str, expected: bool
) -> None:
    assert fast_equivalent(reference, answer) is expected


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        ("\\sqrt{2}", "1.414"),
        ("x^2", "x*x"),
        ("\\frac{5}{2}", "2 1/2"),
        ("\\{1,2\\}", "1, 2"),
        ("1000", "1, 000"),
        ("1", "1e999999"),
        ("\\pi", "3.14"),
        ("1, 2, 3", "1, 2, 3..."),
        ("1, 2, 3", "1, 2, 3,"),
        ("5", "five"),
        ("\\frac13", "0.\\overline{3}"),
        ("", ""),
    ],
)
def test_anything_beyond_plain_numbers_is_left_to_sympy(reference: str, answer: str) -> None:
    assert fast_equivalent(reference, answer) is None


def test_answers_longer_than_the_cap_are_left_to_sympy() -> None:
    long_number = "1" * (MAX_LENGTH + 1)
    assert fast_equivalent(long_number, long_number) is None


def test_division_by_zero_is_left_to_sympy() -> None:
    assert fast_equivalent("1", "1/0") is None


@pytest.mark.parametrize(
    "answer", ["1e999999", "9" * MAX_LENGTH, "1," * 99 + "1", "(" * MAX_LENGTH, "1" + " 000" * 49,
               "1" + ",\\! 000" * 30, "{, }" * 50]
)
def test_hostile_inputs_return_within_a_millisecond(answer: str) -> None:
    start = time.perf_counter()
    fast_equivalent("1", answer)
    assert time.perf_counter() - start < 0.01


def test_normalise_keeps_a_space_between_digits() -> None:
    assert normalise("2 1/2") == "2 1/2"


def test_normalise_keeps_a_space_after_a_comma() -> None:
    assert normalise("1, 000") == "1, 000"


def test_normalise_drops_spaces_around_explicit_thousands_separators() -> None:
    assert normalise("32,\\! 349") == "32,349"
    assert normalise("14 {, }916") == "14,916"


def test_normalise_keeps_a_closing_ellipsis() -> None:
    assert normalise("1, 2, 3...") == "1, 2, 3..."
    assert normalise("1, 2, 3....") == "1, 2, 3..."


def test_normalise_drops_spaces_around_operators_and_sizing_commands() -> None:
    assert normalise("$\\left( x + 1 \\right)$") == "(x+1)"
