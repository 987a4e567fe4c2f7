"""`ReplPool`: Lean REPL processes keyed by import header, with limits and restarts.

Importing Mathlib takes seconds to minutes, so each process imports its header once: the
header (``import Mathlib`` and any ``open``/``set_option`` lines after it) is sent as the
process's first command, with no ``env``, and every proof in that process runs in the
environment it produced. Up to `processes_per_header` processes serve one header.

Limits: a request past `timeout_s` kills only its process (the REPL cannot interrupt a
request) and a replacement starts in the background; the guard of each process enforces
`memory_bytes` on its resident memory; a process is recycled after `requests_per_process`
requests (the REPL keeps every environment and proof state it ever made, so memory only
grows). `close()`, an ``atexit`` hook and each process's guard make sure no REPL outlives the
pool or the Python that owns it.

Tactic mode: `start` returns a `CommandResult` whose `handles` (one per ``sorry``) name the
process that owns them; `apply` runs a tactic there. A handle whose process was restarted or
recycled raises `StaleProofStateError`: replay the tactics from `start`.
"""

from __future__ import annotations

import atexit
import itertools
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rlvr_gym.core.errors import (
    ConfigurationError,
    LeanCrashed,
    LeanError,
    LeanHeaderError,
    LeanStartupError,
    LeanTimeout,
    StaleProofStateError,
)
from rlvr_gym.lean.client import DEFAULT_MEMORY_BYTES, ReplClient
from rlvr_gym.lean.types import CommandResult, TacticHandle, TacticResult

DEFAULT_TIMEOUT_S = 60.0
# `import Mathlib` in a cold page cache takes minutes on a laptop; warm, ~5-15 s.
DEFAULT_HEADER_TIMEOUT_S = 600.0
DEFAULT_REQUESTS_PER_PROCESS = 500

_serials = itertools.count(1)


def normalize_header(header: str) -> str:
    """The header as a pool key: lines stripped, blank lines dropped."""
    return "\n".join(line.strip() for line in header.splitlines() if line.strip())


@dataclass(eq=False)
class _Process:
    header: str
    serial: int = field(default_factory=lambda: next(_serials))
    client: ReplClient | None = None
    header_env: int | None = None
    requests: int = 0
    busy: bool = True
    retired: bool = False
    last_used: float = field(default_factory=time.monotonic)

    @property
    def usable(self) -> bool:
        return not self.retired and self.client is not None and self.client.alive


