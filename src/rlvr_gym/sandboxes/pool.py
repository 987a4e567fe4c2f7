"""`DockerSandboxPool`: the `Sandbox` on a warm pool of hardened runner containers."""

from __future__ import annotations

import atexit
import logging
import queue
import signal
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from rlvr_gym.core.errors import ConfigurationError, ImageMissingError, SandboxError
from rlvr_gym.sandboxes.base import ExecResult, Limits, SandboxFile
from rlvr_gym.sandboxes.container import ContainerSpec, RunnerContainer
from rlvr_gym.sandboxes.engine import RECIPE_LABEL, check_runtime, configured_runtime, connect
from rlvr_gym.sandboxes.gvisor import worn_out
from rlvr_gym.sandboxes.image.build import DEFAULT_IMAGE, recipe_hash
from rlvr_gym.sandboxes.protocol import (
    AgentLost,
    AgentStuck,
    Watchdog,
    decode_result,
    run_request,
)
from rlvr_gym.sandboxes.reap import owner_identity, reap

if TYPE_CHECKING:
    import docker

log = logging.getLogger(__name__)

# Time the agent may need beyond the wall limit: killing leftovers, draining, collecting, wiping.
REPLY_GRACE_S = 15.0
# A healthy agent answers within about a second of the wall limit. A reply this late past it makes
# the pool ask the engine, then every STATE_CHECK_EVERY_S, whether the container is paused or
# stopped (it would never answer; the run is given up at once) or running (only slow: wait on).
STATE_CHECK_AFTER_S = 2.0
STATE_CHECK_EVERY_S = 1.0
START_ATTEMPTS = 3
# After every start attempt failed (the engine unreachable), the next run tries again this soon.
RESTART_AFTER_S = 1.0

_live_pools: weakref.WeakSet[DockerSandboxPool] = weakref.WeakSet()


@atexit.register
def close_every_pool() -> None:
    """Close every open pool of this process (at exit, or when a scoring worker is orphaned)."""
    for pool in list(_live_pools):
        pool.close()


