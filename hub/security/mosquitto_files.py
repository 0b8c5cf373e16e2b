"""Writes what mosquitto needs to enforce roomink's accounts: password file, ACL file and a
config snippet that switches them on (docs/security.md, "mosquitto").

`roomink acl` remembers the folder it wrote (`<state_dir>/mosquitto_dir.txt`) because that is
the folder mosquitto includes: `roomink revoke` and `roomink flash` must rewrite the same files
(`last_dir`), or mosquitto keeps enforcing a stale registry.
"""

from __future__ import annotations

import errno
import getpass
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hub.errors import UserError
from hub.provisioning import ProvisioningStore
from hub.security.acl import mosquitto_acl
from hub.security.hubaccount import hub_account
from hub.security.passwd import password_file
from hub.security.tls import TlsFiles

PASSWD, ACL, CONF = "roomink.passwd", "roomink.acl", "roomink.conf"
REMEMBER = "mosquitto_dir.txt"  # in state_dir: the folder `roomink acl` last wrote


@dataclass(frozen=True)
class Written:
    directory: Path
    nodes: int


def last_dir(state_dir: str | Path) -> Path:
    """The folder `roomink acl` last wrote (absolute), else `<state_dir>/mosquitto`: the one
    place acl, revoke and flash ask where mosquitto's files live."""
    state = Path(state_dir).resolve()
    path = state / REMEMBER
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise UserError(f"cannot read {path} ({exc.strerror}): fix its permissions or delete "
                        "it and run `roomink acl -o DIR` again") from None
    return (state / text).resolve() if text else state / "mosquitto"


def remember_dir(state_dir: str | Path, directory: Path) -> None:
    """Record where `roomink acl` wrote, for later revokes and flashes."""
    path = Path(state_dir).resolve() / REMEMBER
    try:
        path.write_text(f"{directory.resolve()}\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path} ({exc.strerror}): run roomink as the user that "
                        "owns the state folder") from None


def tls_settings(state_dir: str | Path) -> dict[str, str] | None:
    """The TLS listener's files when `roomink tls-ca` made them, as absolute paths: mosquitto
    resolves relative ones against its own working folder, not ours."""
    files = TlsFiles(Path(state_dir).resolve() / "tls")
    if not files.cert.exists():
        return None
    return {"cafile": str(files.ca), "certfile": str(files.cert), "keyfile": str(files.key)}


def rewrite_remembered(state_dir: str | Path, prefix: str,
                       out: str | Path | None = None) -> Path | None:
    """Rewrite mosquitto's files in `out` (default: where `roomink acl` last wrote) from the
    registry as it is now; None when acl never wrote there (embedded broker, or mosquitto not
    set up for roomink yet), so there is nothing mosquitto reads to update."""
    directory = Path(out).resolve() if out else last_dir(state_dir)
    if not (directory / CONF).exists():
        return None
    write_mosquitto_files(state_dir, directory, prefix, tls_settings(state_dir))
    return directory


def _write(path: Path, text: str, mode: int) -> None:
    """Atomic, and never readable by others even for a moment."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _not_a_folder(out: Path) -> Path | None:
    """The path at or above `out` that exists but is a file (what NotADirectoryError means)."""
    for path in (out, *out.parents):
        if path.exists():
            return None if path.is_dir() else path
    return None


def _why(out: Path, exc: OSError) -> str:
    """One line an admin can act on, for a folder mosquitto's files cannot go into."""
    fix = f"sudo install -d -o {getpass.getuser()} -g mosquitto -m 2750 {out}"
    if isinstance(exc, PermissionError):
        return (f"cannot write mosquitto's files in {out}: permission denied; run roomink as "
                f"the folder's owner, or give it to this user: {fix}")
    if isinstance(exc, (NotADirectoryError, FileExistsError)) or exc.errno == errno.ENOTDIR:
        blocker = _not_a_folder(out) or out
        return (f"cannot write mosquitto's files in {out}: {blocker} is a file, not a "
                "folder; pass -o a folder")
    if isinstance(exc, FileNotFoundError):
        return (f"cannot write mosquitto's files in {out}: {out.parent} does not exist; "
                f"check the path, or create the folder first: {fix}")
    return f"cannot write mosquitto's files in {out}: {exc.strerror or exc}"


def write_mosquitto_files(state_dir: str | Path, out_dir: str | Path, prefix: str,
                          tls: dict[str, str] | None = None) -> Written:
    """(Re)write password file, ACL and config snippet for the hub and every registered node.

    `tls` ({"cafile", "certfile", "keyfile", "port"}) adds a TLS listener to the snippet.
    Every path in the snippet is absolute: mosquitto runs from its own folder. `out_dir` is
    created, but not its parents: a typo in `-o` should fail, not grow a tree. Files are 0640:
    they hold hashes, not passwords, and mosquitto's group must read them after it drops root
    (chgrp them to `mosquitto`)."""
    out = Path(out_dir).resolve()
    store = ProvisioningStore(state_dir)
    users = {}
    nodes = []
    for record in store.list():
        creds = store.get(record.node_id)
        if creds is not None:
            users[creds.username] = creds.password
            nodes.append(creds.node_id)
    account = hub_account(state_dir)  # creates the state folder, the default out's parent
    users[account.username] = account.password
    conf = ["# Generated by `roomink acl` (docs/security.md). Include it from mosquitto.conf:",
            f"#   include_dir {out}    (or copy it to /etc/mosquitto/conf.d/)",
            "per_listener_settings false",
            "allow_anonymous false",
            f"password_file {out / PASSWD}",
            f"acl_file {out / ACL}", ""]
    if tls:
        conf += [f"listener {tls.get('port', '8883')}"]
        conf += [f"{key} {Path(tls[key]).resolve()}" for key in ("cafile", "certfile", "keyfile")]
        conf += ["tls_version tlsv1.2", ""]
    try:
        out.mkdir(exist_ok=True)
        _write(out / PASSWD, password_file(users), 0o640)
        _write(out / ACL, mosquitto_acl(prefix, nodes), 0o640)
        _write(out / CONF, "\n".join(conf), 0o640)
    except OSError as exc:
        raise UserError(_why(out, exc)) from None
    return Written(out, len(nodes))
