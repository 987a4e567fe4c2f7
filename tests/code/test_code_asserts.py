from __future__ import annotations

import pytest

from rlvr_gym.verifiers.code.asserts import TestFormatError, parse_assert, parse_asserts


def test_only_the_call_goes_to_the_sandbox() -> None:
    test = parse_assert("assert add(1, 2) == 3", "add")
    assert test.calls == ("add(1, 2)",)
    assert test.evaluate([3]) == (True, "")
    assert test.evaluate([4])[0] is False


def test_expected_values_never_appear_in_the_calls() -> None:
    test = parse_assert("assert abs(f(0.25) - 0.5) < 1e-6", "f")
    assert test.calls == ("f(0.25)",)
    assert "0.5" not in "".join(test.calls)
    assert test.evaluate([0.5])[0] is True
    assert test.evaluate([0.6])[0] is False


@pytest.mark.parametrize(("source", "value", "passed"), [
    ("assert f(3)", True, True),
    ("assert f(3)", 0, False),
    ("assert not f(3)", False, True),
    ("assert not f(3)", [1], False),
    ("assert f([1, 2]) == [1, 2]", [1, 2], True),
    ("assert f([1, 2]) == [1, 2]", (1, 2), False),
    ("assert f(2) == True", 1, True),
    ("assert math.isclose(f(2), math.sqrt(2))", 2 ** 0.5, True),
    ("assert sorted(f('ba')) == ['a', 'b']", "ab", True),
    ("assert set(f(1)) == {1, 2}", [2, 1, 1], True),
])
def test_the_assert_is_evaluated_on_the_host(source: str, value: object, passed: bool) -> None:
    assert parse_assert(source, "f").evaluate([value])[0] is passed


def test_candidate_is_an_alias_of_the_entry_point() -> None:
    assert parse_assert("assert candidate('a') == 'b'", "f").calls == ("candidate('a')",)


def test_every_call_of_the_entry_point_is_sent_and_substituted() -> None:
    test = parse_assert("assert f(1) + f(2) == 3", "f")
    assert test.calls == ("f(1)", "f(2)")
    assert test.evaluate([1, 2])[0] is True


def test_the_outermost_call_is_sent_whole() -> None:
    assert parse_assert("assert f(f(2)) == 16", "f").calls == ("f(f(2))",)
    assert parse_assert("assert f('A').lower() == 'a'", "f").calls == ("f('A').lower()",)


def test_a_message_is_ignored_and_never_sent() -> None:
    test = parse_assert("assert f(1) == 2, 'expected 2'", "f")
    assert test.calls == ("f(1)",)


def test_an_exception_in_the_host_check_fails_the_test() -> None:
    passed, why = parse_assert("assert f(1) < 3", "f").evaluate(["text"])
    assert passed is False
    assert "TypeError" in why


def test_a_call_using_a_name_bound_in_the_assert_is_refused() -> None:
    with pytest.raises(TestFormatError, match="one assert per call"):
        parse_assert("assert all(f(x) == x for x in range(3))", "f")


def test_unknown_names_outside_calls_are_refused() -> None:
    with pytest.raises(TestFormatError, match="helper"):
        parse_assert("assert f(1) == helper(1)", "f")


def test_non_assert_tests_are_refused() -> None:
    with pytest.raises(TestFormatError, match="one assert"):
        parse_assert("x = f(1)", "f")
    with pytest.raises(TestFormatError, match="not valid Python"):
        parse_assert("assert f(1) ==", "f")


def test_every_public_function_test_parses() -> None:
    from rlvr_gym.tasks.code_datasets import load_public_code_tasks

    for task in load_public_code_tasks("function"):
        tests = parse_asserts(task.reference["entry_point"], tuple(task.reference["tests"]))
        assert all(t.calls for t in tests), task.id
