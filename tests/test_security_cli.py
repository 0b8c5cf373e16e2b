"""`roomink acl`, `roomink revoke`, `roomink tls-ca`: files written, one-line errors."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest

from hub.cli import main
from hub.provisioning import ProvisioningStore
from hub.security.hubaccount import hub_account, with_hub_account
from hub.security.passwd import check_password
from hub.transport import BrokerAddress


def _config(tmp_path):
    path = tmp_path / "roomink.toml"
    path.write_text('[hub]\nstate_dir = "state"\n\n[[rooms]]\nid = "atlas"\nname = "Atlas"\n'
                    'calendar = "atlas.ics"\n')
    return str(path)


def test_acl_revoke_tls(tmp_path, capsys):
    config = _config(tmp_path)
    store = ProvisioningStore(tmp_path / "state")
    a, b = store.register("cli-a"), store.register("cli-b")
    assert main(["tls-ca", "--host", "hub.lan", "--host", "10.0.0.2", "-c", config]) == 0
    out_dir = tmp_path / "etc-mosquitto"
    assert main(["acl", "-c", config, "-o", str(out_dir)]) == 0
    acl = (out_dir / "roomink.acl").read_text()
    conf = (out_dir / "roomink.conf").read_text()
    assert "user roomink-cli-a" in acl and "user roomink-cli-b" in acl
    assert "allow_anonymous false" in conf and "listener 8883" in conf and "broker.key" in conf
    assert main(["revoke", "cli-b", "-c", config]) == 0
    assert "user roomink-cli-b" not in (out_dir / "roomink.acl").read_text()
    assert "roomink-cli-b:" not in (out_dir / "roomink.passwd").read_text()
    assert main(["revoke", "cli-b", "-c", config]) == 2
    out, err = capsys.readouterr()
    assert "roomink: error: no node 'cli-b'" in err and len(err.strip().splitlines()) == 1
    hub_pw = hub_account(tmp_path / "state").password
    for secret in (a.password, b.password, a.hmac_key.hex(), hub_pw):
        assert secret not in out + err


def test_hub_account_fills_a_url_without_user(tmp_path):
    state = tmp_path / "state"
    address = BrokerAddress.parse("mqtt://broker:1883")
    assert with_hub_account(address, state) == address  # no account yet: unchanged
    account = hub_account(state)
    filled = with_hub_account(address, state)
    assert (filled.username, filled.password) == (account.username, account.password)
    explicit = BrokerAddress.parse("mqtt://other:pw@broker:1883")
    assert with_hub_account(explicit, state) == explicit


def _conf_paths(conf: str) -> list[str]:
    """The file paths in a generated roomink.conf (password_file, acl_file, TLS files)."""
    keys = ("password_file", "acl_file", "cafile", "certfile", "keyfile")
    return [line.split(" ", 1)[1] for line in conf.splitlines() if line.startswith(keys)]


def test_relative_config_gives_absolute_paths(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _config(tmp_path)
    ProvisioningStore(tmp_path / "state").register("rel-a")
    assert main(["tls-ca", "--host", "hub.lan", "-c", "roomink.toml"]) == 0
    tls_out = capsys.readouterr().out
    assert main(["acl", "-c", "roomink.toml"]) == 0
    acl_out = capsys.readouterr().out
    monkeypatch.chdir("/")  # mosquitto and the hub read these from their own folders
    conf = (tmp_path / "state" / "mosquitto" / "roomink.conf").read_text()
    paths = _conf_paths(conf)
    assert len(paths) == 5, conf
    for path in paths:
        assert Path(path).is_absolute() and Path(path).is_file(), path
    cafile = re.search(r"cafile=(\S+?)\"", tls_out)
    assert cafile and Path(cafile.group(1)) == tmp_path / "state" / "tls" / "ca.pem", tls_out
    for line in (tls_out + acl_out).splitlines():
        for word in re.findall(r"(?:\S*/)?state/\S+", line):
            assert word.startswith(("/", "cafile=/", "\"mqtts://")), line
    assert (tmp_path / "state" / "mosquitto_dir.txt").read_text().startswith("/")


def test_flash_rewrites_the_folder_acl_remembers(tmp_path, capsys):
    from hub.config import load_config
    from hub.flashing.flash import Flasher, FlashOptions

    config = _config(tmp_path)
    out_dir = tmp_path / "etc-mosquitto"
    assert main(["acl", "-c", config, "-o", str(out_dir)]) == 0
    opts = FlashOptions(port="/dev/null", profile="4.2-bwr", wifi_ssid="Office",
                        wifi_password="pw", hub=load_config(config), broker="10.0.0.2:1883",
                        node_id="flash-a")
    flasher = Flasher(opts)
    try:
        assert "reload mosquitto" in flasher.register()
    finally:
        flasher._tmp.cleanup()
    creds = ProvisioningStore(tmp_path / "state").get("flash-a")
    assert creds is not None
    assert "user roomink-flash-a" in (out_dir / "roomink.acl").read_text()
    line = next(x for x in (out_dir / "roomink.passwd").read_text().splitlines()
                if x.startswith("roomink-flash-a:"))
    assert check_password(creds.password, line.split(":", 1)[1])
    assert not (tmp_path / "state" / "mosquitto").exists()


def _make_unwritable(path, monkeypatch):
    """A folder this user cannot write; root writes anywhere, so for root refuse the write."""
    path.mkdir(exist_ok=True)
    path.chmod(0o500)
    if os.geteuid() == 0:
        mkstemp = tempfile.mkstemp

        def refuse(*args, **kwargs):
            if Path(kwargs.get("dir", "")) == path:
                raise PermissionError(13, "Permission denied", str(path))
            return mkstemp(*args, **kwargs)
        monkeypatch.setattr(tempfile, "mkstemp", refuse)


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("case", ["missing-parent", "file", "under-a-file", "unwritable"])
def test_acl_into_a_bad_folder_says_what_to_do(tmp_path, capsys, monkeypatch, case):
    config = _config(tmp_path)
    ProvisioningStore(tmp_path / "state").register("bad-a")
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    bad = {"missing-parent": tmp_path / "no" / "such" / "dir", "file": a_file,
           "under-a-file": a_file / "sub", "unwritable": tmp_path / "ro"}[case]
    if case == "unwritable":
        _make_unwritable(bad, monkeypatch)
    assert main(["acl", "-c", config, "-o", str(bad)]) == 2
    err = _one_line_error(capsys)
    assert f"cannot write mosquitto's files in {bad}: " in err
    assert {"missing-parent": "does not exist; check the path, or create the folder first",
            "file": f"{a_file} is a file, not a folder", "under-a-file": f"{a_file} is a file",
            "unwritable": "permission denied; run roomink as the folder's owner"}[case] in err
    assert not (tmp_path / "no").exists()  # a typo in -o grows no tree
    assert not (tmp_path / "state" / "mosquitto_dir.txt").exists()


def test_revoke_into_a_folder_that_became_unwritable(tmp_path, capsys, monkeypatch):
    config = _config(tmp_path)
    ProvisioningStore(tmp_path / "state").register("bad-b")
    remembered = tmp_path / "etc-mosquitto"
    assert main(["acl", "-c", config, "-o", str(remembered)]) == 0
    _make_unwritable(remembered, monkeypatch)
    capsys.readouterr()
    try:
        assert main(["revoke", "bad-b", "-c", config]) == 2
    finally:
        remembered.chmod(0o750)
    err = _one_line_error(capsys)
    assert f"in {remembered}: permission denied" in err and "run `roomink acl`" in err, err


@pytest.mark.parametrize("broker", ["embedded", "mqtt://127.0.0.1:1883"])
def test_revoke_without_acl_files_advises_by_broker(tmp_path, capsys, broker):
    path = tmp_path / "roomink.toml"
    path.write_text(f'[hub]\nbroker = "{broker}"\nstate_dir = "state"\n\n[[rooms]]\n'
                    'id = "atlas"\nname = "Atlas"\ncalendar = "atlas.ics"\n')
    ProvisioningStore(tmp_path / "state").register("adv-a")
    assert main(["revoke", "adv-a", "-c", str(path)]) == 0
    out = capsys.readouterr().out
    if broker == "embedded":
        assert "embedded broker refuses" in out and "mosquitto" not in out, out
    else:
        assert "embedded" not in out, out
        assert "roomink acl" in out and "sudo systemctl reload mosquitto" in out, out
        assert str(tmp_path / "state" / "mosquitto") in out, out


def test_revoke_with_an_unwritable_state_folder(tmp_path, capsys, monkeypatch):
    config = _config(tmp_path)
    ProvisioningStore(tmp_path / "state").register("bad-c")
    _make_unwritable(tmp_path / "state", monkeypatch)
    try:
        assert main(["revoke", "bad-c", "-c", config]) == 2
    finally:
        (tmp_path / "state").chmod(0o700)
    err = _one_line_error(capsys)
    assert f"cannot write {tmp_path / 'state' / 'node_credentials.json'}" in err, err
