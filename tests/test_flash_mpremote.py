"""The flasher's mpremote steps through the *real* mpremote, against a board emulated on a
socket (tests/fakes/replboard.py: the raw REPL protocol in front of the real MicroPython unix
port). This checks what the fake mpremote cannot: that real mpremote accepts the command
lines, that the board scripts work through its raw REPL, and where the files land."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.config import parse_config
from hub.flashing.errors import FlashError
from hub.flashing.flash import Flasher, FlashOptions
from hub.provisioning import ProvisioningStore
from tests.fakes.replboard import ReplBoard

ESP32_MPY = 6 | 3 << 8 | 10 << 10
FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"


@pytest.fixture
def real_tools(monkeypatch):
    """PATH with the venv's real mpremote first (never the fakes)."""
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")


def options(tmp_path: Path, port: str, broker, wait_s: float = 0) -> FlashOptions:
    hub = parse_config(f'[hub]\nstate_dir = "{tmp_path / "state"}"\nbroker = "{broker.url}"\n',
                       tmp_path / "r.toml")
    return FlashOptions(port=port, profile="7.5-bwr", wifi_ssid="Office",
                        wifi_password="s3cret-wifi", hub=hub, node_id="desk-1",
                        broker=f"127.0.0.1:{broker.port}", wait_s=wait_s)


def test_real_mpremote_copies_the_bundle_and_checks_wifi(real_tools, micropython, mosquitto,
                                                          tmp_path, capsys):
    fs = tmp_path / "fs"
    nodes: list[subprocess.Popen] = []

    def boot() -> None:  # what a reset does on the board: the node firmware wakes once
        nodes.append(subprocess.Popen([micropython, str(FIRMWARE / "main.py"), str(fs)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    board = ReplBoard(micropython, fs, ESP32_MPY, on_reset=boot)
    (fs / "node.py").write_text("# stale source that would shadow node.mpy\n")
    try:
        result = Flasher(options(tmp_path, board.url, mosquitto, wait_s=20)).run()
    finally:
        board.close()
        for node in nodes:
            node.kill()
            node.wait()
    out = capsys.readouterr().out
    assert result.ip == "192.168.1.50", out
    assert board.resets == 1
    files = sorted(str(p.relative_to(fs)) for p in fs.rglob("*") if p.is_file())
    manifest = json.loads((fs / "roomink-bundle.json").read_text())
    for entry in manifest["files"]:
        assert (fs / entry["path"]).stat().st_size == entry["size"]
    assert "drivers/uc8179.mpy" in files and "main.py" in files and "node.py" not in files
    config = json.loads((fs / "config.json").read_text())
    creds = ProvisioningStore(tmp_path / "state").get("desk-1")
    assert creds is not None and config["password"] == creds.password
    assert config["wifi_password"] == "s3cret-wifi" and config["broker_port"] == mosquitto.port
    assert result.hello is not None and result.hello["profile"] == "7.5-bwr"
    assert "s3cret-wifi" not in out and creds.password not in out


def test_real_mpremote_wrong_wifi_password(real_tools, micropython, mosquitto, tmp_path):
    """Only the board-side check (the copy is covered above): config.json is already there."""
    fs = tmp_path / "fs"
    fs.mkdir()
    (fs / "config.json").write_text(json.dumps({"wifi_ssid": "Office", "wifi_password": "x",
                                                "broker_host": "127.0.0.1", "broker_port": 1}))
    board = ReplBoard(micropython, fs, ESP32_MPY, wifi="wrong_password")
    try:
        with pytest.raises(FlashError) as err:
            Flasher(options(tmp_path, board.url, mosquitto)).netcheck()
    finally:
        board.close()
    assert err.value.kind == "wifi-password", str(err.value)