class ReplPool:
    """Thread-safe pool of REPL processes, keyed by import header (see the module docstring).

    - `command`, `cwd`, `env`: how to start a REPL (``lake exe repl`` inside a Lean project).
    - `processes_per_header`: processes that may serve one header at once.
    - `max_processes`: all processes at once; an idle process of another header is stopped to
      make room (None: no bound beyond the per-header one).
    - `timeout_s`: the wall-clock limit of one request; `header_timeout_s` that of the header.
    - `memory_bytes`: the resident-memory limit of one process.
    - `requests_per_process`: requests after which a process is replaced.
    """

    def __init__(
        self,
        command: Sequence[str] = ("lake", "exe", "repl"),
        cwd: str | None = None,
        *,
        processes_per_header: int = 1,
        max_processes: int | None = None,
        memory_bytes: int | None = DEFAULT_MEMORY_BYTES,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S,
        requests_per_process: int = DEFAULT_REQUESTS_PER_PROCESS,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if processes_per_header < 1:
            raise ConfigurationError(
                f"processes_per_header must be at least 1, got {processes_per_header}"
            )
        if max_processes is not None and max_processes < 1:
            raise ConfigurationError(f"max_processes must be at least 1, got {max_processes}")
        if timeout_s <= 0 or header_timeout_s <= 0:
            raise ConfigurationError("timeout_s and header_timeout_s must be positive")
        if requests_per_process < 1:
            raise ConfigurationError(
                f"requests_per_process must be at least 1, got {requests_per_process}"
            )
        if not command:
            raise ConfigurationError("the REPL command is empty; pass e.g. ('lake', 'exe', 'repl')")
        self.command = tuple(command)
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.processes_per_header = processes_per_header
        self.max_processes = max_processes
        self.memory_bytes = memory_bytes
        self.timeout_s = timeout_s
        self.header_timeout_s = header_timeout_s
        self.requests_per_process = requests_per_process
        self._cond = threading.Condition()
        self._processes: dict[str, list[_Process]] = {}
        self._owners: dict[str, _Process] = {}
        self._closed = False
        self._tag = f"pool{id(self):x}"
        self.restarts = 0
        _POOLS.add(self)

    # -- public API --------------------------------------------------------------------------

    def check(self, source: str, header: str = "", *, timeout_s: float | None = None
              ) -> CommandResult:
        """Run `source` (declarations, proofs, ``#print``) in a fresh copy of `header`'s env."""
        return self._run_command(source, header, timeout_s)

    def start(self, theorem_with_sorry: str, header: str = "", *,
              timeout_s: float | None = None) -> CommandResult:
        """Elaborate a statement proved by ``sorry``; its `handles` open tactic mode."""
        return self._run_command(theorem_with_sorry, header, timeout_s)

    def apply(self, state: TacticHandle | TacticResult, tactic: str, *,
              timeout_s: float | None = None) -> TacticResult:
        """Run one tactic on a proof state, in the process that owns it."""
        handle = state.handle if isinstance(state, TacticResult) else state
        if handle is None:
            raise ConfigurationError("this tactic result has no proof state to continue from")
        limit = timeout_s or self.timeout_s
        process = self._acquire_owner(handle)
        client = process.client
        assert client is not None
        try:
            result = client.tactic(tactic, handle.proof_state, timeout_s=limit)
        except LeanError:
            self._discard(process)
            raise
        self._release(process)
        return result.with_owner(self._owner_token(process))

    def warm_up(self, header: str = "", count: int | None = None) -> None:
        """Start processes for `header` now, so the first proofs do not wait for the import."""
        wanted = min(self.processes_per_header, count or self.processes_per_header)
        taken = [self._acquire(normalize_header(header)) for _ in range(wanted)]
        for process in taken:
            self._park(process)

    def process_pids(self) -> list[int]:
        """The guard pids of the live processes (each leads its REPL's process group)."""
        with self._cond:
            return [p.client.pid for ps in self._processes.values() for p in ps
                    if p.client is not None and p.client.alive]

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop every process; the pool cannot be used afterwards."""
        with self._cond:
            self._closed = True
            processes = [p for ps in self._processes.values() for p in ps]
            self._processes.clear()
            self._owners.clear()
            self._cond.notify_all()
        for process in processes:
            process.retired = True
            if process.client is not None:
                process.client.close()

    def __enter__(self) -> ReplPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ----------------------------------------------------------------------------

    def _run_command(self, source: str, header: str, timeout_s: float | None) -> CommandResult:
        key = normalize_header(header)
        process = self._acquire(key)
        client = process.client
        assert client is not None
        try:
            result = client.command(source, process.header_env, timeout_s=timeout_s or
                                    self.timeout_s)
        except LeanError:
            self._discard(process)
            raise
        self._release(process)
        return result.with_owner(self._owner_token(process))

    def _owner_token(self, process: _Process) -> str:
        return f"{self._tag}:{process.serial}"

    # -- processes ---------------------------------------------------------------------------

    def _acquire(self, key: str) -> _Process:
        """An idle, live process for `key` (started if there is room), marked busy."""
        with self._cond:
            while True:
                if self._closed:
                    raise ConfigurationError("this ReplPool is closed; create a new one")
                processes = self._processes.setdefault(key, [])
                for process in processes:
                    if process.busy:
                        continue
                    if process.usable and process.requests < self.requests_per_process:
                        process.busy = True
                        return process
                    self._retire_locked(process)
                    break
                else:
                    if len(processes) < self.processes_per_header and self._room_locked():
                        process = _Process(header=key)
                        processes.append(process)
                        break
                    self._cond.wait(timeout=1.0)
                    continue
                self._cond.notify_all()  # a process was retired: there is room now
        try:
            self._start(process)
        except BaseException:
            self._discard(process, replace=False)  # a replacement would fail the same way
            raise
        return process

    def _room_locked(self) -> bool:
        if self.max_processes is None:
            return True
        everyone = [p for ps in self._processes.values() for p in ps]
        if len(everyone) < self.max_processes:
            return True
        idle = [p for p in everyone if not p.busy]
        if not idle:
            return False
        self._retire_locked(min(idle, key=lambda p: p.last_used))
        return True

    def _retire_locked(self, process: _Process) -> None:
        """Take a process out of the pool (caller holds the lock) and stop it outside."""
        process.retired = True
        siblings = self._processes.get(process.header, [])
        if process in siblings:
            siblings.remove(process)
        self._owners.pop(self._owner_token(process), None)
        client = process.client
        if client is not None:
            threading.Thread(target=client.close, name="rlvr-lean-stop", daemon=True).start()

    def _start(self, process: _Process) -> None:
        client = ReplClient(self.command, self.cwd, self.memory_bytes, env=self.env)
        process.client = client
        if process.header:
            try:
                result = client.command(process.header, None, timeout_s=self.header_timeout_s)
            except LeanTimeout as exc:
                raise LeanStartupError(
                    f"the header did not finish within {self.header_timeout_s:g} s "
                    f"(header_timeout_s): {process.header[:200]!r}"
                ) from exc
            except LeanCrashed as exc:
                raise LeanStartupError(f"the REPL died while importing the header: {exc}") from exc
            if result.has_errors or result.env is None:
                problems = result.error or "\n".join(m.render() for m in result.errors)
                raise LeanHeaderError(
                    f"the header {process.header[:200]!r} does not elaborate in "
                    f"{self.cwd or 'the current folder'}: {problems[:1500]}. Is this the Lean "
                    "project with those imports (see docs/lean.md)?"
                )
            process.header_env = result.env
        with self._cond:
            if self._closed:
                client.close()
                raise ConfigurationError("this ReplPool was closed while a process started")
            self._owners[self._owner_token(process)] = process

    def _acquire_owner(self, handle: TacticHandle) -> _Process:
        with self._cond:
            while True:
                if self._closed:
                    raise ConfigurationError("this ReplPool is closed; create a new one")
                process = self._owners.get(handle.owner or "")
                if process is None or not process.usable:
                    raise StaleProofStateError(
                        f"proof state {handle.proof_state} belonged to REPL process "
                        f"{handle.owner!r}, which has been restarted or recycled since; "
                        "start the proof again and replay its tactics"
                    )
                if not process.busy:
                    process.busy = True
                    return process
                self._cond.wait(timeout=1.0)

    def _release(self, process: _Process) -> None:
        with self._cond:
            process.requests += 1
            process.busy = False
            process.last_used = time.monotonic()
            self._cond.notify_all()

    def _discard(self, process: _Process, *, replace: bool = True) -> None:
        """Drop a failed process and (`replace`) start its replacement in the background."""
        with self._cond:
            process.busy = False
            was_member = process in self._processes.get(process.header, [])
            self._retire_locked(process)
            self._cond.notify_all()
            closed = self._closed
            if was_member:
                self.restarts += 1
        if replace and was_member and not closed:
            threading.Thread(target=self._replace, args=(process.header,),
                             name="rlvr-lean-restart", daemon=True).start()

    def _replace(self, key: str) -> None:
        try:
            process = self._acquire(key)
        except Exception:  # the next request starts one and reports why
            return
        self._park(process)

    def _park(self, process: _Process) -> None:
        """Make a started process idle without counting a request."""
        with self._cond:
            process.busy = False
            self._cond.notify_all()


_POOLS: weakref.WeakSet[ReplPool] = weakref.WeakSet()


@atexit.register
def _close_all_pools() -> None:
    for pool in list(_POOLS):
        pool.close()
