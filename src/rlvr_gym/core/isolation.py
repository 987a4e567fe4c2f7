"""Hard time limits that work from any thread: checks run in worker processes that can be killed.

`signal.alarm` only works in the main thread and cannot interrupt C code, so a check that must
finish within a limit runs in a separate worker process. On timeout the worker is killed with
SIGKILL and the caller gets `VerifierTimeout` within the limit plus a few milliseconds. A
replacement is forked from a warm zygote (`rlvr_gym.core._worker_main`, modules already
imported) in milliseconds, so a stream of pathological inputs never leaves the pool cold. The
zygote is a plain subprocess (not `multiprocessing`), so user scripts need no
``if __name__ == "__main__"`` guard.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import queue
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, VerifierTimeout, WorkerCrashed

DEFAULT_MEMORY_BYTES = 4 * 1024**3
_STARTUP_TIMEOUT_S = 60.0


class RemoteError(Exception):
    """An exception raised by the function inside the worker, carried back by name and text."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class _Zygote:
    """A warm process (modules imported) that forks workers on request in milliseconds."""

    def __init__(self, preload: Sequence[str], memory_bytes: int) -> None:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(os.environ)
        env.setdefault("PYTHONHASHSEED", "0")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rlvr_gym.core._worker_main", str(child_end.fileno()),
             str(memory_bytes), *preload],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            pass_fds=(child_end.fileno(),),
            start_new_session=True,
        )
        child_end.close()
        self._control = parent_end
        self._lock = threading.Lock()
        self._control.settimeout(_STARTUP_TIMEOUT_S)
        try:
            ready = self._control.recv(1)
        except OSError:
            ready = b""
        if ready != b"R":
            self.kill()
            raise WorkerCrashed("the worker zygote failed to start (check the preload modules)")

    def fork(self) -> tuple[int, int, int]:
        """A new worker: ``(pid, fd to write calls to, fd to read answers from)``."""
        call_read, call_write = os.pipe()
        answer_read, answer_write = os.pipe()
        try:
            with self._lock:
                socket.send_fds(self._control, [b"F"], [call_read, answer_write])
                reply = self._control.recv(4)
        except OSError as exc:
            for fd in (call_write, answer_read):
                os.close(fd)
            raise WorkerCrashed(f"the worker zygote is gone: {exc}") from exc
        finally:
            os.close(call_read)
            os.close(answer_write)
        if len(reply) != 4 or struct.unpack(">i", reply)[0] <= 0:
            os.close(call_write)
            os.close(answer_read)
            raise WorkerCrashed("the worker zygote could not fork a worker")
        return struct.unpack(">i", reply)[0], call_write, answer_read

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Stop the zygote; it kills every worker it forked on its way out."""
        self._control.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_MAX_WAIT_S = 3600.0


class _Worker:
    """One forked worker and its pipes; used by one caller at a time."""

    def __init__(self, zygote: _Zygote) -> None:
        self.pid, self._write_fd, self._fd = zygote.fork()
        self._buffer = b""
        self._dead = False
        status = self._read_frame(time.monotonic() + _STARTUP_TIMEOUT_S)
        if not (isinstance(status, tuple) and status and status[0] == "ready"):
            self.kill()
            raise WorkerCrashed(f"worker process failed to start (answered {status!r})")

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        while len(self._buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise VerifierTimeout("time limit reached")
            # capped: select() overflows on a huge timeout (a limit of 1e308 s means "none")
            ready, _, _ = select.select([self._fd], [], [], min(remaining, _MAX_WAIT_S))
            if not ready and time.monotonic() < deadline:
                continue
            if not ready:
                raise VerifierTimeout("time limit reached")
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                raise WorkerCrashed(f"worker process {self.pid} exited")
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _read_frame(self, deadline: float) -> Any:
        (size,) = struct.unpack(">I", self._read_exactly(4, deadline))
        return pickle.loads(self._read_exactly(size, deadline))

    def call(self, module: str, function: str, args: tuple[Any, ...], timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        data = pickle.dumps((module, function, args), protocol=pickle.HIGHEST_PROTOCOL)
        frame = struct.pack(">I", len(data)) + data
        try:
            while frame:
                written = os.write(self._write_fd, frame)
                frame = frame[written:]
        except OSError as exc:
            raise WorkerCrashed(f"worker process {self.pid} is gone: {exc}") from exc
        answer = self._read_frame(deadline)
        if answer[0] == "ok":
            return answer[1]
        raise RemoteError(answer[1], answer[2])

    def idle_and_usable(self) -> bool:
        """Whether an idle worker can take a call: alive, with nothing unread on its pipe (an
        idle worker says nothing; a readable pipe means it exited or broke the protocol)."""
        if self._dead:
            return False
        try:
            readable, _, _ = select.select([self._fd], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable and self.alive()

    def alive(self) -> bool:
        if self._dead:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def kill(self) -> None:
        """Kill the worker's whole process group and close its pipes."""
        if self._dead:
            return
        self._dead = True
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(self.pid, signal.SIGKILL)
        for fd in (self._write_fd, self._fd):
            with contextlib.suppress(OSError):
                os.close(fd)


