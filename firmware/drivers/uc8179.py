"""UC8179 / GD7965 (7.5" 800x480, GDEW075Z08 BWR and GDEW075T7 BW): init list, RAM polarity.

Sources: GxEPD2 GxEPD2_750c_Z08::_InitDisplay (BWR) and GxEPD2_750_T7::_InitDisplay (BW).
"""

from wire import BLACK, RED

from drivers.uc81xx import UC81xx

# Init: flat list of (command, parameters).
_INIT_BWR = (
    (0x01, b"\x07\x07\x3f\x3f"),  # PWR: VGH=20 V, VGL=-20 V, VDH=15 V, VDL=-15 V
    (0x00, b"\x0f"),  # PSR: LUT from OTP, KWR mode
    (0x61, b"\x03\x20\x01\xe0"),  # TRES: 800 x 480
    (0x15, b"\x00"),  # DUSPI: single SPI
    (0x50, b"\x11\x07"),  # CDI: border/data polarity (fixes the RAM polarity below), interval
    (0x60, b"\x22"),  # TCON: non-overlap periods
)
_INIT_BW = (
    (0x01, b"\x07\x07\x3f\x3f"),  # PWR: VGH=20 V, VGL=-20 V, VDH=15 V, VDL=-15 V
    (0x82, b"\x24"),  # VDCS: VCOM DC
    (0x06, b"\x27\x27\x2f\x17"),  # BTST: booster soft start
    (0x00, b"\x1f"),  # PSR: LUT from OTP, KW mode
    (0x61, b"\x03\x20\x01\xe0"),  # TRES: 800 x 480
    (0x15, b"\x00"),  # DUSPI: single SPI
    (0x50, b"\x29\x07"),  # CDI: N2OCP (copy new to old), data polarity, interval
    (0x60, b"\x22"),  # TCON: non-overlap periods
)

# RAM polarity, the ONE place that knows it: colour -> (data command, RAM bit meaning ink).
# With CDI 0x11 the black RAM is active low but the red RAM active high (GxEPD2_750c_Z08
# writes ~colour); in KW mode DTM2 holds the image, 0xFF white.
_RAM_BWR = {BLACK: (0x10, 0), RED: (0x13, 1)}
_RAM_BW = {BLACK: (0x13, 0)}


class UC8179(UC81xx):
    ctrl = "uc8179"
    refresh_timeout_ms = 30000  # tri-colour 7.5" full refresh ~16-26 s

    def __init__(self, board, spi, dc, cs, rst, busy, width, height, colors):
        tri = RED in colors
        super().__init__(board, spi, dc, cs, rst, busy, width, height, colors,
                         _INIT_BWR if tri else _INIT_BW, _RAM_BWR if tri else _RAM_BW)
