"""The exceptions rlvr-gym raises, one tree so callers can catch what they can act on.

    RlvrError
    ├── ConfigurationError        the caller asked for something that cannot work; fix the call
    │   ├── UnknownEnvironmentError   no environment registered under that id
    │   ├── TaskFileError             a task or response file is malformed (names file, row, field)
    │   ├── ImageMissingError         the sandbox image is not built (run `rlvr sandbox build`)
    │   ├── LeanNotFoundError         no Lean REPL to run (install one or set RLVR_LEAN_REPL)
    │   └── LeanHeaderError           an import header does not elaborate (missing Mathlib, typo)
    ├── InfrastructureError       the machinery failed, not the policy: drop the sample
    │   ├── WorkerCrashed             an isolated worker process died mid-check
    │   ├── SandboxError              the sandbox machinery failed (Docker, a container, the agent)
    │   │   └── ImageBuildError           the sandbox image could not be built
    │   └── LeanError                 the Lean REPL machinery failed
    │       ├── LeanCrashed               the REPL process died (EOF, crash) mid-request
    │       │   └── LeanMemoryExceeded        ... because it passed its memory limit
    │       ├── LeanTimeout               a request passed its wall-clock limit; the process was
    │       │                             killed (the Lean verifier charges this to the proof)
    │       ├── LeanStartupError          a REPL process could not start or import its header
    │       └── StaleProofStateError      a proof-state handle outlived its REPL process
    └── VerifierTimeout           a check exceeded its hard time limit (verifiers turn this into a
                                  wrong verdict with reason "timeout": pathological answers are the
                                  policy's doing)

Bad *model output* never raises: verifiers return a `Verdict` with score 0 and a reason.
"""

from __future__ import annotations


class RlvrError(Exception):
    """Base class of every error rlvr-gym raises on purpose."""

    exit_code = 1


class ConfigurationError(RlvrError, ValueError):
    """The caller's configuration or arguments cannot work; the message says what to change."""

    exit_code = 2


class UnknownEnvironmentError(ConfigurationError, KeyError):
    """No environment is registered under the requested id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class TaskFileError(ConfigurationError):
    """A task, dataset or response file is malformed; says which file, row and field."""

    def __init__(
        self, message: str, *, path: str | None = None, row: int | None = None,
        field: str | None = None,
    ) -> None:
        where = []
        if path is not None:
            where.append(str(path))
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.path = path
        self.row = row
        self.field = field


class InfrastructureError(RlvrError):
    """The verifier's machinery failed (a worker died, a sandbox vanished), not the policy."""


class WorkerCrashed(InfrastructureError):
    """An isolated worker process died while it held a check (killed, out of memory, crashed)."""


class VerifierTimeout(RlvrError, TimeoutError):
    """A check ran past its hard time limit and its worker was killed."""


class ImageMissingError(ConfigurationError):
    """The sandbox image does not exist locally; the message says how to build it."""


class SandboxError(InfrastructureError):
    """The sandbox machinery failed (the Docker engine, a container, the agent), not the program
    it ran. A single run that loses its container is reported as `ExecResult.infra_error`
    instead; this is raised when the pool cannot work at all."""


class ImageBuildError(SandboxError):
    """Building the sandbox image failed (debootstrap, the Debian mirror, `docker import`)."""


class LeanNotFoundError(ConfigurationError):
    """No Lean REPL could be found; the message says how to point rlvr-gym at one."""


class LeanHeaderError(ConfigurationError):
    """An import header (``import Mathlib`` ...) failed to elaborate in a fresh REPL process."""


class LeanError(InfrastructureError):
    """The Lean REPL machinery failed (a process, the protocol), not the proof it checked."""


class LeanCrashed(LeanError):
    """The REPL process ended (EOF, crash, killed) before it answered a request."""


class LeanMemoryExceeded(LeanCrashed):
    """The REPL process passed its memory limit and was killed."""


class LeanTimeout(LeanError, TimeoutError):
    """A request ran past its wall-clock limit; its REPL process was killed.

    The REPL cannot interrupt one request, so the whole process goes. Whether this is the
    proof's fault is the caller's call: `LeanVerifier` scores it 0 with reason ``"timeout"``.
    """


class LeanStartupError(LeanError):
    """A REPL process could not be started or did not finish importing its header in time."""


class StaleProofStateError(LeanError):
    """A proof-state handle names a REPL process that has since been restarted or recycled.

    Proof states live inside one process; replay the tactics from `ReplPool.start` to continue.
    """
