"""A pass-through proxy of the Docker engine's socket that can be cut: the "engine briefly
unreachable" fault, injected without touching the real engine.

Point a process at it with ``DOCKER_HOST=unix://PROXY_PATH`` (or a client built with
``docker.DockerClient(base_url=proxy.url)``). While the proxy is up every connection is relayed
byte for byte, so hijacked streams (``attach``) work as they do on the real socket. `cut` closes
every relayed connection and removes the socket file, exactly what a client sees when the engine
restarts; `restore` listens again.

    with DockerSocketProxy(tmp / "docker.sock") as proxy:
        pool = DockerSandboxPool(client=docker.DockerClient(base_url=proxy.url))
        proxy.cut(); time.sleep(2); proxy.restore()
"""

from __future__ import annotations

import contextlib
import os
import queue
import selectors
import socket
import threading
from pathlib import Path
from types import TracebackType

__all__ = ["DockerSocketProxy", "engine_socket_path"]

_CHUNK = 64 * 1024


def engine_socket_path() -> Path:
    """The real engine's socket: ``DOCKER_HOST`` when it names a unix socket, else the default."""
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        return Path(host.removeprefix("unix://"))
    return Path("/var/run/docker.sock")


class DockerSocketProxy:
    """Relays a unix socket at `path` to the engine's socket `upstream`; `cut` and `restore` it.

    `cuts` counts the cuts so far; `connections` is the number of relayed connections now open.
    """

    def __init__(self, path: str | os.PathLike[str], upstream: str | os.PathLike[str] | None = None
                 ) -> None:
        self.path = Path(path)
        self.upstream = Path(upstream) if upstream is not None else engine_socket_path()
        self.cuts = 0
        self._lock = threading.Lock()
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._listener: socket.socket | None = None
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._calls: queue.Queue[tuple[str, threading.Event]] = queue.Queue()
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="docker-proxy", daemon=True)
        self._thread.start()
        self._listen()

    @property
    def url(self) -> str:
        """The ``base_url`` / ``DOCKER_HOST`` value that reaches the engine through the proxy."""
        return f"unix://{self.path}"

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._pairs) // 2

    @property
    def up(self) -> bool:
        with self._lock:
            return self._listener is not None

    def cut(self) -> None:
        """Make the engine unreachable: drop every relayed connection and stop listening."""
        with self._lock:
            self.cuts += 1
        self._call_in_loop("cut")

    def restore(self) -> None:
        """Listen again (a no-op while up)."""
        with self._lock:
            if self._listener is not None:
                return
        self._listen()

    def close(self) -> None:
        """Stop relaying, drop every connection, and remove the socket file."""
        if self._stopping:
            return
        self._stopping = True
        self._call_in_loop("stop")
        self._thread.join(timeout=5)
        self._wake_r.close()
        self._wake_w.close()
        self._selector.close()

    def __enter__(self) -> DockerSocketProxy:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------------ the relay loop

    def _listen(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        listener.listen(64)
        listener.setblocking(False)
        with self._lock:
            self._listener = listener
        self._call_in_loop("listen")

    def _call_in_loop(self, what: str) -> None:
        """Have the relay thread do `what` (it owns the selector) and wait until it has."""
        done = threading.Event()
        self._calls.put((what, done))
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        done.wait(timeout=5)

    def _serve(self) -> None:
        while True:
            for key, _ in self._selector.select(timeout=0.5):
                if key.data == "wake":
                    with contextlib.suppress(OSError):
                        self._wake_r.recv(4096)
                    if not self._run_calls():
                        return
                elif key.data == "listen":
                    self._accept(key.fileobj)  # type: ignore[arg-type]
                else:
                    self._relay(key.fileobj)  # type: ignore[arg-type]

    def _run_calls(self) -> bool:
        """Run the queued calls; False once asked to stop."""
        while True:
            try:
                what, done = self._calls.get_nowait()
            except queue.Empty:
                return True
            if what == "listen":
                self._register_listener()
            else:
                self._drop_all()
            done.set()
            if what == "stop":
                return False

    def _register_listener(self) -> None:
        with self._lock:
            listener = self._listener
        if listener is not None:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.register(listener, selectors.EVENT_READ, "listen")

    def _accept(self, listener: socket.socket) -> None:
        try:
            client, _ = listener.accept()
        except (BlockingIOError, OSError):
            return
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(str(self.upstream))
        except OSError:
            client.close()
            upstream.close()
            return
        for sock in (client, upstream):
            sock.setblocking(False)
        with self._lock:
            self._pairs[client] = upstream
            self._pairs[upstream] = client
        self._selector.register(client, selectors.EVENT_READ, "relay")
        self._selector.register(upstream, selectors.EVENT_READ, "relay")

    def _relay(self, source: socket.socket) -> None:
        with self._lock:
            target = self._pairs.get(source)
        if target is None:
            return
        try:
            data = source.recv(_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._drop(source)
            return
        try:
            target.setblocking(True)
            target.settimeout(30)
            target.sendall(data)
            target.setblocking(False)
        except OSError:
            self._drop(source)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            other = self._pairs.pop(sock, None)
            if other is not None:
                self._pairs.pop(other, None)
        for end in (sock, other):
            if end is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(end)
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def _drop_all(self) -> None:
        with self._lock:
            socks = list(self._pairs)
            listener, self._listener = self._listener, None
        for sock in socks:
            self._drop(sock)
        if listener is not None:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(listener)
            listener.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
