"""Errors meant for the person at the terminal: printed as one line, never as a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence


class UserError(Exception):
    """Bad input or setup the user can fix; `str()` says what and how."""


def did_you_mean(word: str, known: Sequence[str], show: Callable[[str], str] = repr) -> str:
    """"; did you mean 'x'?" for the closest of `known` (`show` formats it), or "" when none
    is close: most unknown keys are typos of a known one."""
    close = difflib.get_close_matches(word, known, n=1)
    return f"; did you mean {show(close[0])}?" if close else ""
