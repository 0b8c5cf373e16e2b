"""Exponential backoff with jitter: how long a failing source should be left alone.

A source does not sleep or retry by itself; it records failures here and tells the caller
(the hub scheduler) when another attempt makes sense, through `SourceUnavailable.retry_after`
and its own `next_attempt`. A server's `Retry-After` wins when it asks for longer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delay after the n-th consecutive failure: `base * factor**(n-1)`, capped, ± jitter."""

    base: float = 30.0
    factor: float = 2.0
    cap: float = 30 * 60.0
    jitter: float = 0.1
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0
    next_attempt: float | None = None
    """`clock()` time before which another attempt is pointless; None while healthy."""

    def failure(self, retry_after: float | None = None) -> float:
        """Record a failure; return the seconds to wait before the next attempt."""
        self.failures += 1
        delay = min(self.cap, self.base * self.factor ** (self.failures - 1))
        if self.jitter:
            delay *= 1 + self.rng.uniform(-self.jitter, self.jitter)
        if retry_after is not None:
            delay = max(delay, min(float(retry_after), self.cap))
        delay = max(0.0, delay)
        self.next_attempt = self.clock() + delay
        return delay

    def success(self) -> None:
        """Forget past failures."""
        self.failures = 0
        self.next_attempt = None

    def ready(self) -> bool:
        """True when an attempt now is not premature."""
        return self.next_attempt is None or self.clock() >= self.next_attempt

    def remaining(self) -> float:
        """Seconds until `next_attempt` (0 when ready)."""
        if self.next_attempt is None:
            return 0.0
        return max(0.0, self.next_attempt - self.clock())
