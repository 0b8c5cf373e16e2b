"""Per-size layout parameters: the only thing that differs between a 2.9", 4.2" and 7.5" sign.

The layout engine (renderer/layout.py) is shared; a spec says how big each part is. A new
panel size needs a new spec here, picked by `spec_for()` from the screen size.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LayoutSpec:
    """Pixel sizes of one layout. Font sizes are pixel heights of DejaVu Sans."""

    margin: int
    header_h: int
    room_size: int
    clock_size: int
    date_size: int  # 0: no date in the header
    band_h: int
    band_title_size: int
    band_sub_size: int
    subject_size: int
    subject_lines: int
    detail_size: int
    list_title_size: int
    list_size: int
    footer_size: int
    columns: bool = False  # wide screens: upcoming list in a right-hand column
    list_w: int = 0
    qr_max: int = 0  # largest QR code side; 0: no room for one
    qr_beside_band: bool = False  # QR code right of band and details (short screens)
    rule: int = 2  # separator line thickness
    band_sub_lines: int = 1  # lines of facts under the band's big word
    header_stacked: bool = False  # room name on its own line, date and clock under it
    qr_strip: bool = False  # QR code in a full-width strip above the footer (tall screens)


SPEC_2IN9 = LayoutSpec(
    margin=4, header_h=22, room_size=15, clock_size=15, date_size=0,
    band_h=48, band_title_size=22, band_sub_size=13,
    subject_size=14, subject_lines=1, detail_size=12,
    list_title_size=11, list_size=12, footer_size=11, qr_max=100, rule=1,
    qr_beside_band=True,
)

SPEC_4IN2 = LayoutSpec(
    margin=10, header_h=46, room_size=24, clock_size=22, date_size=14,
    band_h=80, band_title_size=34, band_sub_size=18,
    subject_size=22, subject_lines=2, detail_size=17,
    list_title_size=14, list_size=16, footer_size=15, qr_max=112,
)

SPEC_4IN2_PORTRAIT = LayoutSpec(
    margin=8, header_h=60, room_size=22, clock_size=20, date_size=15, header_stacked=True,
    band_h=92, band_title_size=32, band_sub_size=17, band_sub_lines=2,
    subject_size=22, subject_lines=3, detail_size=17,
    list_title_size=14, list_size=15, footer_size=14, qr_max=99, qr_strip=True,
)

SPEC_7IN5 = LayoutSpec(
    margin=16, header_h=72, room_size=38, clock_size=34, date_size=22,
    band_h=156, band_title_size=64, band_sub_size=28,
    subject_size=38, subject_lines=3, detail_size=26,
    list_title_size=20, list_size=22, footer_size=22, columns=True, list_w=290, qr_max=150,
    rule=3, band_sub_lines=2,
)

SPEC_7IN5_PORTRAIT = LayoutSpec(
    margin=14, header_h=96, room_size=36, clock_size=32, date_size=24, header_stacked=True,
    band_h=150, band_title_size=56, band_sub_size=26,
    subject_size=34, subject_lines=3, detail_size=24,
    list_title_size=20, list_size=22, footer_size=20, qr_max=150, rule=3, band_sub_lines=2,
    qr_strip=True,
)


def spec_for(size: tuple[int, int]) -> LayoutSpec:
    """The spec for a screen of `size` (width, height), by its long side and orientation."""
    width, height = size
    long_side = max(width, height)
    portrait = height > width
    if long_side <= 320:
        return SPEC_2IN9
    if long_side <= 480:
        return SPEC_4IN2_PORTRAIT if portrait else SPEC_4IN2
    return SPEC_7IN5_PORTRAIT if portrait else SPEC_7IN5
