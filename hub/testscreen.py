"""The diagnostic "draw on screen" test pattern.

It bypasses the calendar entirely, so when it arrives the delivery path (broker, node,
panel) is proven good and any remaining problem is on the calendar side.
"""

from __future__ import annotations

from PIL import Image, ImageDraw

from renderer.fonts import font
from renderer.planes import new_screen
from renderer.profiles import BLACK, RED, YELLOW, DisplayProfile


def test_screen(profile: DisplayProfile, text: str, stamp: str) -> Image.Image:
    """A bordered screen with `text`, a checker strip and one bar per ink colour."""
    image = new_screen(profile)
    draw = ImageDraw.Draw(image)
    draw.fontmode = "1"
    width, height = image.size
    draw.rectangle((0, 0, width - 1, height - 1), outline=BLACK, width=3)
    size = max(12, height // 8)
    body = font(size, bold=True)
    line = text if draw.textlength(text, font=body) < width - 20 else text[:40] + "…"
    draw.text((10, 10), line, font=body, fill=BLACK)
    draw.text((10, 14 + size), stamp, font=font(max(10, size // 2)), fill=BLACK)
    cell = 8
    top = height - 3 * cell - 10
    for x in range(10, width - 10, cell):
        if (x // cell) % 2:
            draw.rectangle((x, top, x + cell - 1, top + cell - 1), fill=BLACK)
    bar_y = top + cell + 4
    inks = [c for c in profile.colors if c in (BLACK, RED, YELLOW)]
    bar_w = (width - 20) // max(1, len(inks))
    for i, ink in enumerate(inks):
        draw.rectangle((10 + i * bar_w, bar_y, 10 + (i + 1) * bar_w - 4, bar_y + cell), fill=ink)
    return image
