"""The runner image: built offline, cached by recipe, nothing a candidate could abuse."""

from __future__ import annotations

import time

import pytest

from rlvr_gym.sandboxes import DockerSandboxPool
from rlvr_gym.sandboxes.engine import RECIPE_LABEL
from rlvr_gym.sandboxes.image.build import build_image, recipe_hash

pytestmark = pytest.mark.docker


def test_an_up_to_date_image_is_not_rebuilt(image: str) -> None:
    started = time.monotonic()
    assert build_image(image, log=lambda _: None) == image
    assert time.monotonic() - started < 10


def test_the_image_carries_the_recipe_hash(image: str) -> None:
    import docker

    labels = docker.from_env().images.get(image).labels
    assert labels[RECIPE_LABEL] == recipe_hash()


def test_the_image_has_no_setuid_files_compilers_or_network_tools(
    pool: DockerSandboxPool,
) -> None:
    result = pool.run(["sh", "-c", "find / -xdev -perm /6000 -type f 2>/dev/null; "
                       "for p in gcc cc clang as ld make curl wget nc ssh ping ip su mount; "
                       "do command -v $p; done; true"])
    assert result.ok and result.stdout == b""


def test_the_image_has_python_and_the_sandbox_user(pool: DockerSandboxPool) -> None:
    result = pool.run(["python3", "-c", "import pwd, sys, json, sqlite3; "
                       "print(pwd.getpwuid(1000).pw_name, sys.version_info[0])"])
    assert result.stdout == b"sandbox 3\n"


def test_the_cli_builds_and_reaps(image: str, capsys: pytest.CaptureFixture[str]) -> None:
    from rlvr_gym.cli import main

    assert main(["sandbox", "build", "--tag", image]) == 0
    assert main(["sandbox", "reap"]) == 0
    assert "sandbox container(s)" in capsys.readouterr().out
