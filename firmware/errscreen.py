"""A readable error screen drawn with framebuf's 8x8 font, one text line at a time.

Used when the node cannot do its job and only a person can fix it (bad config.json): the
panel says what is wrong instead of showing a stale room. Memory: one text line of the panel
width (w/8 x 8 bytes, ~800 bytes on a 7.5" panel at 2x) plus a 32-byte expansion table.
"""

import framebuf
from wire import BLACK, RED


def _double_table():
    """byte -> 16 bits with every bit doubled (bit 7 -> bits 15, 14): 2x horizontal scale."""
    t = bytearray(512)
    for v in range(256):
        out = 0
        for bit in range(8):
            if v & (0x80 >> bit):
                out |= 3 << (14 - 2 * bit)
        t[2 * v] = out >> 8
        t[2 * v + 1] = out & 0xFF
    return t


def wrap(text, width):
    """Split text into lines of at most `width` characters, at spaces where possible."""
    lines = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            while len(word) > width:
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:width])
                word = word[width:]
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= width:
                line += " " + word
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def show(driver, width, height, colors, title, message):
    """Clear the panel, write `title` (red if the panel has red) and `message`, refresh."""
    scale = 2 if width >= 400 else 1
    cols = width // (8 * scale)
    row = width // 8
    src_row = row // scale
    line = bytearray(src_row * 8)
    fb = framebuf.FrameBuffer(line, src_row * 8, 8, framebuf.MONO_HLSB)
    out = bytearray(row)
    table = _double_table()
    # 1. a blank panel (every colour plane "no ink")
    driver.begin_region(0, 0, width, height)
    driver.plane(BLACK)
    for _ in range(height):
        for i in range(row):  # refilled each time: driver.data may convert polarity in place
            out[i] = 0
        driver.data(out)
    driver.end_region((BLACK,))
    # 2. text, one 8*scale pixel high band per line
    texts = [(title, RED if RED in colors else BLACK)]
    for t in wrap(message, cols - 2):
        texts.append((t, BLACK))
    y = 8 * scale
    for text, color in texts:
        if y + 8 * scale > height:
            break
        fb.fill(0)
        fb.text(text, 8, 0, 1)
        driver.begin_region(0, y, width, 8 * scale)
        driver.plane(color)
        for r in range(8):
            src = r * src_row
            for _ in range(scale):  # rebuilt each time: driver.data may invert it in place
                if scale == 2:
                    for i in range(src_row):
                        v = line[src + i]
                        out[2 * i] = table[2 * v]
                        out[2 * i + 1] = table[2 * v + 1]
                else:
                    for i in range(src_row):
                        out[i] = line[src + i]
                driver.data(out)
        driver.end_region((color,))
        y += 8 * scale + (4 if color == RED else 2) * scale
    driver.refresh(0, 0, width, height, True)
