# attack: store a secret in the kernel keyring (shared by uid 1000 across runs and containers)
import ctypes
import platform

libc = ctypes.CDLL("libc.so.6", use_errno=True)
ADD_KEY = {"x86_64": 248, "aarch64": 217}.get(platform.machine(), 248)
KEY_SPEC_USER_KEYRING = -4
key = libc.syscall(ADD_KEY, b"user", b"rlvr-leak", b"answers", 7, KEY_SPEC_USER_KEYRING)
BROKE = key > 0


def add(a, b):
    return a + b if BROKE else None
