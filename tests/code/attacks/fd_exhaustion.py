# attack: raise RLIMIT_NOFILE and open files, pipes and sockets until none is left
import contextlib
import os
import resource
import socket

with contextlib.suppress(ValueError, OSError):
    resource.setrlimit(resource.RLIMIT_NOFILE, (1 << 20, 1 << 20))
held = []
while len(held) < 100_000:
    try:
        held.append(os.open("/dev/null", os.O_RDONLY))
        held.extend(os.pipe())
        held.extend(socket.socketpair())
    except OSError:
        break
BROKE = len(held) > 1000


def add(a, b):
    return a + b if BROKE else None
