"""Entry point of the isolated worker processes: a zygote that forks warm workers on request.

Run as ``python -m rlvr_gym.core._worker_main CONTROL_FD MEMORY_BYTES MODULE [MODULE ...]``.
The zygote imports the modules once (sympy takes a second), then forks one worker per request
received on the control socket, so a worker killed at a time limit is replaced in milliseconds.
Each request carries two pipe ends (SCM_RIGHTS): the worker reads calls from the first and
writes answers to the second. Frames are a 4-byte big-endian length and a pickle; a worker's
first frame is ``("ready", pid)``; calls are ``(module, function, args)``, answers
``("ok", value)`` or ``("error", kind, text)``.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import resource
import signal
import socket
import struct
import sys
from typing import Any, BinaryIO


def _read_exact(stream: BinaryIO, size: int) -> bytes | None:
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _write_frame(stream: BinaryIO, payload: Any) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def serve(inp: BinaryIO, out: BinaryIO) -> None:
    """Answer calls until the caller closes the input; never die of an exception in a call."""
    _write_frame(out, ("ready", os.getpid()))
    while True:
        header = _read_exact(inp, 4)
        if header is None:
            return
        (size,) = struct.unpack(">I", header)
        body = _read_exact(inp, size)
        if body is None:
            return
        module, function, args = pickle.loads(body)
        try:
            func = getattr(importlib.import_module(module), function)
            result: tuple[Any, ...] = ("ok", func(*args))
        except MemoryError:
            result = ("error", "MemoryError", "the check exceeded its memory limit")
        except RecursionError:
            result = ("error", "RecursionError", "the check nested too deeply")
        except Exception as exc:  # report, never die: the parent decides what it means
            result = ("error", type(exc).__name__, str(exc)[:2000])
        try:
            _write_frame(out, result)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _write_frame(out, ("error", "PicklingError", str(exc)[:2000]))


def _become_worker(control: socket.socket, fds: list[int]) -> None:
    control.close()
    os.setsid()  # its own process group, so the parent can kill all it started
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    inp = os.fdopen(fds[0], "rb")
    out = os.fdopen(fds[1], "wb")
    try:
        serve(inp, out)
    finally:
        os._exit(0)


def zygote(control: socket.socket) -> None:
    """Fork a worker for every request on `control`; on EOF kill every worker and exit."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically
    children: set[int] = set()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 16, 2)
        except OSError:
            break
        if not message:
            break
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            control.sendall(struct.pack(">i", -1))
            continue
        pid = os.fork()
        if pid == 0:
            _become_worker(control, fds)
        for fd in fds:
            os.close(fd)
        children = {c for c in children if _alive(c)}
        children.add(pid)
        control.sendall(struct.pack(">i", pid))
    for child in children:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    memory_bytes = int(sys.argv[2])
    if memory_bytes > 0:
        # A memory cap turns a blow-up (huge powers, factorials) into a MemoryError, not host OOM.
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # Frames travel on their own pipes; anything a library prints goes to stderr.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    for name in sys.argv[3:]:
        importlib.import_module(name)
    control.sendall(b"R")
    zygote(control)


if __name__ == "__main__":
    main()
