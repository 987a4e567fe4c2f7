"""Lean envs without Lean: construction, the gymnasium checker, infra-error steps, give-up."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env

import rlvr_gym
from rlvr_gym import ConfigurationError
from rlvr_gym.envs.lean import LeanEnv, LeanProofChecker, is_give_up, make_lean_env

LEAN_IDS = ["rlvr/LeanCore-v0", "rlvr/LeanCoreTactic-v0"]


@pytest.fixture
def no_lean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide every Lean REPL: no ``RLVR_LEAN_REPL`` and a PATH without ``repl`` or ``lake``."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.delenv("RLVR_LEAN_REPL", raising=False)
    monkeypatch.setenv("PATH", str(empty))


def test_the_lean_ids_are_registered_in_the_lean_family() -> None:
    assert set(LEAN_IDS) <= set(rlvr_gym.registered_ids("lean"))


@pytest.mark.usefixtures("no_lean")
@pytest.mark.parametrize("env_id", LEAN_IDS)
def test_the_gymnasium_checker_passes_without_lean(env_id: str) -> None:
    env = gymnasium.make(env_id)
    try:
        check_env(env.unwrapped, skip_render_check=True)
    finally:
        env.close()


@pytest.mark.parametrize("mode", ["whole", "tactic"])
def test_making_an_env_starts_no_lean(mode: str) -> None:
    env = make_lean_env(mode=mode)
    assert isinstance(env, LeanEnv)
    assert isinstance(env.verifier, LeanProofChecker)
    assert env.verifier._verifier is None  # nothing started before the first step
    prompt, info = env.reset(seed=0)
    assert info["task"]["reference"]["theorem"] in prompt
    assert info["task"]["family"] == "lean"


@pytest.mark.usefixtures("no_lean")
@pytest.mark.parametrize("mode", ["whole", "tactic"])
def test_a_step_without_lean_is_an_infrastructure_error_not_a_zero(mode: str) -> None:
    env = make_lean_env(mode=mode)
    env.reset(seed=1)
    observation, reward, terminated, truncated, info = env.step("by simp")
    assert info["infra_error"] is True
    assert info["reward"]["infra_error"] is True
    assert "no Lean REPL found" in info["verdict"]["infra_error"]
    assert "RLVR_LEAN_REPL" in observation
    assert reward == 0.0
    assert terminated and not truncated  # nothing could continue the episode: drop it


def test_giving_up_ends_a_tactic_episode_without_lean() -> None:
    env = make_lean_env(mode="tactic", max_steps=4)
    env.reset(seed=0)
    observation, reward, terminated, truncated, info = env.step("give up")
    assert terminated and not truncated
    assert reward == 0.0
    assert info["verdict"]["reason"] == "gave_up"
    assert info["infra_error"] is False
    assert "gave up" in observation
    with pytest.raises(ConfigurationError, match="ended"):
        env.step("simp")


@pytest.mark.parametrize("action", ["give up", "Give up.", "`give up`", "```lean\ngive up\n```",
                                    "I give up!"])
def test_give_up_spellings(action: str) -> None:
    assert is_give_up(action)


@pytest.mark.parametrize("action", ["simp", "exact give_up_lemma", "apply up"])
def test_tactics_are_not_give_ups(action: str) -> None:
    assert not is_give_up(action)


def test_tactic_mode_weights_keep_process_reward_below_one_proof() -> None:
    env = make_lean_env(mode="tactic", max_steps=8)
    assert env.weights.process * env.max_steps == pytest.approx(0.5)
    assert env.weights.outcome == 1.0
    assert make_lean_env(mode="whole").weights.process == 0.0


def test_a_dataset_file_makes_an_env(tmp_path: Path) -> None:
    path = tmp_path / "thms.jsonl"
    path.write_text(json.dumps({"theorem": "theorem t (n : Nat) : n = n :=",
                                "solution": "by rfl"}) + "\n")
    env = make_lean_env(dataset=str(path))
    _, info = env.reset(seed=0)
    assert info["task"]["reference"]["theorem"] == "theorem t (n : Nat) : n = n :="


def test_a_wrong_mode_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="'whole' or 'tactic'"):
        make_lean_env(mode="steps")


def test_backend_and_command_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        make_lean_env(backend=object(), command=["repl"])
