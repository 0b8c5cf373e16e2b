"""Failures of bundling and flashing.

    UserError (hub.errors)         printed as one line by the CLI
     └── FlashError(kind, msg)     one failed step; `kind` is a stable key tests and docs use

Kinds: `port-missing`, `port-denied`, `port-busy`, `chip`, `image`, `no-micropython`,
`micropython-version`, `bootloader`, `wifi-password`, `wifi-ssid`, `wifi`, `broker`,
`hub-broker`, `hello-timeout`, `space`, `tool`, `mpy-cross`, `micropython`, `profile`,
`firmware`, `config`. Each message says what to do, never what a secret was.
"""

from __future__ import annotations

from hub.errors import UserError


class FlashError(UserError):
    """A step failed in a way the admin can fix; `str()` is the one line to print."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
