"""MicroPython runner: feed each shared vector to framedec + UC8176 driver + virtual panel.

Usage: micropython tests/fw_vectors.py FIRMWARE_DIR VECTORS_DIR WORK_DIR [PROFILE]
Prints one JSON line per vector: {"name", "ok", "err", "msg", "shown_crc", "untouched"}.
`shown_crc` is the CRC-32 of what the panel shows inside the vector's rect, plane by plane in
wire layout (1 = ink): equal to the manifest's `crc` only if decode, driver polarity and the
controller's RAM mapping are all right. `untouched` says the controller RAM did not change.
"""

import binascii
import json
import sys

sys.path.insert(0, sys.argv[1])

import drivers  # noqa: E402
from framedec import FrameDecoder  # noqa: E402
from port.host import Board  # noqa: E402
from profiles import Profile  # noqa: E402
from wire import ProtocolError  # noqa: E402


def file_crc(f):
    f.seek(0)
    crc = 0
    buf = bytearray(1024)
    while True:
        n = f.readinto(buf)
        if not n:
            return crc
        crc = binascii.crc32(memoryview(buf)[:n], crc)


def shown_crc(panel, rect, colors):
    x, y, w, h = rect
    crc = 0
    row = bytearray(w // 8)
    for c in colors:
        f = panel.shown[c - 1]
        for yy in range(y, y + h):
            f.seek(yy * panel.row + x // 8)
            f.readinto(row)
            crc = binascii.crc32(row, crc)
    return crc


def main():
    vec_dir, work = sys.argv[2], sys.argv[3]
    profile = Profile(sys.argv[4] if len(sys.argv) > 4 else "4.2-bwr")
    with open(vec_dir + "/manifest.json") as f:
        manifest = json.load(f)
    board = Board(work)
    spi, dc, cs, rst, busy = board.panel_bus(profile.ctrl, profile.w, profile.h,
                                                 profile.colors)
    drv = drivers.load(profile.ctrl)(board, spi, dc, cs, rst, busy, profile.w, profile.h,
                                     profile.colors)
    dec = FrameDecoder(profile.w, profile.h, profile.colors, 10, drv)
    panel = board.panel
    for v in manifest["vectors"]:
        with open(vec_dir + "/" + v["file"], "rb") as f:
            payload = f.read()
        before = [file_crc(f) for f in panel.ram]
        out = {"name": v["name"], "ok": False, "err": None, "msg": None, "shown_crc": None}
        buf = bytearray(payload)  # as the MQTT client would hold it
        try:
            info = dec.check(memoryview(buf))
            dec.write(info)
            x, y, w, h = info.rect
            drv.refresh(x, y, w, h, info.full)
            out["ok"] = True
            out["shown_crc"] = shown_crc(panel, info.rect, info.colors)
        except ProtocolError as e:
            out["err"] = e.code
            out["msg"] = e.msg
        out["untouched"] = [file_crc(f) for f in panel.ram] == before
        print(json.dumps(out))
    panel.close()


main()
