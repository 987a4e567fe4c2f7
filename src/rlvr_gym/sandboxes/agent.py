"""The sandbox agent: a long-lived process inside each runner container, one run at a time.

Copied into the image as ``/opt/rlvr/agent.py`` and started as the container's command (as root,
with only the capabilities listed in docs/sandbox.md). Standard library only, Python 3.9+.

Channel: the container's stdin and stdout, attached once by the host and kept open. Both ways a
frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON; bytes travel as base64.
The agent writes nothing before the host's first request, so nothing is lost before the attach.

Requests: ``{"op": "hello"}`` and ``{"op": "run", "argv", "files", "stdin", "limits", "collect",
"env"}``. Every request gets exactly one reply with ``"ok"``; a request the agent cannot carry
out gets ``{"ok": false, "error": ...}``, which the host treats as a protocol error.

Per run: empty the work folder, ``/tmp`` and ``/dev/shm``; write the files; fork one child that
starts a new session, takes the rlimits, drops to uid/gid 1000 and execs ``argv`` in the work
folder; feed its stdin and read its stdout/stderr in one non-blocking loop (a program that never
reads stdin cannot block the agent; output past the cap is read and dropped); at the wall limit,
and also after a normal exit, kill the process group and every other process in the container
(daemons, double forks) except init and the agent; then collect files and wipe again.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import errno
import json
import os
import resource
import selectors
import shutil
import signal
import stat
import struct
import sys
import time
import traceback
from collections.abc import Iterator
from typing import Any, NoReturn

PROTOCOL = 1
WORK = "/work"
SCRATCH = ("/tmp", "/dev/shm")
SANDBOX_UID = 1000
SANDBOX_GID = 1000
MAX_FRAME = 256 * 1024 * 1024
# Under runc, RLIMIT_NPROC counts every process of uid 1000 on the whole host (containers share
# the user namespace), so a tight value would let one container's fork bomb starve its
# neighbours: the container's pids cgroup caps each run exactly and this is only a backstop.
# Under gVisor the count is the sandbox's own kernel's, and the host pids cgroup counts the
# Sentry's threads instead, so there the host sends the run's exact cap (limits["nproc"]).
NPROC_BACKSTOP = 4096
# After the kill, processes need a moment to exit and be reaped by init; longer means stuck.
LEFTOVER_GRACE_S = 2.0
DRAIN_GRACE_S = 1.0
# The wait loop wakes at least this often; a wake this much later than asked means the container
# was frozen (docker pause) or not scheduled, so the wall clock no longer measures the program.
HEARTBEAT_S = 0.25
STALL_S = 2.0
CHUNK = 65536
DEFAULT_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": WORK,
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}


class ProtocolError(Exception):
    """The host sent something the agent cannot read."""


# ---------------------------------------------------------------- channel


def _read_exact(n: int) -> bytes | None:
    chunks: list[bytes] = []
    while n:
        chunk = os.read(0, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame() -> dict[str, Any] | None:
    """The next request, or None when the host closed the channel."""
    header = _read_exact(4)
    if header is None:
        return None
    (size,) = struct.unpack(">I", header)
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes exceeds {MAX_FRAME}")
    body = _read_exact(size)
    if body is None:
        return None
    request = json.loads(body.decode("utf-8"))
    if not isinstance(request, dict):
        raise ProtocolError("a request must be a JSON object")
    return request


def write_frame(message: dict[str, Any]) -> None:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    data = struct.pack(">I", len(body)) + body
    view = memoryview(data)
    while view:
        written = os.write(1, view)
        view = view[written:]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# ---------------------------------------------------------------- folders


def _wipe(folder: str) -> None:
    """Remove everything inside `folder` (a mount point, so the folder itself stays)."""
    with os.scandir(folder) as entries:
        names = [entry.name for entry in entries]
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


def wipe_all() -> list[str]:
    """Empty the work folder and the scratch folders; reset the work folder's owner and mode
    (the candidate may have chmod-ed it). Returns the folders that could not be emptied."""
    failed: list[str] = []
    for folder in (WORK, *SCRATCH):
        if not os.path.isdir(folder):
            continue
        try:
            _wipe(folder)
        except (OSError, RecursionError) as exc:
            # RecursionError: stops the "deep_directory_nesting" attack of
            # tests/code/test_code_attacks.py. shutil.rmtree recurses once per level, so folders
            # nested ~1000 deep made it raise, the run's reply fail and the sample count as an
            # infrastructure error. Now it is an anomaly: the result stands, the container goes.
            failed.append(f"{folder}: {exc!r}")
    try:
        os.chown(WORK, SANDBOX_UID, SANDBOX_GID)
        os.chmod(WORK, 0o700)
    except OSError as exc:
        failed.append(f"{WORK}: {exc}")
    return failed


def _safe_relative(path: str) -> str:
    parts = path.split("/")
    if not path or path.startswith("/") or ".." in parts or "\x00" in path:
        raise ProtocolError(f"path {path!r} must be relative and stay inside {WORK}")
    return os.path.join(WORK, *[p for p in parts if p not in ("", ".")])


def write_files(files: list[dict[str, Any]]) -> None:
    for item in files:
        target = _safe_relative(item["path"])
        parent = os.path.dirname(target)
        missing: list[str] = []
        while parent != WORK and not os.path.isdir(parent):
            missing.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(missing):
            os.mkdir(folder, 0o755)
            os.chown(folder, SANDBOX_UID, SANDBOX_GID)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        try:
            os.fchown(fd, SANDBOX_UID, SANDBOX_GID)
            view = memoryview(base64.b64decode(item["content"]))
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)


def collect_files(names: list[str], cap: int) -> dict[str, str]:
    """Read back regular files from the work folder, at most `cap` bytes each. Runs after every
    candidate process is dead, so nothing can swap a file for a symlink meanwhile; symlinks,
    fifos and devices are never followed or opened (the agent is root)."""
    found: dict[str, str] = {}
    for name in names:
        try:
            target = _safe_relative(name)
        except ProtocolError:
            continue
        if os.path.realpath(target) != target:
            continue
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            chunks, size = [], 0
            while size < cap:
                chunk = os.read(fd, min(CHUNK, cap - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            found[name] = _b64(b"".join(chunks))
        finally:
            os.close(fd)
    return found


# ---------------------------------------------------------------- processes


def _process_stats() -> Iterator[tuple[int, list[bytes]]]:
    """Every process's pid and the fields of its /proc/PID/stat after the command name (state
    first); the name is in parentheses and may hold spaces, so the split is after the last ')'.
    A process gone while read is left out."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                raw = f.read()
        except OSError:
            continue
        yield int(entry), raw[raw.rfind(b")") + 2:].split()


