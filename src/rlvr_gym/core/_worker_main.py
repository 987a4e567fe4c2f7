"""Entry point of an isolated worker process: reads calls from stdin, writes results to stdout.

Run as ``python -m rlvr_gym.core._worker_main MEMORY_BYTES MODULE [MODULE ...]``. Each frame is a
4-byte big-endian length followed by a pickle. The first frame written is ``("ready", pid)``.
Requests are ``(module, function, args)``; answers ``("ok", value)`` or ``("error", kind, text)``.
"""

from __future__ import annotations

import importlib
import os
import pickle
import resource
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


def main() -> None:
    memory_bytes = int(sys.argv[1])
    if memory_bytes > 0:
        # A memory cap turns a blow-up (huge powers, factorials) into a MemoryError, not host OOM.
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # Frames own the real stdout; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer
    for name in sys.argv[2:]:
        importlib.import_module(name)
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


if __name__ == "__main__":
    main()
