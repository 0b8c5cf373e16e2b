"""Node credentials the hub hands out when a display is flashed: the registry the security
work (per-node MQTT passwords, mosquitto ACL, HMAC-signed frames) builds on.

One JSON file, `<state_dir>/node_credentials.json`, mode 0600, replaced
atomically on every change. Each node has an MQTT username/password and a 32-byte HMAC key.

Secrets never leave this module by accident: `NodeCredentials.__repr__` hides them, `list()`
returns records without them, and nothing here logs. Only `register()` (for the flasher, which
writes them to the board) and `get()` (for the hub) return the secret values.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hub import topics
from hub.errors import UserError

FILENAME = "node_credentials.json"
HMAC_KEY_BYTES = 32


@dataclass(frozen=True)
class NodeRecord:
    """What may be shown about a registered node: no secrets."""

    node_id: str
    username: str
    created: float


@dataclass(frozen=True)
class NodeCredentials:
    """A node's identity and secrets. `repr()` never shows the password or key."""

    node_id: str
    username: str
    password: str = field(repr=False)
    hmac_key: bytes = field(repr=False)
    created: float = 0.0

    def record(self) -> NodeRecord:
        return NodeRecord(self.node_id, self.username, self.created)


def generate_node_id() -> str:
    """A fresh id like `node-3f9a1c`: valid on the wire (docs/protocol.md) and easy to read."""
    return "node-" + secrets.token_hex(3)


class ProvisioningStore:
    """The credential registry in one state directory."""

    def __init__(self, state_dir: str | Path) -> None:
        self.dir = Path(state_dir)
        self.path = self.dir / FILENAME

    # -- public API ----------------------------------------------------------------------------
    def register(self, node_id: str | None = None) -> NodeCredentials:
        """New credentials for `node_id` (a generated id when None). Registering an id that
        exists replaces its credentials: re-flashing a node rotates its secrets."""
        entries = self._load()
        if node_id is None:
            node_id = generate_node_id()
            while node_id in entries:
                node_id = generate_node_id()
        if not topics.valid_node_id(node_id):
            raise UserError(f"{node_id!r} is not a node id (1-32 of a-z, 0-9, -)")
        creds = NodeCredentials(node_id=node_id, username=f"roomink-{node_id}",
                                password=secrets.token_urlsafe(24),
                                hmac_key=secrets.token_bytes(HMAC_KEY_BYTES),
                                created=time.time())
        entries[node_id] = {"username": creds.username, "password": creds.password,
                            "hmac_key": creds.hmac_key.hex(), "created": creds.created}
        self._save(entries)
        return creds

    def get(self, node_id: str) -> NodeCredentials | None:
        entry = self._load().get(node_id)
        if entry is None:
            return None
        return NodeCredentials(node_id, entry["username"], entry["password"],
                               bytes.fromhex(entry["hmac_key"]), entry["created"])

    def list(self) -> list[NodeRecord]:
        return [NodeRecord(nid, e["username"], e["created"])
                for nid, e in sorted(self._load().items())]

    def revoke(self, node_id: str) -> bool:
        """Forget a node's credentials; False when it had none."""
        entries = self._load()
        if entries.pop(node_id, None) is None:
            return False
        self._save(entries)
        return True

    # -- file ----------------------------------------------------------------------------------
    def _load(self) -> dict[str, dict]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise UserError(f"cannot read {self.path} ({exc.strerror})") from exc
        try:
            data = json.loads(raw)
            nodes = data["nodes"]
            if not isinstance(nodes, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise UserError(f"{self.path} is damaged (not the credential registry's JSON); "
                            "restore it from a backup or move it away to start empty") from None
        return nodes

    def _save(self, entries: dict[str, dict]) -> None:
        text = json.dumps({"version": 1, "nodes": entries}, indent=1, sort_keys=True)
        try:
            self._write(text)
        except OSError as exc:
            raise UserError(f"cannot write {self.path} ({exc.strerror or exc}): run roomink as "
                            f"the user that owns {self.dir}") from None

    def _write(self, text: str) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        # mkstemp creates the file 0600: the secrets are never readable by others, not even
        # for the moment between write and rename.
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".node_credentials.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
