"""`roomink acl`, `roomink revoke`, `roomink tls-ca`: files written, one-line errors."""

from __future__ import annotations

from hub.cli import main
from hub.provisioning import ProvisioningStore
from hub.security.hubaccount import hub_account, with_hub_account
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
