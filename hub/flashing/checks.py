"""Checks made before (and around) talking to the board: the serial port, the MicroPython
image, the --pins and --broker options. Each failure is a FlashError the admin can act on,
raised before any tool runs where possible.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from pathlib import Path

from hub.config import HubConfig
from hub.flashing.errors import FlashError
from hub.transport import BrokerAddress

# Where MicroPython's ESP32 .bin images go (micropython.org/download: "esptool.py
# --chip esp32 ... write_flash -z 0x1000 firmware.bin"; S3/C3/C6 images start at 0).
IMAGE_OFFSET = {"esp32": 0x1000, "esp32s2": 0x1000, "esp32s3": 0x0, "esp32c3": 0x0,
                "esp32c6": 0x0}
# Chip id in an ESP image's extended header (bytes 12-13), as esptool's targets define it.
IMAGE_CHIP_ID = {0: "esp32", 2: "esp32s2", 9: "esp32s3", 5: "esp32c3", 13: "esp32c6"}

def lan_ip() -> str:
    """This machine's address on the network its default route uses (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only selects the outgoing interface
            return s.getsockname()[0]
        except OSError:
            return socket.gethostname()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def node_broker(hub: HubConfig, override: str | None, tls: bool = False) -> tuple[str, int]:
    """The broker address the node is told: --broker (without a port: MQTT's, 8883 for TLS),
    else the hub's broker as seen from the LAN (a node cannot use the hub's 127.0.0.1)."""
    if override:
        default = "8883" if tls else "1883"
        host, _, port = override.rpartition(":") if ":" in override else (override, "", default)
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise FlashError("config", f"--broker {override!r}: use HOST or HOST:PORT")
        return host, int(port)
    if hub.broker == "embedded":
        listen_port = int(hub.listen.rsplit(":", 1)[1])
        if not hub.address:
            return lan_ip(), listen_port
        name, _, given = hub.address.rpartition(":")
        if name and given.isdigit():  # [hub] address = "host:port": how nodes find the hub
            return name, int(given)
        return hub.address, listen_port
    address = BrokerAddress.parse(hub.broker)
    host = lan_ip() if _is_loopback(address.host) else address.host
    return host, address.port


PIN_NAMES = ("sck", "mosi", "cs", "dc", "rst", "busy", "battery", "buttons")


def parse_pins(text: str) -> dict:
    """--pins '{"busy": 4, "buttons": [32, 33]}' -> dict; FlashError for anything else."""
    try:
        pins = json.loads(text)
    except ValueError:
        pins = None
    if not isinstance(pins, dict):
        raise FlashError("config", "--pins must be a JSON object like '{\"busy\": 4}'")
    for name, value in pins.items():
        ok = (isinstance(value, int) and 0 <= value <= 48) if name != "buttons" else (
            isinstance(value, list) and len(value) <= 4
            and all(isinstance(v, int) and 0 <= v <= 48 for v in value))
        if name not in PIN_NAMES or not ok:
            raise FlashError("config", f"--pins: {name!r} must be one of {', '.join(PIN_NAMES)} "
                             "with a GPIO number (buttons: a list of up to 4)")
    return pins


def check_image(image: Path, chip: str) -> None:
    """Refuse a missing, unreadable or other-chip image before the board is touched."""
    try:
        head = image.read_bytes()[:16]
    except FileNotFoundError:
        raise FlashError("image", f"MicroPython image {image} not found: download the .bin "
                         f"for your board from https://micropython.org/download/ "
                         f"(ESP32_GENERIC for a plain ESP32)") from None
    except OSError as exc:
        raise FlashError("image", f"cannot read MicroPython image {image} "
                         f"({exc.strerror})") from exc
    if len(head) < 16 or head[0] != 0xE9:
        raise FlashError("image", f"{image} is not an ESP32 firmware image (.bin from "
                         "micropython.org/download, not .elf/.uf2/.app-bin)")
    image_chip = IMAGE_CHIP_ID.get(int.from_bytes(head[12:14], "little"))
    if image_chip and image_chip != chip:
        raise FlashError("chip", f"{image.name} is built for {image_chip}, but --chip is "
                         f"{chip}: download the image for your board's chip")


def check_port(port: str) -> str | None:
    if "://" in port:  # a pyserial URL (rfc2217://, socket://): a board on another machine
        return None
    if not os.path.exists(port):
        raise FlashError("port-missing", f"serial port {port} not found: is the board plugged "
                         "in (with a data USB cable)? Boards appear as /dev/ttyUSB* or "
                         "/dev/ttyACM*")
    if not os.access(port, os.R_OK | os.W_OK):
        raise FlashError("port-denied", f"permission denied on {port}: add your user to the "
                         "'dialout' group (sudo usermod -aG dialout $USER, then log out and "
                         "in again)")
    return None


def diagnose_port(port: str) -> FlashError | None:
    """mpremote says only "failed to access" for a missing, forbidden or busy port: open it
    ourselves to tell which."""
    if "://" in port:
        return None
    try:
        fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except FileNotFoundError:
        return FlashError("port-missing", f"serial port {port} disappeared: is the board "
                          "still plugged in?")
    except PermissionError:
        return FlashError("port-denied", f"permission denied on {port}: add your user to the "
                          "'dialout' group (sudo usermod -aG dialout $USER, then log out and "
                          "in again)")
    except OSError:
        return None
    os.close(fd)
    return None


def hub_uses_tls(hub: HubConfig) -> bool:
    """The hub's own broker connection is TLS (mqtts://; the embedded broker has no TLS)."""
    return hub.broker != "embedded" and BrokerAddress.parse(hub.broker).tls


def node_ca(hub: HubConfig, override: str | None, tls: bool | None = None) -> Path | None:
    """The CA the node must trust, None for plain MQTT. The node speaks TLS when --tls/--no-tls
    says so, else when the hub does: --broker changes only the address, so a hub that uses
    TLS never gets a node that sends its password in clear text without being asked."""
    hub_tls = hub_uses_tls(hub)
    if tls is None:
        tls = hub_tls
    if tls != hub_tls and not override:
        raise _other_listener(tls)
    if not tls:
        return None
    ca = Path(hub.state_dir) / "tls" / "ca.pem"
    if not ca.is_file():
        why = "the hub's broker is mqtts://" if hub_tls else "--tls was given"
        raise FlashError("config", f"{why} but {ca} is missing: run `roomink tls-ca` first "
                         "(docs/security.md, TLS)")
    return ca


def _other_listener(tls: bool) -> FlashError:
    """--tls on a plain hub (or --no-tls on a TLS hub) without --broker: the hub's address is
    the other kind of listener, so the node's address cannot be derived from it."""
    if tls:
        return FlashError("config", "--tls: the hub's broker is not mqtts://, so its address is "
                          "not a TLS listener: add --broker HOST:PORT naming the broker's TLS "
                          "listener (usually port 8883)")
    return FlashError("config", "--no-tls: the hub's broker is mqtts://, so its address is a "
                      "TLS listener: add --broker HOST:PORT naming a plain listener (usually "
                      "port 1883)")
