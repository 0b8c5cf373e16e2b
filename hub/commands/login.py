"""`roomink login`: sign the hub in to Microsoft 365 with a device code (delegated access)."""

from __future__ import annotations

import argparse

from hub.errors import UserError
from hub.m365.auth import AppOnlyAuth, DelegatedAuth, make_session
from hub.m365.options import add_options, config_from_args


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "login", help="sign in to Microsoft 365 (device code) and store the token cache",
        description="Prints a URL and a code: open the URL on any device, sign in as the "
                    "account that is a delegate of the room mailboxes, and enter the code.")
    add_options(p)
    p.add_argument("--wait", type=float, default=900, help="seconds to wait for the sign-in")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    session = make_session(config)
    if config.auth == "app":
        AppOnlyAuth(config, session).token()
        print(f"app-only sign-in works for {config.client_id}; nothing to store "
              "(app tokens are fetched when needed)")
        return 0
    auth = DelegatedAuth(config, session)
    user = auth.login(lambda message: print(message, flush=True), timeout=args.wait)
    if not config.token_cache.exists():
        raise UserError(f"sign-in worked but {config.token_cache} was not written")
    print(f"signed in as {user}; token cache: {config.token_cache} (mode 0600)")
    return 0
