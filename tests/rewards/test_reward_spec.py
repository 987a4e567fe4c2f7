"""RewardSpec: components, annealing, penalties, guards, success rate and state."""

from __future__ import annotations

import json

import pytest

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.verdict import StepScore, Verdict
from rlvr_gym.rewards import (
    Constant,
    LengthPenalty,
    Linear,
    ProcessGuards,
    RewardSpec,
    SuccessGated,
)


def verdict(outcome: float, steps: tuple[float, ...] = (), **kw: object) -> Verdict:
    return Verdict(
        outcome=outcome,
        steps=tuple(StepScore(i, f"s{i}", s) for i, s in enumerate(steps)),
        **kw,  # type: ignore[arg-type]
    )


def test_default_spec_rewards_the_outcome_only() -> None:
    r = RewardSpec().score(verdict(1.0, (0.0, 0.0)), step=0)
    assert r.total == 1.0
    assert r.exploration == 0.0


def test_breakdown_is_a_superset_of_the_env_contract() -> None:
    data = RewardSpec().score(verdict(1.0), step=0).as_dict()
    assert {"outcome", "process", "format", "weights", "total", "infra_error"} <= set(data)
    assert {"exploration", "penalties", "step", "success_rate"} <= set(data)


def test_annealed_mixes_process_and_outcome_by_the_schedule() -> None:
    spec = RewardSpec.annealed(Linear(1.0, 0.0, steps=100))
    v = verdict(0.0, (1.0, 0.5))
    assert spec.score(v, step=0).total == pytest.approx(0.75)
    assert spec.score(v, step=50).total == pytest.approx(0.5 * 0.75)
    assert spec.score(v, step=100).total == 0.0


def test_annealed_weights_sum_to_one() -> None:
    spec = RewardSpec.annealed(Linear(1.0, 0.0, steps=100))
    for t in range(0, 120, 10):
        w = spec.weights_at(t)
        assert w["process"] + w["outcome"] == pytest.approx(1.0)


def test_format_reward_pays_for_the_asked_shape() -> None:
    spec = RewardSpec(format=0.2)
    assert spec.score(verdict(0.0), 0).total == pytest.approx(0.2)
    assert spec.score(verdict(0.0, format_ok=False), 0).total == 0.0


def test_hedged_answers_are_penalised() -> None:
    r = RewardSpec(hedging=0.5).score(verdict(0.0, reason="hedged"), 0)
    assert r.penalties == {"hedging": -0.5}
    assert r.total == -0.5


def test_unhedged_answers_carry_no_hedging_penalty() -> None:
    assert RewardSpec(hedging=0.5).score(verdict(0.0, reason="wrong_answer"), 0).penalties == {}


def test_length_penalty_grows_past_the_target_up_to_its_weight() -> None:
    spec = RewardSpec(length=LengthPenalty(target=10, limit=20, weight=0.4))
    assert spec.score(verdict(1.0), 0, response="x" * 10).total == 1.0
    assert spec.score(verdict(1.0), 0, response="x" * 15).total == pytest.approx(0.8)
    assert spec.score(verdict(1.0), 0, response="x" * 99).total == pytest.approx(0.6)


def test_min_form_scores_the_worst_step() -> None:
    spec = RewardSpec(process=1.0, outcome=0.0, guards=ProcessGuards(form="min"))
    assert spec.score(verdict(0.0, (1.0, 1.0, 0.2)), 0).process == pytest.approx(0.2)


def test_clip_bounds_the_process_term() -> None:
    spec = RewardSpec(process=1.0, outcome=0.0, guards=ProcessGuards(clip=(0.0, 0.5)))
    assert spec.score(verdict(0.0, (1.0,)), 0).process == 0.5


