# attack: talk to the Docker engine: its unix socket (several paths) or its TCP port
import socket

BROKE = False
for path in ("/var/run/docker.sock", "/run/docker.sock", "/proc/1/root/var/run/docker.sock",
             "/host/var/run/docker.sock", "\0docker"):
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.settimeout(0.5)
        client.connect(path)
        client.sendall(b"GET /version HTTP/1.0\r\n\r\n")
        BROKE = bool(client.recv(100))
    except OSError:
        pass
for host in ("172.17.0.1", "127.0.0.1"):
    try:
        socket.create_connection((host, 2375), timeout=0.3).close()
        BROKE = True
    except OSError:
        pass


def add(a, b):
    return a + b if BROKE else None
