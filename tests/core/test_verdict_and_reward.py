from __future__ import annotations

import pytest

from rlvr_gym import ConfigurationError, RewardWeights, StepScore, Verdict


def test_outcome_is_clamped_to_unit_interval() -> None:
    assert Verdict(outcome=3.0).outcome == 1.0
    assert Verdict(outcome=-1.0).outcome == 0.0


def test_process_is_mean_of_step_scores() -> None:
    verdict = Verdict(outcome=1.0, steps=(StepScore(0, "a", 1.0), StepScore(1, "b", 0.0)))
    assert verdict.process == 0.5
    assert verdict.first_wrong_step == 1


def test_unchecked_steps_are_never_the_first_wrong_step() -> None:
    verdict = Verdict(outcome=0.0, steps=(StepScore(0, "prose", 1.0, checked=False),))
    assert verdict.first_wrong_step is None


def test_verdict_round_trips_through_dict() -> None:
    verdict = Verdict(outcome=1.0, steps=(StepScore(0, "1+1=2", 1.0),), reason="correct",
                      details={"answer": "2"})
    again = Verdict.from_dict(verdict.to_dict())
    assert again == verdict


def test_infrastructure_failure_is_marked() -> None:
    verdict = Verdict.infrastructure_failure("worker died")
    assert verdict.infra_error == "worker died"
    assert RewardWeights().breakdown(verdict).infra_error


def test_breakdown_total_is_the_weighted_sum() -> None:
    verdict = Verdict(outcome=1.0, steps=(StepScore(0, "a", 1.0), StepScore(1, "b", 0.0)),
                      format_ok=True)
    breakdown = RewardWeights(outcome=0.5, process=0.25, format=0.25).breakdown(verdict)
    assert breakdown.total == pytest.approx(0.5 + 0.125 + 0.25)
    assert breakdown.as_dict()["weights"] == {"outcome": 0.5, "process": 0.25, "format": 0.25}


def test_default_weights_reward_the_outcome_only() -> None:
    verdict = Verdict(outcome=0.0, steps=(StepScore(0, "a", 1.0),))
    assert RewardWeights().breakdown(verdict).total == 0.0


def test_unknown_reward_component_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="unknown reward component"):
        RewardWeights.from_mapping({"outcom": 1.0})


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), True, "1", None])
def test_a_reward_weight_must_be_a_finite_number(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="outcome"):
        RewardWeights(outcome=bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="outcome"):
        RewardWeights.from_mapping({"outcome": bad})  # type: ignore[dict-item]


def test_reward_weights_from_something_not_a_mapping_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="mapping"):
        RewardWeights.from_mapping([("outcome", 1.0)])  # type: ignore[arg-type]
