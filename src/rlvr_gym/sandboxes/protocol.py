"""The host's end of the agent protocol (see ``agent.py`` and docs/sandbox.md).

One attach connection per container carries everything. Up: our frames written raw to the
container's stdin. Down: Docker multiplexes the container's stdout and stderr on the connection
(no TTY), each chunk behind an 8-byte header ``[stream, 0, 0, 0, size as big-endian uint32]``;
the stdout chunks concatenated are the agent's frames, the stderr chunks its diagnostics.
A frame is a 4-byte big-endian length and UTF-8 JSON; bytes travel as base64.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import select
import socket
import struct
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rlvr_gym.core.errors import SandboxError
from rlvr_gym.sandboxes.base import ExecResult, Limits, SandboxFile

PROTOCOL = 1
MAX_FRAME = 256 * 1024 * 1024
STDERR_TAIL = 4096
_STREAM_HEADER = struct.Struct(">BxxxI")
_FRAME_HEADER = struct.Struct(">I")


class AgentLost(SandboxError):
    """The agent's channel closed: the container or the agent died."""


class AgentTimeout(SandboxError):
    """The agent did not answer in time."""


class AgentProtocolError(SandboxError):
    """The agent sent something unreadable, or refused a request."""


class AgentStuck(SandboxError):
    """The agent cannot answer (its container paused or stopped): waiting longer is pointless."""


@dataclass(frozen=True)
class Watchdog:
    """Asks, while a reply is overdue, whether it can still come.

    From `after_s` seconds after the request was sent, and then every `every_s` seconds until
    the reply or the deadline, `probe` is called between reads; it returns why the agent cannot
    answer (e.g. "the container is paused") or None to keep waiting. Why: a frozen container
    sends nothing, so the channel alone can tell it from a slow agent only at the deadline.
    `probe` must not raise, and should be cheap: it runs on the request's thread.
    """

    after_s: float
    every_s: float
    probe: Callable[[], str | None]


class _Overdue:
    """When the `Watchdog` of one request probes next, and the probing."""

    def __init__(self, watchdog: Watchdog | None, sent_at: float) -> None:
        self._watchdog = watchdog
        self.next_at = sent_at + watchdog.after_s if watchdog else float("inf")

    def check(self) -> None:
        """Probe if due; raise `AgentStuck` with the probe's reason if it gives one."""
        now = time.monotonic()
        if self._watchdog is None or now < self.next_at:
            return
        reason = self._watchdog.probe()
        if reason:
            raise AgentStuck(reason)
        self.next_at = time.monotonic() + self._watchdog.every_s


