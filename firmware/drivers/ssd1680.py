"""SSD1680 driver (2.9" 128x296, black/white or black/white/red), streaming, no framebuffer.

Command set (SSD1680 datasheet; GxEPD2 GxEPD2_290_C90c for the BWR glass): software reset
0x12, driver output control 0x01, data entry mode 0x11, border 0x3C, temperature sensor 0x18,
display update control 0x21/0x22, master activation 0x20, RAM X/Y window 0x44/0x45, RAM X/Y
counter 0x4E/0x4F, black/white RAM 0x24, red RAM 0x26, deep sleep 0x10. BUSY is HIGH while
busy. The chip has no partial *refresh* window for these waveforms: a region writes only its
RAM window, then the whole panel is updated (unchanged pixels stay as they were).
"""

from micropython import const
from wire import BLACK, RED

from drivers.spipanel import SpiPanel

_DSM = const(0x10)
_SWRESET = const(0x12)
_MA = const(0x20)
_DUC2 = const(0x22)
_XWIN = const(0x44)
_YWIN = const(0x45)
_XCNT = const(0x4E)
_YCNT = const(0x4F)

# Init: flat list of (command, parameters). Source: GxEPD2_290_C90c::_InitDisplay.
_INIT = (
    (0x01, b"\x27\x01\x00"),  # driver output control: 296 gates (0x127 + 1), scan order
    (0x11, b"\x03"),  # data entry mode: X increment, Y increment, counter moves in X first
    (0x3C, b"\x05"),  # border waveform
    (0x18, b"\x80"),  # temperature: internal sensor
    (0x21, b"\x00\x80"),  # display update control 1: normal RAM, source S8..S167
)
_UPDATE_FULL = b"\xf7"  # 0x22 option: clock+analog on, temperature, OTP LUT, display, off
_POWER_OFF = b"\x83"  # 0x22 option: analog + clock off

# RAM polarity, the ONE place that knows it: colour -> (RAM write command, bit meaning ink).
# 0x24: 0 = black (0xFF white). 0x26 on BWR glass: 1 = red (GxEPD2_290_C90c writes ~colour).
_RAM_BWR = {BLACK: (0x24, 0), RED: (0x26, 1)}
_RAM_BW = {BLACK: (0x24, 0)}


class SSD1680(SpiPanel):
    """One SSD1680 panel on an SPI bus. `colors` are the wire colours the glass has."""

    ctrl = "ssd1680"
    refresh_timeout_ms = 25000  # BWR full update ~15-20 s

    def __init__(self, board, spi, dc, cs, rst, busy, width, height, colors):
        super().__init__(board, spi, dc, cs, rst, busy, width, height, colors,
                         _RAM_BWR if RED in colors else _RAM_BW)
        self.p4 = bytearray(4)

    def init(self):
        """Hardware reset (leaves deep sleep), software reset, registers."""
        self._reset()
        self._cmd(_SWRESET)
        self.board.sleep_ms(10)
        self.wait_busy("software reset", 1000)
        for cmd, params in _INIT:
            self._cmd(cmd, params)
        self.ready = True

    def power_off(self):
        if self.ready:
            self._cmd(_DUC2, _POWER_OFF)
            self._cmd(_MA)
            self.wait_busy("power off", 1000)

    def sleep(self):
        """Deep sleep mode 1 (RAM retained per datasheet); a hardware reset wakes the chip."""
        self.power_off()
        self._cmd(_DSM, b"\x01")
        self.ready = False

    def _window(self, x, y, w, h):
        p = self.p4
        p[0] = x // 8
        p[1] = (x + w - 1) // 8
        self._cmd(_XWIN, memoryview(p)[:2])
        ye = y + h - 1
        p[0], p[1], p[2], p[3] = y & 0xFF, y >> 8, ye & 0xFF, ye >> 8
        self._cmd(_YWIN, p)
        p[0] = x // 8
        self._cmd(_XCNT, memoryview(p)[:1])
        p[0], p[1] = y & 0xFF, y >> 8
        self._cmd(_YCNT, memoryview(p)[:2])

    def begin_region(self, x, y, w, h):
        if not self.ready:
            self.init()
        self.region = (x, y, w, h)

    def plane(self, color):
        x, y, w, h = self.region
        self._window(x, y, w, h)  # resets the address counter to the window start
        super().plane(color)

    def end_region(self, colors):
        self._blank_missing(colors)

    def refresh(self, x, y, w, h, full=False):
        """Full update with the OTP waveform (the only kind this glass supports)."""
        if not self.ready:
            self.init()
        self._cmd(_DUC2, _UPDATE_FULL)
        self._cmd(_MA)
        self.wait_busy("update", self.refresh_timeout_ms)
