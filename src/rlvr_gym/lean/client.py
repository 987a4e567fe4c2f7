"""`ReplClient`: one Lean REPL process spoken to over the leanprover-community JSON protocol.

Framing: a request is one JSON object followed by a blank line; the answer is one JSON object,
pretty-printed over several lines, followed by a blank line. The client reads until a blank
line closes text that decodes to one JSON object (text that does not start with ``{``, such
as a stray line a tool printed, is skipped).

The REPL cannot interrupt a request, so a request past its wall-clock limit kills the whole
process group and raises `LeanTimeout`; the client is dead afterwards (`alive` is False) and
its owner starts another. End of file raises `LeanCrashed` (`LeanMemoryExceeded` when the
guard killed it for memory). The process runs under `rlvr_gym.lean._guard`, which enforces the
memory limit and kills the REPL when this Python dies, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from rlvr_gym.core.errors import (
    ConfigurationError,
    LeanCrashed,
    LeanMemoryExceeded,
    LeanStartupError,
    LeanTimeout,
)
from rlvr_gym.lean import _guard
from rlvr_gym.lean._guard import MEMORY_EXIT_CODE, MEMORY_MARKER
from rlvr_gym.lean.types import CommandResult, TacticResult, parse_response

ENV_VAR = "RLVR_LEAN_REPL"
# A REPL with Mathlib imported holds 2-6 GB resident; proofs that blow past 16 GB are runaway
# `simp`/`decide` searches, not honest work.
DEFAULT_MEMORY_BYTES = 16 * 1024**3
_STDERR_TAIL = 8192
_KILL_GRACE_S = 1.0


def take_answer(buffer: bytes) -> tuple[dict[str, Any] | None, bytes]:
    """Cut the first complete answer off `buffer`: ``(answer or None, the rest)``.

    An answer is text up to a blank line that decodes to a JSON object. Blank lines and
    blocks that are not JSON objects (a stray line some tool printed) are dropped.
    """
    start = 0
    while True:
        cut = buffer.find(b"\n\n", start)
        if cut < 0:
            return None, buffer
        text = buffer[:cut].strip()
        if not text.startswith(b"{"):
            buffer, start = buffer[cut + 2:], 0
            continue
        try:
            value = json.loads(text.decode("utf-8", errors="replace"))
        except json.JSONDecodeError:
            start = cut + 1  # not complete yet: the blank line was inside the text
            continue
        buffer = buffer[cut + 2:]
        if isinstance(value, dict):
            return value, buffer
        start = 0


def find_lean_command() -> list[str] | None:
    """The command that starts a real Lean REPL here, or None.

    ``RLVR_LEAN_REPL`` (split like a shell line, e.g. ``lake env /opt/repl/.lake/build/bin/repl``)
    wins; then a ``repl`` executable on PATH; then ``lake exe repl`` when ``lake`` is on PATH
    (which works from inside a REPL checkout or a project that requires it).
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return shlex.split(configured)
    repl = shutil.which("repl")
    if repl:
        return [repl]
    lake = shutil.which("lake")
    if lake:
        return [lake, "exe", "repl"]
    return None


