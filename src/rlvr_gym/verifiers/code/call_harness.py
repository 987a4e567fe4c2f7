"""The program that runs inside the sandbox for function problems (standard library only).

It executes the candidate's code as ``__main__``, then evaluates each test's call expression in
its own guarded try block and appends one JSON line per call to ``results.jsonl``: the returned
value as tagged plain data, or the error it raised. It never sees an expected value and decides
nothing; the host reads the lines and judges the asserts.

Encoding looks only at exact types (``type(v) is int``, never ``isinstance`` or ``repr``), so no
code of the candidate's runs while a result is written, and an object that claims to equal
everything has no encoding: it comes back as ``not_plain``.

Files (in the work folder): ``solution.py`` (the candidate), ``calls.json`` (``{"calls": [...],
"entry_point": ..., "call_timeout_s": ..., "max_result_bytes": ...}``) in; ``results.jsonl`` out:
first ``{"load": "ok"}`` or ``{"load": "error", "error": ...}``, then ``{"i": n, "value": ...}``
or ``{"i": n, "error": ..., "kind": ...}`` per call, then ``{"done": true}``.
"""

from __future__ import annotations

import builtins
import collections
import json
import os
import signal
import sys
import types
from typing import Any

MAX_DEPTH = 64
MAX_NODES = 100_000
RESULTS_FILE = "results.jsonl"

_BUILTIN_EXCEPTIONS = frozenset(
    v for v in vars(builtins).values() if isinstance(v, type) and issubclass(v, BaseException)
)
# dict subclasses of the standard library whose content is read with dict's own C methods
_DICT_TYPES = (dict, collections.OrderedDict, collections.defaultdict, collections.Counter)
_SEQUENCE_TAGS: dict[type, str] = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}


class CallTimeout(BaseException):
    """Raised by the per-call timer; a BaseException so ``except Exception`` cannot swallow it."""


class NotPlain(Exception):
    """The value has no plain-data encoding (a custom object, too deep, too large)."""


def encode(value: Any) -> Any:
    """Tagged JSON of a plain value: ``{"t": tag, "v": payload}``; raises `NotPlain`."""
    budget = [MAX_NODES]
    return _encode(value, 0, budget)


def _encode(value: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise NotPlain(f"more than {MAX_NODES} elements")
    if depth > MAX_DEPTH:
        raise NotPlain(f"nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool:
        return {"t": "bool", "v": bool(value)}
    if kind is int:
        return {"t": "int", "v": hex(value)}  # hex: no 4300-digit limit, exact
    if kind is float:
        return {"t": "float", "v": float.hex(value)}  # exact; keeps inf and nan
    if kind is str:
        return {"t": "str", "v": value}
    if kind is bytes:
        return {"t": "bytes", "v": bytes.hex(value)}
    tag = _SEQUENCE_TAGS.get(kind)
    if tag is not None:
        return {"t": tag, "v": [_encode(item, depth + 1, budget) for item in value]}
    if kind in _DICT_TYPES:
        return {
            "t": "dict",
            "v": [
                [_encode(k, depth + 1, budget), _encode(v, depth + 1, budget)]
                for k, v in dict.items(value)
            ],
        }
    raise NotPlain(f"a value of type {_type_name(kind)} is not plain data")


def _type_name(kind: type) -> str:
    try:
        name = type.__dict__["__name__"].__get__(kind)
    except BaseException:
        return "?"
    return name[:80] if type(name) is str else "?"


def describe(exc: BaseException) -> str:
    """``TypeName: message`` without running the candidate's ``__str__`` (builtins only)."""
    name = _type_name(type(exc))
    if type(exc) not in _BUILTIN_EXCEPTIONS:
        return name
    try:
        args = BaseException.__dict__["args"].__get__(exc)
        message = args[0] if len(args) == 1 and type(args[0]) in (str, int) else ""
        text = str(message)[:500]
    except BaseException:
        text = ""
    return f"{name}: {text}" if text else name


def _on_alarm(signum: int, frame: object) -> None:
    raise CallTimeout


def main() -> None:
    with open("calls.json", encoding="utf-8") as handle:
        spec = json.load(handle)
    with open("solution.py", encoding="utf-8") as handle:
        source = handle.read()
    calls: list[str] = spec["calls"]
    entry_point: str = spec["entry_point"]
    timeout = float(spec["call_timeout_s"])
    max_bytes = int(spec["max_result_bytes"])
    # Everything the harness needs is bound here, before the candidate can patch modules.
    fd = os.open(RESULTS_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
    write, dumps, setitimer, exit_now = os.write, json.dumps, signal.setitimer, os._exit
    itimer, compile_, eval_, exec_ = signal.ITIMER_REAL, compile, eval, exec
    signal.signal(signal.SIGALRM, _on_alarm)
    if hasattr(signal, "SIGXFSZ"):  # a too-large write fails instead of killing the harness
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    def emit(record: dict[str, Any]) -> None:
        line = dumps(record, ensure_ascii=True)
        if len(line) > max_bytes and "value" in record:
            line = dumps({"i": record["i"], "kind": "too_large",
                          "error": f"the result is larger than {max_bytes} bytes"})
        write(fd, (line + "\n").encode("ascii"))

    module = types.ModuleType("__main__")
    module.__dict__["__file__"] = "solution.py"
    module.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = module
    try:
        code = compile_(source, "solution.py", "exec")
        setitimer(itimer, timeout)
        try:
            exec_(code, module.__dict__)
        finally:
            setitimer(itimer, 0)
    except CallTimeout:
        emit({"load": "error", "kind": "timeout", "error": "loading the code took too long"})
        exit_now(0)
    except BaseException as exc:
        emit({"load": "error", "kind": "error", "error": describe(exc)})
        exit_now(0)
    namespace = dict(module.__dict__)
    if entry_point in namespace:
        namespace["candidate"] = namespace[entry_point]
    emit({"load": "ok", "entry_point": entry_point in namespace})
    for index, expression in enumerate(calls):
        record: dict[str, Any]
        try:
            setitimer(itimer, timeout)
            try:
                value = eval_(compile_(expression, f"<test {index + 1}>", "eval"), namespace)
            finally:
                setitimer(itimer, 0)
        except CallTimeout:
            record = {"i": index, "kind": "timeout", "error": f"took longer than {timeout:g} s"}
        except BaseException as exc:
            record = {"i": index, "kind": "error", "error": describe(exc)}
        else:
            try:
                record = {"i": index, "value": encode(value)}
            except NotPlain as exc:
                record = {"i": index, "kind": "not_plain", "error": str(exc)}
            except RecursionError:
                record = {"i": index, "kind": "not_plain", "error": "nested too deeply"}
        emit(record)
    emit({"done": True})
    exit_now(0)  # skip atexit handlers and lingering threads of the candidate


if __name__ == "__main__":
    main()
