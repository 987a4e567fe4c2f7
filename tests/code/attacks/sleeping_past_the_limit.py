# attack: block SIGALRM (the per-call timer) and sleep far past the wall limit
import signal
import time

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM, signal.SIGINT})
time.sleep(3600)


def add(a, b):
    return a + b
