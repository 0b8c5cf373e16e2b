"""Frame messages -> panel RAM, exactly in the order of docs/protocol.md.

check() runs steps 1-4: CBOR, version, schema, geometry, rect, colours, encoding, window, then a
first inflate that writes nothing (length and CRC-32 only; it stops as soon as the output
exceeds the expected length, so a decompression bomb costs one buffer). write() is step 5: it
inflates again and streams the planes into the panel driver. A message that fails check() has
not touched the panel.

Memory: one scratch buffer (`step` bytes) for both passes, plus the inflater's window
(2**wbits bytes) while a pass runs. The payload is read from the MQTT buffer in place.

Layouts: rows (MONO_HLSB) go to the driver as they come out of the inflater. Columns (bands of
8 rows, MONO_VLSB) are read into the scratch buffer, up to `step` columns at a time, and each
piece is blitted with framebuf into one band of rows (a panel-width buffer, 800 B for 800 px,
allocated with the decoder); a whole band then goes to the driver. Nothing is allocated per
band.
"""

import binascii
import gc
import io

import cbor
import deflate
import framebuf
from micropython import const
from wire import (
    E_COLORS,
    E_CRC,
    E_ENC,
    E_GEOMETRY,
    E_INFLATE,
    E_LENGTH,
    E_RECT,
    E_SCHEMA,
    E_VERSION,
    E_WBITS,
    ENC_DEFLATE,
    ENC_RAW,
    K_CHUNK,
    K_COLORS,
    K_CRC,
    K_DATA,
    K_ENC,
    K_FULL,
    K_LAYOUT,
    K_NOW,
    K_PANEL,
    K_RECT,
    K_SEQ,
    K_V,
    K_WAKE_AT,
    K_WAKE_ID,
    K_WBITS,
    LAYOUT_COLUMNS,
    LAYOUT_ROWS,
    PROTOCOL_VERSION,
    WBITS_MIN,
    ProtocolError,
)

_MAX_U32 = const(0xFFFFFFFF)


class _Source(io.IOBase):
    """Stream over a memoryview for DeflateIO, which pulls its input one byte at a time."""

    def __init__(self, mv: memoryview) -> None:
        self.mv = mv
        self.pos = 0

    def readinto(self, buf: bytearray | memoryview) -> int:
        left = len(self.mv) - self.pos
        if left <= 0:
            return 0
        if len(buf) == 1:  # the inflater's only request size: no slicing, no allocation
            buf[0] = self.mv[self.pos]
            self.pos += 1
            return 1
        n = min(len(buf), left)
        buf[:n] = self.mv[self.pos:self.pos + n]
        self.pos += n
        return n


class FrameInfo:
    """The checked header of one frame message (the fields the app needs after check())."""

    def __init__(self, body: dict) -> None:
        self.seq = body[K_SEQ]
        self.rect = body[K_RECT]
        self.colors = body[K_COLORS]
        self.enc = body[K_ENC]
        self.wbits = body.get(K_WBITS, 0)
        self.crc = body[K_CRC]
        self.data = body[K_DATA]
        chunk = body.get(K_CHUNK)
        self.index = 0 if chunk is None else chunk[0]
        self.count = 1 if chunk is None else chunk[1]
        self.wake_at = body.get(K_WAKE_AT)
        self.now = body.get(K_NOW)
        self.full = body.get(K_FULL, False)
        self.layout = body.get(K_LAYOUT, LAYOUT_ROWS)


