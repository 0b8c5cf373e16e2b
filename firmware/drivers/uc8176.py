"""UC8176 (4.2" 400x300, GDEW042Z15 / Waveshare 4.2" B): init list and RAM polarity.

Source: GxEPD2 GxEPD2_420c::_InitDisplay (booster 0x17 x3, PSR 0x0F) and clearScreen (0xFF to
both RAMs is white); for black/white glass PSR 0x1F puts the chip in KW mode, where DTM2 holds
the new image.
"""

from wire import BLACK, RED

from drivers.uc81xx import UC81xx

# Init: flat list of (command, parameters).
_INIT_BWR = (
    (0x06, b"\x17\x17\x17"),  # BTST: booster soft start, phases A/B/C
    (0x00, b"\x0f"),  # PSR: 400x300, LUT from OTP, KWR mode, scan up, shift right, booster on
)
_INIT_BW = (
    (0x06, b"\x17\x17\x17"),  # BTST: booster soft start, phases A/B/C
    (0x00, b"\x1f"),  # PSR: as above, KW (black/white) mode
)

# RAM polarity, the ONE place that knows it: colour -> (data command, RAM bit meaning ink).
# Both RAMs are active low with the OTP waveforms and the default CDI.
_RAM_BWR = {BLACK: (0x10, 0), RED: (0x13, 0)}
_RAM_BW = {BLACK: (0x13, 0)}


class UC8176(UC81xx):
    ctrl = "uc8176"
    refresh_timeout_ms = 20000  # tri-colour full refresh ~15 s (GxEPD2_420c full_refresh_time)

    def __init__(self, board, spi, dc, cs, rst, busy, width, height, colors):
        tri = RED in colors
        super().__init__(board, spi, dc, cs, rst, busy, width, height, colors,
                         _INIT_BWR if tri else _INIT_BW, _RAM_BWR if tri else _RAM_BW)
