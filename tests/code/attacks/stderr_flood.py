# attack: print the right answer, then flood stderr with 32 MB
import sys

print(sum(map(int, sys.stdin.read().split())), flush=True)
chunk = "e" * 65536 + "\n"
for _ in range(512):
    sys.stderr.write(chunk)
