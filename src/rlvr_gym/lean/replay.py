"""A stand-in Lean REPL that answers from recorded transcripts of a real one.

    python -m rlvr_gym.lean.replay TRANSCRIPT_DIR [--stall-on TEXT] [--crash-on TEXT]
                                                  [--hog-on TEXT] [--label TEXT] [--log FILE]

It reads ``NAME.in`` / ``NAME.expected.out`` pairs (what was written to a real ``repl`` and
what it answered) and then speaks the REPL protocol on stdin/stdout, so the client and the
pool run over real pipes, real framing and real processes where no Lean is installed.

A command is looked up by its request (without ``env``) among the recorded ones; a tactic by
its text and the recorded proof state it was applied to. Environment and proof-state numbers
are renumbered for this session, as a fresh REPL would number them, and a recorded proof state
is remembered with every recording that reached the same request, so a tactic recorded in any
transcript that opened the same theorem is found. Unknown numbers get the REPL's own
``Unknown environment.`` / ``Unknown proof state.``; a request never recorded gets a REPL-level
``{"message": ...}``. A request line with no ``env`` made only of ``import`` lines answers a
fresh environment (a header).

Faults for tests: ``--stall-on TEXT`` never answers a request containing TEXT, ``--crash-on``
writes half an answer and exits with status 3, ``--hog-on`` takes ~400 MB and stalls.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

Json = dict[str, Any]


@dataclass(frozen=True)
class Exchange:
    """One recorded request (its raw text and decoded form) and the answer Lean gave."""

    request_text: str
    request: Json
    response: Json


def decode_request(text: str) -> Json:
    """Decode a request as the REPL does: its lines are joined without their line breaks."""
    joined = "".join(line.rstrip("\r\n") for line in text.splitlines())
    value = json.loads(joined, strict=False)
    if not isinstance(value, dict):
        raise ValueError(f"a request must be a JSON object, got {joined[:80]!r}")
    return value


def split_blocks(text: str) -> list[str]:
    """Split a stream into the blocks its blank lines separate (the protocol's framing)."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def load_transcript(path_in: Path) -> list[Exchange]:
    """The exchanges of ``NAME.in`` with ``NAME.expected.out`` beside it, in order."""
    path_out = path_in.with_name(path_in.name[: -len(".in")] + ".expected.out")
    requests = split_blocks(path_in.read_text(encoding="utf-8"))
    responses = split_blocks(path_out.read_text(encoding="utf-8"))
    if len(requests) != len(responses):
        raise ValueError(
            f"{path_in}: {len(requests)} requests but {len(responses)} recorded answers"
        )
    return [
        Exchange(req, decode_request(req), json.loads(resp))
        for req, resp in zip(requests, responses)  # noqa: B905 (lengths checked above)
    ]


def transcripts(directory: Path) -> dict[str, list[Exchange]]:
    """Every recorded transcript under `directory` (recursively), by relative name."""
    found = {}
    for path_in in sorted(directory.rglob("*.in")):
        if path_in.with_name(path_in.name[: -len(".in")] + ".expected.out").exists():
            name = str(path_in.relative_to(directory))[: -len(".in")]
            found[name] = load_transcript(path_in)
    return found


def _copy(value: Json) -> Json:
    copied: Json = json.loads(json.dumps(value))
    return copied


def _key(request: Json, *drop: str) -> str:
    return json.dumps({k: v for k, v in request.items() if k not in drop}, sort_keys=True)


Origin = tuple[str, int]  # (transcript, recorded proof state)


@dataclass
class ReplayRepl:
    """The session state of one replaying REPL."""

    recordings: dict[str, list[Exchange]]
    commands: dict[str, list[tuple[str, Json]]] = field(default_factory=dict)
    tactics: dict[tuple[str, int, str], Json] = field(default_factory=dict)
    envs: int = 0
    states: dict[int, list[Origin]] = field(default_factory=dict)
    goals: dict[int, Json] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, exchanges in self.recordings.items():
            for exchange in exchanges:
                request, response = exchange.request, exchange.response
                if "cmd" in request or "path" in request:
                    self.commands.setdefault(_key(request, "env"), []).append((name, response))
                elif "tactic" in request and "proofState" in request:
                    key = (name, int(request["proofState"]), _key(request, "proofState"))
                    self.tactics.setdefault(key, response)

    def _new_env(self) -> int:
        self.envs += 1
        return self.envs - 1

    def _new_state(self, origins: list[Origin], answer: Json) -> int:
        number = len(self.states)
        self.states[number] = origins
        self.goals[number] = answer
        return number

    def _renumber_sorries(self, recorded: list[tuple[str, Json]], answer: Json) -> None:
        for field_name in ("sorries", "tactics"):
            items = answer.get(field_name)
            if not items:
                continue
            for index, item in enumerate(items):
                if "proofState" not in item:
                    continue
                origins = [
                    (name, int(resp[field_name][index]["proofState"]))
                    for name, resp in recorded
                    if len(resp.get(field_name) or ()) > index
                    and "proofState" in resp[field_name][index]
                ]
                item["proofState"] = self._new_state(origins, {"goals": [item.get("goal", "")]})

    def answer(self, request: Json) -> Json:
        if "env" in request and not 0 <= int(request["env"]) < self.envs:
            return {"message": "Unknown environment."}
        if "cmd" in request or "path" in request:
            return self._command(request)
        if "tactic" in request:
            return self._tactic(request)
        if "pickleTo" in request:
            return self._pickle(request)
        if "unpickleEnvFrom" in request:
            return {"env": self._new_env()}
        if "unpickleProofStateFrom" in request:
            return self._unpickle_state(request)
        return {"message": f"replay: unsupported request {sorted(request)}"}

    def _command(self, request: Json) -> Json:
        recorded = self.commands.get(_key(request, "env"))
        if not recorded:
            cmd = str(request.get("cmd", ""))
            lines = [line.strip() for line in cmd.splitlines() if line.strip()]
            if "env" not in request and lines and all(ln.startswith("import ") for ln in lines):
                return {"env": self._new_env()}
            return {"message": f"replay: no recorded answer for {json.dumps(request)[:200]}"}
        answer = _copy(recorded[0][1])
        similar = [(n, r) for n, r in recorded if set(r) == set(recorded[0][1])]
        self._renumber_sorries(similar, answer)
        if "env" in answer:
            answer["env"] = self._new_env()
        return answer

    def _tactic(self, request: Json) -> Json:
        state = int(request.get("proofState", -1))
        if state not in self.states:
            return {"message": "Unknown proof state."}
        key = _key(request, "proofState")
        hits = [
            (name, self.tactics[(name, recorded, key)])
            for name, recorded in self.states[state]
            if (name, recorded, key) in self.tactics
        ]
        if not hits:
            return {"message": f"replay: no recorded answer for tactic {request['tactic']!r}"}
        answer = _copy(hits[0][1])
        if "proofState" not in answer:
            return answer
        self._renumber_sorries(hits, answer)
        origins = [(name, int(resp["proofState"])) for name, resp in hits if "proofState" in resp]
        answer["proofState"] = self._new_state(origins, answer)
        return answer

    def _pickle(self, request: Json) -> Json:
        path = Path(str(request["pickleTo"]))
        if "proofState" in request:
            state = int(request["proofState"])
            if state not in self.states:
                return {"message": "Unknown proof state."}
            path.write_text(json.dumps({"origins": self.states[state],
                                        "answer": self.goals[state]}), encoding="utf-8")
            answer = dict(self.goals[state])
            answer["proofState"] = self._new_state(self.states[state], answer)
            return answer
        path.write_text(json.dumps({"env": request.get("env")}), encoding="utf-8")
        return {"env": request.get("env")}

    def _unpickle_state(self, request: Json) -> Json:
        try:
            saved = json.loads(Path(str(request["unpickleProofStateFrom"])).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            return {"message": f"replay: cannot unpickle: {exc}"}
        origins = [(str(n), int(s)) for n, s in saved["origins"]]
        answer = dict(saved["answer"])
        answer["proofState"] = self._new_state(origins, answer)
        return answer


def read_requests(stream: TextIO) -> Iterator[str]:
    """Requests as the REPL reads them: lines up to a blank line; EOF ends the stream."""
    lines: list[str] = []
    for line in stream:
        if line.strip():
            lines.append(line)
        elif lines:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rlvr_gym.lean.replay",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("transcripts", type=Path, help="folder of NAME.in/NAME.expected.out")
    parser.add_argument("--stall-on", action="append", default=[], metavar="TEXT")
    parser.add_argument("--crash-on", action="append", default=[], metavar="TEXT")
    parser.add_argument("--hog-on", action="append", default=[], metavar="TEXT")
    parser.add_argument("--label", default="", help="ignored; lets tests find the process")
    parser.add_argument("--log", type=Path, help="append each request (with this pid) here")
    args = parser.parse_args(argv)
    repl = ReplayRepl(transcripts(args.transcripts))
    hoard: list[bytearray] = []
    for text in read_requests(sys.stdin):
        if args.log is not None:
            with args.log.open("a", encoding="utf-8") as log:
                log.write(json.dumps({"pid": os.getpid(), "request": text}) + "\n")
        if any(t in text for t in args.stall_on):
            while True:
                time.sleep(3600)
        if any(t in text for t in args.hog_on):
            block = bytearray(400 * 1024**2)
            block[::4096] = b"\x01" * len(range(0, len(block), 4096))  # touch every page
            hoard.append(block)
            while True:
                time.sleep(3600)
        if any(t in text for t in args.crash_on):
            sys.stdout.write('{"env":\n')
            sys.stdout.flush()
            os._exit(3)
        try:
            answer = repl.answer(decode_request(text))
        except (ValueError, KeyError, TypeError) as exc:
            answer = {"message": f"Could not parse JSON:\n{exc}"}
        sys.stdout.write(json.dumps(answer, indent=1, ensure_ascii=False) + "\n\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
