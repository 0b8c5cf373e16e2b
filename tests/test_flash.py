"""`roomink flash` with the serial side replaced at the process boundary: fake esptool and
mpremote executables (tests/fakes/) first on PATH record their argv and play a board. The
board scripts run under the real MicroPython unix port, a reset boots the real node firmware
with the config.json the flasher wrote, and the hello travels through a real mosquitto."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
from pathlib import Path

import pytest

from hub.cli import main
from hub.provisioning import ProvisioningStore

FAKES = Path(__file__).resolve().parent / "fakes"
FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"
WIFI_PASSWORD = "correct-horse-battery-staple"
# An ESP32 image header: magic 0xE9, chip id 0 (ESP32) at bytes 12-13.
ESP32_IMAGE = bytes([0xE9, 3, 2, 0x20]) + bytes(8) + (0).to_bytes(2, "little") + bytes(2000)
ESP32S3_IMAGE = ESP32_IMAGE[:12] + (9).to_bytes(2, "little") + ESP32_IMAGE[14:]


class Board:
    """One fake board on a fake port, plus the hub config that flashes it."""

    def __init__(self, tmp: Path, broker_url: str, broker_port: int) -> None:
        self.dir = tmp / "board"
        self.dir.mkdir()
        self.port = tmp / "ttyUSB0"
        self.port.write_text("")
        self.broker_port = broker_port
        self.state_dir = tmp / "state"
        self.config = tmp / "roomink.toml"
        self.config.write_text(f'[hub]\nbroker = "{broker_url}"\nstate_dir = "{self.state_dir}"\n')
        self.password_file = tmp / "wifi-pass"
        self.password_file.write_text(WIFI_PASSWORD + "\n")
        self.image = tmp / "ESP32_GENERIC.bin"
        self.image.write_bytes(ESP32_IMAGE)

    def scenario(self, **values) -> None:
        (self.dir / "scenario.json").write_text(json.dumps(values))

    @property
    def calls(self) -> list[list[str]]:
        path = self.dir / "calls.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def steps(self) -> list[str]:
        """The calls as short step names, in order."""
        names = []
        for tool, *argv in self.calls:
            if tool == "esptool":
                names.append(next(a for a in argv if not a.startswith("-")
                                  and a not in (str(self.port), "esp32", "esp32s3", "460800")))
            else:
                cmd = argv[2]
                if cmd == "exec":
                    cmd = "probe" if "roomink-board" in argv[3] else "exec"
                names.append({"fs": "fs-cp", "run": "netcheck"}.get(cmd, cmd))
        return names

    def args(self, *extra: str) -> list[str]:
        return ["flash", "--port", str(self.port), "--profile", "4.2-bwr", "--wifi-ssid",
                "Office", "--wifi-password-file", str(self.password_file), "--broker",
                f"127.0.0.1:{self.broker_port}", "--wait", "20", "-c", str(self.config),
                *extra]


@pytest.fixture
def board(tmp_path, mosquitto, micropython, monkeypatch):
    b = Board(tmp_path, mosquitto.url, mosquitto.port)
    monkeypatch.setenv("PATH", f"{FAKES}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("ROOMINK_FAKE_DIR", str(b.dir))
    monkeypatch.setenv("ROOMINK_FAKE_MICROPYTHON", micropython)
    monkeypatch.setenv("ROOMINK_FAKE_FIRMWARE", str(FIRMWARE))
    yield b
    pid_file = b.dir / "node.pid"
    if pid_file.exists():  # the node process the fake reset started
        try:
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        except ProcessLookupError:
            pass


def flash(board: Board, capsys, *extra: str, verbose: bool = False) -> tuple[int, str]:
    code = main((["-v"] if verbose else []) + board.args(*extra))
    out = capsys.readouterr()
    return code, out.out + out.err


def assert_no_secrets(board: Board, text: str) -> None:
    secrets = [WIFI_PASSWORD]
    store = ProvisioningStore(board.state_dir)
    for record in store.list():
        creds = store.get(record.node_id)
        assert creds is not None
        secrets += [creds.password, creds.hmac_key.hex()]
    calls = (board.dir / "calls.jsonl").read_text() if (board.dir / "calls.jsonl").exists() else ""
    node_log = (board.dir / "node.log").read_text() if (board.dir / "node.log").exists() else ""
    for secret in secrets:
        assert secret not in text
        assert secret not in calls  # never in a command line
        assert secret not in node_log


def test_full_flash_erases_writes_copies_and_waits_for_hello(board, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    code, out = flash(board, capsys, "--erase", "--micropython-image", str(board.image),
                      verbose=True)
    assert code == 0, out
    assert board.steps() == ["chip-id", "erase-flash", "write-flash", "probe", "exec",
                             "fs-cp", "netcheck", "reset"]
    esptool = [argv for tool, *argv in board.calls if tool == "esptool"]
    assert esptool[0] == ["--port", str(board.port), "chip-id"]
    assert esptool[1] == ["--chip", "esp32", "--port", str(board.port), "erase-flash"]
    assert esptool[2] == ["--chip", "esp32", "--port", str(board.port), "--baud", "460800",
                          "write-flash", "-z", "0x1000", str(board.image)]
    # one mpremote run prepares the filesystem and copies every folder of the bundle
    copy = next(argv for tool, *argv in board.calls if tool == "mpremote" and "fs" in argv
                and "exec" in argv)
    assert copy[:3] == ["connect", str(board.port), "exec"]
    fs = board.dir / "fs"
    for name in ("main.py", "node.mpy", "drivers/uc8176.mpy", "drivers/uc81xx.mpy",
                 "drivers/spipanel.mpy", "port/esp32.mpy", "roomink-bundle.json", "config.json"):
        assert (fs / name).is_file(), name
    assert not (fs / "drivers" / "uc8179.mpy").exists()  # another profile's driver
    assert not (fs / "port" / "host.mpy").exists()  # the unix port's board
    # native (viper) code is built for the board: xtensawin, mpy 6.3
    assert (fs / "drivers/spipanel.mpy").read_bytes()[:4] == bytes([ord("M"), 6, 10 << 2 | 3,
                                                                    31])
    config = json.loads((fs / "config.json").read_text())
    node_id = config["node_id"]
    assert config["wifi_ssid"] == "Office" and config["wifi_password"] == WIFI_PASSWORD
    assert config["broker_host"] == "127.0.0.1" and config["profile"] == "4.2-bwr"
    creds = ProvisioningStore(board.state_dir).get(node_id)
    assert creds is not None and config["password"] == creds.password
    assert config["username"] == creds.username
    assert config["hmac_key"] == creds.hmac_key.hex()  # the node checks the hub's MACs
    # the config went through a file: no secret in any command line, output or log
    assert any(argv[2:4] == ["fs", "cp"] and argv[-1] == ":config.json"
               for tool, *argv in board.calls if tool == "mpremote")
    assert f"node {node_id} is flashed and said hello" in out
    assert "[13/13] Wait for the node's hello" in out
    assert "board IP 192.168.1.50" in out
    assert_no_secrets(board, out + caplog.text)
    assert "wake reason=power" in (board.dir / "node.log").read_text()


def test_flash_without_image_copies_to_the_running_micropython(board, capsys):
    code, out = flash(board, capsys, "--node-id", "lobby-1", "--pins", '{"busy": 4}')
    assert code == 0, out
    assert board.steps() == ["probe", "exec", "fs-cp", "netcheck", "reset"]
    assert "esptool" not in {tool for tool, *_ in board.calls}
    config = json.loads((board.dir / "fs" / "config.json").read_text())
    assert config["node_id"] == "lobby-1" and config["pins"] == {"busy": 4}
    code, out = flash(board, capsys, "--pins", '{"miso": 19}')
    assert code == 2 and "--pins: 'miso' must be one of" in out


def test_room_assignment(board, capsys):
    board.config.write_text(board.config.read_text()
                            + '[[rooms]]\nid = "atlas"\ncalendar = "atlas.ics"\n')
    code, out = flash(board, capsys, "--no-wait", "--node-id", "atlas-door", "--room", "atlas")
    assert code == 0 and "assigned to room atlas" in out, out
    from hub.state import StateStore

    assert StateStore(board.state_dir / "hub.sqlite").assignments() == {"atlas-door": "atlas"}
    calls = len(board.calls)
    code, out = flash(board, capsys, "--no-wait", "--room", "borealis")
    assert code == 2 and "no room 'borealis'" in out and len(board.calls) == calls


def test_reflash_rotates_credentials_and_removes_stale_files(board, capsys):
    assert flash(board, capsys, "--node-id", "lobby-1", "--no-wait")[0] == 0
    first = ProvisioningStore(board.state_dir).get("lobby-1")
    fs = board.dir / "fs"
    (fs / "node.py").write_text("# an old source copy that would shadow node.mpy\n")
    manifest = json.loads((fs / "roomink-bundle.json").read_text())
    manifest["files"].append({"path": "drivers/old.mpy", "size": 1, "sha256": ""})
    (fs / "roomink-bundle.json").write_text(json.dumps(manifest))
    (fs / "drivers" / "old.mpy").write_bytes(b"M")
    code, out = flash(board, capsys, "--node-id", "lobby-1", "--no-wait")
    assert code == 0, out
    second = ProvisioningStore(board.state_dir).get("lobby-1")
    assert first is not None and second is not None and first.password != second.password
    assert not (fs / "node.py").exists() and not (fs / "drivers" / "old.mpy").exists()
    assert "Wait for" not in out


def test_bundle_matches_the_boards_mpy_version(board, capsys):
    board.scenario(mpy=6 | (2 << 8) | (10 << 10))  # MicroPython 1.22
    code, out = flash(board, capsys, "--no-wait")
    assert code == 0, out
    header = (board.dir / "fs" / "drivers" / "spipanel.mpy").read_bytes()[:3]  # viper code
    assert header == bytes([ord("M"), 6, 10 << 2 | 2])
    assert "mpy 6.2 (xtensawin)" in out
    # MicroPython 1.22's compiler has no RISC-V emitter: a C3 board on it needs a new image
    board.scenario(mpy=6 | (2 << 8) | (11 << 10))
    code, out = flash(board, capsys, "--no-wait", "--chip", "esp32c3")
    assert code == 2 and "flash a current MicroPython image" in out


# esptool steps run only when MicroPython is written (IMAGE: the board's image file)
ERASE = ("--erase", "--micropython-image", "IMAGE")


@pytest.mark.parametrize("scenario, extra, kind_text", [
    ({"port": "missing"}, ERASE, "serial port .* not found"),
    ({"port": "denied"}, ERASE, "permission denied on .*dialout"),
    ({"chip": "ESP32-S3"}, ERASE, "wrong chip: the board is an ESP32-S3.*--chip esp32s3"),
    ({"bootloader": False}, ERASE, "did not answer esptool: hold BOOT"),
    ({"micropython": False}, (), "no MicroPython\\s+yet.*--micropython-image"),
    ({"mpy": 5 | (10 << 10)}, (), "needs MicroPython 1.21 or later"),
    ({"free": 1000}, (), "the bundle needs \\d+ bytes but the board has 1000 free"),
    ({"space": True}, (), "filesystem is full"),
    ({"wifi": "wrong_password"}, (), "Wi-Fi 'Office' rejected the password \\(status 202\\)"),
    ({"wifi": "no_ap"}, (), "Wi-Fi 'Office' not found \\(status 201\\)"),
    ({"port": "busy"}, (), "in use by another program"),
])
def test_failures_stop_with_one_clear_line(board, capsys, scenario, extra, kind_text):
    import re

    board.scenario(**scenario)
    extra = tuple(str(board.image) if a == "IMAGE" else a for a in extra)
    code, out = flash(board, capsys, "--no-wait", *extra)
    assert code == 2
    error = [ln for ln in out.splitlines() if ln.startswith("roomink: error: ")]
    assert len(error) == 1 and re.search(kind_text, error[0], re.S), out
    assert "FAILED" in out and "Traceback" not in out
    assert_no_secrets(board, out)


def test_missing_port_is_found_before_any_tool_runs(board, capsys):
    board.port.unlink()
    code, out = flash(board, capsys)
    assert code == 2 and "serial port" in out and "not found" in out
    assert board.calls == []


@pytest.mark.parametrize("denied_by", ["access", "open"])
def test_permission_denied_without_erase_names_the_dialout_group(board, capsys, monkeypatch,
                                                                 denied_by):
    """The usual flash (no --erase) never runs esptool: the port check, or mpremote's "failed
    to access" and the flasher's own open of the port, must say what to do. Tests run as root,
    where every access check passes, so the denial is faked for the board's port only."""
    port = str(board.port)
    if denied_by == "access":  # the check before any tool runs
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode, *a, **kw: False if str(path) == port
                            else real_access(path, mode, *a, **kw))
    else:  # allowed at first; mpremote then fails to open it and the flasher asks why
        board.scenario(port="busy")
        real_open = os.open

        def deny(path, flags, *a, **kw):
            if str(path) == port:
                raise PermissionError(13, "Permission denied", path)
            return real_open(path, flags, *a, **kw)

        monkeypatch.setattr(os, "open", deny)
    code, out = flash(board, capsys, "--no-wait")
    assert code == 2
    error = [ln for ln in out.splitlines() if ln.startswith("roomink: error: ")]
    assert len(error) == 1, out
    assert f"permission denied on {port}" in error[0] and "'dialout' group" in error[0]
    assert "usermod -aG dialout" in error[0] and "Traceback" not in out
    tools = [tool for tool, *_ in board.calls]
    assert tools == ([] if denied_by == "access" else ["mpremote"])


