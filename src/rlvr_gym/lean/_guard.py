"""The guard a REPL runs under: memory limit, and no REPL outlives the Python that started it.

    python -m rlvr_gym.lean._guard PARENT_PID MEMORY_BYTES ADDRESS_SPACE_BYTES -- COMMAND...

The guard starts COMMAND with its own stdin/stdout/stderr (the client's pipes) in its own
process group, then watches three things until the REPL ends:

- the parent: when the Python that started the pool dies (even by SIGKILL, when no ``atexit``
  runs) every process of the group is killed. ``PR_SET_PDEATHSIG`` would fire when the
  *thread* that spawned the REPL ends, which a pool that restarts processes from worker
  threads cannot afford, so the guard watches the parent's pidfd instead;
- the memory: the resident size of every process in its session (``lake exe repl`` runs the
  REPL as a grandchild). Lean maps its ``.olean`` files and reserves address space far beyond
  what it touches, so an ``RLIMIT_AS`` near the real need breaks ``import Mathlib``; the
  resident size is the figure that matters. ``RLIMIT_AS`` is still available for those who
  want it (ADDRESS_SPACE_BYTES, 0 for none);
- SIGTERM from the client: kill the REPL and its descendants, reap them, exit.

The guard is a child subreaper, so orphaned descendants are reaped here and never linger as
zombies under a PID 1 that does not reap. Exit status: the REPL's, 128+N for a signal N, or
`MEMORY_EXIT_CODE` after a memory kill.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import select
import signal
import subprocess
import sys
import time

MEMORY_EXIT_CODE = 86
MEMORY_MARKER = "rlvr-lean-guard: memory limit exceeded"
_POLL_S = 0.1
_MEMORY_POLL_S = 0.25
_PR_SET_CHILD_SUBREAPER = 36
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _session_members(session: int) -> list[int]:
    """Pids of the processes whose session is `session` (ours), other than this guard."""
    members = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 3 and int(fields[3]) == session:
            members.append(int(entry))
    return members


def _resident_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def _kill_members(session: int) -> None:
    for pid in _session_members(session):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _reap(child: int) -> int | None:
    """Reap every ended descendant; the wait status of `child` when it was among them."""
    child_status = None
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return child_status
        if pid == 0:
            return child_status
        if pid == child:
            child_status = os.waitstatus_to_exitcode(status)


def _parent_gone(parent: int, pidfd: int | None) -> bool:
    if os.getppid() != parent:
        return True
    if pidfd is not None:
        ready, _, _ = select.select([pidfd], [], [], 0)
        return bool(ready)
    return False


def main(argv: list[str]) -> int:
    if len(argv) < 5 or argv[3] != "--":
        sys.stderr.write("usage: python -m rlvr_gym.lean._guard PARENT MEM AS -- COMMAND...\n")
        return 2
    parent, memory_bytes, address_space = int(argv[0]), int(argv[1]), int(argv[2])
    command = argv[4:]
    if os.getppid() != parent:
        return 70
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    pidfd: int | None = None
    with contextlib.suppress(OSError, AttributeError):
        pidfd = os.pidfd_open(parent)
    if address_space > 0:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    session = os.getsid(0)
    stopping = False

    def on_term(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    try:
        child = subprocess.Popen(command, close_fds=True)
    except OSError as exc:
        sys.stderr.write(f"rlvr-lean-guard: cannot start {command[0]!r}: {exc}\n")
        return 127
    # Let go of the client's pipes, so the client sees EOF the moment the REPL is gone.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    next_memory_check = 0.0
    while True:
        status = _reap(child.pid)
        if status is not None:
            break
        if stopping or _parent_gone(parent, pidfd):
            _kill_members(session)
            _wait_for(child.pid, session)
            return 143
        now = time.monotonic()
        if memory_bytes > 0 and now >= next_memory_check:
            next_memory_check = now + _MEMORY_POLL_S
            used = _resident_bytes(_session_members(session))
            if used > memory_bytes:
                sys.stderr.write(f"\n{MEMORY_MARKER}: {used} > {memory_bytes} bytes resident\n")
                sys.stderr.flush()
                _kill_members(session)
                _wait_for(child.pid, session)
                return MEMORY_EXIT_CODE
        if pidfd is not None:
            select.select([pidfd], [], [], _POLL_S)
        else:
            time.sleep(_POLL_S)
    # The REPL ended by itself; take its descendants with it.
    _kill_members(session)
    _wait_for(child.pid, session, limit_s=1.0)
    return status if status >= 0 else 128 - status


def _wait_for(child: int, session: int, limit_s: float = 5.0) -> None:
    """Reap the killed REPL and every descendant, so none is left a zombie."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        _reap(child)
        if not _session_members(session):
            return
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
