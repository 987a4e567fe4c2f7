"""Settings of the code verifier and its problems: refused with a ConfigurationError naming them."""

from __future__ import annotations

import pytest

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.verifiers.code.problem import CodeProblem
from rlvr_gym.verifiers.code.verifier import CodeVerifier

STDIO = {"kind": "stdio", "tests": [{"input": "1\n", "output": "1\n"}]}


@pytest.mark.parametrize("tolerance", [float("nan"), float("inf"), -1.0, "0.1", True])
def test_a_float_tolerance_must_be_finite_and_non_negative(tolerance: object) -> None:
    with pytest.raises(ConfigurationError, match="float_tolerance"):
        CodeProblem.from_reference({**STDIO, "float_tolerance": tolerance})


def test_a_sound_float_tolerance_is_kept() -> None:
    assert CodeProblem.from_reference({**STDIO, "float_tolerance": 1e-6}).float_tolerance == 1e-6


@pytest.mark.parametrize(("name", "value"), [
    ("concurrency", "2"), ("concurrency", 0), ("concurrency", 1.5), ("concurrency", True),
    ("call_timeout_s", float("nan")), ("call_timeout_s", float("inf")), ("budget_s", 0),
    ("budget_s", "60"),
])
def test_bad_verifier_settings_are_refused_by_name(name: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=name):
        CodeVerifier(**{name: value})  # type: ignore[arg-type]
