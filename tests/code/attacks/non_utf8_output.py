# reward hack: the right digits wrapped in bytes that are not UTF-8
import sys

total = sum(map(int, sys.stdin.read().split()))
sys.stdout.buffer.write(b"\xff\xfe" + str(total).encode() + b"\xc3\n")