def test_erase_without_an_image_is_refused_before_the_board_is_touched(board, capsys):
    """erase-flash wipes MicroPython too: without an image to write, the probe after it
    could only fail, with the board already blank."""
    code, out = flash(board, capsys, "--erase")
    assert code == 2
    error = [ln for ln in out.splitlines() if ln.startswith("roomink: error: ")]
    assert len(error) == 1 and "--erase also wipes MicroPython" in error[0], out
    assert "--micropython-image" in error[0] and "Traceback" not in out
    assert board.calls == []  # neither esptool nor mpremote ran


def test_image_problems_are_found_before_the_board_is_touched(board, capsys, tmp_path):
    code, out = flash(board, capsys, "--micropython-image", str(tmp_path / "nope.bin"))
    assert code == 2 and "nope.bin not found" in out and "micropython.org/download" in out
    (tmp_path / "s3.bin").write_bytes(ESP32S3_IMAGE)
    code, out = flash(board, capsys, "--micropython-image", str(tmp_path / "s3.bin"))
    assert code == 2 and "built for esp32s3, but --chip is esp32" in out
    (tmp_path / "fw.elf").write_bytes(b"\x7fELF" + bytes(100))
    code, out = flash(board, capsys, "--micropython-image", str(tmp_path / "fw.elf"))
    assert code == 2 and "not an ESP32 firmware image" in out
    assert board.calls == []


