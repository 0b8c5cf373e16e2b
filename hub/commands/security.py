"""`roomink acl`, `roomink revoke NODE`, `roomink tls-ca`: broker accounts, ACLs and TLS
material from the node registry (docs/security.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from hub.config import load_config
from hub.errors import UserError
from hub.provisioning import ProvisioningStore
from hub.security.hubaccount import FILENAME as HUB_FILE
from hub.security.mosquitto_files import CONF, write_mosquitto_files
from hub.security.tls import TlsFiles, make_tls, mosquitto_listener


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


REMEMBER = "mosquitto_dir.txt"  # where `roomink acl` last wrote: revoke rewrites the same files


def _out(args: argparse.Namespace, state_dir: Path) -> Path:
    if args.out:
        return Path(args.out).resolve()
    try:
        return Path((state_dir / REMEMBER).read_text(encoding="utf-8").strip())
    except OSError:
        return state_dir / "mosquitto"


def _tls(state_dir: Path) -> dict[str, str] | None:
    files = TlsFiles(state_dir / "tls")
    if not files.cert.exists():
        return None
    return {"cafile": str(files.ca), "certfile": str(files.cert), "keyfile": str(files.key)}


def acl(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    state = Path(config.state_dir)
    written = write_mosquitto_files(state, _out(args, state), config.prefix, _tls(state))
    (state / REMEMBER).write_text(f"{written.directory}\n", encoding="utf-8")
    print(f"wrote {written.directory}/roomink.passwd, roomink.acl, {CONF}: the hub and "
          f"{written.nodes} node(s)")
    print(f"  mosquitto: include {written.directory / CONF} (e.g. copy it to "
          "/etc/mosquitto/conf.d/), then: sudo systemctl reload mosquitto")
    print(f"  hub account: roomink-hub, password in {state / HUB_FILE} (mode 0600)")
    return 0


def revoke(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    state = Path(config.state_dir)
    if not ProvisioningStore(state).revoke(args.node):
        raise UserError(f"no node {args.node!r} in {state}/node_credentials.json "
                        "(roomink status lists nodes)")
    print(f"revoked {args.node}: its key and broker password are gone; the hub ignores it")
    out = _out(args, state)
    if (out / CONF).exists():
        write_mosquitto_files(state, out, config.prefix, _tls(state))
        print(f"  rewrote {out}: now run `sudo systemctl reload mosquitto` to lock it out")
    else:
        print("  the embedded broker refuses it from its next connect")
    return 0


def tls_ca(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    files = make_tls(Path(config.state_dir) / "tls", args.host, renew=args.renew)
    print(f"CA and broker certificate in {files.directory} (keys 0600)")
    print("  mosquitto listener (roomink acl adds it to roomink.conf):")
    for line in mosquitto_listener(files, args.port).splitlines():
        print("    " + line)
    print(f'  hub: broker = "mqtts://{args.host[0]}:{args.port}?cafile={files.ca}"')
    print(f"  nodes: copy {files.ca} to the board as ca.pem (docs/security.md)")
    return 0
