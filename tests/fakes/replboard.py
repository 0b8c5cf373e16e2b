"""A MicroPython board on a TCP socket that the *real* mpremote can drive
(`mpremote connect socket://127.0.0.1:PORT ...`): it speaks the raw REPL protocol
(docs.micropython.org, reference/repl: ctrl-A raw mode, ctrl-D execute/soft reset, "OK",
output, \\x04, error, \\x04, ">"; raw-paste with one 64 KB window) and runs the code in a
persistent unix-port micropython process (board/agent.py) whose cwd is the board's filesystem.

`machine.reset()` (mpremote's `reset`) closes the connection and, when `on_reset` is given,
calls it (the tests boot the node firmware there).
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
BANNER = b"raw REPL; CTRL-B to exit\r\n>"


class ReplBoard:
    def __init__(self, micropython: str, fs: Path, mpy: int, wifi: str = "ok",
                 on_reset: Callable[[], None] | None = None) -> None:
        self.micropython, self.fs, self.mpy, self.wifi = micropython, fs, mpy, wifi
        self.on_reset = on_reset
        self.fs.mkdir(parents=True, exist_ok=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.agent: subprocess.Popen | None = None
        self.resets = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.close()
        self._stop_agent()

    # -- agent -----------------------------------------------------------------------------
    def _start_agent(self) -> None:
        self._stop_agent()
        env = dict(os.environ, MICROPYPATH=f".frozen:{HERE / 'board'}",
                   ROOMINK_FAKE_MPY=str(self.mpy), ROOMINK_FAKE_WIFI=self.wifi)
        self.agent = subprocess.Popen([self.micropython, str(HERE / "board" / "agent.py")],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      cwd=self.fs, env=env)

    def _stop_agent(self) -> None:
        if self.agent is not None and self.agent.poll() is None:
            self.agent.kill()
            self.agent.wait()
        self.agent = None

    def _run(self, code: bytes) -> tuple[bytes, bytes]:
        if self.agent is None:
            self._start_agent()
        assert self.agent is not None and self.agent.stdin and self.agent.stdout
        self.agent.stdin.write(b"%d\n" % len(code) + code)
        self.agent.stdin.flush()
        out = b""
        while not out.endswith(b"\x00END\x00\n"):
            chunk = self.agent.stdout.readline()
            if not chunk:
                return out, b"agent died\r\n"
            out += chunk
        out = out[: -len(b"\x00END\x00\n")]
        normal, _, error = out.partition(b"\x00ERR\x00")
        return normal.replace(b"\n", b"\r\n"), error.replace(b"\n", b"\r\n")

    def _reset(self) -> None:
        self.resets += 1
        self._stop_agent()
        if self.on_reset:
            self.on_reset()

    # -- raw REPL --------------------------------------------------------------------------
    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with conn:
                try:
                    self._session(conn)
                except OSError:  # mpremote hung up (it does not always say goodbye)
                    pass

    def _session(self, conn: socket.socket) -> None:
        raw, code = False, b""
        pending = b""
        while True:
            if not pending:
                try:
                    pending = conn.recv(4096)
                    # ack at once: mpremote's small writes otherwise wait for our delayed ACK
                    # (Nagle on its side), ~40 ms per command
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                except OSError:
                    return
                if not pending:
                    return
            c, pending = pending[:1], pending[1:]
            if c == b"\x01":  # ctrl-A: (re)enter raw REPL
                raw, code = True, b""
                conn.sendall(BANNER)
            elif c == b"\x02":  # ctrl-B: friendly REPL
                raw, code = False, b""
                conn.sendall(b"\r\nMicroPython (fake esp32)\r\n>>> ")
            elif c == b"\x03":  # ctrl-C
                code = b""
            elif not raw:
                continue
            elif c == b"\x05" and not code:  # raw-paste mode, one window as large as allowed
                while len(pending) < 2:
                    pending += conn.recv(16)
                pending = pending[2:]
                conn.sendall(b"R\x01" + struct.pack("<H", 0xFFFF))
                while b"\x04" not in pending:
                    more = conn.recv(65536)
                    if not more:
                        return
                    pending += more
                    if len(pending) >= 0xF000:  # the host may send another window
                        conn.sendall(b"\x01")
                paste, _, pending = pending.partition(b"\x04")
                conn.sendall(b"\x04")
                if b"machine.reset()" in paste:
                    self._reset()
                    return
                out, err = self._run(paste)
                conn.sendall(out + b"\x04" + err + b"\x04>")
            elif c == b"\x04":
                if not code:  # soft reset
                    self._stop_agent()
                    conn.sendall(b"OK\r\nMPY: soft reboot\r\n" + BANNER)
                    continue
                conn.sendall(b"OK")
                if b"machine.reset()" in code:
                    self._reset()
                    return
                out, err = self._run(code)
                code = b""
                conn.sendall(out + b"\x04" + err + b"\x04>")
            else:
                code += c