class ReplClient:
    """One REPL process; one request at a time (a lock serialises callers).

    - `command`: what starts the REPL (``["lake", "exe", "repl"]``, a ``repl`` binary, ...).
    - `cwd`: where to start it (the Lean project whose imports it should see).
    - `memory_bytes`: resident-memory limit of the REPL and its children (None: no limit).
    - `address_space_bytes`: an optional ``RLIMIT_AS`` as well (see `rlvr_gym.lean._guard`).
    """

    def __init__(
        self,
        command: Sequence[str],
        cwd: str | None = None,
        memory_bytes: int | None = DEFAULT_MEMORY_BYTES,
        *,
        address_space_bytes: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if not command:
            raise ConfigurationError("the REPL command is empty; pass e.g. ['lake', 'exe', 'repl']")
        self.argv = tuple(command)
        self.cwd = cwd
        self.memory_bytes = memory_bytes
        self.requests = 0
        self._lock = threading.Lock()
        self._buffer = b""
        self._stderr_tail = bytearray()
        self._dead = False
        guard = [
            # Run as a script (-I: stdlib only), not -m: importing rlvr_gym would cost a second.
            sys.executable, "-I", _guard.__file__, str(os.getpid()),
            str(memory_bytes or 0), str(address_space_bytes or 0), "--", *self.argv,
        ]
        try:
            self._process = subprocess.Popen(
                guard,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                start_new_session=True,
            )
        except OSError as exc:
            raise LeanStartupError(
                f"cannot start the Lean REPL {shlex.join(self.argv)!r} in {cwd or os.getcwd()}:"
                f" {exc}"
            ) from exc
        assert self._process.stdin is not None and self._process.stdout is not None
        self._stdin = self._process.stdin
        self._stdout_fd = self._process.stdout.fileno()
        self._stderr_thread = threading.Thread(
            target=self._drain_stderr, name="rlvr-lean-stderr", daemon=True
        )
        self._stderr_thread.start()

    @property
    def pid(self) -> int:
        """The pid of the guard, which leads the REPL's process group."""
        return self._process.pid

    @property
    def alive(self) -> bool:
        return not self._dead and self._process.poll() is None

    @property
    def stderr_tail(self) -> str:
        return bytes(self._stderr_tail).decode("utf-8", errors="replace")

    def _drain_stderr(self) -> None:
        stream = self._process.stderr
        assert stream is not None
        fd = stream.fileno()
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            self._stderr_tail.extend(chunk)
            del self._stderr_tail[:-_STDERR_TAIL]

    # -- the protocol ------------------------------------------------------------------------

    def request(self, payload: Mapping[str, Any], *, timeout_s: float) -> dict[str, Any]:
        """Send one request and return the decoded answer; the building block of the rest."""
        if timeout_s <= 0:
            raise ConfigurationError(f"timeout_s must be positive, got {timeout_s}")
        data = (json.dumps(dict(payload), ensure_ascii=False) + "\n\n").encode("utf-8")
        with self._lock:
            if self._dead:
                raise LeanCrashed(f"the REPL process {self.pid} was already stopped")
            deadline = time.monotonic() + timeout_s
            try:
                self._stdin.write(data)
                self._stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as exc:
                raise self._crashed(f"the REPL closed its input ({exc})") from exc
            answer = self._read_answer(deadline, timeout_s)
            self.requests += 1
            return answer

    def _read_answer(self, deadline: float, timeout_s: float) -> dict[str, Any]:
        while True:
            answer = self._take_answer()
            if answer is not None:
                return answer
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise LeanTimeout(f"the Lean REPL gave no answer within {timeout_s:g} s; "
                                  "its process was killed")
            try:
                ready, _, _ = select.select([self._stdout_fd], [], [], remaining)
                if not ready:
                    continue
                chunk = os.read(self._stdout_fd, 1 << 16)
            except (OSError, ValueError) as exc:  # closed under us by close()/kill()
                raise self._crashed(f"the REPL's output was closed ({exc})") from exc
            if not chunk:
                raise self._crashed("the REPL closed its output")
            self._buffer += chunk

    def _take_answer(self) -> dict[str, Any] | None:
        answer, self._buffer = take_answer(self._buffer)
        return answer

    def _crashed(self, what: str) -> LeanCrashed:
        status = None
        with contextlib.suppress(subprocess.TimeoutExpired):
            status = self._process.wait(timeout=2.0)
        self.kill()
        self._stderr_thread.join(timeout=1.0)
        tail = self.stderr_tail.strip()
        if status == MEMORY_EXIT_CODE or MEMORY_MARKER in tail:
            return LeanMemoryExceeded(
                f"the Lean REPL passed its memory limit of {self.memory_bytes} bytes and was "
                "killed"
            )
        detail = f"; stderr: {tail[-1500:]}" if tail else ""
        return LeanCrashed(f"{what} (exit status {status}){detail}")

    def command(
        self, cmd: str, env: int | None = None, *, timeout_s: float,
        all_tactics: bool = False, root_goals: bool = False,
    ) -> CommandResult:
        """Run Lean commands (declarations, ``#print``...) in environment `env` (None: fresh)."""
        payload: dict[str, Any] = {"cmd": cmd}
        if env is not None:
            payload["env"] = env
        if all_tactics:
            payload["allTactics"] = True
        if root_goals:
            payload["rootGoals"] = True
        return _command_result(self.request(payload, timeout_s=timeout_s))

    def tactic(self, tactic: str, proof_state: int, *, timeout_s: float) -> TacticResult:
        """Run one tactic on proof state `proof_state`."""
        payload = {"tactic": tactic, "proofState": proof_state}
        return _tactic_result(self.request(payload, timeout_s=timeout_s))

    def pickle_env(self, env: int, path: str, *, timeout_s: float) -> CommandResult:
        """Save environment `env` (its changes over the imports) to an ``.olean`` file."""
        payload = {"pickleTo": path, "env": env}
        return _command_result(self.request(payload, timeout_s=timeout_s))

    def unpickle_env(self, path: str, *, timeout_s: float) -> CommandResult:
        """Load an environment saved by `pickle_env`; the answer holds its new number."""
        payload = {"unpickleEnvFrom": path}
        return _command_result(self.request(payload, timeout_s=timeout_s))

    def pickle_proof_state(self, proof_state: int, path: str, *, timeout_s: float) -> TacticResult:
        payload = {"pickleTo": path, "proofState": proof_state}
        return _tactic_result(self.request(payload, timeout_s=timeout_s))

    def unpickle_proof_state(
        self, path: str, env: int | None = None, *, timeout_s: float
    ) -> TacticResult:
        payload: dict[str, Any] = {"unpickleProofStateFrom": path}
        if env is not None:
            payload["env"] = env
        return _tactic_result(self.request(payload, timeout_s=timeout_s))

    # -- lifetime ----------------------------------------------------------------------------

    def kill(self) -> None:
        """Stop the REPL now: the guard reaps it; SIGKILL to the group makes sure."""
        if self._dead and self._process.returncode is not None:
            return
        self._dead = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self._process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=_KILL_GRACE_S)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5.0)
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        """End the REPL: close its input (it exits on EOF), then make sure it is gone."""
        if not self._dead:
            with contextlib.suppress(OSError, ValueError):
                self._stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=_KILL_GRACE_S)
        self.kill()

    def __enter__(self) -> ReplClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "alive" if self.alive else "dead"
        return f"ReplClient({shlex.join(self.argv)!r}, pid={self.pid}, {state})"


def _command_result(data: dict[str, Any]) -> CommandResult:
    result = parse_response(data, "command")
    assert isinstance(result, CommandResult)
    return result


def _tactic_result(data: dict[str, Any]) -> TacticResult:
    result = parse_response(data, "tactic")
    assert isinstance(result, TacticResult)
    return result
