"""Putting the node firmware on boards: `roomink bundle` and `roomink flash`.

    bundle.py         firmware/ -> .mpy files for one target and profile (+ manifest, template)
    mpy.py            which .mpy a MicroPython loads; the mpy-cross binary that writes it
    tools.py          the esptool/mpremote process boundary; output -> FlashError table
    board.py          snippets run on the board (probe, filesystem prep) and their answers
    board_netcheck.py MicroPython script: join Wi-Fi, reach the broker, print the result
    steps.py          numbered progress lines
    hello.py          wait on the hub's broker for the new node's hello
    checks.py         port, image, --pins and --broker checks before the board is touched
    flash.py          the `roomink flash` sequence
"""

from hub.flashing.bundle import Bundle, build_bundle, firmware_profiles
from hub.flashing.errors import FlashError
from hub.flashing.flash import Flasher, FlashOptions, FlashResult
from hub.flashing.mpy import MpyTarget

__all__ = ["Bundle", "FlashError", "FlashOptions", "FlashResult", "Flasher", "MpyTarget",
           "build_bundle", "firmware_profiles"]
