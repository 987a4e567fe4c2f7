"""`ResultsFile`: an append-only JSONL file of results that a rerun with the same arguments resumes.

Each row is written and flushed on its own, so a killed run loses at most the row it was writing;
the truncated last line it leaves is dropped when the file is opened again. What produced the rows
(env id, policy, seed, ...) is kept in a sidecar ``OUT.meta.json``: a rerun with other arguments
is refused rather than mixing results from two runs in one file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from rlvr_gym.core.errors import ConfigurationError, TaskFileError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock, the rest works
    fcntl = None  # type: ignore[assignment]


def sidecar_path(out: str | os.PathLike[str], name: str) -> Path:
    """``results.jsonl`` -> ``results.<name>.json`` (the meta and summary files beside it)."""
    path = Path(out)
    return path.with_suffix(f".{name}.json") if path.suffix else Path(f"{path}.{name}.json")


def _normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON round trip of `data`, so what was stored and what is asked compare equal."""
    loaded: dict[str, Any] = json.loads(json.dumps(dict(data), sort_keys=True, default=str))
    return loaded


class ResultsFile:
    """A JSONL results file plus its meta sidecar; `open()` returns the rows already done.

    Use as a context manager: ``with ResultsFile(path, meta) as results: done = results.rows``.
    """

    def __init__(self, path: str | os.PathLike[str], meta: Mapping[str, Any]) -> None:
        self.path = Path(path)
        self.meta_path = sidecar_path(self.path, "meta")
        self.meta = _normalise(meta)
        self.rows: list[dict[str, Any]] = []
        self.dropped_partial_line = False
        self._handle: IO[bytes] | None = None

    def open(self) -> list[dict[str, Any]]:
        """Lock the file, check it belongs to this run, drop a truncated last line, read rows.

        Nothing in a file that belongs to another run (or to no run: rows with no meta) is
        changed: the check comes before the torn last line is cut.
        """
        handle = self._open_handle()
        try:
            self._lock(handle)
            handle.seek(0)
            content = handle.read()
            cut = content.rfind(b"\n") + 1
            self.rows = self._parse(content[:cut])
            if self.rows or content:
                self._check_meta()
            else:
                self._write_meta()
            if cut < len(content):  # a run of ours killed mid-write left half a row
                handle.truncate(cut)
                self.dropped_partial_line = True
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        return self.rows

    def _open_handle(self) -> IO[bytes]:
        """The results file opened for reading and appending; a path that cannot be one (a
        directory, a folder that is a file, no permission) is a ConfigurationError naming it."""
        if self.path.is_dir():
            raise ConfigurationError(
                f"{self.path} is a directory; give the path of a results file (e.g. "
                f"{self.path / 'results.jsonl'})"
            )
        if self.path.exists() and not self.path.is_file():  # a pipe or device never ends
            raise ConfigurationError(
                f"{self.path} is not a regular file; give the path of a results file"
            )
        for folder in self.path.parents:
            if folder.exists() and not folder.is_dir():
                raise ConfigurationError(
                    f"cannot write {self.path}: {folder} is a file, not a folder; choose another "
                    "output file"
                )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self.path.open("a+b")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise ConfigurationError(
                f"cannot open {self.path} for results ({reason}); choose another output file"
            ) from exc

    def _lock(self, handle: IO[bytes]) -> None:
        if fcntl is None:
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise ConfigurationError(
                f"{self.path} is being written by another run; wait for it or choose another "
                "output file"
            ) from exc

    def _parse(self, content: bytes) -> list[dict[str, Any]]:
        rows = []
        # split at "\n" only: rows may hold raw U+2028, U+0085 ... that splitlines() breaks at
        for number, line in enumerate(content.decode("utf-8", errors="replace").split("\n"), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TaskFileError(
                    f"not valid JSON ({exc.msg}); the results file is damaged: fix or delete it",
                    path=str(self.path), row=number,
                ) from exc
            if not isinstance(row, dict):
                raise TaskFileError("a results row must be a JSON object", path=str(self.path),
                                    row=number)
            rows.append(row)
        return rows

    def _check_meta(self) -> None:
        if not self.meta_path.is_file():
            raise ConfigurationError(
                f"{self.path} already holds results but {self.meta_path.name} (what produced "
                "them) is missing; choose another output file or delete this one to start over"
            )
        try:
            stored = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigurationError(
                f"{self.meta_path} is unreadable ({exc}); delete it and {self.path} to start over"
            ) from exc
        if stored == self.meta:
            return
        keys = sorted(set(stored) | set(self.meta))
        changed = [
            f"{key}: {stored.get(key)!r} there, {self.meta.get(key)!r} now"
            for key in keys
            if stored.get(key) != self.meta.get(key)
        ]
        raise ConfigurationError(
            f"{self.path} holds results of a different run ({'; '.join(changed)}); rerun with "
            "the same arguments to resume, or choose another output file"
        )

    def _write_meta(self) -> None:
        tmp = self.meta_path.with_name(self.meta_path.name + ".tmp")
        tmp.write_text(json.dumps(self.meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(self.meta_path)

    def append(self, row: Mapping[str, Any]) -> None:
        """Write one row and flush it, so a kill after this call never loses it."""
        if self._handle is None:
            raise ConfigurationError("open() the results file before appending to it")
        line = json.dumps(dict(row), ensure_ascii=False, default=str) + "\n"
        try:
            data = line.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: keep it as a JSON escape, which round-trips
            data = (json.dumps(dict(row), ensure_ascii=True, default=str) + "\n").encode("ascii")
        self._handle.write(data)
        self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> ResultsFile:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
