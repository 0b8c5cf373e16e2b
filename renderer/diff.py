"""Where did two screens differ? Byte-aligned rectangles around the changes.

A room screen mostly changes in one or two places (a status line, the next meeting), so
sending those rectangles instead of the whole panel is the single biggest saving on the air.
Planes are compared row by row as byte slices (C speed), never pixel by pixel in Python.
"""

from __future__ import annotations

# Changed rows closer than this are merged into one region: a second CBOR header and deflate
# stream cost more than a few unchanged rows inside one region.
MERGE_GAP_ROWS = 24


def _changed_rows(old: bytes, new: bytes, row_bytes: int, height: int, planes: int) -> list[int]:
    plane = row_bytes * height
    rows = []
    for y in range(height):
        for p in range(planes):
            start = p * plane + y * row_bytes
            if old[start:start + row_bytes] != new[start:start + row_bytes]:
                rows.append(y)
                break
    return rows


def _x_extent(old: bytes, new: bytes, row_bytes: int, height: int, planes: int, y0: int,
              y1: int) -> tuple[int, int]:
    """First and last+1 differing byte column within rows [y0, y1)."""
    plane = row_bytes * height
    first, last = row_bytes, 0
    for y in range(y0, y1):
        for p in range(planes):
            start = p * plane + y * row_bytes
            a, b = old[start:start + row_bytes], new[start:start + row_bytes]
            if a == b:
                continue
            # Narrow from both ends; slices compare in C.
            lo = 0
            while lo < first and a[lo] == b[lo]:
                lo += 1
            hi = row_bytes
            while hi > last and a[hi - 1] == b[hi - 1]:
                hi -= 1
            first, last = min(first, lo), max(last, hi)
    return first, last


def changed_regions(old: bytes, new: bytes, width: int, height: int,
                    planes: int) -> list[tuple[int, int, int, int]]:
    """Rectangles (x, y, w, h), x and w multiples of 8, covering every changed pixel."""
    if len(old) != len(new):
        raise ValueError("planes differ in size")
    row_bytes = width // 8
    rows = _changed_rows(old, new, row_bytes, height, planes)
    if not rows:
        return []
    bands: list[list[int]] = [[rows[0], rows[0] + 1]]
    for y in rows[1:]:
        if y - bands[-1][1] <= MERGE_GAP_ROWS:
            bands[-1][1] = y + 1
        else:
            bands.append([y, y + 1])
    regions = []
    for y0, y1 in bands:
        first, last = _x_extent(old, new, row_bytes, height, planes, y0, y1)
        regions.append((first * 8, y0, (last - first) * 8, y1 - y0))
    return regions


def crop_planes(planes: bytes, width: int, height: int, count: int,
                rect: tuple[int, int, int, int]) -> bytes:
    """The wire-layout data of `rect` cut out of whole-panel planes."""
    x, y, w, h = rect
    row_bytes, plane = width // 8, width // 8 * height
    x0, x1 = x // 8, (x + w) // 8
    out = bytearray()
    for p in range(count):
        base = p * plane
        for row in range(y, y + h):
            start = base + row * row_bytes
            out += planes[start + x0:start + x1]
    return bytes(out)
