"""The process boundary to esptool and mpremote: run one command, keep its output, and turn
a failure into the one line an admin can act on.

Everything the serial side can say goes through `classify()`: one table of output patterns ->
(error kind, message). Secrets never reach a command line (files are copied from 0600 temp
files instead), and `Redactor` scrubs any tool output before it is shown.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hub.flashing.errors import FlashError

log = logging.getLogger(__name__)


class Redactor:
    """Replaces known secret values in text with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 3:  # a 1-2 char "secret" would shred ordinary text
            self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


@dataclass(frozen=True)
class ToolResult:
    argv: list[str]
    returncode: int
    output: str  # stdout and stderr, interleaved as the tool wrote them

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 3) -> str:
        text = [ln.strip() for ln in self.output.strip().splitlines() if ln.strip()]
        return " / ".join(text[-lines:])


# (pattern, kind, message). Checked in order on the output of a failed command; {port},
# {chip}, {tool} and the pattern's named groups are filled in.
RULES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"Permission denied", re.I), "port-denied",
     "permission denied on {port}: add your user to the 'dialout' group "
     "(sudo usermod -aG dialout $USER, then log out and in again)"),
    (re.compile(r"No such file or directory|port doesn't exist|could not find port", re.I),
     "port-missing",
     "serial port {port} not found: is the board plugged in (with a data USB cable)? "
     "Boards appear as /dev/ttyUSB* or /dev/ttyACM*"),
    (re.compile(r"This chip is (?P<found>[\w-]+), not (?P<asked>[\w-]+)", re.I), "chip",
     "wrong chip: the board is an {found}, not an {asked}; pass --chip for it and a "
     "MicroPython image built for that chip"),
    (re.compile(r"Wrong (--)?chip argument", re.I), "chip",
     "wrong chip: the board is not an {chip}; pass the right --chip and a matching image"),
    (re.compile(r"Failed to connect to|No serial data received|Timed out waiting for packet",
                re.I), "bootloader",
     "the board on {port} did not answer esptool: hold BOOT, press and release EN/RST, "
     "release BOOT, and run again (some boards need this every time)"),
    (re.compile(r"could not enter raw repl", re.I), "no-micropython",
     "the board on {port} does not answer with a MicroPython prompt: it has no MicroPython "
     "yet (pass --micropython-image FILE) or the roomink firmware is asleep on it (press its "
     "reset button and run again within a few seconds)"),
    (re.compile(r"ENOSPC|Errno 28|No space left", re.I), "space",
     "the board's filesystem is full: re-run with --erase and --micropython-image"),
    (re.compile(r"failed to access|port is busy|Resource busy|Device or resource busy", re.I),
     "port-busy",
     "{port} is in use by another program: close serial monitors (screen, minicom, "
     "Thonny, another mpremote) and run again"),
]


def classify(result: ToolResult, tool: str, context: dict[str, str],
             redact: Redactor) -> FlashError:
    """The FlashError for a failed command's output."""
    output = redact(result.output)
    for pattern, kind, message in RULES:
        match = pattern.search(output)
        if match:
            values = {"tool": tool, **context,
                      **{k: v for k, v in match.groupdict().items() if v}}
            try:
                return FlashError(kind, message.format(**values))
            except KeyError:  # a placeholder the context lacks: keep the rule's sense
                return FlashError(kind, message.replace("{", "").replace("}", ""))
    return FlashError("tool", f"{tool} failed (exit {result.returncode}): "
                      f"{redact(result.tail()) or 'no output'}")


def _short(arg: str) -> str:
    """A board script in a command line, logged as its size rather than its text."""
    return f"<script, {arg.count(chr(10)) + 1} lines>" if "\n" in arg else arg


def find_tool(name: str) -> str:
    for candidate in (shutil.which(name), str(Path(sys.executable).parent / name)):
        if candidate and Path(candidate).exists():
            return candidate
    raise FlashError("tool", f"{name} was not found: pip install {name} (make setup installs it)")


class ToolRunner:
    """Runs esptool/mpremote; logs command lines (never secrets) and keeps every result."""

    def __init__(self, redact: Redactor | None = None) -> None:
        self.redact = redact or Redactor()
        self.history: list[ToolResult] = []
        self._paths: dict[str, str] = {}

    def path(self, tool: str) -> str:
        if tool not in self._paths:
            self._paths[tool] = find_tool(tool)
        return self._paths[tool]

    def run(self, tool: str, args: list[str], timeout: float = 120.0) -> ToolResult:
        argv = [self.path(tool), *args]
        log.debug("run %s", self.redact(" ".join(_short(a) for a in argv)))
        try:
            proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=timeout, text=True,
                                  errors="replace")
        except subprocess.TimeoutExpired as exc:
            raise FlashError("tool", f"{tool} did not finish within {timeout:.0f} s: "
                             "unplug and re-plug the board and run again") from exc
        except OSError as exc:
            raise FlashError("tool", f"cannot run {tool} ({exc.strerror})") from exc
        result = ToolResult(argv, proc.returncode, proc.stdout or "")
        self.history.append(result)
        log.debug("%s exit %d: %s", tool, result.returncode, self.redact(result.tail(5)))
        return result

    def check(self, tool: str, args: list[str], context: dict[str, str],
              timeout: float = 120.0) -> ToolResult:
        """Run; a non-zero exit becomes the classified FlashError."""
        result = self.run(tool, args, timeout)
        if not result.ok:
            raise classify(result, tool, context, self.redact)
        return result
