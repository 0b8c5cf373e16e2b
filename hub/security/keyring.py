"""The hub's view of the node credential registry (hub.provisioning): which node ids exist and
their HMAC keys, re-read only when the file changes (a `roomink flash` or `roomink revoke`
while the hub runs takes effect at the next message, without a restart).

An empty or absent registry means an open installation (the demo, a bench): nothing is signed
and any node id is served, as before security existed. One registered node switches the hub to
enforcing: only registered ids are served, frames are signed, button events must be.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from hub.provisioning import FILENAME, ProvisioningStore

log = logging.getLogger(__name__)


class NodeKeyring:
    def __init__(self, state_dir: str | Path) -> None:
        self.store = ProvisioningStore(state_dir)
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, bytes] = {}

    def _refresh(self) -> None:
        try:
            st = os.stat(self.store.path)
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        self._stamp = stamp
        keys: dict[str, bytes] = {}
        if stamp is not None:
            try:
                for record in self.store.list():
                    creds = self.store.get(record.node_id)
                    if creds is not None:
                        keys[creds.node_id] = creds.hmac_key
            except Exception as exc:  # a damaged registry: keep the last good keys
                log.error("cannot read %s: %s", Path(self.store.dir) / FILENAME, exc)
                return
        self._keys = keys
        log.info("node registry: %d node(s) with keys%s", len(keys),
                 "" if keys else " (open installation: frames unsigned)")

    @property
    def enforcing(self) -> bool:
        self._refresh()
        return bool(self._keys)

    def known(self, node_id: str) -> bool:
        self._refresh()
        return not self._keys or node_id in self._keys

    def key(self, node_id: str) -> bytes | None:
        self._refresh()
        return self._keys.get(node_id)
