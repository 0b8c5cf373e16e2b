"""Change detection: regions cover every changed pixel and nothing far from a change."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from renderer.diff import changed_regions, crop_planes


def flip(planes: bytearray, width: int, height: int, plane: int, x: int, y: int) -> None:
    index = plane * (width // 8 * height) + y * (width // 8) + x // 8
    planes[index] ^= 0x80 >> (x % 8)


def covered(regions, x, y):
    return any(rx <= x < rx + rw and ry <= y < ry + rh for rx, ry, rw, rh in regions)


def test_identical_planes_have_no_regions():
    data = bytes(random.Random(1).randbytes(2 * 50 * 300))
    assert changed_regions(data, data, 400, 300, 2) == []


def test_single_pixel_gives_one_byte_wide_region():
    old = bytearray(2 * 50 * 300)
    new = bytearray(old)
    flip(new, 400, 300, 1, 203, 77)
    assert changed_regions(bytes(old), bytes(new), 400, 300, 2) == [(200, 77, 8, 1)]


def test_far_apart_changes_make_separate_regions():
    old = bytearray(50 * 300)
    new = bytearray(old)
    flip(new, 400, 300, 0, 10, 5)
    flip(new, 400, 300, 0, 390, 250)
    regions = changed_regions(bytes(old), bytes(new), 400, 300, 1)
    assert len(regions) == 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 399), st.integers(0, 299)),
                min_size=1, max_size=30))
def test_every_changed_pixel_is_covered_and_regions_are_aligned(pixels):
    old = bytearray(random.Random(2).randbytes(2 * 50 * 300))
    new = bytearray(old)
    for plane, x, y in pixels:
        flip(new, 400, 300, plane, x, y)
    regions = changed_regions(bytes(old), bytes(new), 400, 300, 2)
    for x, y, w, h in regions:
        assert x % 8 == 0 and w % 8 == 0 and w > 0 and h > 0
        assert x + w <= 400 and y + h <= 300
    changed = {(x, y) for plane, x, y in pixels
               if sum(1 for p2, x2, y2 in pixels if (p2, x2, y2) == (plane, x, y)) % 2}
    for x, y in changed:
        assert covered(regions, x, y)
    # Patching the old planes with the regions' new data reproduces the new planes.
    patched = bytearray(old)
    for rect in regions:
        data = crop_planes(bytes(new), 400, 300, 2, rect)
        x, y, w, h = rect
        i = 0
        for p in range(2):
            for row in range(y, y + h):
                start = p * 15000 + row * 50 + x // 8
                patched[start:start + w // 8] = data[i:i + w // 8]
                i += w // 8
    assert patched == new
