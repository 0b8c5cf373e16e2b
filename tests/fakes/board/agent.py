"""Runs inside the real MicroPython unix port for tests/fakes/replboard.py: executes the code
chunks a raw REPL receives, in one persistent namespace, with cwd = the board's filesystem.

stdin:  "<length>\n" + code (UTF-8), repeated
stdout: the code's output, then "\x00ERR\x00" + traceback if it raised, then "\x00END\x00\n"
`import sys` inside the code gets a stand-in that says platform "esp32" and the .mpy version
from $ROOMINK_FAKE_MPY, as the flasher's probe expects from a real board.
"""

import os
import sys as _sys


class _Impl:
    name = "micropython"
    version = _sys.implementation.version
    _mpy = int(os.getenv("ROOMINK_FAKE_MPY") or "0") or _sys.implementation._mpy


class _Sys:
    platform = "esp32"
    implementation = _Impl()
    argv = []
    path = _sys.path
    modules = _sys.modules
    stdout = _sys.stdout
    stderr = _sys.stderr
    stdin = _sys.stdin
    byteorder = _sys.byteorder
    maxsize = _sys.maxsize
    print_exception = _sys.print_exception
    exit = _sys.exit


def main():
    stdin = _sys.stdin.buffer
    g = {"__name__": "__main__"}
    _sys.modules["sys"] = _Sys()
    while True:
        line = stdin.readline()
        if not line:
            break
        n = int(line)
        code = b""
        while len(code) < n:
            code += stdin.read(n - len(code))
        try:
            exec(code.decode(), g)
        except BaseException as e:  # noqa: BLE001 - reported to the host like a board does
            print("\x00ERR\x00", end="")
            _sys.print_exception(e, _sys.stdout)
        print("\x00END\x00")


main()
