"""Cloud presets and the [m365] table."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.m365.config import CLOUDS, ConfigError, M365Config


@pytest.mark.parametrize("cloud,login,graph", [
    ("worldwide", "https://login.microsoftonline.com", "https://graph.microsoft.com"),
    ("usgov", "https://login.microsoftonline.us", "https://graph.microsoft.us"),
    ("usgov-dod", "https://login.microsoftonline.us", "https://dod-graph.microsoft.us"),
    ("china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
])
def test_cloud_presets(cloud, login, graph):
    config = M365Config(client_id="c", tenant="contoso.onmicrosoft.us", cloud=cloud)
    assert config.authority_url == f"{login}/contoso.onmicrosoft.us"
    assert config.graph_root == f"{graph}/v1.0"
    assert config.app_scopes == [f"{graph}/.default"]
    assert config.instance_discovery  # msal knows these hosts
    assert CLOUDS[cloud].graph_url == graph


def test_custom_authority_skips_instance_discovery():
    config = M365Config(client_id="c", authority="https://127.0.0.1:9999/t/",
                        graph_url="https://127.0.0.1:9999/")
    assert config.authority_url == "https://127.0.0.1:9999/t"
    assert config.graph_root == "https://127.0.0.1:9999/v1.0"
    assert not config.instance_discovery


def test_scopes_follow_booking():
    assert M365Config(client_id="c").delegated_scopes == ["Calendars.Read.Shared",
                                                          "Place.Read.All"]
    assert M365Config(client_id="c", booking=True).delegated_scopes[0] == (
        "Calendars.ReadWrite.Shared")


def test_from_table_resolves_paths_and_secrets(tmp_path, monkeypatch):
    (tmp_path / "secret.txt").write_text("s3cret\n")
    config = M365Config.from_table({
        "client_id": "c", "tenant": "contoso.com", "auth": "app",
        "client_secret_file": "secret.txt", "ca_bundle": "ca.pem",
        "token_cache": "state/t.json", "rooms": ["a@contoso.com"]}, base_dir=tmp_path)
    assert config.client_secret == "s3cret"
    assert config.ca_bundle == str(tmp_path / "ca.pem")
    assert config.token_cache == tmp_path / "state" / "t.json"
    assert config.rooms == ("a@contoso.com",)
    monkeypatch.setenv("HUB_SECRET", "from-env")
    config = M365Config.from_table({"client_id": "c", "tenant": "contoso.com", "auth": "app",
                                    "client_secret_env": "HUB_SECRET"})
    assert config.client_secret == "from-env"


@pytest.mark.parametrize("table,message", [
    ({"cloud": "mars"}, "unknown cloud 'mars'"),
    ({"clientid": "x"}, "unknown key(s) clientid"),
    ({"auth": "app"}, "needs your tenant id"),
    ({"auth": "app", "tenant": "contoso.com"}, "needs client_secret or certificate"),
    ({"rooms": "a@b"}, "must be a list"),
    ({"stale_after": 900}, "move it to the [hub] table"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"client_secret_env": "NOPE_NOT_SET"}, "NOPE_NOT_SET is not set"),
    ({"client_secret_file": "/nonexistent/secret"}, "cannot read"),
])
def test_bad_tables_name_the_key(table, message):
    with pytest.raises(ConfigError) as err:
        M365Config.from_table({"client_id": "c", **table}, base_dir=Path("/"))
    assert message in str(err.value)
