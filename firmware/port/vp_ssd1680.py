"""Virtual SSD1680 (2.9" 128x296), black/white or black/white/red glass.

Command set (SSD1680 datasheet; GxEPD2 GxEPD2_290_C90c for the BWR panel): 0x12 software
reset, 0x01 driver output control, 0x11 data entry mode (0x03: X then Y increment), 0x44 RAM X
window (start/end in bytes), 0x45 RAM Y window (start/end, 16-bit little endian), 0x4E/0x4F
RAM X/Y address counter, 0x24 black/white RAM, 0x26 red RAM, 0x22 display update control
+ 0x20 master activation (0xF7: full update with OTP waveform; 0x83 power off), 0x10 deep
sleep (0x01). BUSY is HIGH while busy.

RAM polarity: 0x24 bit 0 = black (0xFF is white); 0x26 bit 1 = red on BWR glass
(GxEPD2_290_C90c writes the colour plane inverted). On black/white glass 0x26 is only the
"previous image" for differential waveforms and is not shown.
The update always drives the whole panel (no partial window on this chip); a region is a RAM
window write followed by a full update. Only data entry mode 0x03 is modelled.
"""

from port.vpanel import VirtualPanel, VirtualPanelError

_DOC = 0x01
_DSM = 0x10
_DEM = 0x11
_SWRESET = 0x12
_MA = 0x20
_DUC2 = 0x22
_WRAM_BW = 0x24
_WRAM_RED = 0x26
_XWIN = 0x44
_YWIN = 0x45
_XCNT = 0x4E
_YCNT = 0x4F


class VirtualSSD1680(VirtualPanel):
    busy_level = 1
    ram_names = ("ram_bw.bin", "ram_red.bin")

    def reset_state(self):
        super().reset_state()
        self.dem = 0x03
        self.update = 0xFF
        self.gates = 296

    def _command(self, c):
        if c == _SWRESET:
            self.dem = 0x03
            self.win = (0, 0, self.row, self.h)
            self.set_busy()
        elif c == _WRAM_BW or c == _WRAM_RED:
            if self.dem != 0x03:
                raise VirtualPanelError("data entry mode 0x%02x not modelled" % self.dem)
            self.target = 0 if c == _WRAM_BW else 1
        elif c == _MA:
            self.set_busy()
            if self.update in (0xF7, 0xC7, 0xFF):  # ... display with OTP waveform
                if self.gates != self.h:
                    raise VirtualPanelError("driver output control: %d gates, panel has %d"
                                            % (self.gates, self.h))
                self.refresh(0, 0, self.row, self.h)

    def _params_done(self):
        p = self.params
        n = self.nparams
        c = self.cmd
        if c == _DEM and n >= 1:
            self.dem = p[0]
        elif c == _DUC2 and n >= 1:
            self.update = p[0]
        elif c == _DOC and n >= 2:
            self.gates = (p[0] | p[1] << 8) + 1
        elif c == _XWIN and n >= 2:
            xs, xe = p[0], min(p[1], self.row - 1)
            ys, ye = self.win[1], self.win[1] + self.win[3] - 1
            self.win = (xs, ys, xe - xs + 1, ye - ys + 1)
        elif c == _YWIN and n >= 4:
            ys = p[0] | p[1] << 8
            ye = min(p[2] | p[3] << 8, self.h - 1)
            self.win = (self.win[0], ys, self.win[2], ye - ys + 1)
        elif c == _XCNT and n >= 1:
            self.cx = p[0]
        elif c == _YCNT and n >= 2:
            self.cy = p[0] | p[1] << 8
        elif c == _DSM and n >= 1 and p[0]:
            self.asleep = True

    def _sources(self):
        if 2 in self.colors:
            return (0, True), (1, False)
        return (0, True), None
