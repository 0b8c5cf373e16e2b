"""MicroPython fuzz runner: feed every message of a corpus file to framedec + driver + panel.

Usage: micropython tests/fw_fuzz.py FIRMWARE_DIR CORPUS WORK_DIR
CORPUS is a sequence of [u32 big-endian length][message]. Prints one JSON line per message:
[outcome, ram bytes written, crash or null, ram_crc], outcome = "ok" or the error code;
ram_crc (accepted messages) is the CRC-32 of the rect read back from the controller RAM,
planes in message order, converted back to ink polarity (UC8176: both RAMs active low).
A crash (any exception but ProtocolError) is reported and the run goes on.
"""

import binascii
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])

import drivers  # noqa: E402
from framedec import FrameDecoder  # noqa: E402
from port.host import Board  # noqa: E402
from profiles import Profile  # noqa: E402
from wire import ProtocolError  # noqa: E402


def read_back(panel, info):
    x, y, w, h = info.rect
    row = bytearray(w // 8)
    crc = 0
    for color in info.colors:
        f = panel.ram[color - 1]  # black -> DTM1, red -> DTM2
        for yy in range(y, y + h):
            f.seek(yy * panel.row + x // 8)
            f.readinto(row)
            for i in range(len(row)):
                row[i] ^= 0xFF
            crc = binascii.crc32(row, crc)
    return crc


def main():
    p = Profile("4.2-bwr")
    board = Board(sys.argv[3])
    spi, dc, cs, rst, busy = board.panel_bus(p.ctrl, p.w, p.h, p.colors)
    board.panel.png_path = sys.argv[3] + "/panel.png"
    drv = drivers.load(p.ctrl)(board, spi, dc, cs, rst, busy, p.w, p.h, p.colors)
    dec = FrameDecoder(p.w, p.h, p.colors, 10, drv)
    buf = bytearray(65536)
    mv = memoryview(buf)
    head = bytearray(4)
    panel = board.panel
    with open(sys.argv[2], "rb") as f:
        while f.readinto(head) == 4:
            n = struct.unpack(">I", head)[0]
            f.readinto(mv[:n])
            before = panel.ram_bytes
            outcome = None
            crash = None
            ram_crc = None
            try:
                info = dec.check(mv[:n])
                dec.write(info)
                outcome = "ok"
                ram_crc = read_back(panel, info)
            except ProtocolError as e:
                outcome = e.code
            except Exception as e:  # noqa: BLE001 - the point of a fuzz run: report, go on
                crash = f"{type(e).__name__}: {e}"
            print(json.dumps([outcome, panel.ram_bytes - before, crash, ram_crc]))
    panel.close()


main()
