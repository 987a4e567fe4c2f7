# attack: new user/mount/pid namespaces (root inside them), then mount a tmpfs or proc
import ctypes

libc = ctypes.CDLL("libc.so.6", use_errno=True)
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
BROKE = False
for flags in (CLONE_NEWUSER, CLONE_NEWUSER | CLONE_NEWNS, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET):
    if libc.unshare(flags) == 0:
        BROKE = True
if libc.mount(b"none", b"/work", b"tmpfs", 0, None) == 0:
    BROKE = True


def add(a, b):
    return a + b if BROKE else None
