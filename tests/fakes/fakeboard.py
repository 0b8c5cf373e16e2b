"""Shared state of the fake serial side (tests/fakes/esptool, tests/fakes/mpremote).

ROOMINK_FAKE_DIR is one "board on a USB port":
    scenario.json   what the board does (see DEFAULTS)
    calls.jsonl     one JSON list per tool invocation: [tool, *argv] (what tests assert on)
    micropython     present when MicroPython is in flash (written by a fake write-flash)
    fs/             the board's filesystem (mpremote fs cp writes here; exec/run run here)
    node.log, node.pid   the node process a fake reset starts
"""

import json
import os
import sys
from pathlib import Path

DEFAULTS = {
    "port": "ok",  # ok | missing | denied | busy
    "chip": "ESP32",  # what esptool detects: ESP32, ESP32-S3, ...
    "bootloader": True,  # False: esptool gets no answer (board not in download mode)
    "micropython": True,  # MicroPython in flash at the start
    "mpy": 6 | (3 << 8) | (10 << 10),  # sys.implementation._mpy: 6.3 xtensawin
    "free": 2_000_000,  # bytes free on the board's filesystem
    "wifi": "ok",  # ok | wrong_password | no_ap (read by board/network.py)
    "space": False,  # True: fs cp fails with ENOSPC
    "on_reset": "boot",  # boot: run the node firmware (unix port) with fs/config.json
}


def state_dir() -> Path:
    return Path(os.environ["ROOMINK_FAKE_DIR"])


def scenario() -> dict:
    path = state_dir() / "scenario.json"
    data = dict(DEFAULTS)
    if path.exists():
        data.update(json.loads(path.read_text()))
    return data


def record(tool: str) -> None:
    with open(state_dir() / "calls.jsonl", "a") as f:
        f.write(json.dumps([tool, *sys.argv[1:]]) + "\n")


def has_micropython() -> bool:
    marker = state_dir() / "micropython"
    if marker.exists():
        return marker.read_text() != "erased"
    return bool(scenario()["micropython"])


def set_micropython(value: str) -> None:
    (state_dir() / "micropython").write_text(value)


def fs() -> Path:
    path = state_dir() / "fs"
    path.mkdir(exist_ok=True)
    return path


def fail(message: str, code: int = 1) -> None:
    print(message)
    sys.exit(code)
