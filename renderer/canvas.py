"""A drawing surface that remembers where it drew, so tests can prove nothing overflows.

Layouts draw only through a Canvas. Each text and shape is logged with the box it was
allowed to use; property tests check every ink rectangle against its box and the panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from renderer.fonts import Font, glyph_bbox
from renderer.textfit import Box

# Set False to draw every text through ImageDraw.text (e.g. to compare against the cache).
_FAST = True


@lru_cache(maxsize=1024)
def _mask(font: Font, text: str) -> tuple[object, tuple[int, int]]:
    """The 1-bit glyph mask of `text` and its offset, as ImageDraw.text makes them."""
    return font.getmask2(text, "1", anchor="la")


@dataclass
class Canvas:
    """A palette screen image plus a log of (allowed box, ink rectangle) per drawing."""

    image: Image.Image
    draw: ImageDraw.ImageDraw = field(init=False)
    log: list[tuple[Box, tuple[int, int, int, int], str]] = field(default_factory=list)
    # Every line of text, whole: (allowed box, ink rectangle of all its runs, text).
    lines: list[tuple[Box, tuple[int, int, int, int], str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.draw = ImageDraw.Draw(self.image)
        self.draw.fontmode = "1"  # no anti-aliasing: crisp 1-bit glyphs, no grey to threshold

    @property
    def texts(self) -> list[str]:
        """The lines of text drawn, in order (tests read screens through this)."""
        return [text for _, _, text in self.lines]

    @property
    def box(self) -> Box:
        return Box(0, 0, *self.image.size)

    def text(self, box: Box, xy: tuple[int, int], text: str, font: Font, fill: int) -> None:
        """Draw `text` with its ascender-left at `xy`; the caller has fitted it into `box`.

        Glyph bitmaps are rendered once per (font, text) and reused: most of a sign's text
        (room, subjects, labels) is the same from one refresh to the next.
        """
        x, y = xy
        x0, y0, x1, y1 = glyph_bbox(font, text)
        self.log.append((box, (x + x0, y + y0, x + x1, y + y1), text))
        draw_bitmap = getattr(self.draw.draw, "draw_bitmap", None) if _FAST else None
        if draw_bitmap is None or font.layout_engine != ImageFont.Layout.BASIC:
            self.draw.text(xy, text, font=font, fill=fill, anchor="la")
            return
        mask, (dx, dy) = _mask(font, text)
        draw_bitmap((x + dx, y + dy), mask, fill)

    def fill(self, box: Box, color: int) -> None:
        """Fill a whole box (bands, bars)."""
        if box.width > 0 and box.height > 0:
            self.log.append((box, box.as_tuple(), "<fill>"))
            self.draw.rectangle((box.x0, box.y0, box.x1 - 1, box.y1 - 1), fill=color)

    def frame(self, box: Box, color: int, width: int) -> None:
        """A border drawn inside `box`."""
        if box.width > 0 and box.height > 0:
            self.log.append((box, box.as_tuple(), "<frame>"))
            self.draw.rectangle((box.x0, box.y0, box.x1 - 1, box.y1 - 1), outline=color,
                                width=width)

    def paste(self, box: Box, image: Image.Image, xy: tuple[int, int]) -> None:
        """Paste a ready palette image (QR codes) at `xy` inside `box`."""
        x, y = xy
        self.log.append((box, (x, y, x + image.width, y + image.height), "<image>"))
        self.image.paste(image, (x, y))
