"""Type-check firmware/ with mypy against the MicroPython ESP32 stubs (not CPython's stdlib).

`python tests/fw_typecheck.py` prints mypy's report and exits with its status; the test
`tests/test_firmware_types.py` runs it. The stub packages (micropython-esp32-stubs and its
dependency micropython-stdlib-stubs) install their .pyi files at the top of site-packages, next
to CPython packages, so they are gathered into a private folder that mypy uses as its typeshed
(`stdlib/`) and search path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
CONFIG = Path(__file__).resolve().parent / "fw_mypy.ini"
STUB_DISTS = ("micropython-esp32-stubs", "micropython-stdlib-stubs")


def gather_stubs(out: Path) -> Path:
    for dist in STUB_DISTS:
        files = metadata.files(dist)
        if not files:
            raise RuntimeError(f"{dist} is not installed (pip install micropython-esp32-stubs)")
        for f in files:
            if f.suffix == ".pyi" or f.name == "VERSIONS":
                dst = out / f
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(f.locate(), dst)
    return out


def run() -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as tmp:
        typings = gather_stubs(Path(tmp) / "typings")
        cmd = [sys.executable, "-m", "mypy", "--config-file", str(CONFIG),
               "--custom-typeshed-dir", str(typings), "--cache-dir", "/dev/null", "."]
        env = {"MYPYPATH": str(typings), "PATH": "/usr/bin:/bin"}
        return subprocess.run(cmd, cwd=FIRMWARE, capture_output=True, text=True, env=env,
                              timeout=600)


if __name__ == "__main__":
    result = run()
    print(result.stdout + result.stderr)
    sys.exit(result.returncode)
