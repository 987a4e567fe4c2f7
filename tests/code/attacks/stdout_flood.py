# attack: print the right answer, then flood stdout with 32 MB
import sys

print(sum(map(int, sys.stdin.read().split())), flush=True)
chunk = "y" * 65536 + "\n"
for _ in range(512):
    sys.stdout.write(chunk)
