"""What the flasher says to MicroPython on the board (through `mpremote exec/run`) and how it
reads the answers. Each snippet prints one line starting with a `roomink-` marker, so the
answer is found even among REPL noise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from hub.flashing.bundle import MANIFEST, Bundle
from hub.flashing.errors import FlashError
from hub.flashing.mpy import MpyTarget

NETCHECK = Path(__file__).with_name("board_netcheck.py")

PROBE = (
    "import sys, os\n"
    "try:\n s = os.statvfs('/')\n free = s[0] * s[3]\nexcept Exception:\n free = -1\n"
    "print('roomink-board', sys.platform, sys.implementation._mpy, free,"
    " '.'.join(str(v) for v in sys.implementation.version[:3]))\n"
)

# ESP32 WLAN.status() codes (MicroPython esp32 port: network.STAT_*, else ESP-IDF
# wifi_err_reason_t) -> error kind. 15 (4-way handshake timeout) is what WPA2 reports for a
# wrong password on recent ESP-IDF.
WIFI_STATUS = {202: "wifi-password", 204: "wifi-password", 15: "wifi-password",
               2: "wifi-password", 201: "wifi-ssid", 210: "wifi-ssid", 211: "wifi-ssid"}


@dataclass(frozen=True)
class BoardInfo:
    platform: str
    mpy: MpyTarget
    free_bytes: int  # -1 when the board could not say
    version: str


def parse_probe(output: str, port: str) -> BoardInfo:
    match = re.search(r"roomink-board (\S+) (\d+) (-?\d+) (\S+)", output)
    if not match:
        raise FlashError("no-micropython", f"the board on {port} did not answer the MicroPython "
                         "probe: flash MicroPython with --micropython-image FILE")
    platform, mpy, free, version = match.groups()
    if platform != "esp32":
        raise FlashError("chip", f"the board on {port} runs MicroPython for {platform!r}; "
                         "roomink nodes are ESP32 boards (see docs/flashing.md)")
    return BoardInfo(platform, MpyTarget.from_sys_mpy(int(mpy)), int(free), version)


def prepare_script(bundle: Bundle) -> str:
    """Make the bundle's folders and remove what would shadow or outlive it: files an earlier
    bundle listed that this one lacks, and `x.py` beside a new `x.mpy` (MicroPython imports
    the .py first)."""
    new = [f.path for f in bundle.files]
    stale_py = [p[:-4] + ".py" for p in new if p.endswith(".mpy")]
    return (
        "import os, json\n"
        f"new = {json.dumps(new)}\n"
        f"gone = {json.dumps(stale_py)}\n"
        "try:\n"
        f" gone += [f['path'] for f in json.load(open({MANIFEST!r}))['files'] if f['path'] not in new]\n"  # noqa: E501
        "except (OSError, ValueError, KeyError):\n pass\n"
        "for p in gone:\n try:\n  os.remove(p)\n except OSError:\n  pass\n"
        f"for d in {json.dumps(bundle.dirs)}:\n"
        " try:\n  os.mkdir(d)\n except OSError:\n  pass\n"
        "print('roomink-fs ok')\n"
    )


def parse_netcheck(output: str, ssid: str, broker: str) -> str:
    """The board's IP address; FlashError when Wi-Fi or the broker failed."""
    wifi = re.search(r"roomink-wifi (ok|fail) ?(\S*)", output)
    if not wifi:
        raise FlashError("wifi", "the board did not report its Wi-Fi check: "
                         "watch its output with `mpremote repl` and see docs/flashing.md")
    if wifi.group(1) == "fail":
        code = int(wifi.group(2)) if wifi.group(2).lstrip("-").isdigit() else -1
        kind = WIFI_STATUS.get(code, "wifi")
        if kind == "wifi-password":
            raise FlashError(kind, f"Wi-Fi {ssid!r} rejected the password (status {code}): "
                             "check --wifi-password-file / the password variable and run again")
        if kind == "wifi-ssid":
            raise FlashError(kind, f"Wi-Fi {ssid!r} not found (status {code}): check the name "
                             "(case matters) and that it is a 2.4 GHz network in range")
        raise FlashError(kind, f"the board could not join Wi-Fi {ssid!r} (status {code}): "
                         "check signal strength and that the network is 2.4 GHz WPA2")
    broker_line = re.search(r"roomink-broker (ok|fail) ?(.*)", output)
    if not broker_line or broker_line.group(1) == "fail":
        why = broker_line.group(2).strip() if broker_line else "no answer"
        raise FlashError("broker", f"the board joined Wi-Fi but cannot reach the broker at "
                         f"{broker} ({why}): check --broker, the hub's firewall, and that "
                         "the hub's broker listens on the LAN")
    return wifi.group(2)
