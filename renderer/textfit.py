"""Text that fits: measure with the real fonts, wrap to a box, ellipsize what does not fit.

Every function here guarantees that the ink it draws stays inside the box it was given:
layouts can trust a box and never need to re-check for overlaps. A line of text may be
drawn in several fonts (CJK runs in a CJK font, see fonts.runs); measuring and drawing
both go through the same runs so they always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from renderer.fonts import Font, advance, glyph_bbox, load, runs

if TYPE_CHECKING:
    from renderer.canvas import Canvas

ELLIPSIS = "…"


@dataclass(frozen=True)
class Box:
    """A rectangle in screen pixels, right/bottom exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def inset(self, dx: int, dy: int | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x0 + dx, self.y0 + dy, max(self.x0 + dx, self.x1 - dx),
                   max(self.y0 + dy, self.y1 - dy))

    def contains(self, other: tuple[int, int, int, int]) -> bool:
        x0, y0, x1, y1 = other
        return x0 >= self.x0 and y0 >= self.y0 and x1 <= self.x1 and y1 <= self.y1

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.x0, self.y0, self.x1, self.y1)


def line_height(font: Font) -> int:
    """Pixels one line of `font` needs, from its ascender to its descender."""
    ascent, descent = font.getmetrics()
    return ascent + descent


@lru_cache(maxsize=16384)
def ink_box(font: Font, text: str) -> tuple[int, int, int, int]:
    """The ink of `text` drawn at (0, 0), anchor 'la' (left, ascender), across its runs.

    Each run is placed at the advance of the runs before it, baselines aligned.
    """
    ascent = font.getmetrics()[0]
    x = 0.0
    box: list[float] | None = None
    for part, run_font in runs(font, text):
        shift = ascent - run_font.getmetrics()[0]
        left, top, right, bottom = glyph_bbox(run_font, part)
        if right > left:
            run_box = [x + left, top + shift, x + right, bottom + shift]
            box = run_box if box is None else [min(box[0], run_box[0]), min(box[1], run_box[1]),
                                               max(box[2], run_box[2]), max(box[3], run_box[3])]
        x += advance(run_font, part)
    if box is None:
        return (0, 0, 0, 0)
    return (int(box[0]), int(box[1]), int(-(-box[2] // 1)), int(-(-box[3] // 1)))


def text_width(font: Font, text: str) -> int:
    """Width of the ink of `text` as it will really be drawn."""
    x0, _, x1, _ = ink_box(font, text)
    return x1 - min(x0, 0)


def fits(font: Font, text: str, width: int, height: int) -> bool:
    """True when `text` drawn at a box's top-left stays inside `width` x `height`."""
    if not text:
        return True
    x0, y0, x1, y1 = ink_box(font, text)
    return x1 - min(x0, 0) <= width and y1 - min(y0, 0) <= height


@lru_cache(maxsize=1024)
def fit_font(base: Font, text: str, width: int, height: int, min_size: int) -> Font:
    """The largest size of `base` (down to `min_size`) at which `text` fits on one line."""
    size = int(base.size)
    path = str(base.path)
    while True:
        candidate = load(path, size)
        if size <= min_size or fits(candidate, text, width, height):
            return candidate
        size = max(min_size, size * 9 // 10)


def ellipsize(font: Font, text: str, width: int, height: int | None = None) -> str:
    """`text`, cut and ended with an ellipsis if needed so it fits `width` (binary search)."""
    height = height if height is not None else line_height(font)
    text = text.strip()
    if fits(font, text, width, height):
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(font, text[:mid].rstrip() + ELLIPSIS, width, height):
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:
        return ELLIPSIS if fits(font, ELLIPSIS, width, height) else ""
    return text[:lo].rstrip() + ELLIPSIS


def _split_long_word(font: Font, word: str, width: int, height: int) -> list[str]:
    """Hard-break a word wider than the box (URLs, CJK runs without spaces)."""
    pieces: list[str] = []
    rest = word
    while rest:
        lo, hi = 1, len(rest)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(font, rest[:mid], width, height):
                lo = mid
            else:
                hi = mid - 1
        pieces.append(rest[:lo])
        rest = rest[lo:]
    return pieces


def wrap(font: Font, text: str, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap into at most `max_lines` lines; the last one ellipsized if cut."""
    if max_lines <= 0:
        return []
    height = line_height(font)
    words = text.split()
    lines: list[str] = []
    current = ""
    i = 0
    while i < len(words) and len(lines) < max_lines:
        word = words[i]
        candidate = f"{current} {word}" if current else word
        if fits(font, candidate, width, height):
            current = candidate
            i += 1
        elif current:
            lines.append(current)
            current = ""
        else:  # a single word wider than the box: break it by characters
            pieces = _split_long_word(font, word, width, height)
            lines.extend(pieces[:-1])
            current = pieces[-1]
            i += 1
    if current:
        lines.append(current)
    if len(lines) > max_lines or i < len(words):
        kept = lines[:max_lines]
        rest = " ".join([kept[-1], *lines[max_lines:], *words[i:]])
        kept[-1] = ellipsize(font, rest, width, height)
        return kept
    return lines


def draw_line(canvas: Canvas, box: Box, xy: tuple[int, int], text: str, font: Font,
              fill: int) -> None:
    """Draw one measured line run by run, baselines aligned (see ink_box)."""
    x, y = xy
    x0, y0, x1, y1 = ink_box(font, text)
    canvas.lines.append((box, (x + x0, y + y0, x + x1, y + y1), text))
    ascent = font.getmetrics()[0]
    offset = 0.0
    for part, run_font in runs(font, text):
        shift = ascent - run_font.getmetrics()[0]
        if part.strip():
            canvas.text(box, (round(x + offset), y + shift), part, run_font, fill)
        offset += advance(run_font, part)


def draw_lines(canvas: Canvas, box: Box, lines: list[str], font: Font, fill: int,
               align: str = "left") -> int:
    """Draw pre-fitted lines top-down inside `box`; returns the height used.

    A line whose ink would cross the box's bottom is dropped rather than drawn through it.
    """
    step = line_height(font)
    y = box.y0
    for line in lines:
        if not line:
            y += step
            continue
        x0, y0, x1, y1 = ink_box(font, line)
        top = y - min(y0, 0)
        if top + y1 > box.y1 or y >= box.y1:
            break
        if x1 <= x0 or y1 <= y0:  # no ink at all (zero-width characters): nothing to draw
            y += step
            continue
        if align == "right":
            x = box.x1 - x1
        elif align == "center":
            x = box.x0 + (box.width - (x1 - x0)) // 2 - x0
        else:
            x = box.x0
        x = max(x, box.x0 - min(x0, 0))  # glyphs with a negative left bearing
        draw_line(canvas, box, (x, top), line, font, fill)
        y += step
    return min(y, box.y1) - box.y0


def draw_fitted(canvas: Canvas, box: Box, text: str, font: Font, fill: int,
                max_lines: int = 1, align: str = "left") -> int:
    """Wrap/ellipsize `text` into `box` and draw it; returns the height used."""
    lines_room = max(1, box.height // line_height(font))
    lines = wrap(font, text, box.width, min(max_lines, lines_room))
    return draw_lines(canvas, box, lines, font, fill, align)
