"""Hard time limits that work from any thread: checks run in worker processes that can be killed.

`signal.alarm` only works in the main thread and cannot interrupt C code, so a check that must
finish within a limit runs in a separate process (`python -m rlvr_gym.core._worker_main`). On
timeout the worker is killed with SIGKILL and a fresh one is started in the background, so the
caller gets `VerifierTimeout` within the limit plus a few milliseconds. Workers are plain
subprocesses (not `multiprocessing`), so user scripts need no ``if __name__ == "__main__"`` guard.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import select
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


class _Worker:
    """One worker process and its pipes; used by one caller at a time."""

    def __init__(self, preload: Sequence[str], memory_bytes: int) -> None:
        env = dict(os.environ)
        env.setdefault("PYTHONHASHSEED", "0")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rlvr_gym.core._worker_main", str(memory_bytes), *preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._stdin = self.process.stdin
        self._fd = self.process.stdout.fileno()
        self._buffer = b""
        status = self._read_frame(time.monotonic() + _STARTUP_TIMEOUT_S)
        if not (isinstance(status, tuple) and status and status[0] == "ready"):
            self.kill()
            raise WorkerCrashed(f"worker process failed to start (answered {status!r})")

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        while len(self._buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise VerifierTimeout("time limit reached")
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                raise VerifierTimeout("time limit reached")
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                raise WorkerCrashed(
                    f"worker process {self.process.pid} exited (status {self.process.poll()})"
                )
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _read_frame(self, deadline: float) -> Any:
        (size,) = struct.unpack(">I", self._read_exactly(4, deadline))
        return pickle.loads(self._read_exactly(size, deadline))

    def call(self, module: str, function: str, args: tuple[Any, ...], timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        data = pickle.dumps((module, function, args), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self._stdin.write(struct.pack(">I", len(data)) + data)
            self._stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerCrashed(f"worker process {self.process.pid} is gone: {exc}") from exc
        answer = self._read_frame(deadline)
        if answer[0] == "ok":
            return answer[1]
        raise RemoteError(answer[1], answer[2])

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Kill the worker's whole process group and reap it."""
        try:
            os.killpg(self.process.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.kill()
        except ProcessLookupError:
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


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
        _POOLS.add(self)

    def _spawn(self) -> _Worker:
        worker = _Worker(self.preload, self.memory_bytes)
        self._all.add(worker)
        return worker

    def _acquire(self) -> _Worker:
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
        """Kill every worker; the pool cannot be used afterwards."""
        self._closed = True
        for worker in list(self._all):
            worker.kill()
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
