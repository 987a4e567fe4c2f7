from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import gymnasium
import pytest
from gymnasium.utils.env_checker import check_env

import rlvr_gym
from rlvr_gym.core import registry
from rlvr_gym.core.env import RlvrEnv

ALL_IDS = rlvr_gym.registered_ids()


def test_every_generator_has_a_single_turn_and_a_step_mode_id() -> None:
    from rlvr_gym.tasks.generators import GENERATORS

    for generator in GENERATORS.values():
        assert f"rlvr/{generator.env_name}-v0" in ALL_IDS
        assert f"rlvr/{generator.env_name}Steps-v0" in ALL_IDS


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_every_registered_id_passes_the_gymnasium_checker(env_id: str) -> None:
    env = gymnasium.make(env_id)
    try:
        check_env(env.unwrapped, skip_render_check=True)
    finally:
        env.close()


@pytest.mark.parametrize("env_id", ALL_IDS)
def test_every_registered_id_honours_the_reward_contract(env_id: str) -> None:
    env = rlvr_gym.make(env_id)
    prompt, info = env.reset(seed=3)
    assert isinstance(prompt, str) and prompt
    assert info["task"]["family"] == rlvr_gym.spec(env_id).family
    _, reward, _, _, info = env.step("I am not sure.")
    assert set(info["reward"]) >= {"outcome", "process", "format", "weights", "total"}
    assert reward == info["reward"]["total"]
    assert "verdict" in info
    env.close()


def test_wrong_id_suggests_the_near_miss() -> None:
    with pytest.raises(rlvr_gym.UnknownEnvironmentError, match="Did you mean `rlvr/MathLinear-v0`"):
        rlvr_gym.make("rlvr/MathLinaer-v0")


def test_malformed_id_says_the_expected_form() -> None:
    with pytest.raises(rlvr_gym.ConfigurationError, match="rlvr/Name-vN"):
        rlvr_gym.register("not an id", "rlvr_gym.envs.math:make_math_env")


def test_custom_python_task_registers_with_gymnasium() -> None:
    rlvr_gym.register("rlvr/MyFractions-v0", "rlvr_gym.envs.math:make_math_env",
                      generator="fractions", difficulty=2)
    env = gymnasium.make("rlvr/MyFractions-v0")
    _, info = env.reset(seed=1)
    assert info["task"]["metadata"]["generator"] == "fractions"
    assert info["task"]["difficulty"]["level"] == 2
    assert isinstance(env.unwrapped, RlvrEnv)


def test_third_party_package_registers_through_the_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "acme_tasks.py").write_text(textwrap.dedent("""
        def register_tasks(register):
            register("rlvr/AcmeArithmetic-v0", "rlvr_gym.envs.math:make_math_env",
                     description="acme", generator="arithmetic")
    """))
    dist = tmp_path / "acme_tasks-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-tasks\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[rlvr_gym.tasks]\nacme = acme_tasks:register_tasks\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_LOADED", False)
    registry.load_plugins()
    assert "rlvr/AcmeArithmetic-v0" in rlvr_gym.registered_ids()
    env = gymnasium.make("rlvr/AcmeArithmetic-v0")
    assert env.reset(seed=0)[1]["task"]["metadata"]["generator"] == "arithmetic"
    sys.modules.pop("acme_tasks", None)


def test_a_broken_plugin_warns_instead_of_breaking_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "broken_tasks-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-tasks\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[rlvr_gym.tasks]\nbroken = no_such_module:hook\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_LOADED", False)
    with pytest.warns(RuntimeWarning, match="broken"):
        registry.load_plugins()
    assert "rlvr/MathLinear-v0" in rlvr_gym.registered_ids()


def test_a_data_file_becomes_a_task_with_no_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RLVR_GYM_HOME", str(tmp_path / "home"))
    data = tmp_path / "capitals.jsonl"
    data.write_text('{"prompt": "What is 6 * 7?", "answer": "42"}\n'
                    '{"prompt": "What is 2 + 2?", "answer": "4"}\n')
    rlvr_gym.register_file("rlvr/MyQuiz-v0", data, persist=True)
    env = gymnasium.make("rlvr/MyQuiz-v0")
    _prompt, info = env.reset(seed=0)
    answer = info["task"]["reference"]["answer"]
    _, reward, terminated, _, _ = env.step(f"The answer is $\\boxed{{{answer}}}$.")
    assert reward == 1.0 and terminated
    # remembered for the next session: a fresh load registers it again
    gymnasium.registry.pop("rlvr/MyQuiz-v0")
    registry._SPECS.pop("rlvr/MyQuiz-v0")
    monkeypatch.setattr(registry, "_LOADED", False)
    registry.load_plugins()
    assert "rlvr/MyQuiz-v0" in rlvr_gym.registered_ids()
    registry.unregister_file("rlvr/MyQuiz-v0")
    assert "rlvr/MyQuiz-v0" not in rlvr_gym.registered_ids()


def test_a_malformed_data_file_names_the_row_and_field(tmp_path: Path) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"prompt": "What is 6 * 7?", "answer": "42"}\n{"prompt": "x", "answer": ""}\n')
    with pytest.raises(rlvr_gym.TaskFileError, match=r"bad.jsonl, row 2, field 'answer'"):
        rlvr_gym.register_file("rlvr/Bad-v0", data)


def test_the_builtin_catalogue_lists_every_generator() -> None:
    from rlvr_gym.tasks.builtin import MATH_GENERATORS
    from rlvr_gym.tasks.generators import GENERATORS

    expected = {n: (g.env_name, g.description) for n, g in GENERATORS.items()}
    missing = {n: v for n, v in expected.items() if MATH_GENERATORS.get(n) != v}
    assert not missing, f"add to rlvr_gym/tasks/builtin.py MATH_GENERATORS: {missing}"
    assert set(MATH_GENERATORS) == set(GENERATORS)


def test_importing_rlvr_gym_does_not_import_sympy() -> None:
    import subprocess
    import sys

    code = "import sys, rlvr_gym; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
