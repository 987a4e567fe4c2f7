# attack: write past the 16 MB caps of /tmp and /dev/shm, through many files and one sparse file

block = b"t" * (1024 * 1024)
totals = {}
for folder in ("/tmp", "/dev/shm"):
    totals[folder] = 0
    for n in range(40):
        try:
            with open(f"{folder}/big{n}", "wb") as f:
                for _ in range(4):
                    f.write(block)
                    totals[folder] += len(block)
        except OSError:
            break
    try:
        with open(f"{folder}/sparse", "wb") as f:
            f.truncate(1 << 40)
    except OSError:
        pass
BROKE = any(total > 17 * 1024 * 1024 for total in totals.values())


def add(a, b):
    return a + b if BROKE else None
