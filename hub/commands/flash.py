"""`roomink flash`: put MicroPython, the node firmware and its config on one ESP32 board and
wait until it says hello to the hub.

    roomink flash --port /dev/ttyUSB0 --profile 7.5-bwr --wifi-ssid Office \\
        --wifi-password-file ~/.wifi-pass --micropython-image ESP32_GENERIC.bin --erase \\
        -c roomink.toml

The Wi-Fi password is never taken on the command line (other users see command lines in
`ps`, shells keep them in history): it comes from a file, an environment variable, or a
prompt. See docs/flashing.md.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from hub.commands.hubcmd import save_assignment
from hub.config import HubConfig, load_config
from hub.errors import UserError
from hub.flashing.checks import parse_pins
from hub.flashing.flash import Flasher, FlashOptions
from hub.flashing.mpy import CHIP_ARCH

PASSWORD_ENV = "ROOMINK_WIFI_PASSWORD"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "flash", help="flash and provision one display node over USB",
        description="Optionally erase the board and write MicroPython (esptool), copy the "
                    "firmware (mpremote), write the node's config with fresh credentials "
                    "registered with the hub, reset it and wait for its hello.")
    p.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
    p.add_argument("--profile", required=True, help="display profile, e.g. 7.5-bwr")
    p.add_argument("--wifi-ssid", required=True, help="Wi-Fi network the node joins")
    pw = p.add_mutually_exclusive_group()
    pw.add_argument("--wifi-password-file", metavar="FILE",
                    help="file whose first line is the Wi-Fi password")
    pw.add_argument("--wifi-password-env", metavar="VAR",
                    help=f"environment variable holding the Wi-Fi password "
                         f"(default: {PASSWORD_ENV} when set)")
    pw.add_argument("--wifi-open", action="store_true", help="the network has no password")
    p.add_argument("--micropython-image", metavar="FILE", type=Path,
                   help="MicroPython .bin to write first (micropython.org/download)")
    p.add_argument("--erase", action="store_true",
                   help="erase the whole flash first (wipes MicroPython too: needs "
                        "--micropython-image)")
    p.add_argument("--chip", choices=sorted(CHIP_ARCH), default="esp32",
                   help="the board's chip (default esp32)")
    p.add_argument("--node-id", help="node id (default: a new one; an existing id gets new "
                                     "credentials)")
    p.add_argument("--room", help="assign the new node to this room (a room id of the config)")
    p.add_argument("--broker", metavar="HOST[:PORT]",
                   help="broker address the node uses (default: the hub's, as seen on the LAN)")
    p.add_argument("--tls", action=argparse.BooleanOptionalAction, default=None,
                   help="the node talks TLS to the broker, trusting the hub's CA "
                        "(<state_dir>/tls/ca.pem); default: TLS when the hub's broker is "
                        "mqtts://, also with --broker")
    p.add_argument("--wait", type=float, default=90.0, metavar="SECONDS",
                   help="how long to wait for the node's hello (default 90)")
    p.add_argument("--no-wait", action="store_true", help="do not wait for the hello")
    p.add_argument("--pins", metavar="JSON",
                   help='GPIOs that differ from the default wiring, e.g. \'{"busy": 4}\' '
                        "(docs/flashing.md)")
    p.add_argument("--baud", type=int, default=460800, help="esptool baud rate when writing")
    p.add_argument("--config", "-c", default="roomink.toml", help="hub config (roomink.toml)")
    p.set_defaults(func=run)


def wifi_password(args: argparse.Namespace) -> str:
    if args.wifi_open:
        return ""
    if args.wifi_password_file:
        try:
            text = Path(args.wifi_password_file).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot read --wifi-password-file {args.wifi_password_file} "
                            f"({exc.strerror})") from exc
        password = text.splitlines()[0] if text.splitlines() else ""
        if not password:
            raise UserError(f"--wifi-password-file {args.wifi_password_file} is empty "
                            "(use --wifi-open for a network without password)")
        return password
    var = args.wifi_password_env or PASSWORD_ENV
    if var in os.environ:
        return os.environ[var]
    if args.wifi_password_env:
        raise UserError(f"environment variable {var} is not set")
    if sys.stdin.isatty():
        return getpass.getpass(f"Wi-Fi password for {args.wifi_ssid!r}: ")
    raise UserError(f"no Wi-Fi password: use --wifi-password-file FILE, set {PASSWORD_ENV}, "
                    "or --wifi-open (it is never taken on the command line)")


def assign(hub: HubConfig, node_id: str, room: str) -> str:
    """Record the node's room and tell a running hub, as `roomink assign` does."""
    if save_assignment(hub, node_id, room, "flash ..."):
        return f"assigned to room {room}"
    return f"assigned to room {room} (the hub applies it when it next starts)"


def run(args: argparse.Namespace) -> int:
    hub = load_config(args.config)
    if args.room and hub.room(args.room) is None:
        known = ", ".join(r.id for r in hub.rooms) or "none"
        raise UserError(f"no room {args.room!r} in {args.config} (rooms: {known})")
    opts = FlashOptions(
        port=args.port, profile=args.profile, wifi_ssid=args.wifi_ssid,
        wifi_password=wifi_password(args), hub=hub, chip=args.chip,
        image=args.micropython_image, erase=args.erase, node_id=args.node_id,
        broker=args.broker, wait_s=0 if args.no_wait else args.wait, baud=args.baud,
        pins=parse_pins(args.pins) if args.pins else None, tls=args.tls)
    result = Flasher(opts).run()
    print(f"node {result.node_id} is flashed" + (" and said hello to the hub"
                                                  if result.hello else ""))
    print(f"  broker {result.broker}" + (f", board IP {result.ip}" if result.ip else ""))
    if args.room:
        print(f"  {assign(hub, result.node_id, args.room)}")
    else:
        print(f"next: roomink assign {result.node_id} ROOM -c {args.config}")
    return 0