def test_episode_cap_limits_the_summed_process_reward() -> None:
    spec = RewardSpec(process=1.0, outcome=0.0, guards=ProcessGuards(episode_cap=2.5))
    episode = spec.new_episode()
    paid = [spec.score(verdict(0.0, (1.0,)), t, episode=episode).process for t in range(5)]
    assert paid == [1.0, 1.0, 0.5, 0.0, 0.0]


def test_cap_restarts_with_a_new_episode() -> None:
    spec = RewardSpec(process=1.0, guards=ProcessGuards(episode_cap=1.0))
    episode = spec.new_episode()
    spec.score(verdict(0.0, (1.0,)), 0, episode=episode)
    assert spec.score(verdict(0.0, (1.0,)), 1, episode=spec.new_episode()).process == 1.0


def test_delta_form_sums_to_the_final_score_however_many_steps() -> None:
    spec = RewardSpec(process=1.0, outcome=0.0, guards=ProcessGuards(form="delta"))
    for n in (1, 4, 16):
        episode = spec.new_episode()
        paid = sum(spec.score(verdict(0.0, (1.0,)), t, episode=episode).process for t in range(n))
        assert paid == pytest.approx(1.0)


def test_delta_form_punishes_a_wrong_step() -> None:
    spec = RewardSpec(process=1.0, guards=ProcessGuards(form="delta"))
    episode = spec.new_episode()
    spec.score(verdict(0.0, (1.0,)), 0, episode=episode)
    assert spec.score(verdict(0.0, (0.0,)), 1, episode=episode).process == pytest.approx(-0.5)


def test_infrastructure_failures_score_zero_and_leave_the_success_rate() -> None:
    spec = RewardSpec(success_alpha=0.5)
    r = spec.score(Verdict.infrastructure_failure("container died"), 0)
    assert (r.total, r.infra_error, spec.success_rate, spec.updates) == (0.0, True, 0.0, 0)


def test_success_rate_is_a_moving_average_of_outcomes() -> None:
    spec = RewardSpec(success_alpha=0.5)
    for _ in range(3):
        spec.score(verdict(1.0), 0)
    assert spec.success_rate == pytest.approx(0.875)


def test_success_gated_weight_reads_the_spec_success_rate() -> None:
    spec = RewardSpec(process=SuccessGated(1.0, 0.0, low=0.0, high=1.0), success_alpha=1.0)
    assert spec.weights_at(0)["process"] == 1.0
    spec.score(verdict(1.0), 0)
    assert spec.weights_at(0)["process"] == 0.0


def test_state_dict_restores_the_success_rate() -> None:
    spec = RewardSpec(success_alpha=0.3)
    for o in (1.0, 0.0, 1.0):
        spec.score(verdict(o), 0)
    again = RewardSpec(success_alpha=0.3)
    again.load_state_dict(json.loads(json.dumps(spec.state_dict())))
    assert (again.success_rate, again.updates) == (spec.success_rate, spec.updates)


def test_state_from_another_version_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="version"):
        RewardSpec().load_state_dict({"version": 99, "success_rate": 0.0, "updates": 0})


def test_config_round_trips_through_json() -> None:
    spec = RewardSpec.annealed(
        Linear(1.0, 0.0, steps=10), format=Constant(0.1), hedging=0.5,
        length=LengthPenalty(100, 200, 0.3),
        guards=ProcessGuards(form="min", clip=(0.0, 1.0), episode_cap=3.0),
    )
    again = RewardSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again.to_dict() == spec.to_dict()


@pytest.mark.parametrize(
    "build",
    [
        lambda: RewardSpec(success_alpha=0.0),
        lambda: ProcessGuards(form="sum"),
        lambda: ProcessGuards(clip=(1.0, 0.0)),
        lambda: ProcessGuards(episode_cap=-1.0),
        lambda: LengthPenalty(target=10, limit=5),
        lambda: RewardSpec.from_dict({"procces": 1.0}),
    ],
)
def test_bad_spec_options_raise_configuration_error(build: object) -> None:
    with pytest.raises(ConfigurationError):
        build()  # type: ignore[operator]