class WorkerPool:
    """A thread-safe pool of killable worker processes that run `module.function(*args)`.

    Workers start on first use and stay warm; `max_workers` bounds how many run at once. A
    worker that times out or dies is killed and replaced in the background.
    """

    def __init__(
        self,
        preload: Sequence[str] = (),
        *,
        max_workers: int = 2,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
    ) -> None:
        if max_workers < 1:
            raise ConfigurationError(f"max_workers must be at least 1, got {max_workers}")
        self.preload = tuple(preload)
        self.max_workers = max_workers
        self.memory_bytes = memory_bytes
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._started = 0
        self._all: weakref.WeakSet[_Worker] = weakref.WeakSet()
        self._closed = False
        self._zygote: _Zygote | None = None
        self._zygote_lock = threading.Lock()
        _POOLS.add(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def _spawn(self) -> _Worker:
        with self._zygote_lock:
            if self._zygote is None or not self._zygote.alive():
                self._zygote = _Zygote(self.preload, self.memory_bytes)
            zygote = self._zygote
        worker = _Worker(zygote)
        self._all.add(worker)
        return worker

    def _acquire(self) -> _Worker:
        """An idle worker (a dead one is replaced, not handed out), a new one, or the next
        one to come back."""
        while True:
            worker = self._take()
            if worker.idle_and_usable():
                return worker
            self._replace_in_background(worker)  # died while idle: not this call's fault

    def _take(self) -> _Worker:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            may_start = self._started < self.max_workers
            if may_start:
                self._started += 1
        if may_start:
            try:
                return self._spawn()
            except BaseException:
                with self._lock:
                    self._started -= 1
                raise
        return self._idle.get()

    def _replace_in_background(self, dead: _Worker) -> None:
        def work() -> None:
            dead.kill()
            try:
                fresh = self._spawn()
            except Exception:
                with self._lock:
                    self._started -= 1
                return
            if self._closed:
                fresh.kill()
            else:
                self._idle.put(fresh)

        threading.Thread(target=work, name="rlvr-worker-restart", daemon=True).start()

    def call(self, module: str, function: str, *args: Any, timeout_s: float) -> Any:
        """Run `module.function(*args)` in a worker; raise VerifierTimeout past `timeout_s`.

        The limit counts from when a warm worker takes the call. Raises `RemoteError` for an
        exception inside the function and `WorkerCrashed` when the worker dies.
        """
        if self._closed:
            raise ConfigurationError("this WorkerPool is closed; create a new one")
        worker = self._acquire()
        try:
            result = worker.call(module, function, args, timeout_s)
        except RemoteError:
            self._idle.put(worker)
            raise
        except BaseException:
            self._replace_in_background(worker)
            raise
        self._idle.put(worker)
        return result

    def warm_up(self, count: int | None = None) -> None:
        """Start up to `count` workers now so the first checks do not pay the start-up cost."""
        wanted = self.max_workers if count is None else min(count, self.max_workers)
        started = []
        for _ in range(wanted):
            with self._lock:
                if self._started >= self.max_workers:
                    break
                self._started += 1
            started.append(self._spawn())
        for worker in started:
            self._idle.put(worker)

    def close(self) -> None:
        """Kill every worker and the zygote; the pool cannot be used afterwards."""
        self._closed = True
        for worker in list(self._all):
            worker.kill()
        with self._zygote_lock:
            if self._zygote is not None:
                self._zygote.kill()
                self._zygote = None
        self._started = 0

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_POOLS: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


@atexit.register
def _close_all_pools() -> None:
    for pool in list(_POOLS):
        pool.close()