def test_failure_before_the_config_revokes_the_new_credentials(board, capsys):
    board.scenario(space=True)
    assert flash(board, capsys, "--no-wait", "--node-id", "lobby-2")[0] == 2
    assert ProvisioningStore(board.state_dir).get("lobby-2") is None


def test_silent_node_times_out_with_likely_causes(board, capsys):
    board.scenario(on_reset="silent")
    code, out = flash(board, capsys, "--wait", "1")
    assert code == 2
    assert "sent no hello" in out and "Likely causes" in out and "mpremote connect" in out
    # the node's config is on the board: its credentials stay registered
    node_id = json.loads((board.dir / "fs" / "config.json").read_text())["node_id"]
    assert ProvisioningStore(board.state_dir).get(node_id) is not None


def test_unreachable_broker_is_reported_by_the_board(board, capsys):
    from hub.mosquitto import free_port

    code, out = flash(board, capsys, "--no-wait", "--broker", f"127.0.0.1:{free_port()}")
    assert code == 2 and "joined Wi-Fi but cannot reach the broker" in out


def test_hub_broker_down_fails_before_touching_the_board(board, capsys):
    from hub.mosquitto import free_port

    board.config.write_text(f'[hub]\nbroker = "mqtt://127.0.0.1:{free_port()}"\n'
                            f'state_dir = "{board.state_dir}"\n')
    code, out = flash(board, capsys)
    assert code == 2 and "cannot reach the hub's broker" in out and "--no-wait" in out
    assert board.calls == []


