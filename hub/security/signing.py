"""Signs every frame and ctl on its way out, for nodes that have a key (hub.security.keyring).

Wrapping the publisher keeps signing out of the delivery logic: what a node is sent is decided
as before, and in-flight chunks kept for resends are signed again (HMAC is deterministic, so a
resend is byte-identical).
"""

from __future__ import annotations

from hub.security.keyring import NodeKeyring
from hub.security.mac import sign_message

SIGNED_KINDS = ("frame", "ctl")


class SigningPublisher:
    def __init__(self, inner, keyring: NodeKeyring) -> None:
        self.inner = inner
        self.keyring = keyring

    def publish(self, node_id: str, kind: str, payload: bytes, *, retain: bool = False,
                qos: int = 1):
        if kind in SIGNED_KINDS and payload:
            key = self.keyring.key(node_id)
            if key is not None:
                payload = sign_message(payload, key, kind)
        return self.inner.publish(node_id, kind, payload, retain=retain, qos=qos)
