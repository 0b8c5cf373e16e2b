"""MicroPython runner: feed frame messages (files) to framedec + a driver + virtual panel.

Usage: micropython tests/fw_feed.py FIRMWARE_DIR WORK_DIR PROFILE WBITS MAX_MSG MSG_FILE...
Each message is checked, written and refreshed as node.py does for a one-chunk frame.
Prints one JSON line per message: {"ok", "err", "msg", "ram_bytes"} and a final
{"code": heap bytes in use after all imports, "free": gc.mem_free() at the end}.
"""

import gc
import json
import sys

sys.path.insert(0, sys.argv[1])
# The message buffer comes first, as on the node (MQTT client buffer allocated at boot): one
# big block taken before anything can fragment the heap.
BUF = bytearray(int(sys.argv[5]))
_hole = bytearray(4096)  # kept contiguous through the imports, freed for the inflater

import drivers  # noqa: E402
from framedec import FrameDecoder  # noqa: E402
from port.host import Board  # noqa: E402
from profiles import Profile  # noqa: E402
from wire import ProtocolError  # noqa: E402

del _hole


def main():
    work, profile, wbits = sys.argv[2], Profile(sys.argv[3]), int(sys.argv[4])
    board = Board(work)
    spi, dc, cs, rst, busy = board.panel_bus(profile.ctrl, profile.w, profile.h, profile.colors)
    drv = drivers.load(profile.ctrl)(board, spi, dc, cs, rst, busy, profile.w, profile.h,
                                     profile.colors)
    dec = FrameDecoder(profile.w, profile.h, profile.colors, wbits, drv)
    gc.collect()
    code = gc.mem_alloc() - len(BUF)  # firmware + harness code and objects, no buffers
    buf = BUF  # stands in for the MQTT client's message buffer
    panel = board.panel
    for path in sys.argv[6:]:
        with open(path, "rb") as f:
            n = f.readinto(buf)
        before = panel.ram_bytes
        out = {"ok": False, "err": None, "msg": None}
        try:
            info = dec.check(memoryview(buf)[:n])
            dec.write(info)
            x, y, w, h = info.rect
            drv.refresh(x, y, w, h, info.full)
            out["ok"] = True
        except ProtocolError as e:
            out["err"] = e.code
            out["msg"] = e.msg
        out["ram_bytes"] = panel.ram_bytes - before
        print(json.dumps(out))
    drv.sleep()
    panel.close()
    gc.collect()
    print(json.dumps({"code": code, "free": gc.mem_free()}))


main()
