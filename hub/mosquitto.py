"""A private mosquitto broker on a free port, for tests, benchmarks and local trials.

Each instance has its own config, persistence folder and log, so it never touches a
system-wide broker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hub.errors import UserError
from hub.ports import free_port, wait_port  # noqa: F401 - re-exported


def find_mosquitto() -> str:
    path = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(path).exists():
        raise UserError("mosquitto is not installed: sudo apt-get install mosquitto")
    return path


class Mosquitto:
    """A private mosquitto instance on a free port; `restart()` keeps its persistence."""

    def __init__(self, workdir: Path, extra_conf: str = "", max_queued: int = 1000) -> None:
        """`max_queued`: QoS 1 messages mosquitto queues per client before it drops more
        (mosquitto's own default; 0: no limit, for floods that must all arrive)."""
        self.workdir = workdir
        self.port = free_port()
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {workdir}/\n"
            f"max_queued_messages {max_queued}\n"
            f"log_dest file {workdir}/mosquitto.log\n"
            # As root, mosquitto would drop to user "mosquitto", who cannot write here.
            + ("user root\n" if os.geteuid() == 0 else "")
            + extra_conf
        )
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen([find_mosquitto(), "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()
