"""Virtual e-paper panels: the far side of the host port's SPI bus and pins.

Each model interprets its controller's command/data byte stream the way the chip does, so the
driver under test is the one that would drive hardware. What the models follow, and where the
facts come from, is in vp_uc81xx.py (UC8176 4.2", UC8179 7.5") and vp_ssd1680.py (2.9").

Common to all: controller RAM and the shown image are kept separately in files in the node
directory (they survive "deep sleep" = process exit, and cost no MicroPython heap); a refresh
turns RAM into the shown image using the controller's real RAM polarity, so a driver that gets
polarity wrong shows an inverted or missing colour here too; the shown image is saved as
panel.png. After a deep-sleep command a chip ignores everything until a hardware reset.

Test hook: a file `fault` in the panel directory containing `busy_stuck` keeps BUSY asserted;
`refresh_stuck` lets everything work until a refresh starts, which then never ends.
"""

import os

import micropython

from port.png import write_png

# Palette index -> RGB, the same as renderer/planes.py PALETTE_RGB.
PALETTE = ((255, 255, 255), (0, 0, 0), (200, 0, 0), (230, 190, 0))

_BUSY_POLLS = 1  # BUSY reads "busy" this many times after a long command


class VirtualPanelError(Exception):
    """The driver drove the chip in a way this model does not cover (unmodelled register value).

    Raised instead of guessing what real glass would show.
    """


def _spread_table():
    """byte -> 16-bit value with each bit doubled into a 2-bit pixel (bit 7 -> bits 15..14)."""
    t = bytearray(512)
    for v in range(256):
        out = 0
        for bit in range(8):
            if v & (0x80 >> bit):
                out |= 1 << (14 - 2 * bit)
        t[2 * v] = out >> 8
        t[2 * v + 1] = out & 0xFF
    return t


@micropython.viper
def _pack_row(k, r, out, spread, n: int):
    """Black and red row bytes -> 2-bit palette pixels (red over black): 2 bytes per byte."""
    pk = ptr8(k)  # noqa: F821 (viper builtins)
    pr = ptr8(r)  # noqa: F821
    po = ptr8(out)  # noqa: F821
    ps = ptr8(spread)  # noqa: F821
    i = 0
    while i < n:
        red = pr[i]
        black = pk[i] & (red ^ 0xFF)
        po[2 * i] = ps[2 * black] | ((ps[2 * red] << 1) & 0xFF)
        po[2 * i + 1] = ps[2 * black + 1] | ((ps[2 * red + 1] << 1) & 0xFF)
        i += 1


