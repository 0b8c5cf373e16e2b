"""Step runner: numbered progress lines, one per step, and the failing step named.

    [3/9] Copy firmware (16 files, 35.1 KB) ... ok (1.2 s)
    [4/9] Check Wi-Fi from the board ... FAILED

A step is a title and a function returning an optional detail string. Only titles, details
and FlashError messages are printed; the callers make sure none of them holds a secret.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from hub.flashing.errors import FlashError


@dataclass
class Step:
    title: str
    run: Callable[[], str | None]


class StepRunner:
    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.done: list[str] = []

    def run(self, steps: list[Step]) -> None:
        total = len(steps)
        for i, step in enumerate(steps, 1):
            print(f"[{i}/{total}] {step.title} ...", end="", file=self.out, flush=True)
            t0 = time.monotonic()
            try:
                detail = step.run()
            except FlashError:
                print(" FAILED", file=self.out, flush=True)
                raise
            except BaseException:
                print(" interrupted", file=self.out, flush=True)
                raise
            took = time.monotonic() - t0
            extra = f": {detail}" if detail else ""
            print(f" ok ({took:.1f} s){extra}", file=self.out, flush=True)
            self.done.append(step.title)
