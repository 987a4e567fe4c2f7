# attack: open /proc/<agent>/mem and /proc/1/mem (read or patch memory), and write /proc/self/mem
import os

BROKE = False
for pid in (os.getppid(), 1):
    for mode in ("rb", "r+b"):
        try:
            with open(f"/proc/{pid}/mem", mode) as f:
                f.seek(0x400000)
                f.read(16)
            BROKE = True
        except (OSError, ValueError):
            pass
try:
    with open("/proc/self/mem", "r+b") as f:  # allowed on itself: it gains nothing
        f.seek(id(BROKE))
        f.read(8)
except OSError:
    pass


def add(a, b):
    return a + b if BROKE else None