def _other_processes() -> dict[int, str]:
    """Pids of every process in the container except init (pid 1) and the agent, with the
    state letter of each (Z: a zombie waiting for init to reap it)."""
    me = os.getpid()
    return {pid: fields[0].decode("ascii", "replace")
            for pid, fields in _process_stats() if pid not in (1, me)}


def kill_everything() -> bool:
    """SIGKILL every process but init and the agent, until none is left; True when clean.

    kill(-1) reaches every process the agent may signal in one atomic sweep of the process
    table (a fork bomb cannot outrun it, and it needs no free pid). Then /proc is scanned for
    anything left, whatever its uid (a process that made itself non-dumpable looks root-owned
    in /proc, so the uid is not trusted), and stragglers are killed one by one.
    """
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    delay = 0.0005
    while True:
        left = _other_processes()
        alive = [pid for pid, state in left.items() if state != "Z"]
        if not left:
            return True
        if time.monotonic() > deadline:
            return False
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


def _read_oom_kills() -> int | None:
    """The container's count of kernel OOM kills (cgroup v1 or v2), or None if unreadable."""
    for path, key in (("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"),
                      ("/sys/fs/cgroup/memory.events", "oom_kill")):
        try:
            with open(path) as f:
                for line in f:
                    name, _, value = line.partition(" ")
                    if name == key:
                        return int(value)
        except OSError:
            continue
    return None


def _container_cpu_s() -> float | None:
    """CPU seconds used by every process of this container (cgroup v1 or v2; without cgroups,
    as under gVisor, the processes' own accounting), or None."""
    try:
        with open("/sys/fs/cgroup/cpuacct/cpuacct.usage") as f:
            return int(f.read()) / 1e9
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/cpu.stat") as f:
            for line in f:
                name, _, value = line.partition(" ")
                if name == "usage_usec":
                    return int(value) / 1e6
    except (OSError, ValueError):
        pass
    return _processes_cpu_s()


