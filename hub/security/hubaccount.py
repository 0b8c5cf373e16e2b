"""The hub's own broker account (`roomink-hub`): a random password, created on first use and
kept in `<state_dir>/hub_credentials.json` (0600), next to the node registry."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from hub.errors import UserError
from hub.security.acl import HUB_USERNAME

FILENAME = "hub_credentials.json"


@dataclass(frozen=True)
class HubAccount:
    username: str
    password: str = field(repr=False)


def hub_account(state_dir: str | Path) -> HubAccount:
    """The hub's account; generated and saved (0600) the first time."""
    path = Path(state_dir) / FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return HubAccount(data["username"], data["password"])
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"{path} is damaged: delete it to generate a new hub password "
                        "(then run `roomink acl` again and update [hub] broker)") from None
    account = HubAccount(HUB_USERNAME, secrets.token_urlsafe(24))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"username": account.username, "password": account.password}, f)
    return account


def with_hub_account(address, state_dir: str | Path):
    """`address` (a hub.transport.BrokerAddress) with the hub's account filled in when the
    broker URL names no user and `roomink acl` has created the account: the password then
    lives only in the 0600 state file, not in roomink.toml."""
    from dataclasses import replace

    if address.username or not (Path(state_dir) / FILENAME).exists():
        return address
    account = hub_account(state_dir)
    return replace(address, username=account.username, password=account.password)
