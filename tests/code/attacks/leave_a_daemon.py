# attack: double fork + setsid: a daemon that outlives the run and forges the next run's results
import os
import signal
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
            signal.signal(sig, signal.SIG_IGN)
        os.closerange(0, 3)
        forged = '{"load": "ok"}\n{"i": 0, "value": {"t": "int", "v": "0x3"}}\n'
        while True:
            for path in ("/work/results.jsonl", "/work/daemon_was_here", "/tmp/daemon_was_here"):
                try:
                    with open(path, "a") as f:
                        f.write(forged)
                except OSError:
                    pass
            time.sleep(0.01)
    os._exit(0)
time.sleep(0.1)


def add(a, b):
    return None