def _uint(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _uints(v: object, n: int) -> bool:
    if not isinstance(v, list) or (n and len(v) != n) or not v:
        return False
    for x in v:
        if not _uint(x):
            return False
    return True


def _schema(msg: str) -> None:
    raise ProtocolError(E_SCHEMA, msg)


def _check_schema(body: dict) -> None:
    """Step 1b: required keys and the type of every key we know (unknown keys are ignored)."""
    if not _uint(body.get(K_SEQ)) or body[K_SEQ] > _MAX_U32:
        _schema("seq missing or not a 32-bit uint")
    if not _uints(body.get(K_PANEL), 2):
        _schema("panel must be [w, h]")
    if not _uints(body.get(K_RECT), 4):
        _schema("rect must be [x, y, w, h]")
    if not _uints(body.get(K_COLORS), 0):
        _schema("colors must be a non-empty array of uints")
    if not _uint(body.get(K_ENC)):
        _schema("enc missing or not a uint")
    if K_WBITS in body and not _uint(body[K_WBITS]):
        _schema("wbits is not a uint")
    if not _uint(body.get(K_CRC)) or body[K_CRC] > _MAX_U32:
        _schema("crc missing or not a 32-bit uint")
    if not isinstance(body.get(K_DATA), memoryview):
        _schema("data missing or not a byte string")
    chunk = body.get(K_CHUNK)
    if chunk is not None and (not _uints(chunk, 2) or chunk[0] >= chunk[1]):
        _schema("chunk must be [index, count] with index < count")
    for key in (K_WAKE_AT, K_NOW):
        if key in body and not _uint(body[key]):
            _schema("wake_at/now must be uints")
    if K_FULL in body and not isinstance(body[K_FULL], bool):
        _schema("full must be a bool")
    if K_LAYOUT in body and not _uint(body[K_LAYOUT]):
        _schema("layout is not a uint")


def _decode_map(mv: memoryview) -> dict:
    body = cbor.loads(mv)
    if not isinstance(body, dict):
        _schema("message is not a CBOR map")
    v = body.get(K_V)
    if v is None:
        raise ProtocolError(E_VERSION, "v missing")
    if v != PROTOCOL_VERSION or isinstance(v, bool):
        raise ProtocolError(E_VERSION, "version %r not supported (node speaks %d)"
                            % (v, PROTOCOL_VERSION))
    return body


def parse_ctl(mv: memoryview) -> tuple:
    """Decode a ctl message -> (seq, wake_at, now, wake_id), absent ones None.

    Raises ProtocolError if it is not a v1 ctl."""
    body = _decode_map(mv)
    seq = body.get(K_SEQ)
    if not _uint(seq):
        _schema("ctl seq missing or not a uint")
    for key in (K_WAKE_AT, K_NOW, K_WAKE_ID):
        if key in body and not _uint(body[key]):
            _schema("ctl wake_at/now/wake_id must be uints")
    return seq, body.get(K_WAKE_AT), body.get(K_NOW), body.get(K_WAKE_ID)


def _read(reader, buf) -> int:
    """reader.readinto(buf), with a bad or cut-short deflate stream (OSError EINVAL,
    EOFError, ValueError from the inflater) turned into the protocol's `inflate` error."""
    try:
        return reader.readinto(buf)
    except (OSError, EOFError, ValueError) as e:
        raise ProtocolError(E_INFLATE, "corrupt deflate stream (%s)"
                            % (type(e).__name__,)) from None


class FrameDecoder:
    """Checks frame messages against one panel and writes them into its driver.

    `colors` are the panel's inks (wire codes), `wbits` the largest window it accepts.
    """

    def __init__(self, width: int, height: int, colors: tuple, wbits: int, driver,
                 step: int = 512) -> None:
        self.width = width
        self.height = height
        self.colors = colors
        self.wbits = wbits
        self.driver = driver
        self.buf = bytearray(step)
        self.mv = memoryview(self.buf)
        # columns layout: one band of 8 rows as the driver takes it (HLSB); a message's rect
        # is at most the panel's width, so 8 rows of it are at most `width` bytes
        self.rows = bytearray(width)
        self.rows_mv = memoryview(self.rows)

    def check(self, mv: memoryview) -> FrameInfo:
        """Steps 1-4 on one message; returns a FrameInfo or raises ProtocolError."""
        body = _decode_map(mv)
        _check_schema(body)
        panel = body[K_PANEL]
        if panel[0] != self.width or panel[1] != self.height:
            raise ProtocolError(E_GEOMETRY, "frame for a %dx%d panel, this one is %dx%d"
                                % (panel[0], panel[1], self.width, self.height))
        x, y, w, h = body[K_RECT]
        if x % 8 or w % 8 or not w or not h or x + w > self.width or y + h > self.height:
            raise ProtocolError(E_RECT, "rect %d,%d %dx%d is unaligned or outside %dx%d"
                                % (x, y, w, h, self.width, self.height))
        seen = 0
        for c in body[K_COLORS]:
            if c not in self.colors or seen & (1 << c):
                raise ProtocolError(E_COLORS, "colour %d not on this panel (or repeated)" % c)
            seen |= 1 << c
        info = FrameInfo(body)
        if info.layout != LAYOUT_ROWS and info.layout != LAYOUT_COLUMNS:
            raise ProtocolError(E_ENC, "layout %d unknown" % info.layout)
        if info.enc == ENC_DEFLATE:
            if K_WBITS not in body:
                _schema("wbits missing for deflate")
            if not WBITS_MIN <= info.wbits <= self.wbits:
                raise ProtocolError(E_WBITS, "window 2**%d, node accepts 2**%d..2**%d"
                                    % (info.wbits, WBITS_MIN, self.wbits))
        elif info.enc != ENC_RAW:
            raise ProtocolError(E_ENC, "encoding %d unknown" % info.enc)
        # Length of the decoded data in the message's layout; the CRC is over the planes in
        # rows, whatever the layout, so a wrong layout cannot pass as a right picture.
        if info.layout == LAYOUT_COLUMNS:
            crc = self._columns(info, len(info.colors) * ((h + 7) // 8) * w, False)
        else:
            expected = len(info.colors) * w * h // 8
            total, crc = self._pass(info, expected, False)
            if total != expected:
                raise ProtocolError(E_LENGTH, "decoded %d bytes, rect needs %d"
                                    % (total, expected))
        if crc != info.crc:
            raise ProtocolError(E_CRC, "crc mismatch in chunk %d" % info.index)
        return info

    def write(self, info: FrameInfo) -> None:
        """Step 5: stream the checked message's planes into the panel RAM."""
        x, y, w, h = info.rect
        drv = self.driver
        drv.begin_region(x, y, w, h)
        if info.layout == LAYOUT_COLUMNS:
            self._columns(info, 0, True)
        else:
            self._pass(info, len(info.colors) * w * h // 8, True)
        drv.end_region(info.colors)

    def _reader(self, info: FrameInfo):
        """A stream of the message's decoded data (the inflater, or the raw payload)."""
        if info.enc == ENC_DEFLATE:
            gc.collect()  # the inflater needs ~1.3 KB contiguous: sweep the last pass first
            try:
                return deflate.DeflateIO(_Source(info.data), deflate.RAW, info.wbits)
            except (OSError, ValueError) as e:
                raise ProtocolError(E_INFLATE, "inflater: %s" % e) from None
        return _Source(info.data)

    def _columns(self, info: FrameInfo, expected: int, write: bool) -> int:
        """Steps 4 and 5 for the columns layout. Per plane, per band of 8 rows: read the
        band's w column bytes into the scratch buffer, `step` columns at a time, blit each
        piece into the band's rows at its x, then write the band's rows to the driver
        (`write`) or add them to the CRC, which is over rows (returned). Checking, the data
        must be exactly `expected` bytes: reading stops there, so a bomb costs nothing."""
        w, h = info.rect[2], info.rect[3]
        drv = self.driver
        step = len(self.buf)
        bands = (h + 7) // 8
        last = bands - 1
        pieces = (w + step - 1) // step
        piece_full = self.mv
        # the last piece of a band: the src stays `step` wide, its stale columns past w are
        # clipped by the destination, which is exactly w wide
        piece_last = self.mv[:w - (pieces - 1) * step]
        rows_full = self.rows_mv[:w]  # 8 rows of w/8 bytes
        rows_last = self.rows_mv[:(h - last * 8) * w // 8]  # what the last band holds
        # one 8-row destination for every band: a last band of fewer rows uses its top rows
        src = framebuf.FrameBuffer(self.buf, step, 8, framebuf.MONO_VLSB)
        dst = framebuf.FrameBuffer(self.rows, w, 8, framebuf.MONO_HLSB)
        reader = self._reader(info)
        total = 0
        crc = 0
        for color in info.colors:
            if write:
                drv.plane(color)
            for i in range(bands):
                for j in range(pieces):
                    piece = piece_full if j < pieces - 1 else piece_last
                    want = len(piece)
                    got = _read(reader, piece)
                    while got < want:  # a short read (end of input): fill the rest
                        n = _read(reader, piece[got:])
                        if not n:
                            raise ProtocolError(E_LENGTH, "decoded %d bytes, rect needs %d"
                                                % (total + got, expected))
                        got += n
                    total += got
                    dst.blit(src, j * step, 0)
                band = rows_full if i < last else rows_last
                if write:
                    drv.data(band)
                else:
                    crc = binascii.crc32(band, crc)
        if not write and _read(reader, piece_full[:1]):
            raise ProtocolError(E_LENGTH, "decodes to more than %d bytes" % expected)
        return crc

    def _pass(self, info: FrameInfo, expected: int, write: bool) -> tuple[int, int]:
        """Decode the payload once; write planes to the driver or just measure + CRC them."""
        buf = self.buf
        mv = self.mv
        step = len(buf)
        plane = expected // len(info.colors)
        drv = self.driver
        reader = self._reader(info)
        total = 0
        crc = 0
        plane_no = 0
        plane_left = plane
        while True:
            want = step
            if write:
                if plane_left == 0:
                    plane_no += 1
                    plane_left = plane
                if plane_no >= len(info.colors):
                    break
                if plane_left == plane:
                    drv.plane(info.colors[plane_no])
                want = min(step, plane_left)
            n = _read(reader, buf if want == step else mv[:want])
            if not n:
                break
            total += n
            if total > expected:
                raise ProtocolError(E_LENGTH, "decodes to more than %d bytes" % expected)
            if write:
                drv.data(buf if n == step else mv[:n])
                plane_left -= n
            else:
                crc = binascii.crc32(buf if n == step else mv[:n], crc)
        return total, crc


def peek_seq(mv: memoryview) -> int | None:
    """Best-effort seq of a rejected message, for its error ack (None if unreadable)."""
    try:
        body = cbor.loads(mv)
    except ProtocolError:
        return None
    if isinstance(body, dict) and _uint(body.get(K_SEQ)):
        return body[K_SEQ]
    return None