def _processes_cpu_s() -> float | None:
    """CPU seconds of the live processes and of the children they reaped (utime, stime, cutime,
    cstime of /proc/PID/stat): the dead are counted through whoever reaped them (init reaps
    orphans). None when /proc says nothing."""
    ticks = 0
    seen = False
    for _, fields in _process_stats():
        with contextlib.suppress(ValueError):
            ticks += sum(int(v) for v in fields[11:15])
            seen = True
    return ticks / os.sysconf("SC_CLK_TCK") if seen else None


def _frozen(cpu_before: float | None, cpu_after: float | None, late: float) -> bool:
    """Whether a late wake-up was the container frozen (docker pause) or starved from outside:
    its processes used little CPU meanwhile. A program that starves the agent by burning the
    container's CPU itself is not frozen; its timeout stands."""
    if cpu_before is None or cpu_after is None:
        return True
    return cpu_after - cpu_before < 0.25 * late


def _child(
    argv: list[str], env: dict[str, str], limits: dict[str, Any], stdin_r: int, out_w: int,
    err_w: int, report_w: int,
) -> NoReturn:
    """In the forked child: become the sandboxed program. Never returns."""
    try:
        os.setsid()
        # The OOM killer should pick the candidate, never the agent.
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
        for target, fd in ((0, stdin_r), (1, out_w), (2, err_w)):
            os.dup2(fd, target)
        for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGXCPU, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        cpu = max(1, int(limits["cpu_s"] + 0.999))
        memory = int(limits["memory_bytes"])
        nproc = int(limits.get("nproc") or NPROC_BACKSTOP)
        for which, value in (
            (resource.RLIMIT_CPU, (cpu, cpu + 1)),
            (resource.RLIMIT_AS, (memory, memory)),
            (resource.RLIMIT_NPROC, (nproc, nproc)),
            (resource.RLIMIT_FSIZE, (int(limits["file_bytes"]), int(limits["file_bytes"]))),
            (resource.RLIMIT_NOFILE, (int(limits["open_files"]), int(limits["open_files"]))),
            (resource.RLIMIT_CORE, (0, 0)),
        ):
            resource.setrlimit(which, value)
        os.setgroups([])
        os.setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID)
        os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
        os.chdir(WORK)
        os.execvpe(argv[0], argv, env)
    except BaseException as exc:  # report to the agent, then die without running its code
        code = exc.errno if isinstance(exc, OSError) and exc.errno else 0
        try:
            os.write(report_w, f"{code}:{exc}".encode("utf-8", "replace")[:1000])
        finally:
            os._exit(127)
    os._exit(127)


def _set_nonblocking(fd: int) -> None:
    os.set_blocking(fd, False)


def _wait_child(
    pid: int, pidfd: int | None, timeout: float,
) -> tuple[int, resource.struct_rusage] | None:
    """Reap `pid` if it exits within `timeout` seconds; (status, rusage) or None."""
    if pidfd is not None:
        selector = selectors.DefaultSelector()
        selector.register(pidfd, selectors.EVENT_READ)
        selector.select(timeout)
        selector.close()
        reaped, status, usage = os.wait4(pid, os.WNOHANG)
        return (status, usage) if reaped else None
    deadline = time.monotonic() + timeout
    while True:
        reaped, status, usage = os.wait4(pid, os.WNOHANG)
        if reaped:
            return status, usage
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.002)


