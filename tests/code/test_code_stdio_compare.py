from __future__ import annotations

from rlvr_gym.verifiers.code.stdio import compare_tokens


def test_whitespace_and_line_breaks_do_not_matter() -> None:
    assert compare_tokens("   1 2\n3\n", "1\n2 3") is None


def test_a_different_token_is_reported_with_its_position() -> None:
    mismatch = compare_tokens("1 2 3", "1 5 3")
    assert mismatch is not None
    assert (mismatch.index, mismatch.expected, mismatch.got) == (1, "2", "5")


def test_missing_and_extra_tokens_are_mismatches() -> None:
    short = compare_tokens("1 2", "1")
    assert short is not None and short.got is None and short.expected == "2"
    extra = compare_tokens("1", "1 2")
    assert extra is not None and extra.expected is None and extra.got == "2"


def test_empty_output_matches_only_empty_expected() -> None:
    assert compare_tokens("", "  \n") is None
    assert compare_tokens("0", "") is not None


def test_floats_match_within_tolerance_only_when_asked() -> None:
    assert compare_tokens("0.333333", "0.3333331") is not None
    assert compare_tokens("0.333333", "0.3333331", float_tolerance=1e-6) is None
    assert compare_tokens("0.5", "0.6", float_tolerance=1e-6) is not None


def test_tolerance_never_makes_words_or_nan_match() -> None:
    assert compare_tokens("YES", "yes", float_tolerance=0.1) is not None
    assert compare_tokens("1.0", "nan", float_tolerance=0.1) is not None
    assert compare_tokens("1.0", "1_0", float_tolerance=100.0) is not None
