"""What every SPI e-paper driver shares: the bus (command/data with DC and CS), the BUSY wait
with a timeout, the reset pulse, and streaming plane bytes in the RAM's own polarity.

Chip drivers (ssd1680.py, uc81xx.py) subclass SpiPanel and supply what differs: the level
BUSY has while the chip works, the RAM map (wire colour -> (RAM command, bit value that means
ink)), init sequences, windows and refresh commands.
"""

import micropython
from micropython import const

from drivers import PanelError

_BUSY_POLL_MS = const(5)


@micropython.viper
def invert(buf, n: int):
    """buf[:n] ^= 0xFF, in place (RAM polarity conversion at SPI speed)."""
    p = ptr8(buf)  # noqa: F821 (viper builtin)
    i = 0
    while i < n:
        p[i] = p[i] ^ 0xFF
        i += 1


class SpiPanel:
    busy_level = 1  # BUSY pin level while the chip works
    refresh_timeout_ms = 20000

    def __init__(self, board, spi, dc, cs, rst, busy, width, height, colors, ram):
        self.board = board
        self.spi = spi
        self.dc = dc
        self.cs = cs
        self.rst = rst
        self.busy = busy
        self.w = width
        self.h = height
        self.colors = colors
        self.ram = ram
        self.cmd_buf = bytearray(1)
        self.fill = bytearray(64)
        self.region = (0, 0, width, height)
        self.invert = False
        self.ready = False

    # -- bus -----------------------------------------------------------------------------------
    def _cmd(self, c, params=None):
        self.cmd_buf[0] = c
        self.dc(0)
        self.cs(0)
        self.spi.write(self.cmd_buf)
        self.cs(1)
        if params:
            self._data(params)

    def _data(self, buf):
        self.dc(1)
        self.cs(0)
        self.spi.write(buf)
        self.cs(1)

    def wait_busy(self, what, timeout_ms):
        """Poll BUSY until the chip is idle; PanelError after the timeout (never hangs)."""
        waited = 0
        while self.busy() == self.busy_level:
            if waited >= timeout_ms:
                raise PanelError("panel busy for more than %d ms after %s" % (timeout_ms, what))
            self.board.sleep_ms(_BUSY_POLL_MS)
            self.board.feed_watchdog()
            waited += _BUSY_POLL_MS

    def _reset(self):
        """Hardware reset pulse: wakes the chip from deep sleep."""
        self.rst(0)
        self.board.sleep_ms(10)
        self.rst(1)
        self.board.sleep_ms(10)

    # -- planes --------------------------------------------------------------------------------
    def plane(self, color):
        """Start writing the RAM of one wire colour (subclasses position the window)."""
        cmd, ink = self.ram[color]
        self.invert = ink == 0
        self._cmd(cmd)

    def data(self, buf):
        if self.invert:
            invert(buf, len(buf))
        self._data(buf)

    def _blank_missing(self, colors):
        """Panel colours a message did not carry become "no ink" in its rect (the message
        replaces the rect), written in each RAM's polarity from one small buffer."""
        x, y, w, h = self.region
        for color in self.colors:
            if color in colors:
                continue
            self.plane(color)
            blank = 0xFF if self.invert else 0x00
            fill = self.fill
            for i in range(len(fill)):
                fill[i] = blank
            left = w * h // 8
            while left > 0:
                k = min(left, len(fill))
                self._data(fill if k == len(fill) else memoryview(fill)[:k])
                left -= k