def run(request: dict[str, Any]) -> dict[str, Any]:
    limits = request["limits"]
    argv = [str(a) for a in request["argv"]]
    if not argv:
        raise ProtocolError("argv is empty")
    cap = int(limits["output_bytes"])
    env = dict(DEFAULT_ENV)
    env.update({str(k): str(v) for k, v in (request.get("env") or {}).items()})
    anomalies: list[str] = []

    if not kill_everything():  # nothing should be running; a failed earlier run may have left some
        anomalies.append("processes from an earlier run could not be killed")
    failed = wipe_all()
    if failed:
        anomalies.append("wipe failed: " + "; ".join(failed))
    write_files(request.get("files") or [])
    stdin = base64.b64decode(request.get("stdin") or "")
    oom_before = _read_oom_kills()

    stdin_r, stdin_fd = os.pipe()
    stdin_w: int | None = stdin_fd
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    report_r, report_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(argv, env, limits, stdin_r, out_w, err_w, report_w)
    for fd in (stdin_r, out_w, err_w, report_w):
        os.close(fd)
    with os.fdopen(report_r, "rb") as report:
        exec_error = report.read()  # EOF at exec (close-on-exec) or at the child's death
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None

    out, err = bytearray(), bytearray()
    sizes = {out_r: 0, err_r: 0}
    buffers = {out_r: out, err_r: err}
    truncated = False
    selector = selectors.DefaultSelector()
    for fd in (out_r, err_r):
        _set_nonblocking(fd)
        selector.register(fd, selectors.EVENT_READ)
    _set_nonblocking(stdin_fd)
    pending = memoryview(stdin)
    if pending:
        selector.register(stdin_fd, selectors.EVENT_WRITE)
    else:
        os.close(stdin_fd)
        stdin_w = None
    if pidfd is not None:
        selector.register(pidfd, selectors.EVENT_READ)

    def close_stdin() -> None:
        nonlocal stdin_w
        if stdin_w is not None:
            selector.unregister(stdin_w)
            os.close(stdin_w)
            stdin_w = None

    def pump(timeout: float) -> bool:
        """One round of the I/O loop; True when the child's pidfd became readable."""
        nonlocal pending, truncated
        exited = False
        for key, _ in selector.select(timeout):
            fd = key.fd
            if fd == pidfd:
                exited = True
            elif fd == stdin_w:
                try:
                    pending = pending[os.write(fd, pending[:CHUNK]):]
                except BlockingIOError:
                    continue
                except OSError:  # EPIPE: the program closed stdin or died
                    pending = memoryview(b"")
                if not pending:
                    close_stdin()
            else:
                try:
                    chunk = os.read(fd, CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    os.close(fd)
                    continue
                room = cap - sizes[fd]
                if room > 0:
                    buffers[fd] += chunk[:room]
                if len(chunk) > room:
                    truncated = True
                sizes[fd] += len(chunk)
        return exited

    deadline = started + float(limits["wall_s"])
    timed_out = False
    reaped = None
    stalled = 0.0
    if exec_error:
        reaped = os.wait4(pid, 0)[1:]
    else:
        while True:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                timed_out = True
                break
            wait = min(remaining, HEARTBEAT_S if pidfd is not None else 0.005)
            cpu_before = _container_cpu_s()
            exited = pump(wait)
            late = time.monotonic() - now - wait
            if late > STALL_S and _frozen(cpu_before, _container_cpu_s(), late):
                stalled += late
            if pidfd is not None:
                if exited:
                    break
            else:
                result = _wait_child(pid, None, 0)
                if result is not None:
                    reaped = result
                    break
    if reaped is None and not timed_out:
        reaped = _wait_child(pid, pidfd, 0.0)
    wall = time.monotonic() - started
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    if reaped is None:
        reaped = os.wait4(pid, 0)[1:]
    if not kill_everything():
        anomalies.append("leftover processes could not be killed")
    close_stdin()
    if pidfd is not None:
        selector.unregister(pidfd)
        os.close(pidfd)
    drain_until = time.monotonic() + DRAIN_GRACE_S
    while len(selector.get_map()) and time.monotonic() < drain_until:
        pump(max(0.0, drain_until - time.monotonic()))
    if len(selector.get_map()):
        anomalies.append("output pipes still open after every process was killed")
        for key in list(selector.get_map().values()):
            selector.unregister(key.fd)
            os.close(key.fd)
    selector.close()

    status, usage = reaped
    exit_code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    signum = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    cpu = usage.ru_utime + usage.ru_stime
    if exec_error:
        code, _, message = exec_error.decode("utf-8", "replace").partition(":")
        exit_code = 126 if code == str(errno.EACCES) else 127
        err[:] = f"rlvr sandbox: cannot run {argv[0]!r}: {message}\n".encode()[:cap]
    cpu_exceeded = signum == signal.SIGXCPU or (
        signum == signal.SIGKILL and cpu >= float(limits["cpu_s"]) - 0.05
    )
    timed_out = timed_out or cpu_exceeded
    oom_after = _read_oom_kills()
    kernel_oom = oom_before is not None and oom_after is not None and oom_after > oom_before
    if kernel_oom:
        anomalies.append("the kernel OOM killer fired in this container")
    oom = (
        kernel_oom
        or (signum == signal.SIGKILL and not timed_out)
        or (exit_code not in (0, None) and b"MemoryError" in bytes(err[-4096:]))
    )
    files = collect_files(request.get("collect") or [], cap)
    failed = wipe_all()
    if failed:
        anomalies.append("wipe failed: " + "; ".join(failed))
    if any(_ipc_objects()):
        anomalies.append("System V IPC objects or POSIX message queues left behind")
    return {
        "ok": True,
        "exit_code": exit_code,
        "signal": signum,
        "stdout": _b64(bytes(out)),
        "stderr": _b64(bytes(err)),
        "wall_s": wall,
        "cpu_s": cpu,
        "max_rss_bytes": usage.ru_maxrss * 1024,
        "timed_out": timed_out,
        "oom_killed": oom,
        "output_truncated": truncated,
        "files": files,
        "anomalies": anomalies,
        "stalled_s": stalled,
    }


class _ShmInfo(ctypes.Structure):
    _fields_ = [("used_ids", ctypes.c_int), ("counters", ctypes.c_ulong * 5),
                ("spare", ctypes.c_byte * 64)]


class _MsgInfo(ctypes.Structure):
    _fields_ = [("msgpool", ctypes.c_int), ("counters", ctypes.c_int * 5),
                ("sizes", ctypes.c_ushort * 2), ("spare", ctypes.c_byte * 64)]


class _SemInfo(ctypes.Structure):
    _fields_ = [("counters", ctypes.c_int * 7), ("semusz", ctypes.c_int),
                ("rest", ctypes.c_int * 2), ("spare", ctypes.c_byte * 64)]


_SHM_INFO, _MSG_INFO, _SEM_INFO = 14, 12, 19


def sysv_ipc_counts() -> tuple[int, int, int] | None:
    """How many System V shared memory segments, message queues and semaphore sets exist in
    this IPC namespace (shmctl SHM_INFO, msgctl MSG_INFO, semctl SEM_INFO: gVisor has no
    /proc/sysvipc, and these calls work under both runtimes); None if a call fails."""
    libc = ctypes.CDLL(None, use_errno=True)
    shm, msg, sem = _ShmInfo(), _MsgInfo(), _SemInfo()
    if (libc.shmctl(0, _SHM_INFO, ctypes.byref(shm)) < 0
            or libc.msgctl(0, _MSG_INFO, ctypes.byref(msg)) < 0
            or libc.semctl(0, 0, _SEM_INFO, ctypes.byref(sem)) < 0):
        return None
    return shm.used_ids, msg.msgpool, sem.semusz


def _ipc_objects() -> Iterator[bool]:
    """Whether each kind of IPC object that outlives a process exists (they would carry data
    from one run to the next): counted by system calls, else read from /proc/sysvipc."""
    counts = sysv_ipc_counts()
    if counts is not None:
        yield any(counts)
    else:
        for name in ("shm", "msg", "sem"):
            try:
                with open(f"/proc/sysvipc/{name}") as f:
                    yield len(f.readlines()) > 1
            except OSError:
                yield False
    try:
        yield bool(os.listdir("/dev/mqueue"))
    except OSError:
        yield False


def handle(request: dict[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    if op == "hello":
        return {"ok": True, "protocol": PROTOCOL, "pid": os.getpid(),
                "python": sys.version.split()[0], "uid": os.getuid()}
    if op == "run":
        return run(request)
    raise ProtocolError(f"unknown op {op!r}")


def main() -> int:
    if os.getuid() != 0:
        sys.stderr.write(
            "rlvr sandbox agent: must start as root (with CAP_SETUID/SETGID/KILL) to drop each "
            "run to uid 1000; the pool starts it with user='0'. To run a program by hand: "
            "docker run --rm IMAGE python3 -c 'print(1)'\n"
        )
        return 2
    for entry in os.listdir("/proc/self/fd"):
        if int(entry) > 2:
            with contextlib.suppress(OSError):
                os.set_inheritable(int(entry), False)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    wipe_all()
    while True:
        try:
            request = read_frame()
        except (ProtocolError, ValueError) as exc:
            write_frame({"ok": False, "error": f"unreadable request: {exc}"})
            return 1  # the stream is out of step: let the host replace the container
        if request is None:
            return 0
        try:
            reply = handle(request)
        except Exception:
            reply = {"ok": False, "error": traceback.format_exc(limit=5)}
        write_frame(reply)


if __name__ == "__main__":
    sys.exit(main())
