"""Palette PNG writer for the virtual panel, streamed row by row, in MicroPython.

The unix build of MicroPython 1.29 has deflate *decompression* only (DeflateIO has no write()),
so the zlib stream inside IDAT uses stored (uncompressed) deflate blocks (RFC 1951 3.2.4) with
an Adler-32 trailer (RFC 1950); a 400x300 2-bit image is ~30 KB. The chunk length is patched
in after the data is streamed, and the chunk CRC is computed incrementally with
binascii.crc32, so no image ever sits in memory: one row buffer is all it takes.
"""

import binascii
import struct

import micropython

_SIG = b"\x89PNG\r\n\x1a\n"
_STORED_MAX = 65535


@micropython.viper
def _adler(buf, n: int, state: int) -> int:
    """Adler-32 update over buf[:n]; state = (b << 16) | a."""
    p = ptr8(buf)  # noqa: F821 (viper builtin)
    a = state & 0xFFFF
    b = (state >> 16) & 0xFFFF
    i = 0
    while i < n:
        a = a + p[i]
        if a >= 65521:
            a = a - 65521
        b = b + a
        if b >= 65521:
            b = b - 65521
        i += 1
    return (b << 16) | a


def _chunk(f, kind, data):
    f.write(struct.pack(">I", len(data)))
    f.write(kind)
    f.write(data)
    f.write(struct.pack(">I", binascii.crc32(data, binascii.crc32(kind))))


class _Idat:
    """Writes one IDAT chunk holding a zlib stream of stored blocks."""

    def __init__(self, f, total):
        self.f = f
        self.start = f.tell()
        self.crc = binascii.crc32(b"IDAT")
        self.adler = 1
        self.block_left = 0
        self.total_left = total
        self.hdr = bytearray(5)
        f.write(b"\0\0\0\0IDAT")  # length patched in close()
        self._put(b"\x78\x01")  # zlib header: deflate, 32K window, no dictionary

    def _put(self, data):
        self.f.write(data)
        self.crc = binascii.crc32(data, self.crc)

    def write(self, row):
        """Append one filtered scanline (bytes-like); opens stored blocks as needed."""
        pos = 0
        n = len(row)
        mv = memoryview(row)
        while pos < n:
            if not self.block_left:
                size = min(_STORED_MAX, self.total_left)
                self.total_left -= size
                h = self.hdr
                h[0] = 1 if not self.total_left else 0  # BFINAL, BTYPE=00 stored
                struct.pack_into("<HH", h, 1, size, size ^ 0xFFFF)
                self._put(h)
                self.block_left = size
            k = min(self.block_left, n - pos)
            part = mv[pos:pos + k] if (pos or k != n) else row
            self._put(part)
            self.adler = _adler(part, k, self.adler)
            self.block_left -= k
            pos += k

    def close(self):
        self._put(struct.pack(">I", self.adler))
        end = self.f.tell()
        self.f.seek(self.start)
        self.f.write(struct.pack(">I", end - self.start - 8))
        self.f.seek(end)
        self.f.write(struct.pack(">I", self.crc))


def write_png(path, width, height, bit_depth, palette, rows):
    """Write a palette PNG. `rows(y, out)` fills `out` (width*bit_depth/8 bytes) for row y.

    `palette` is a sequence of (r, g, b).
    """
    row_bytes = (width * bit_depth + 7) // 8
    line = bytearray(row_bytes + 1)  # filter byte 0 (None) + pixels
    body = memoryview(line)[1:]
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(_SIG)
        _chunk(f, b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, 3, 0, 0, 0))
        pal = bytearray()
        for rgb in palette:
            pal.extend(bytes(rgb))
        _chunk(f, b"PLTE", pal)
        idat = _Idat(f, (row_bytes + 1) * height)
        for y in range(height):
            rows(y, body)
            idat.write(line)
        idat.close()
        _chunk(f, b"IEND", b"")
    _replace(tmp, path)


def _replace(tmp, path):
    """Atomic rename, so a reader never sees a half-written panel.png."""
    import os

    try:
        os.rename(tmp, path)
    except OSError:
        os.remove(path)
        os.rename(tmp, path)
