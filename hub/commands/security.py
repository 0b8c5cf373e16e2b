"""`roomink acl`, `roomink revoke NODE`, `roomink tls-ca`: broker accounts, ACLs and TLS
material from the node registry (docs/security.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from hub.config import HubConfig, load_config
from hub.errors import UserError
from hub.provisioning import ProvisioningStore
from hub.security.hubaccount import FILENAME as HUB_FILE
from hub.security.mosquitto_files import (
    CONF,
    last_dir,
    remember_dir,
    rewrite_remembered,
    tls_settings,
    write_mosquitto_files,
)
from hub.security.tls import make_tls, mosquitto_listener


def register(subparsers) -> None:
    p = subparsers.add_parser("acl", help="write mosquitto's password file, ACL and config "
                              "for the hub and every registered node")
    p.add_argument("--config", "-c", default="roomink.toml")
    p.add_argument("--out", "-o", help="folder for the files (default: the last one used, "
                   "else <state_dir>/mosquitto)")
    p.set_defaults(func=acl)
    p = subparsers.add_parser("revoke", help="revoke a node: its broker login and its key stop "
                              "working")
    p.add_argument("node")
    p.add_argument("--config", "-c", default="roomink.toml")
    p.add_argument("--out", "-o", help="mosquitto files to rewrite (default: where "
                   "`roomink acl` last wrote them)")
    p.set_defaults(func=revoke)
    p = subparsers.add_parser("tls-ca", help="create a private CA and a broker certificate")
    p.add_argument("--host", action="append", default=[], required=True,
                   help="a name or IP address nodes and hub use for the broker (repeat)")
    p.add_argument("--port", type=int, default=8883)
    p.add_argument("--renew", action="store_true", help="issue a new broker certificate "
                   "from the same CA")
    p.add_argument("--config", "-c", default="roomink.toml")
    p.set_defaults(func=tls_ca)


def _state(config: HubConfig) -> Path:
    """The state folder, absolute: every path we write for mosquitto or print for the admin
    must work from any working folder (the config path may be relative)."""
    return Path(config.state_dir).resolve()


def _out(args: argparse.Namespace, state: Path) -> Path:
    """Where mosquitto's files go: `-o DIR`, else where `roomink acl` last wrote them."""
    return Path(args.out).resolve() if args.out else last_dir(state)


def acl(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    state = _state(config)
    out = _out(args, state)
    written = write_mosquitto_files(state, out, config.prefix, tls_settings(state))
    remember_dir(state, written.directory)
    print(f"wrote {written.directory}/roomink.passwd, roomink.acl, {CONF}: the hub and "
          f"{written.nodes} node(s)")
    print(f"  mosquitto: include {written.directory / CONF} (e.g. copy it to "
          "/etc/mosquitto/conf.d/), then: sudo systemctl reload mosquitto")
    print(f"  hub account: roomink-hub, password in {state / HUB_FILE} (mode 0600)")
    return 0


def _broker_advice(config: HubConfig, config_path: Path, rewritten: Path | None,
                   looked_in: Path) -> list[str]:
    """What still has to happen before the broker refuses the revoked node: nothing for the
    embedded broker, a reload (after `roomink acl`, if it never ran) for mosquitto."""
    if config.broker == "embedded":
        lines = ["the embedded broker refuses its login from its next connect"]
        if rewritten is not None:
            lines.append(f"rewrote {rewritten} too: if a mosquitto reads it, "
                         "`sudo systemctl reload mosquitto`")
        return lines
    if rewritten is not None:
        return [f"rewrote {rewritten}",
                "mosquitto still accepts its login until reloaded: "
                "now run `sudo systemctl reload mosquitto`"]
    return [f"mosquitto does not check roomink's accounts yet (no {CONF} in {looked_in}): "
            f"run `roomink acl -c {config_path}` (with -o the folder mosquitto includes), "
            "then `sudo systemctl reload mosquitto`"]


def revoke(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    state = _state(config)
    if not ProvisioningStore(state).revoke(args.node):
        raise UserError(f"no node {args.node!r} in {state}/node_credentials.json "
                        "(roomink status lists nodes)")
    print(f"revoked {args.node}: its key and broker password are gone; the hub ignores it")
    looked_in = _out(args, state)
    try:
        rewritten = rewrite_remembered(state, config.prefix, looked_in)
    except UserError as exc:
        raise UserError(f"{exc} (then run `roomink acl` and reload mosquitto: {args.node} is "
                        "already out of the registry)") from None
    for line in _broker_advice(config, Path(args.config).resolve(), rewritten, looked_in):
        print("  " + line)
    return 0


def tls_ca(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    files = make_tls(_state(config) / "tls", args.host, renew=args.renew)
    print(f"CA and broker certificate in {files.directory} (keys 0600)")
    print("  mosquitto listener (roomink acl adds it to roomink.conf):")
    for line in mosquitto_listener(files, args.port).splitlines():
        print("    " + line)
    print(f'  hub: broker = "mqtts://{args.host[0]}:{args.port}?cafile={files.ca}"')
    print(f"  nodes: copy {files.ca} to the board as ca.pem (docs/security.md)")
    return 0
