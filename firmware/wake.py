"""One wake: pick the board, load the config (or show why it is bad), run, deep-sleep.

main.py calls main(sys.argv). On the host argv[1] is the node directory; on a board argv is
empty and the node's files live in the filesystem root. (Not named boot.py: MicroPython runs
a /boot.py by itself at every start.)
"""

import json
import sys

import config
import drivers
from drivers import PanelError
from node import Node, log
from profiles import Profile


def _board(node_dir):
    if sys.platform == "esp32":
        from port.esp32 import Board
    else:
        from port.host import Board
    return Board(node_dir)


def _error_screen(board, node_dir, msg):
    """Best effort: if config.json at least names a known profile, show the error on it."""
    try:
        with open(node_dir + "/config.json") as f:
            name = json.load(f).get("profile")
        p = Profile(name)
    except Exception:  # noqa: BLE001 - nothing to draw on; the log line has the message
        return
    import errscreen

    spi, dc, cs, rst, busy = board.panel_bus(p.ctrl, p.w, p.h, p.colors)
    drv = drivers.load(p.ctrl)(board, spi, dc, cs, rst, busy, p.w, p.h, p.colors)
    try:
        errscreen.show(drv, p.w, p.h, p.colors, "roomink: config error",
                       msg + "\n\nFix config.json on the node and restart it.")
        drv.sleep()
    except PanelError as e:
        log("panel error: %s" % e)


def main(argv):
    """Run one wake cycle for the node in argv[1] (host; the root on a board), deep-sleep."""
    if len(argv) >= 2:
        node_dir = argv[1]
    elif sys.platform == "esp32":
        node_dir = ""  # /config.json
    else:
        print("usage: micropython main.py NODE_DIR")
        sys.exit(2)
    board = _board(node_dir)
    try:
        cfg = config.load(node_dir + "/config.json")
        board.configure(cfg)
    except config.ConfigError as e:
        log("config error: %s" % e)
        _error_screen(board, node_dir, str(e))
        board.deep_sleep(None, "config error: waiting for a fixed config (reset to retry)")
        return
    node = None
    code = 0
    try:
        node = Node(board, cfg)
        sleep_s, reason = node.run()
    except Exception as e:  # a bug: log it, sleep, try again next wake  # noqa: BLE001
        sys.print_exception(e)
        sleep_s, reason, code = cfg["max_sleep_s"], "crash: %s" % e, 1
    if node is not None:
        node.finish_panel()
        node.save()
    log("deep sleep %s s (%s)" % (sleep_s, reason))
    board.deep_sleep(sleep_s, reason)
    if code:
        sys.exit(code)
