"""Streaming driver for the UC81xx family (UC8176 4.2", UC8179 7.5"): no framebuffer.

Shared command set (UC8176/UC8179 datasheets; GxEPD2 GxEPD2_420c, GxEPD2_750c_Z08,
GxEPD2_750_T7): power on 0x04, power off 0x02, deep sleep 0x07 + 0xA5, data start
transmission 1/2 = 0x10/0x13, display refresh 0x12, partial window 0x90 (x start/end, y
start/end as 16-bit big endian + scan byte), partial in/out 0x91/0x92. BUSY_N is low while the
chip is busy. The chip-specific parts (init register list, RAM polarity) come from uc8176.py /
uc8179.py as data.
"""

from micropython import const

from drivers.spipanel import SpiPanel

_POF = const(0x02)
_PON = const(0x04)
_DSLP = const(0x07)
_DRF = const(0x12)
_PTL = const(0x90)
_PTIN = const(0x91)
_PTOUT = const(0x92)


class UC81xx(SpiPanel):
    """One UC81xx panel on an SPI bus.

    `init_seq` is a tuple of (command, parameter bytes); `ram` maps a wire colour to
    (data command, RAM bit value that means ink). Both are given by the chip module.
    """

    ctrl = "uc81xx"
    refresh_timeout_ms = 20000
    busy_level = 0  # BUSY_N is low while the chip works

    def __init__(self, board, spi, dc, cs, rst, busy, width, height, colors, init_seq, ram):
        super().__init__(board, spi, dc, cs, rst, busy, width, height, colors, ram)
        self.init_seq = init_seq
        self.win = bytearray(9)

    # -- lifecycle -----------------------------------------------------------------------------
    def init(self):
        """Hardware reset (wakes the chip from deep sleep), init registers, power on."""
        self._reset()
        self.wait_busy("reset", 1000)
        for cmd, params in self.init_seq:
            self._cmd(cmd, params)
        self._cmd(_PON)
        self.wait_busy("power on", 1000)
        self.ready = True

    def power_off(self):
        """Power off, RAM kept (used while a chunked frame is half received)."""
        if self.ready:
            self._cmd(_POF)
            self.wait_busy("power off", 1000)
            self.ready = False

    def sleep(self):
        """Deep sleep: a few uA; only a hardware reset wakes the chip (init() does that)."""
        self.power_off()
        self._cmd(_DSLP, b"\xa5")

    # -- writing -------------------------------------------------------------------------------
    def _window(self, x, y, w, h):
        xe = x + w - 1
        ye = y + h - 1
        b = self.win
        b[0] = x >> 8
        b[1] = x & 0xF8
        b[2] = xe >> 8
        b[3] = (xe & 0xFF) | 0x07
        b[4] = y >> 8
        b[5] = y & 0xFF
        b[6] = ye >> 8
        b[7] = ye & 0xFF
        b[8] = 0x01  # PT_SCAN: gates scan inside the window only
        self._cmd(_PTL, b)

    def begin_region(self, x, y, w, h):
        if not self.ready:
            self.init()
        self.region = (x, y, w, h)
        if x == 0 and y == 0 and w == self.w and h == self.h:
            self._cmd(_PTOUT)
        else:
            self._cmd(_PTIN)
            self._window(x, y, w, h)

    def end_region(self, colors):
        self._blank_missing(colors)
        self._cmd(_PTOUT)

    def refresh(self, x, y, w, h, full=False):
        """Show RAM on the glass: the whole panel, or (partial mode) just the rect."""
        if not self.ready:
            self.init()
        if full or (x == 0 and y == 0 and w == self.w and h == self.h):
            self._cmd(_PTOUT)
            self._cmd(_DRF)
            self.wait_busy("full refresh", self.refresh_timeout_ms)
        else:
            self._cmd(_PTIN)
            self._window(x, y, w, h)
            self._cmd(_DRF)
            self.wait_busy("partial refresh", self.refresh_timeout_ms)
            self._cmd(_PTOUT)