class DockerSandboxPool:
    """Runs programs in a warm pool of containers, one run per container at a time.

    `size` containers are started ahead of need and reused; each is replaced after
    `runs_per_container` runs or at once on any anomaly (its agent gone or refusing, a kernel
    OOM kill, processes that survived the kill, leftovers the agent could not wipe). A run whose
    container dies under it returns ``ExecResult(infra_error=...)``.

    `limits` are the default per-run limits and also size the containers (memory, pids); a run
    may ask for less, not more. `env` is added to every program's environment. `runtime` is the
    Docker runtime of the containers (``"runsc"``: gVisor, a user-space kernel between the
    program and the host's; default: ``RLVR_SANDBOX_RUNTIME``, else the engine's). Thread-safe:
    `run` takes an idle container, waiting if none is. `close` (also called at exit) removes
    every container; containers of pools whose process died are removed when the next pool
    starts on this host, or by `rlvr sandbox reap`.
    """

    def __init__(
        self,
        image: str = DEFAULT_IMAGE,
        size: int = 2,
        limits: Limits | None = None,
        runs_per_container: int = 50,
        *,
        env: Mapping[str, str] | None = None,
        cpus: float = 1.0,
        work_bytes: int = 64 * 1024**2,
        start_timeout_s: float = 60.0,
        client: docker.DockerClient | None = None,
        runtime: str | None = None,
    ) -> None:
        if size < 1:
            raise ConfigurationError(f"DockerSandboxPool size must be at least 1, got {size}")
        if runs_per_container < 1:
            raise ConfigurationError(
                f"runs_per_container must be at least 1, got {runs_per_container}"
            )
        if cpus <= 0:
            raise ConfigurationError(f"cpus must be positive, got {cpus}")
        self.image = image
        self.size = size
        self.limits = limits or Limits()
        self.runs_per_container = runs_per_container
        self.env = dict(env or {})
        self.start_timeout_s = start_timeout_s
        self._client = client or connect()
        self.runtime = configured_runtime(runtime)
        self.gvisor = self.runtime is not None and check_runtime(self._client, self.runtime)
        self._check_image()
        try:
            removed = reap(self._client)
        except Exception as exc:  # one unremovable leftover must not stop every new pool
            log.warning("could not remove every sandbox container of dead processes (%s); "
                        "`rlvr sandbox reap` retries", exc)
        else:
            if removed:
                log.info("removed %d sandbox containers of dead processes", len(removed))
        self._spec = ContainerSpec(
            image=image, limits=self.limits, owner=owner_identity(), cpus=cpus,
            work_bytes=work_bytes, runtime=self.runtime, gvisor=self.gvisor,
        )
        self._idle: queue.Queue[RunnerContainer] = queue.Queue()
        self._lock = threading.Lock()
        self._containers: set[RunnerContainer] = set()
        self._starting = 0
        self._start_error: BaseException | None = None
        self._failed_at = 0.0
        self._failed_round_began = 0.0  # when the latest round of start attempts that failed began
        self._unremoved: list[RunnerContainer] = []
        self._retiring: set[RunnerContainer] = set()  # discarded, removal not yet done
        self._closed = False
        self._background = ThreadPoolExecutor(
            max_workers=max(2, size), thread_name_prefix="rlvr-sandbox-pool",
        )
        _live_pools.add(self)
        for _ in range(size):
            self._replace()

    # ------------------------------------------------------------------ Sandbox

    def run(
        self,
        argv: Sequence[str],
        *,
        files: Sequence[SandboxFile] = (),
        stdin: bytes = b"",
        limits: Limits | None = None,
        collect: Sequence[str] = (),
    ) -> ExecResult:
        """Run `argv` in a fresh work folder of an idle container (see `Sandbox.run`)."""
        limits = limits or self.limits
        self._check_request(argv, stdin, limits)
        request = run_request(argv, files=files, stdin=stdin, limits=limits, collect=collect,
                              env=self.env, exact_nproc=self.gvisor)
        container = self._take()
        try:
            reply = container.request(request, limits.wall_s + REPLY_GRACE_S,
                                      _frozen_container_watchdog(container, limits))
            result = decode_result(reply)
        except SandboxError as exc:
            diagnostics = container.channel.stderr_tail.decode("utf-8", "replace").strip()
            out_of_memory = (isinstance(exc, (AgentLost, AgentStuck))
                             and _killed_by_oom(container))
            self._discard(container, str(exc))
            if out_of_memory:
                # Stops the "oom_kills_the_agent" attack of tests/code/test_code_attacks.py: a
                # program may lower its oom_score_adj back to 0 (the agent cannot pin it at
                # 1000) and fill memory that no process's RSS shows (System V shm, memfd), so
                # the kernel's OOM killer picks the agent and the run looked like an
                # infrastructure failure (the sample dropped, not scored 0). A container that
                # dies of a kernel OOM kill during a run ran out of memory because of this run
                # (an earlier OOM would have retired it): the program's fault, scored as such.
                return ExecResult(
                    exit_code=None, signal=signal.SIGKILL, oom_killed=True,
                    stderr=b"rlvr sandbox: the container ran out of memory during this run\n",
                )
            detail = f"; agent stderr: {diagnostics[-500:]}" if diagnostics else ""
            return ExecResult(
                exit_code=None,
                infra_error=f"sandbox container {container.id[:12]} failed: {exc}{detail}",
            )
        container.runs += 1
        worn = worn_out(container.id, result, self._spec.pids_limit) if self.gvisor else None
        stalled = float(reply.get("stalled_s") or 0.0)
        if stalled > 0 and result.timed_out and not _cpu_limit_reached(result, limits):
            # The agent's wait loop was frozen (docker pause) or starved for `stalled` seconds:
            # the wall clock measured the host, not the program, so its timeout is no verdict
            # (CPU time does not pass while frozen: a CPU-limit kill stays one).
            result = ExecResult(
                exit_code=None,
                infra_error=f"sandbox container {container.id[:12]} was frozen for "
                            f"{stalled:.1f} s during the run (paused, or the host overloaded); "
                            "its time limit cannot be judged",
            )
        anomalies = reply.get("anomalies") or []
        if anomalies:
            self._discard(container, "; ".join(str(a) for a in anomalies))
        elif worn:
            self._discard(container, worn)
        elif container.runs >= self.runs_per_container:
            self._discard(container, None)
        else:
            self._idle.put(container)
        return result

    def _start_failure(self) -> SandboxError:
        """The error for runs once no container can be started, with what to do under gVisor."""
        hint = ("; runsc cannot boot a gVisor sandbox on this machine (see docs/security.md, "
                "gVisor): use the default runtime"
                if self.gvisor and "cannot create sandbox" in str(self._start_error) else "")
        error = SandboxError(f"the sandbox pool cannot start containers: {self._start_error}{hint}")
        error.__cause__ = self._start_error
        return error

    def wait_until_warm(self, timeout_s: float | None = None) -> None:
        """Block until every container of the pool has started (they start in the background)."""
        deadline = time.monotonic() + (self.start_timeout_s if timeout_s is None else timeout_s)
        while True:
            with self._lock:
                if len(self._containers) >= self.size and not self._starting:
                    return
                if not self._starting and self._start_error is not None:
                    raise self._start_failure()
            if time.monotonic() > deadline:
                raise SandboxError(
                    f"the sandbox pool did not start {self.size} containers within the time "
                    "limit; is the Docker engine overloaded?"
                )
            time.sleep(0.05)

    def container_ids(self) -> list[str]:
        """Ids of the pool's containers (idle or busy) at this moment."""
        with self._lock:
            return sorted(c.id for c in self._containers)

    def close(self) -> None:
        """Remove every container of the pool, idle or busy (a busy run gets `infra_error`)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            doomed = list(self._containers)
            self._containers.clear()
        self._background.shutdown(wait=True, cancel_futures=True)
        with self._lock:  # removals refused, and removals cancelled by the shutdown
            doomed += self._unremoved + list(self._retiring)
            self._unremoved = []
            self._retiring.clear()
        for container in doomed:
            self._remove(container)
        _live_pools.discard(self)

    def __enter__(self) -> DockerSandboxPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _check_image(self) -> None:
        import docker

        try:
            image = self._client.images.get(self.image)
        except docker.errors.ImageNotFound:
            hint = ("run `rlvr sandbox build`" if self.image == DEFAULT_IMAGE else
                    f"run `rlvr sandbox build --tag {self.image}`, or build it from "
                    "src/rlvr_gym/sandboxes/image/Dockerfile")
            raise ImageMissingError(
                f"the sandbox image {self.image!r} is not on this Docker engine: {hint}"
            ) from None
        except docker.errors.APIError as exc:
            raise SandboxError(f"cannot inspect the sandbox image {self.image!r}: {exc}") from exc
        built_from = (image.labels or {}).get(RECIPE_LABEL)
        if built_from is not None and built_from != recipe_hash():
            log.warning("the sandbox image %s was built from an older agent or recipe; "
                        "run `rlvr sandbox build` to update it", self.image)

    def _check_request(self, argv: Sequence[str], stdin: bytes, limits: Limits) -> None:
        if isinstance(argv, (str, bytes)) or not argv or not all(isinstance(a, str) for a in argv):
            raise ConfigurationError(f"argv must be a non-empty list of strings, got {argv!r}")
        if not isinstance(stdin, bytes):
            raise ConfigurationError(f"stdin must be bytes, got {type(stdin).__name__}")
        for name in ("memory_bytes", "pids"):
            if getattr(limits, name) > getattr(self.limits, name):
                raise ConfigurationError(
                    f"this run asks for {name}={getattr(limits, name)} but the pool's containers "
                    f"were sized for {getattr(self.limits, name)}; create the pool with "
                    "limits at least as large"
                )

    def _take(self) -> RunnerContainer:
        """An idle, live container. With none left and starting failing (the engine away), wait
        for one more round of start attempts begun after this call, then give up: a short
        outage delays runs instead of failing every run that arrives during it."""
        entered = time.monotonic()
        while True:
            self._top_up()
            with self._lock:
                if self._closed:
                    raise SandboxError("the sandbox pool is closed")
                if (not self._containers and not self._starting and self._start_error
                        and self._failed_round_began >= entered):
                    raise self._start_failure()
            try:
                container = self._idle.get(timeout=0.2)
            except queue.Empty:
                continue
            if container.channel.lost():  # died while idle: not this run's fault, take another
                self._discard(container, "the container died while idle")
                continue
            return container

    def _top_up(self) -> None:
        """Start containers for missing slots once `RESTART_AFTER_S` passed since starting last
        failed (the engine was unreachable): the pool heals itself when the engine is back, even
        where a later start succeeded (a slot is missing only after its starts failed)."""
        with self._lock:
            missing = self.size - len(self._containers) - self._starting
            due = time.monotonic() - self._failed_at >= RESTART_AFTER_S
            if self._closed or missing <= 0 or not due:
                return
            self._failed_at = time.monotonic()
        for _ in range(missing):
            self._replace()

    def _replace(self, reserved: bool = False) -> None:
        """Start a container in the background; `reserved`: its slot is already counted in
        `_starting` (by `_discard`, in the same locked step that freed it)."""
        if not reserved:
            with self._lock:
                if self._closed:
                    return
                self._starting += 1
        try:
            self._background.submit(self._start_one)
        except RuntimeError:  # shut down meanwhile
            with self._lock:
                self._starting -= 1

    def _start_one(self) -> None:
        began = time.monotonic()
        error: BaseException | None = None
        for attempt in range(START_ATTEMPTS):
            if self._closed:
                break
            try:
                container = RunnerContainer.start(self._client, self._spec, self.start_timeout_s)
            except Exception as exc:
                error = exc
                log.warning("starting a sandbox container failed (attempt %d): %s",
                            attempt + 1, exc)
                if attempt + 1 < START_ATTEMPTS:
                    time.sleep(0.5 * 2**attempt)
                continue
            with self._lock:
                self._starting -= 1
                closed = self._closed
                leftovers: list[RunnerContainer] = []
                if not closed:
                    self._containers.add(container)
                    self._start_error = None
                    self._idle.put(container)
                    leftovers, self._unremoved = self._unremoved, []
            if closed:
                self._remove(container)
                return
            for leftover in leftovers:  # the engine answers again: remove what it refused before
                self._remove(leftover)
            return
        with self._lock:
            self._starting -= 1
            self._start_error = error
            self._failed_at = time.monotonic()
            self._failed_round_began = max(self._failed_round_began, began)

    def _discard(self, container: RunnerContainer, reason: str | None) -> None:
        """Retire `container` and start a replacement, both in the background."""
        if reason:
            log.info("recycling sandbox container %s: %s", container.id[:12], reason)
        with self._lock:
            self._containers.discard(container)
            closed = self._closed
            if not closed:  # counted at once, so no `_top_up` meanwhile starts one more
                self._starting += 1
                self._retiring.add(container)
        if closed:
            self._remove(container)
            return
        try:
            self._background.submit(self._remove, container)
        except RuntimeError:
            self._remove(container)
        self._replace(reserved=True)

    def _remove(self, container: RunnerContainer) -> None:
        try:
            container.remove()
        except Exception as exc:  # retried after the next start; never mask the run's result
            log.warning("could not remove sandbox container %s: %s", container.id[:12], exc)
            with self._lock:
                self._unremoved.append(container)
        finally:
            with self._lock:
                self._retiring.discard(container)


def _cpu_limit_reached(result: ExecResult, limits: Limits) -> bool:
    """Whether a run was killed for its CPU time (SIGXCPU, or SIGKILL at the limit), which a
    frozen container cannot cause, as the agent tells it."""
    return result.signal == signal.SIGXCPU or (
        result.signal == signal.SIGKILL and result.cpu_s >= limits.cpu_s - 0.05)


def _frozen_container_watchdog(container: RunnerContainer, limits: Limits) -> Watchdog:
    """Gives up a run whose container the engine reports paused or stopped, once the reply is
    `STATE_CHECK_AFTER_S` overdue: such a container never answers, and waiting for the deadline
    (`REPLY_GRACE_S` more) would only delay the infrastructure error and the replacement."""
    started = time.monotonic()

    def probe() -> str | None:
        why = container.why_silent()
        if why is None:
            return None
        return (f"no reply {time.monotonic() - started:.1f} s into a run limited to "
                f"{limits.wall_s:g} s, and the Docker engine says {why}. The run was given up "
                "(not charged to the program) and the container is replaced; score the sample "
                "again, and if this recurs, find what pauses or stops containers labelled "
                "rlvr-gym.sandbox=1 on this host")

    return Watchdog(after_s=limits.wall_s + STATE_CHECK_AFTER_S,
                    every_s=STATE_CHECK_EVERY_S, probe=probe)


def _killed_by_oom(container: RunnerContainer, wait_s: float = 3.0) -> bool:
    """Whether Docker reports a kernel OOM kill in `container`, once it has stopped (its agent
    just died, so init exits at once); False when that cannot be told."""
    deadline = time.monotonic() + wait_s
    try:
        while True:
            container.container.reload()
            state = container.container.attrs.get("State") or {}
            if state.get("Status") != "running" or time.monotonic() > deadline:
                return bool(state.get("OOMKilled"))
            time.sleep(0.02)
    except Exception:  # gone already, engine unreachable: say nothing
        return False
