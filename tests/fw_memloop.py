"""MicroPython runner: N wake cycles of the real node in ONE heap, to catch leaks.

Usage: micropython [-X heapsize=N] tests/fw_memloop.py FIRMWARE_DIR NODE_DIR CYCLES MAX_MSG
Each cycle builds the board, config and Node afresh, as a real wake does, runs it against the
broker in config.json and lets everything go. After each cycle and a gc.collect() it prints
{"cycle": i, "free": gc.mem_free(), "code": heap in use after imports (first line only)}.
"""

import gc
import json
import sys

sys.path.insert(0, sys.argv[1])
# A device allocates its one big buffer once at boot; an in-process loop that re-allocated it
# every cycle would test heap fragmentation of the loop, not leaks of the firmware.
MSG_BUF = bytearray(int(sys.argv[4]))
_hole = bytearray(12 * 1024)  # as main.py: keep a contiguous block through the imports

import config  # noqa: E402
import drivers.uc8179  # noqa: E402, F401 - loaded lazily by node; here so "code" counts it
import node  # noqa: E402
import port.png  # noqa: E402, F401
import port.vp_uc81xx  # noqa: E402, F401
from port.host import Board  # noqa: E402

del _hole


def cycle(node_dir):
    board = Board(node_dir)
    cfg = config.load(node_dir + "/config.json")
    board.configure(cfg)
    n = node.Node(board, cfg, MSG_BUF)
    sleep_s, reason = n.run()
    n.finish_panel()
    n.save()
    board.deep_sleep(sleep_s, reason)
    return n.shown


def main():
    node_dir, cycles = sys.argv[2], int(sys.argv[3])
    gc.collect()
    print(json.dumps({"code": gc.mem_alloc() - len(MSG_BUF)}))
    for i in range(cycles):
        shown = cycle(node_dir)
        gc.collect()
        print(json.dumps({"cycle": i, "free": gc.mem_free(), "shown": shown}))


main()
