"""Host (unix port) board: pins and SPI whose other end is the virtual panel.

NODE_DIR plays the node's flash and RTC memory: config.json (read by config.py), rtc.json (RTC
memory), vpanel/ (the panel controller's RAM and shown image), panel.png (what the panel shows),
sleep.json (written when the node "deep sleeps", i.e. exits).
Optional test hooks, all files in NODE_DIR: `buttons` (mask of buttons held at wake),
`battery_mv` (simulated battery voltage), `vpanel/fault` (`busy_stuck`).
"""

import json
import os
import time

from port import vpanel


class Pin:
    """An output or input pin. Outputs may notify the panel (RST); BUSY reads from it."""

    def __init__(self, name, on_change=None, read=None, level=1):
        self.name = name
        self.level = level
        self.on_change = on_change
        self.read = read

    def value(self, v=None):
        if v is None:
            return self.read() if self.read else self.level
        self.level = 1 if v else 0
        if self.on_change:
            self.on_change(self.level)
        return None

    def __call__(self, v=None):
        return self.value(v)


class SPI:
    """SPI bus to the panel: bytes go to the panel only while CS is low."""

    def __init__(self, panel, dc, cs):
        self.panel = panel
        self.dc = dc
        self.cs = cs
        self.bytes_out = 0

    def write(self, buf):
        if self.cs.level == 0:
            self.panel.spi(self.dc.level, buf)
            self.bytes_out += len(buf)


class Board:
    """The host board for one node directory."""

    name = "host"

    def __init__(self, node_dir):
        self.dir = node_dir
        self.t0 = time.ticks_ms()
        self.panel = None
        self._wake = None

    def _path(self, name):
        return self.dir + "/" + name

    def panel_bus(self, ctrl, width, height, colors):
        """(spi, dc, cs, rst, busy) wired to a virtual panel of this controller and glass."""
        self.panel = vpanel.make(ctrl, self._path("vpanel"), width, height, colors,
                                 self._path("panel.png"))
        dc = Pin("dc", level=0)
        cs = Pin("cs", level=1)
        rst = Pin("rst", on_change=self.panel.reset_pin)
        busy = Pin("busy", read=self.panel.busy_pin)
        return SPI(self.panel, dc, cs), dc, cs, rst, busy

    # -- time ----------------------------------------------------------------------------------
    def uptime_ms(self):
        return time.ticks_diff(time.ticks_ms(), self.t0)

    def sleep_ms(self, ms):
        time.sleep_ms(ms)

    def unix_time(self):
        return time.time()

    def file_path(self, name):
        """A file the provisioning put beside config.json (e.g. ca.pem)."""
        return self._path(name)

    # -- RTC memory ----------------------------------------------------------------------------
    def rtc_load(self):
        """What survived deep sleep (dict), or None after a power-on."""
        try:
            with open(self._path("rtc.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def rtc_save(self, state):
        tmp = self._path("rtc.json.tmp")
        with open(tmp, "w") as f:
            json.dump(state, f)
        os.rename(tmp, self._path("rtc.json"))

    # -- sensors -------------------------------------------------------------------------------
    def _read_int(self, name, default):
        try:
            with open(self._path(name)) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return default

    def battery_mv(self):
        return self._read_int("battery_mv", 4100)

    def rssi(self):
        return -55  # no radio on the host

    def buttons(self):
        """Mask of buttons held at wake (bit 0..3 = buttons 1..4)."""
        return self._read_int("buttons", 0) & 0x0F

    def wake_reason(self, rtc):
        if self.buttons():
            return "button"
        return "timer" if rtc is not None else "power"

    def configure(self, cfg: dict) -> None:
        """Nothing to set up on the host (pins and watchdog are virtual)."""

    def network_up(self, timeout_ms: int = 10000) -> bool:
        return True  # the host is always on the network

    def radio_off(self) -> None:
        self.radio_offs = getattr(self, "radio_offs", 0) + 1

    def feed_watchdog(self) -> None:
        pass

    # -- deep sleep ----------------------------------------------------------------------------
    def deep_sleep(self, sleep_s, reason):
        """Record the sleep (sleep_s None: no timer, only reset/button wakes) and return;
        main.py then ends the process, as machine.deepsleep() ends the CPU's day."""
        if self.panel:
            self.panel.close()
        with open(self._path("sleep.json"), "w") as f:
            json.dump({"sleep_s": sleep_s, "reason": reason}, f)
        try:
            os.remove(self._path("buttons"))  # a press is consumed by the wake it caused
        except OSError:
            pass
