"""The /proc reader: our own process, a zombie, a gone process, a command name with parentheses."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rlvr_gym.core import procfs


def test_this_process_reads_as_itself() -> None:
    me = procfs.read_stat(os.getpid())
    assert me is not None and me.running
    assert (me.ppid, me.session) == (os.getppid(), os.getsid(0))
    assert me.start.isdigit() and procfs.read_stat(os.getpid()) == me
    assert os.getpid() in procfs.pids()


@pytest.fixture
def zombie() -> Iterator[int]:
    """A child that has exited and that we have not waited for yet."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        deadline = time.monotonic() + 10  # it exits at once, but a loaded machine may lag
        while time.monotonic() < deadline:
            stat = procfs.read_stat(pid)
            if stat is not None and stat.state == "Z":
                break
            time.sleep(0.01)
        yield pid
    finally:
        os.waitpid(pid, 0)


def test_a_zombie_has_exited_and_is_no_running_child(zombie: int) -> None:
    stat = procfs.read_stat(zombie)
    assert stat is not None and stat.state == "Z" and stat.ppid == os.getpid()
    assert not stat.running and not procfs.is_running(zombie)
    assert zombie not in procfs.children(os.getpid())


def test_a_gone_process_reads_as_none() -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    assert procfs.read_stat(child.pid) is None and procfs.cmdline(child.pid) is None
    assert not procfs.is_running(child.pid)


def test_a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields(
    tmp_path: Path,
) -> None:
    marker = f"procfs-{uuid.uuid4().hex}"
    sleeper = tmp_path / f"a) b (c {marker}"
    shutil.copy(shutil.which("sleep") or "/bin/sleep", sleeper)
    child = subprocess.Popen([str(sleeper), "30"])
    try:
        deadline = time.monotonic() + 5  # a process just spawned may not show its arguments yet
        while not procfs.cmdline(child.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        stat = procfs.read_stat(child.pid)
        assert stat is not None and stat.running
        assert (stat.ppid, stat.session) == (os.getpid(), os.getsid(0))
        assert procfs.cmdline(child.pid) == [str(sleeper).encode(), b"30"]
        assert procfs.pids_with(marker) == [child.pid]
        assert child.pid in procfs.children(os.getpid())
    finally:
        child.kill()
        child.wait()
    assert procfs.pids_with(marker) == []
