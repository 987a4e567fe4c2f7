# attack: leave zombies: children that exit unwaited, and an orphan that becomes init's zombie
import os
import time

for _ in range(10):
    if os.fork() == 0:
        os._exit(0)
if os.fork() == 0:
    if os.fork() == 0:
        time.sleep(0.05)
        os._exit(0)
    os._exit(0)
time.sleep(0.2)


def add(a, b):
    return None
