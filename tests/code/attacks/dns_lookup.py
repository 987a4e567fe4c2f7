# attack: resolve names (getaddrinfo) and send a raw DNS query over UDP to 1.1.1.1:53
import socket

BROKE = False
for name in ("deb.debian.org", "example.com", "host.docker.internal"):
    try:
        socket.getaddrinfo(name, 80)
        BROKE = True
    except OSError:
        pass
query = bytes.fromhex("123401000001000000000000076578616d706c6503636f6d0000010001")
try:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.settimeout(0.5)
    udp.sendto(query, ("1.1.1.1", 53))
    udp.recv(512)
    BROKE = True
except OSError:
    pass


def add(a, b):
    return a + b if BROKE else None