class VirtualPanel:
    """Base: file-backed RAMs, window + address counter, BUSY, reset, refresh -> PNG.

    A controller's model overrides `_command` and `_params_done` for the commands it models,
    `_sources()` (which RAM, with which polarity, makes each shown colour), and sets
    `busy_level` (BUSY pin level while busy).
    """

    busy_level = 0
    ram_names = ("ram1.bin", "ram2.bin")

    def __init__(self, directory, width, height, colors, png_path):
        self.dir = directory
        self.png_path = png_path
        self.w = width
        self.h = height
        self.colors = colors  # the inks the glass has (a property of the panel, not the chip)
        self.row = width // 8
        self.size = self.row * height
        try:
            os.mkdir(directory)
        except OSError:
            pass
        self.ram = (self._open(self.ram_names[0], 0xFF), self._open(self.ram_names[1], 0xFF))
        self.shown = (self._open("shown_black.bin", 0), self._open("shown_red.bin", 0))
        self.rowbuf = bytearray(self.row)
        self.rowbuf2 = bytearray(self.row)
        self.spread = _spread_table()  # made once: refreshes then allocate nothing big
        self.params = bytearray(16)
        self.nparams = 0
        self.cmd = None
        self.target = None  # RAM index receiving data, or None
        self.refreshes = 0
        self.ram_bytes = 0  # bytes written into RAM (tests: "panel untouched")
        self.stuck = self._fault() == "busy_stuck"
        self.reset_state()

    # -- files ---------------------------------------------------------------------------------
    def _path(self, name):
        return self.dir + "/" + name

    def _open(self, name, fill):
        path = self._path(name)
        try:
            if os.stat(path)[6] == self.size:
                return open(path, "r+b")
        except OSError:
            pass
        with open(path, "wb") as f:
            chunk = bytes([fill]) * self.row
            for _ in range(self.h):
                f.write(chunk)
        return open(path, "r+b")

    def _fault(self):
        try:
            with open(self._path("fault")) as f:
                return f.read().strip()
        except OSError:
            return ""

    def close(self):
        for f in self.ram + self.shown:
            f.close()

    # -- pins and bus --------------------------------------------------------------------------
    def reset_state(self):
        """Hardware reset: registers to defaults, RAM kept, awake."""
        self.asleep = False
        self.busy_left = 0
        self.cmd = None
        self.target = None
        self.win = (0, 0, self.row, self.h)  # x byte, y, width bytes, height
        self.cx = 0
        self.cy = 0

    def reset_pin(self, level):
        if level == 0:
            self.reset_state()

    def busy_pin(self):
        busy = self.stuck
        if self.busy_left:
            self.busy_left -= 1
            busy = True
        return self.busy_level if busy else 1 - self.busy_level

    def set_busy(self):
        self.busy_left = _BUSY_POLLS

    def spi(self, dc, buf):
        """Bytes clocked in while CS is low; dc = level of the D/C pin (0 command, 1 data)."""
        if self.asleep:
            return
        if dc == 0:
            for b in buf:
                self.cmd = b
                self.nparams = 0
                self.target = None
                self._command(b)
            return
        if self.target is not None:
            self._ram_write(self.target, buf)
            return
        for b in buf:
            if self.nparams < len(self.params):
                self.params[self.nparams] = b
                self.nparams += 1
        self._params_done()

    # What a command byte starts and what its parameters set. Here: nothing, as for the many
    # setup commands (booster, VCOM, waveform) a model only has to accept; each controller's
    # model (vp_uc81xx.py, vp_ssd1680.py) handles the ones that move RAM, windows or BUSY.
    def _command(self, c):
        pass

    def _params_done(self):
        pass

    # -- RAM -----------------------------------------------------------------------------------
    def _ram_write(self, index, buf):
        """Write at the address counter: X increments inside the window, then the next row."""
        xb, y0, wb, hh = self.win
        f = self.ram[index]
        mv = None
        n = len(buf)
        done = 0
        while done < n:
            k = min(xb + wb - self.cx, n - done)
            if k <= 0 or not (0 <= self.cy < self.h):
                raise VirtualPanelError("address counter %d,%d outside window/panel"
                                        % (self.cx, self.cy))
            f.seek(self.cy * self.row + self.cx)
            if k == n:
                f.write(buf)  # the common case: no slice object
            else:
                if mv is None:
                    mv = memoryview(buf)
                f.write(mv[done:done + k])
            done += k
            self.cx += k
            self.ram_bytes += k
            if self.cx >= xb + wb:
                self.cx = xb
                self.cy += 1
                if self.cy >= y0 + hh:  # the real counter wraps to the window start
                    self.cy = y0

    # -- display -------------------------------------------------------------------------------
    def _sources(self):
        """((ram index, active_low) or None for black, same for red): which RAM, with which
        polarity, makes each shown colour. The one thing every controller model must say
        (vp_uc81xx.py, vp_ssd1680.py); without it a refresh cannot show anything."""
        raise VirtualPanelError("%s maps no RAM to colours" % type(self).__name__)

    def refresh(self, xb, y0, wb, hh):
        """RAM -> shown inside the byte rect, then panel.png."""
        if self._fault() == "refresh_stuck":  # test hook: this refresh never finishes
            self.stuck = True
            return
        srcs = self._sources()
        bufs = (self.rowbuf, self.rowbuf2)
        segs = (memoryview(self.rowbuf)[:wb], memoryview(self.rowbuf2)[:wb])
        for y in range(y0, y0 + hh):
            off = y * self.row + xb
            for plane in range(2):
                out = bufs[plane]
                seg = segs[plane]
                src = srcs[plane]
                if src is None:
                    for i in range(wb):
                        out[i] = 0
                else:
                    f = self.ram[src[0]]
                    f.seek(off)
                    f.readinto(seg)
                    if src[1]:
                        for i in range(wb):
                            out[i] ^= 0xFF
                self.shown[plane].seek(off)
                self.shown[plane].write(seg)
        for f in self.shown + self.ram:
            f.flush()
        self.refreshes += 1
        self.save_png(self.png_path)

    def save_png(self, path):
        """What the panel shows, as a 2-bit palette PNG (red over black)."""
        spread = self.spread
        k = self.rowbuf
        r = self.rowbuf2
        sk = self.shown[0]
        sr = self.shown[1]
        row = self.row

        def rows(y, out):
            sk.seek(y * row)
            sk.readinto(k)
            sr.seek(y * row)
            sr.readinto(r)
            _pack_row(k, r, out, spread, row)

        write_png(path, self.w, self.h, 2, PALETTE, rows)


def make(ctrl, directory, width, height, colors, png_path):
    """The virtual panel model for a controller family."""
    if ctrl in ("uc8176", "uc8179"):
        from port.vp_uc81xx import VirtualUC81xx

        return VirtualUC81xx(ctrl, directory, width, height, colors, png_path)
    if ctrl == "ssd1680":
        from port.vp_ssd1680 import VirtualSSD1680

        return VirtualSSD1680(directory, width, height, colors, png_path)
    raise VirtualPanelError("no virtual panel for controller %r" % ctrl)
