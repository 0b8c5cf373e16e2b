"""Unguessable per-room links and signed form keys, from one secret kept in the state folder.

A room's token is an HMAC of its id: stable across restarts (the QR codes on the signs keep
working), impossible to guess without the secret, and different for every room. Deleting
`booking.secret` revokes every link at once (the signs show the new codes on their next
refresh). Form keys are random per page and signed, so a post must come from a page this hub
served (no cross-site forms), and each key is the idempotency key of one action.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def load_secret(state_dir: Path) -> bytes:
    """The hub's booking secret; created (readable by the hub's user only) on first use.

    A file others can read (copied from a backup, an old umask) is tightened to 0600 on load,
    with one log line: whoever reads it can forge every room's link."""
    import logging
    import stat

    log = logging.getLogger(__name__)
    path = state_dir / "booking.secret"
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            try:
                path.chmod(0o600)
                log.warning("%s was readable by others (mode %04o): made it 0600", path, mode)
            except PermissionError:  # another user's file: say so, keep serving
                log.warning("%s is readable by others (mode %04o) and not ours to change: "
                            "sudo chmod 600 %s", path, mode, path)
        return bytes.fromhex(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        state_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secret.hex() + "\n")
        return secret


class RoomTokens:
    def __init__(self, secret: bytes, room_ids: list[str]) -> None:
        self._secret = secret
        self._tokens = {self.token(r): r for r in room_ids}

    def token(self, room_id: str) -> str:
        mac = hmac.new(self._secret, b"room:" + room_id.encode(), hashlib.sha256)
        return mac.hexdigest()[:32]  # 128 bits

    def room(self, token: str) -> str | None:
        """The room a token opens, or None (constant-time per candidate)."""
        for known, room_id in self._tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return room_id
        return None

    def form_key(self, room_id: str) -> str:
        nonce = secrets.token_hex(12)
        return f"{nonce}.{self._sign(room_id, nonce)}"

    def check_form_key(self, room_id: str, key: str) -> bool:
        nonce, _, mac = key.partition(".")
        return bool(nonce) and hmac.compare_digest(mac.encode(),
                                                   self._sign(room_id, nonce).encode())

    def _sign(self, room_id: str, nonce: str) -> str:
        data = f"form:{room_id}:{nonce}".encode()
        return hmac.new(self._secret, data, hashlib.sha256).hexdigest()[:24]