def encode_frame(message: Mapping[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_FRAME:
        raise SandboxError(f"request of {len(body)} bytes exceeds the {MAX_FRAME}-byte frame limit")
    return _FRAME_HEADER.pack(len(body)) + body


class AgentChannel:
    """Requests to one agent and its replies, over the container's attach socket."""

    def __init__(self, sock: socket.socket, keepalive: object = None) -> None:
        self._sock = sock
        self._keepalive = keepalive  # e.g. the HTTP response that owns `sock`
        self._raw = bytearray()  # Docker's multiplexed stream, not yet split
        self._frames = bytearray()  # the agent's stdout: our frames
        self.stderr_tail = b""

    def request(self, message: Mapping[str, Any], timeout: float,
                watchdog: Watchdog | None = None) -> dict[str, Any]:
        """Send `message`; return the agent's reply. Raises `AgentLost`, `AgentTimeout`,
        `AgentProtocolError`, or `AgentStuck` when `watchdog` finds the agent cannot answer;
        after any of them the channel is unusable."""
        sent_at = time.monotonic()
        deadline = sent_at + timeout
        overdue = _Overdue(watchdog, sent_at)
        try:
            self._sock.settimeout(timeout)
            self._sock.sendall(encode_frame(message))
        except TimeoutError as exc:
            raise AgentTimeout("the agent did not take the request in time") from exc
        except OSError as exc:
            raise AgentLost(f"the agent's channel is closed ({exc})") from exc
        reply = self._read_frame(deadline, overdue)
        if not reply.get("ok"):
            raise AgentProtocolError(f"the agent refused the request: {reply.get('error')}")
        return reply

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()

    def lost(self) -> bool:
        """True when the attach stream has ended (the container died while idle); no waiting."""
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
            if not readable:
                return False
            return self._sock.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _read_frame(self, deadline: float, overdue: _Overdue) -> dict[str, Any]:
        while True:
            if len(self._frames) >= _FRAME_HEADER.size:
                (size,) = _FRAME_HEADER.unpack_from(self._frames)
                if size > MAX_FRAME:
                    raise AgentProtocolError(f"the agent sent a frame of {size} bytes")
                end = _FRAME_HEADER.size + size
                if len(self._frames) >= end:
                    body = bytes(self._frames[_FRAME_HEADER.size:end])
                    del self._frames[:end]
                    try:
                        reply = json.loads(body)
                    except ValueError as exc:
                        raise AgentProtocolError(f"unreadable reply from the agent: {exc}") from exc
                    if not isinstance(reply, dict):
                        raise AgentProtocolError("the agent's reply is not a JSON object")
                    return reply
            self._demultiplex(deadline, overdue)

    def _readable_now(self) -> bool:
        try:
            return bool(select.select([self._sock], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def _demultiplex(self, deadline: float, overdue: _Overdue) -> None:
        """Read at least one chunk of Docker's stream; stdout goes to the frame buffer."""
        while True:
            if len(self._raw) >= _STREAM_HEADER.size:
                stream, size = _STREAM_HEADER.unpack_from(self._raw)
                end = _STREAM_HEADER.size + size
                if len(self._raw) >= end:
                    payload = bytes(self._raw[_STREAM_HEADER.size:end])
                    del self._raw[:end]
                    if stream == 1:
                        self._frames += payload
                        return
                    if stream == 2:
                        self.stderr_tail = (self.stderr_tail + payload)[-STDERR_TAIL:]
                        continue
                    raise AgentProtocolError(f"unknown stream {stream} in Docker's attach stream")
            if not self._readable_now():  # a reply already here is taken, whatever the clock
                if time.monotonic() >= deadline:
                    raise AgentTimeout("the agent did not answer in time")
                overdue.check()
            # Wake for the deadline or the next probe, whichever comes first.
            wait = min(deadline, overdue.next_at) - time.monotonic()
            try:
                self._sock.settimeout(max(wait, 0.001))
                chunk = self._sock.recv(1 << 20)
            except TimeoutError:
                continue  # the deadline or a probe is due: the loop's top handles both
            except OSError as exc:
                raise AgentLost(f"the agent's channel broke ({exc})") from exc
            if not chunk:
                raise AgentLost("the agent's channel closed (the container or the agent died)")
            self._raw += chunk


def run_request(
    argv: Sequence[str], *, files: Sequence[SandboxFile], stdin: bytes, limits: Limits,
    collect: Sequence[str], env: Mapping[str, str], exact_nproc: bool = False,
) -> dict[str, Any]:
    """The ``run`` request for the agent. `exact_nproc` (under gVisor, whose kernel counts only
    the sandbox's own processes) asks the agent to cap the program's processes with
    ``RLIMIT_NPROC = limits.pids``; under runc the pids cgroup caps them instead."""
    nproc = {"nproc": limits.pids} if exact_nproc else {}
    return {
        "op": "run",
        "argv": list(argv),
        "files": [{"path": f.path, "content": base64.b64encode(f.content).decode("ascii")}
                  for f in files],
        "stdin": base64.b64encode(stdin).decode("ascii"),
        "limits": {
            "wall_s": limits.wall_s, "cpu_s": limits.cpu_s, "memory_bytes": limits.memory_bytes,
            "pids": limits.pids, "output_bytes": limits.output_bytes,
            "file_bytes": limits.file_bytes, "open_files": limits.open_files, **nproc,
        },
        "collect": list(collect),
        "env": dict(env),
    }


def decode_result(reply: Mapping[str, Any]) -> ExecResult:
    """The `ExecResult` in the agent's reply to a ``run`` request."""
    try:
        return ExecResult(
            exit_code=reply["exit_code"],
            stdout=base64.b64decode(reply["stdout"]),
            stderr=base64.b64decode(reply["stderr"]),
            signal=reply["signal"],
            wall_s=float(reply["wall_s"]),
            cpu_s=float(reply["cpu_s"]),
            timed_out=bool(reply["timed_out"]),
            oom_killed=bool(reply["oom_killed"]),
            output_truncated=bool(reply["output_truncated"]),
            files={str(k): base64.b64decode(v) for k, v in reply["files"].items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
        raise AgentProtocolError(f"malformed run reply from the agent: {exc!r}") from exc
