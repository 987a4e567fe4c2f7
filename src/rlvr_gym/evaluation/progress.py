"""`ProgressBar`: a one-line count/total, rate and ETA display on stderr, with no dependency.

It draws only when its stream is a terminal (so logs and pipes stay clean) unless forced, and
redraws at most every `min_interval_s` so that fast loops do not spend their time printing.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """Shows ``label [#####.....] 40/100 3.2/s ETA 0:19``; rate and ETA count this session only.

    `initial` is the work already done (a resumed run), so the bar starts where it left off.
    """

    def __init__(
        self,
        total: int,
        *,
        initial: int = 0,
        label: str = "",
        enabled: bool = True,
        force: bool = False,
        stream: TextIO | None = None,
        width: int = 24,
        min_interval_s: float = 0.1,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = enabled and (force or bool(isatty and isatty()))
        self.total = max(0, total)
        self.count = initial
        self.initial = initial
        self.label = label
        self.width = width
        self.min_interval_s = min_interval_s
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def render(self) -> str:
        """The bar's current text (without the carriage return)."""
        done = min(self.count, self.total)
        filled = int(self.width * done / self.total) if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.monotonic() - self._started
        fresh = self.count - self.initial
        rate = fresh / elapsed if elapsed > 0 else 0.0
        if self.count >= self.total:
            eta = f"done in {_clock(elapsed)}"
        elif rate > 0:
            eta = f"ETA {_clock((self.total - self.count) / rate)}"
        else:
            eta = "ETA ?"
        prefix = f"{self.label} " if self.label else ""
        return f"{prefix}[{bar}] {done}/{self.total} {rate:.2f}/s {eta}"

    def update(self, step: int = 1) -> None:
        """Count `step` more units of work and redraw when due."""
        self.count += step
        if not self.enabled:
            return
        now = time.monotonic()
        if self.count >= self.total or now - self._last_draw >= self.min_interval_s:
            self._draw()
            self._last_draw = now

    def _draw(self) -> None:
        self.stream.write("\r" + self.render() + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Draw the final state and end the line."""
        if not self.enabled:
            return
        self._draw()
        self.stream.write("\n")
        self.stream.flush()

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            self._draw()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
