# attack: TCP connect to 1.1.1.1:53 and 8.8.8.8:53 (exfiltrate, download answers)
import socket

BROKE = False
for target in (("1.1.1.1", 53), ("8.8.8.8", 53), ("1.1.1.1", 443)):
    try:
        socket.create_connection(target, timeout=0.5).close()
        BROKE = True
    except OSError:
        pass


def add(a, b):
    return a + b if BROKE else None
