# attack: become root: setuid(0), setresuid, setgid(0), setgroups([0]), any capability left
import contextlib
import os

BROKE = False
for attempt in (lambda: os.setuid(0), lambda: os.setresuid(0, 0, 0), lambda: os.setgid(0),
                lambda: os.setgroups([0]), lambda: os.seteuid(0)):
    with contextlib.suppress(OSError):
        attempt()
with open("/proc/self/status") as f:
    capabilities = [line.split()[1] for line in f if line.startswith(("CapEff", "CapPrm"))]
if os.getuid() == 0 or os.geteuid() == 0 or any(int(c, 16) for c in capabilities):
    BROKE = True


def add(a, b):
    return a + b if BROKE else None
