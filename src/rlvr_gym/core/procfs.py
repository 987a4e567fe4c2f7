"""Processes as Linux's /proc shows them, without psutil: one parser of the ``stat`` line.

The pool's owner labels, the Lean guard's memory watch, the tests' leak checks and the soak all
ask the same questions (is this process still running, who is its parent, what is its command
line), and the ``stat`` line has one trap: the command name sits in parentheses and may hold
spaces and parentheses itself, so the fields are split after the *last* ``)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

# The fields after the command name, counted from 0 (proc(5) numbers them from 1, pid first).
_STATE, _PPID, _SESSION, _START = 0, 1, 3, 19


@dataclass(frozen=True)
class ProcStat:
    """What ``/proc/PID/stat`` says of one process."""

    pid: int
    state: str  # R, S, D, T, Z (zombie), X (dead), ...
    ppid: int
    session: int
    start: str  # clock ticks since boot: with the pid, names one process ever

    @property
    def running(self) -> bool:
        """Not yet exited: a zombie has, only its parent has not waited for it."""
        return self.state not in ("Z", "X")


def read_stat(pid: int) -> ProcStat | None:
    """The stat of `pid`, or None when there is no such process (or it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    fields = raw[raw.rfind(b")") + 2:].split()
    try:
        return ProcStat(pid=pid, state=fields[_STATE].decode(), ppid=int(fields[_PPID]),
                        session=int(fields[_SESSION]), start=fields[_START].decode())
    except (IndexError, ValueError):
        return None


def pids() -> list[int]:
    """The pids /proc lists now (some may be gone by the time they are read)."""
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def processes() -> Iterator[ProcStat]:
    """The stat of every process that can still be read."""
    for pid in pids():
        stat = read_stat(pid)
        if stat is not None:
            yield stat


def is_running(pid: int) -> bool:
    """Whether `pid` names a process that has not exited (a zombie has)."""
    stat = read_stat(pid)
    return stat is not None and stat.running


def children(pid: int) -> list[int]:
    """The running direct children of `pid`."""
    return [proc.pid for proc in processes() if proc.ppid == pid and proc.running]


def cmdline(pid: int) -> list[bytes] | None:
    """The arguments `pid` was started with, or None when it is gone (empty for a kernel
    thread or a zombie)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    args = raw.split(b"\0")
    return args[:-1] if args[-1] == b"" else args  # the last argument ends with a NUL too


def pids_with(marker: str) -> list[int]:
    """Running processes whose command line holds `marker`."""
    found = []
    needle = marker.encode()
    for pid in pids():
        argv = cmdline(pid)
        if argv is not None and needle in b"\0".join(argv) and is_running(pid):
            found.append(pid)
    return found
