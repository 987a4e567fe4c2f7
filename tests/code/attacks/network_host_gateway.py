# attack: reach the Docker host: the bridge gateway, the default route, host.docker.internal
import socket

BROKE = False
hosts = ["172.17.0.1", "172.18.0.1", "10.0.2.2", "host.docker.internal", "gateway.docker.internal"]
with open("/proc/net/route") as f:
    for line in f.read().splitlines()[1:]:
        fields = line.split()
        if len(fields) > 2 and fields[1] == "00000000":
            hosts.append(socket.inet_ntoa(bytes.fromhex(fields[2])[::-1]))
for host in hosts:
    for port in (2375, 2376, 22, 80):
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            BROKE = True
        except OSError:
            pass


def add(a, b):
    return a + b if BROKE else None
