"""The sandbox contract: `Limits` in, `ExecResult` out, behind the `Sandbox` protocol.

A sandbox runs one untrusted program at a time, isolated from the host and from the runs before
and after it. Judging (expected values, comparisons) never happens inside: a sandbox only
executes and reports what happened.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from rlvr_gym.core.errors import ConfigurationError


@dataclass(frozen=True)
class Limits:
    """Hard limits of one run; every field must be positive.

    - `wall_s`: wall-clock time before the whole process group is killed.
    - `cpu_s`: CPU seconds (RLIMIT_CPU) of the program and its children.
    - `memory_bytes`: address-space limit of each process (and the container's memory cap).
    - `pids`: processes and threads the run may have at once.
    - `output_bytes`: stdout and stderr are each cut here while being read (`output_truncated`).
    - `file_bytes`: the largest file the program may write (RLIMIT_FSIZE).
    - `open_files`: file descriptors per process (RLIMIT_NOFILE).
    """

    wall_s: float = 10.0
    cpu_s: float = 10.0
    memory_bytes: int = 512 * 1024**2
    pids: int = 64
    output_bytes: int = 1024**2
    file_bytes: int = 16 * 1024**2
    open_files: int = 256

    def __post_init__(self) -> None:
        for name in ("wall_s", "cpu_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or \
                    not math.isfinite(value) or value <= 0:
                raise ConfigurationError(
                    f"Limits.{name} must be a positive, finite number of seconds, "
                    f"got {value!r:.80}"
                )
        for name in ("memory_bytes", "pids", "output_bytes", "file_bytes", "open_files"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**63:
                raise ConfigurationError(
                    f"Limits.{name} must be a positive integer (below 2**63), got {value!r:.80}"
                )


@dataclass(frozen=True)
class SandboxFile:
    """A file written into the run's work folder before the program starts."""

    path: str
    content: bytes

    def __post_init__(self) -> None:
        if self.path.startswith("/") or ".." in self.path.split("/") or not self.path:
            raise ConfigurationError(
                f"sandbox file path {self.path!r} must be relative and stay inside the work folder"
            )


@dataclass(frozen=True)
class ExecResult:
    """What happened to one run.

    `exit_code` is the process's exit status (None when killed by a signal, see `signal`).
    `infra_error` is set when the sandbox itself failed (the container died, the agent vanished):
    such a run says nothing about the program and must not be scored.
    """

    exit_code: int | None
    stdout: bytes = b""
    stderr: bytes = b""
    signal: int | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0
    timed_out: bool = False
    oom_killed: bool = False
    output_truncated: bool = False
    files: Mapping[str, bytes] = field(default_factory=dict)
    infra_error: str | None = None

    @property
    def ok(self) -> bool:
        """Exited with status 0 within every limit."""
        return (
            self.exit_code == 0 and not self.timed_out and not self.oom_killed
            and self.infra_error is None
        )


@runtime_checkable
class Sandbox(Protocol):
    """Runs untrusted programs, one at a time per sandbox, under `Limits`."""

    def run(
        self,
        argv: Sequence[str],
        *,
        files: Sequence[SandboxFile] = (),
        stdin: bytes = b"",
        limits: Limits | None = None,
        collect: Sequence[str] = (),
    ) -> ExecResult:
        """Write `files` into a fresh work folder, run `argv` there with `stdin`, and return
        the result; `collect` names files (relative to the work folder) to read back."""
        ...

    def close(self) -> None:
        """Release every resource; leave nothing running."""
        ...
