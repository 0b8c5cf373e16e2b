"""Virtual UC8176 (4.2" 400x300) and UC8179 (7.5" 800x480) controllers.

Command set (UC8176/UC8179 datasheets, as used by GxEPD2 GxEPD2_420c, GxEPD2_750c_Z08 and
GxEPD2_750_T7): 0x00 PSR (bit 4: 1 = KW black/white, 0 = KWR black/white/red), 0x01 power
setting, 0x02 power off, 0x04 power on, 0x06 booster, 0x07 deep sleep (+0xA5), 0x10 DTM1,
0x12 display refresh, 0x13 DTM2, 0x50 CDI (VCOM and data interval), 0x61 TRES (resolution,
UC8179), 0x90 partial window (x start/end, y start/end, 16-bit big endian, + scan byte),
0x91/0x92 partial in/out. BUSY_N is low while busy.

RAM polarity, from the register values those drivers use (and which this model insists on):
- UC8176, CDI left at its default: KWR: DTM1 bit 0 = black, DTM2 bit 0 = red (GxEPD2_420c
  clears both RAMs with 0xFF); KW: DTM2 "new data" bit 0 = black.
- UC8179 KWR with CDI = 0x11: DTM1 bit 0 = black, DTM2 bit 1 = red (GxEPD2_750c_Z08 writes
  the colour plane inverted relative to black); KW with CDI = 0x29: DTM2 bit 0 = black
  (GxEPD2_750_T7: 0xFF is white).
Another CDI value raises VirtualPanelError: its polarity is not modelled.
A refresh without power on drives nothing (as on the chip). The UC8179 needs its resolution
(TRES) set before RAM writes land where expected; without it the model refuses the data.
"""

from port.vpanel import VirtualPanel, VirtualPanelError

_PSR = 0x00
_POF = 0x02
_PON = 0x04
_DSLP = 0x07
_DTM1 = 0x10
_DRF = 0x12
_DTM2 = 0x13
_CDI = 0x50
_TRES = 0x61
_PTL = 0x90
_PTIN = 0x91
_PTOUT = 0x92

# controller -> {KWR: CDI byte modelled, KW: CDI byte modelled}; None = power-on default
_CDI_MODEL = {"uc8176": (None, None), "uc8179": (0x11, 0x29)}


class VirtualUC81xx(VirtualPanel):
    busy_level = 0

    def __init__(self, ctrl, directory, width, height, colors, png_path):
        self.ctrl = ctrl
        super().__init__(directory, width, height, colors, png_path)

    def reset_state(self):
        super().reset_state()
        self.psr = 0x0F
        self.cdi = None
        self.tres = None if self.ctrl == "uc8179" else (self.w, self.h)
        self.powered = False
        self.partial = False
        self.pwin = (0, 0, self.row, self.h)

    def _kw(self):
        return bool(self.psr & 0x10)

    def _command(self, c):
        if c == _PON:
            self.powered = True
            self.set_busy()
        elif c == _POF:
            self.powered = False
            self.set_busy()
        elif c == _PTIN:
            self.partial = True
        elif c == _PTOUT:
            self.partial = False
        elif c == _DRF:
            self.set_busy()
            if self.powered:  # without power on the chip drives nothing
                self._check_model()
                xb, y0, wb, hh = self.pwin if self.partial else (0, 0, self.row, self.h)
                self.refresh(xb, y0, wb, hh)
        elif c == _DTM1 or c == _DTM2:
            if self.tres != (self.w, self.h):
                raise VirtualPanelError("%s: RAM written before TRES set to %dx%d"
                                        % (self.ctrl, self.w, self.h))
            self.win = self.pwin if self.partial else (0, 0, self.row, self.h)
            self.cx, self.cy = self.win[0], self.win[1]
            self.target = 0 if c == _DTM1 else 1

    def _params_done(self):
        p = self.params
        n = self.nparams
        c = self.cmd
        if c == _PSR and n >= 1:
            self.psr = p[0]
        elif c == _CDI and n >= 1:
            self.cdi = p[0]
        elif c == _TRES and n >= 4:
            self.tres = (p[0] << 8 | p[1], p[2] << 8 | p[3])
        elif c == _DSLP and n >= 1 and p[0] == 0xA5:
            self.asleep = True
        elif c == _PTL and n >= 9:
            xs = (p[0] << 8 | p[1]) & 0x3F8
            xe = min((p[2] << 8 | p[3]) | 0x07, self.w - 1)
            ys = (p[4] << 8 | p[5]) & 0x3FF
            ye = min(p[6] << 8 | p[7], self.h - 1)
            if xe < xs or ye < ys:
                raise VirtualPanelError("empty partial window")
            self.pwin = (xs // 8, ys, (xe + 1) // 8 - xs // 8, ye - ys + 1)

    def _check_model(self):
        want = _CDI_MODEL[self.ctrl][1 if self._kw() else 0]
        if self.cdi != want:
            raise VirtualPanelError("%s CDI=%r not modelled (expected %r in %s mode)" % (
                self.ctrl, self.cdi, want, "KW" if self._kw() else "KWR"))
        if (2 in self.colors) == self._kw():
            raise VirtualPanelError("PSR mode does not match the glass (%s)" % (self.colors,))

    def _sources(self):
        if self._kw():
            return (1, True), None
        return (0, True), (1, self.ctrl == "uc8176")