def test_tls_hub_gives_the_node_its_ca_and_tls_also_with_broker(board, capsys):
    """The hub's broker is mqtts://; --broker (board.args always passes one) names only the
    address the node uses: the node still gets the hub's CA as ca.pem and "tls": true. Plain
    MQTT to such a hub is an explicit --no-tls."""
    ca = board.state_dir / "tls" / "ca.pem"
    ca.parent.mkdir(parents=True)
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB-test-ca\n-----END CERTIFICATE-----\n")
    board.config.write_text(f'[hub]\nbroker = "mqtts://127.0.0.1:8883?cafile={ca}"\n'
                            f'state_dir = "{board.state_dir}"\n')
    board.scenario(on_reset="silent")  # the test broker has no TLS listener for it to boot on
    code, out = flash(board, capsys, "--no-wait", "--node-id", "tls-door")
    assert code == 0, out
    fs = board.dir / "fs"
    assert (fs / "ca.pem").read_text() == ca.read_text()
    config = json.loads((fs / "config.json").read_text())
    assert config["tls"] is True and config["node_id"] == "tls-door"
    assert (config["broker_host"], config["broker_port"]) == ("127.0.0.1", board.broker_port)
    ca_copies = [argv for tool, *argv in board.calls if argv[-1:] == [":ca.pem"]]
    assert ca_copies == [["connect", str(board.port), "fs", "cp", str(ca), ":ca.pem"]]
    code, out = flash(board, capsys, "--no-wait", "--node-id", "plain-door", "--no-tls")
    assert code == 0, out
    assert json.loads((fs / "config.json").read_text())["tls"] is False
    assert len([argv for tool, *argv in board.calls if argv[-1:] == [":ca.pem"]]) == 1


