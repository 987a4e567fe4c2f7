"""pass@k and the evaluation summary."""

from __future__ import annotations

from math import comb

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlvr_gym import ConfigurationError
from rlvr_gym.evaluation.metrics import (
    SampleResult,
    k_values,
    mean_pass_at_k,
    pass_at_k,
    summarize,
)


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (5, 2, 1, 0.4),  # c / n
        (5, 2, 2, 0.7),  # 1 - C(3,2)/C(5,2) = 1 - 3/10
        (10, 3, 5, 1 - 21 / 252),  # 1 - C(7,5)/C(10,5)
        (4, 0, 1, 0.0),
        (4, 0, 4, 0.0),
        (4, 4, 1, 1.0),
        (4, 3, 2, 1.0),  # n - c < k: every pair holds a correct sample
        (4, 1, 4, 1.0),
        (1, 1, 1, 1.0),
    ],
)
def test_pass_at_k_matches_hand_computed_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


@given(st.integers(1, 60).flatmap(
    lambda n: st.tuples(st.just(n), st.integers(0, n), st.integers(1, n))
))
def test_pass_at_k_equals_the_binomial_formula(args: tuple[int, int, int]) -> None:
    n, c, k = args
    exact = 1 - comb(n - c, k) / comb(n, k)
    assert pass_at_k(n, c, k) == pytest.approx(exact, abs=1e-9)


def test_pass_at_k_is_stable_for_many_samples() -> None:
    assert pass_at_k(100_000, 1, 1) == pytest.approx(1e-5, rel=1e-9)
    assert 0.0 <= pass_at_k(10_000, 10, 5_000) <= 1.0


@pytest.mark.parametrize(("n", "c", "k"), [(0, 0, 1), (3, 4, 1), (3, -1, 1), (3, 1, 0), (3, 1, 4)])
def test_pass_at_k_rejects_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ConfigurationError):
        pass_at_k(n, c, k)


def test_mean_pass_at_k_leaves_out_tasks_with_fewer_than_k_samples() -> None:
    assert mean_pass_at_k([(4, 2), (1, 1)], 2) == pytest.approx(pass_at_k(4, 2, 2))
    assert mean_pass_at_k([(4, 2), (2, 0)], 1) == pytest.approx((0.5 + 0.0) / 2)
    assert mean_pass_at_k([(1, 1)], 2) is None
    assert mean_pass_at_k([], 1) is None


@pytest.mark.parametrize(
    ("samples", "ks"), [(1, [1]), (2, [1, 2]), (4, [1, 2, 4]), (5, [1, 2, 4, 5]), (8, [1, 2, 4, 8])]
)
def test_k_values_double_up_to_the_sample_count(samples: int, ks: list[int]) -> None:
    assert k_values(samples) == ks


def _result(
    task: int, outcome: float, *, infra: bool = False, process: float = 0.5
) -> SampleResult:
    return SampleResult(task_index=task, outcome=outcome, process=process, reward=outcome,
                        infra_error=infra, elapsed_s=0.25)


def test_summary_excludes_infrastructure_errors_from_pass_at_k_and_means() -> None:
    results = [
        _result(0, 1.0), _result(0, 0.0),
        _result(1, 0.0), _result(1, 1.0, infra=True),
    ]
    summary = summarize(results, env_id="rlvr/X-v0", policy="p", tasks=2, samples=2)
    assert summary.infra_errors == 1
    assert summary.scored == 4
    assert summary.pass_at_k[1] == pytest.approx((0.5 + 0.0) / 2)
    assert summary.pass_at_k[2] == pytest.approx(1.0)  # only task 0 has two judged samples
    assert summary.mean_outcome == pytest.approx(1 / 3)
    assert summary.mean_process == pytest.approx(0.5)
    assert summary.seconds_per_sample == pytest.approx(0.25)


def test_summary_of_nothing_reports_no_numbers() -> None:
    summary = summarize([], env_id="rlvr/X-v0", policy="p", tasks=0, samples=1)
    assert summary.mean_outcome is None
    assert summary.pass_at_k == {1: None}
    assert "n/a" in summary.format()


def test_summary_dict_is_json_ready() -> None:
    import json

    summary = summarize([_result(0, 1.0)], env_id="rlvr/X-v0", policy="p", tasks=1, samples=1)
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["pass_at_k"] == {"1": 1.0}
    assert data["mean_outcome"] == 1.0
