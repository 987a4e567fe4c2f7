# attack: infinite loop at import that ignores SIGTERM, SIGINT, SIGHUP, SIGALRM and SIGXCPU
import contextlib
import signal

for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGXCPU):
    signal.signal(sig, signal.SIG_IGN)
while True:
    with contextlib.suppress(BaseException):
        pass
