"""The embedded broker (amqtt 0.12) enforcing the same accounts and topic rules as the
generated mosquitto files: hub.security.acl is the single rule set.

While the registry is empty (an open installation: the demo, a bench) both allow everything,
as the hub serves any node then; the first registered node switches enforcement on.

Both plugins read the node registry and the hub account from the hub's state_dir, re-read when
the registry file changes: `roomink revoke` takes effect at the revoked node's next connect,
and at once for what it may publish or receive on a connection it still holds.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from amqtt.contexts import Action  # type: ignore[import-untyped]
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin  # type: ignore[import-untyped]

from hub.provisioning import ProvisioningStore
from hub.security.acl import READ, WRITE, allowed
from hub.security.hubaccount import hub_account


class _Accounts:
    """username -> password for the hub and every registered node, cached by file stamp."""

    def __init__(self, state_dir: str) -> None:
        self.state_dir = state_dir
        self.store = ProvisioningStore(state_dir)
        self._stamp: object = ()
        self.users: dict[str, str] = {}
        self.nodes: set[str] = set()

    def refresh(self) -> None:
        try:
            st = os.stat(self.store.path)
            stamp: object = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        users, nodes = {}, set()
        for record in self.store.list():
            creds = self.store.get(record.node_id)
            if creds is not None:
                users[creds.username] = creds.password
                nodes.add(creds.node_id)
        account = hub_account(self.state_dir)
        users[account.username] = account.password
        self.users, self.nodes, self._stamp = users, nodes, stamp


_ACCOUNTS: dict[str, _Accounts] = {}


def _accounts(state_dir: str) -> _Accounts:
    key = str(Path(state_dir).resolve())
    if key not in _ACCOUNTS:
        _ACCOUNTS[key] = _Accounts(key)
    accounts = _ACCOUNTS[key]
    accounts.refresh()
    return accounts


class RoominkAuthPlugin(BaseAuthPlugin):
    """Only the hub's account and registered nodes' accounts may connect."""

    @dataclass
    class Config:
        state_dir: str = ""

    async def authenticate(self, *, session) -> bool:
        accounts = _accounts(self.config.state_dir)
        if not accounts.nodes:
            return True
        users = accounts.users
        expected = users.get(session.username or "")
        password = session.password or ""
        if isinstance(password, bytes):
            password = password.decode("utf-8", "replace")
        ok = expected is not None and hmac.compare_digest(expected.encode(), password.encode())
        if not ok:
            self.context.logger.warning("refused MQTT login for user %r (unknown user, wrong "
                                        "password, or revoked)", session.username)
        return ok


class RoominkTopicPlugin(BaseTopicPlugin):
    """A node reaches only its own topics; the hub reaches all of roomink's."""

    @dataclass
    class Config:
        state_dir: str = ""
        prefix: str = "roomink"

    async def topic_filtering(self, *, session=None, topic=None, action=None) -> bool:
        if session is None or topic is None:
            return False
        accounts = _accounts(self.config.state_dir)
        if not accounts.nodes:
            return True
        what = WRITE if action == Action.PUBLISH else READ
        return allowed(session.username, topic, what, prefix=self.config.prefix,
                       nodes=accounts.nodes)