def test_wifi_password_sources(board, capsys, monkeypatch):
    args = [a for a in board.args("--no-wait") if a not in
            ("--wifi-password-file", str(board.password_file))]
    monkeypatch.delenv("ROOMINK_WIFI_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", open(os.devnull))
    assert main(args) == 2
    assert "no Wi-Fi password" in capsys.readouterr().err
    monkeypatch.setenv("ROOMINK_WIFI_PASSWORD", WIFI_PASSWORD)
    assert main(args) == 0
    assert json.loads((board.dir / "fs" / "config.json").read_text())["wifi_password"] \
        == WIFI_PASSWORD
    out = capsys.readouterr()
    assert WIFI_PASSWORD not in out.out + out.err


def test_credentials_file_is_private(board, capsys):
    assert flash(board, capsys, "--no-wait")[0] == 0
    path = board.state_dir / "node_credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_recorded_esptool_command_lines_parse_in_the_real_esptool(board, capsys, tmp_path):
    """The fake must not accept what the real tool would refuse: every esptool command line
    the flasher produced goes through the real esptool's parser, which then fails only at
    opening the (missing) port."""
    import subprocess
    import sys

    assert flash(board, capsys, "--no-wait", "--erase", "--micropython-image",
                 str(board.image))[0] == 0
    real = Path(sys.executable).parent / "esptool"
    missing = str(tmp_path / "no-such-port")
    for tool, *argv in board.calls:
        if tool != "esptool":
            continue
        argv = [missing if a == str(board.port) else a for a in argv]
        proc = subprocess.run([str(real), "--connect-attempts", "1", *argv],
                              capture_output=True, text=True, timeout=60)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0 and "Could not open" in out, (argv, out)


def test_hello_is_watched_with_the_hubs_account_once_it_exists(board, capsys):
    """After `roomink acl` the broker refuses anonymous clients; the watcher logs in as the
    hub (mosquitto here accepts any login, so the flash itself still completes)."""
    from hub.config import load_config
    from hub.flashing.flash import Flasher, FlashOptions
    from hub.security.hubaccount import hub_account

    account = hub_account(board.state_dir)
    opts = FlashOptions(port=str(board.port), profile="4.2-bwr", wifi_ssid="Office",
                        wifi_password=WIFI_PASSWORD, hub=load_config(board.config))
    flasher = Flasher(opts)
    try:
        flasher.start_watcher()
        assert flasher.watcher is not None
        assert flasher.watcher.address.username == account.username
    finally:
        if flasher.watcher is not None:
            flasher.watcher.stop()
    code, out = flash(board, capsys)
    assert code == 0, out
    assert account.password not in out


def test_mosquitto_accounts_are_rewritten_for_the_new_node(board, capsys):
    from hub.security.mosquitto_files import write_mosquitto_files

    out = board.state_dir / "mosquitto"
    write_mosquitto_files(board.state_dir, out, "roomink")  # as `roomink acl` did
    code, text = flash(board, capsys, "--no-wait", "--node-id", "new-door")
    assert code == 0 and "reload mosquitto" in text, text
    passwd = (out / "roomink.passwd").read_text()
    assert "roomink-new-door:" in passwd and "new-door" in (out / "roomink.acl").read_text()
    board.scenario(space=True)  # a failed flash takes the account out again
    assert flash(board, capsys, "--no-wait", "--node-id", "gone-door")[0] == 2
    assert "roomink-gone-door" not in (out / "roomink.passwd").read_text()
    assert_no_secrets(board, text)
