"""`roomink flash`: one display node from a blank (or running) ESP32 to a hello on the hub.

Steps, in order (the optional ones only when asked for):

    check serial port -> connect to the hub's broker -> [identify chip -> erase ->
    write MicroPython] -> ask MicroPython on the board (.mpy version, free space) -> build the
    bundle for exactly that -> register node credentials -> copy firmware -> write config.json
    -> check Wi-Fi and broker from the board -> reset -> wait for the node's hello

Everything that talks to the board goes through esptool/mpremote processes (tools.py), which
is also where tests replace the serial side. Secrets (Wi-Fi password, MQTT password) are
written to the board from 0600 temp files, never put in a command line, never printed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from hub.config import HubConfig
from hub.flashing import board as boardio
from hub.flashing.bundle import Bundle, build_bundle, firmware_profiles
from hub.flashing.checks import (
    IMAGE_OFFSET,
    check_image,
    check_port,
    diagnose_port,
    node_broker,
    node_ca,
)
from hub.flashing.errors import FlashError
from hub.flashing.hello import HelloWatcher
from hub.flashing.mpy import CHIP_ARCH
from hub.flashing.steps import Step, StepRunner
from hub.flashing.tools import Redactor, ToolRunner, classify
from hub.provisioning import NodeCredentials, ProvisioningStore, generate_node_id
from hub.security.hubaccount import with_hub_account
from hub.security.mosquitto_files import rewrite_remembered
from hub.transport import BrokerAddress

CHIP_NAMES = {"ESP32": "esp32", "ESP32-S2": "esp32s2", "ESP32-S3": "esp32s3",
              "ESP32-C3": "esp32c3", "ESP32-C6": "esp32c6"}


@dataclass
class FlashOptions:
    port: str
    profile: str
    wifi_ssid: str
    wifi_password: str = field(repr=False)
    hub: HubConfig
    chip: str = "esp32"
    image: Path | None = None
    erase: bool = False
    node_id: str | None = None
    broker: str | None = None  # host[:port] the *node* uses; derived from the hub when None
    wait_s: float = 90.0  # 0: do not wait for the hello
    baud: int = 460800
    pins: dict | None = None  # overrides of firmware/port/esp32.py DEFAULT_PINS
    tls: bool | None = None  # TLS to the broker; None: as the hub's broker (mqtts://)


@dataclass
class FlashResult:
    node_id: str
    broker: str
    ip: str | None = None
    hello: dict | None = None


def _write_secret_file(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


class Flasher:
    """One `roomink flash` run. Construct, then `run()`."""

    def __init__(self, opts: FlashOptions, out: TextIO | None = None) -> None:
        if opts.chip not in CHIP_ARCH:
            raise FlashError("chip", f"unknown --chip {opts.chip!r} "
                             f"(known: {', '.join(CHIP_ARCH)})")
        if opts.image is not None:
            check_image(opts.image, opts.chip)
        elif opts.erase:
            # erase-flash wipes MicroPython too: the probe after it could only fail
            raise FlashError("config", "--erase also wipes MicroPython: add --micropython-image "
                             "FILE (the .bin from micropython.org/download), or leave out "
                             "--erase to keep the board's MicroPython")
        if not opts.wifi_ssid:
            raise FlashError("config", "--wifi-ssid is required")
        profiles = firmware_profiles()
        if opts.profile not in profiles:
            raise FlashError("profile", f"unknown display profile {opts.profile!r} "
                             f"(known: {', '.join(sorted(profiles))})")
        self.opts = opts
        self.out = out or sys.stdout
        self.redact = Redactor([opts.wifi_password])
        self.tools = ToolRunner(self.redact)
        self.ctx = {"port": opts.port, "chip": opts.chip}
        self.store = ProvisioningStore(opts.hub.state_dir)
        # TLS to the broker: the CA goes to the board
        self.ca = node_ca(opts.hub, opts.broker, opts.tls)
        host, port = node_broker(opts.hub, opts.broker, tls=self.ca is not None)
        self.result = FlashResult(node_id=opts.node_id or "", broker=f"{host}:{port}")
        self.broker_host, self.broker_port = host, port
        self.watcher: HelloWatcher | None = None
        self.board: boardio.BoardInfo | None = None
        self.bundle: Bundle | None = None
        self.creds: NodeCredentials | None = None
        self.config_written = False
        self.image_written = False
        self._tmp = tempfile.TemporaryDirectory(prefix="roomink-flash-")
        self.work = Path(self._tmp.name)

    # -- the run -------------------------------------------------------------------------------
    def steps(self) -> list[Step]:
        o = self.opts
        steps = [Step(f"Check serial port {o.port}", lambda: check_port(o.port))]
        if o.wait_s:
            steps.append(Step("Connect to the hub's broker", self.start_watcher))
        if o.image is not None or o.erase:
            steps.append(Step(f"Identify the chip (expecting {o.chip})", self.identify_chip))
        if o.erase:
            steps.append(Step("Erase flash", self.erase))
        if o.image is not None:
            steps.append(Step(f"Write MicroPython image {o.image.name}", self.write_image))
        steps += [
            Step("Ask MicroPython on the board", self.probe),
            Step(f"Build the {o.profile} bundle", self.build),
            Step("Register node credentials with the hub", self.register),
            Step("Copy firmware", self.copy),
            Step("Write node config", self.write_config),
            Step(f"Check Wi-Fi {o.wifi_ssid!r} and broker {self.result.broker} from the board",
                 self.netcheck),
            Step("Reset the board", self.reset),
        ]
        if o.wait_s:
            steps.append(Step(f"Wait for the node's hello (up to {o.wait_s:.0f} s)",
                              self.wait_hello))
        return steps

    def run(self) -> FlashResult:
        try:
            StepRunner(self.out).run(self.steps())
        except BaseException:  # a failed step, or Ctrl-C
            if self.creds is not None and not self.config_written:
                # nothing on the board uses them: do not leave orphans in the registry
                self.store.revoke(self.creds.node_id)
                self.update_broker_accounts()
            raise
        finally:
            if self.watcher is not None:
                self.watcher.stop()
            self._tmp.cleanup()
        return self.result

    def _mpremote(self, *args: str, timeout: float = 60.0) -> str:
        # After a fresh image the board formats its filesystem on first boot (a few seconds)
        # and may not answer at once.
        tries = 3 if self.image_written else 1
        for attempt in range(tries):
            result = self.tools.run("mpremote", ["connect", self.opts.port, *args], timeout)
            if result.ok:
                return result.output
            if attempt + 1 < tries and "raw repl" in result.output:
                time.sleep(2)
                continue
            error = classify(result, "mpremote", self.ctx, self.redact)
            if error.kind == "port-busy":
                error = diagnose_port(self.opts.port) or error
            raise error
        raise AssertionError("unreachable")

    def _esptool(self, *args: str, timeout: float = 300.0) -> str:
        return self.tools.check("esptool", ["--chip", self.opts.chip, "--port", self.opts.port,
                                            *args], self.ctx, timeout).output

    # -- steps ---------------------------------------------------------------------------------
    def start_watcher(self) -> str:
        hub = self.opts.hub
        # The node id is needed for the topic: fix it now (generated ids are registered later).
        if not self.result.node_id:
            existing = {r.node_id for r in self.store.list()}
            node_id = generate_node_id()
            while node_id in existing:
                node_id = generate_node_id()
            self.result.node_id = node_id
        # Once `roomink acl` has made the hub's broker account, the broker refuses anonymous
        # clients: watch as the hub (its password stays in the 0600 state file).
        address = with_hub_account(BrokerAddress.parse(hub.broker_url), hub.state_dir)
        self.watcher = HelloWatcher(address, hub.prefix, self.result.node_id)
        self.watcher.start()
        return self.watcher.where

    def identify_chip(self) -> str:
        out = self.tools.check("esptool", ["--port", self.opts.port, "chip-id"], self.ctx,
                               60).output
        match = re.search(r"Connected to (ESP32[\w-]*)", out) or re.search(
            r"Chip (?:type:|is)\s+(ESP32[\w-]*)", out)
        if not match:
            raise FlashError("chip", f"esptool did not say which chip is on {self.opts.port}: "
                             "is it an ESP32 board?")
        found = CHIP_NAMES.get(match.group(1).upper(), match.group(1).lower())
        if found != self.opts.chip:
            raise FlashError("chip", f"wrong chip: the board is an {match.group(1)}, not an "
                             f"{self.opts.chip}; pass --chip {found} and a MicroPython image "
                             "built for it")
        return match.group(1)

    def erase(self) -> None:
        self._esptool("erase-flash")

    def write_image(self) -> str:
        image = self.opts.image
        assert image is not None
        offset = IMAGE_OFFSET[self.opts.chip]
        self._esptool("--baud", str(self.opts.baud), "write-flash", "-z", hex(offset),
                      str(image))
        self.image_written = True
        return f"{image.stat().st_size // 1024} KB at {hex(offset)}"

    def probe(self) -> str:
        self.board = boardio.parse_probe(self._mpremote("exec", boardio.PROBE), self.opts.port)
        return f"MicroPython {self.board.version}, {self.board.mpy}"

    def build(self) -> str:
        assert self.board is not None
        self.bundle = build_bundle(self.work / "bundle", self.opts.profile, "esp32",
                                   self.board.mpy)
        free = self.board.free_bytes
        if 0 <= free < self.bundle.size:
            raise FlashError("space", f"the bundle needs {self.bundle.size} bytes but the board "
                             f"has {free} free: re-run with --erase and --micropython-image")
        return f"{len(self.bundle.files)} files, {self.bundle.size / 1024:.1f} KB"

    def register(self) -> str:
        self.creds = self.store.register(self.result.node_id or None)
        self.result.node_id = self.creds.node_id
        self.redact.add(self.creds.password)
        self.redact.add(self.creds.hmac_key.hex())
        detail = f"node id {self.creds.node_id}, MQTT user {self.creds.username}"
        if self.update_broker_accounts():
            detail += ("; rewrote the mosquitto password file: reload mosquitto now "
                       "(sudo systemctl reload mosquitto) so the node can log in")
        return detail

    def update_broker_accounts(self) -> bool:
        """Where `roomink acl` wrote mosquitto's password file and ACL, rewrite them with the
        registry as it is now (as `roomink revoke` does); the embedded broker needs nothing.
        The folder is the one `roomink acl -o DIR` remembered: the one mosquitto includes."""
        return rewrite_remembered(self.opts.hub.state_dir, self.opts.hub.prefix) is not None

    def copy(self) -> str:
        bundle = self.bundle
        assert bundle is not None
        args: list[str] = ["exec", boardio.prepare_script(bundle)]
        # one `fs cp SRC :PATH` per file, each naming its full destination: no dependence on
        # how a board's os.stat() answers for "" or "." (what `cp a b :` would ask)
        for f in bundle.files:
            args += ["+", "fs", "cp", str(bundle.directory / f.path), f":{f.path}"]
        output = self._mpremote(*args, timeout=300)
        if "roomink-fs ok" not in output:
            raise FlashError("tool", "the board did not confirm preparing its filesystem: "
                             f"{self.redact(output.strip()[-200:])}")
        return f"{len(bundle.files)} files"

    def node_config(self) -> dict:
        assert self.creds is not None
        return {"node_id": self.creds.node_id, "broker_host": self.broker_host,
                "broker_port": self.broker_port, "profile": self.opts.profile,
                "prefix": self.opts.hub.prefix, "username": self.creds.username,
                "password": self.creds.password, "hmac_key": self.creds.hmac_key.hex(),
                "wifi_ssid": self.opts.wifi_ssid,
                "wifi_password": self.opts.wifi_password, "max_awake_s": 20,
                "max_sleep_s": 3600, "tls": self.ca is not None,
                **({"pins": self.opts.pins} if self.opts.pins else {})}

    def write_config(self) -> None:
        path = self.work / "config.json"
        _write_secret_file(path, json.dumps(self.node_config()))
        try:
            if self.ca is not None:
                self._mpremote("fs", "cp", str(self.ca), ":ca.pem")
            self._mpremote("fs", "cp", str(path), ":config.json")
        finally:
            path.unlink(missing_ok=True)
        self.config_written = True

    def netcheck(self) -> str:
        output = self._mpremote("run", str(boardio.NETCHECK), timeout=60)
        self.result.ip = boardio.parse_netcheck(output, self.opts.wifi_ssid, self.result.broker)
        return f"board IP {self.result.ip}"

    def reset(self) -> None:
        self._mpremote("reset")

    def wait_hello(self) -> str:
        assert self.watcher is not None
        hello = self.watcher.wait(self.opts.wait_s)
        if hello is None:
            raise FlashError(
                "hello-timeout",
                f"node {self.result.node_id} joined Wi-Fi and reached {self.result.broker} but "
                f"sent no hello to the hub's broker ({self.watcher.where}) within "
                f"{self.opts.wait_s:.0f} s. Likely causes: the broker refused its login (mosquitto "
                "not reloaded since its password file was rewritten), --broker names a "
                "different broker than the hub uses, or the firmware stopped at boot (watch it: "
                f"mpremote connect {self.opts.port} repl, then press reset)")
        self.result.hello = hello
        return f"{hello.get('profile')} fw {hello.get('fw')}, free heap {hello.get('heap')} B"
