"""Sign-in against the emulated identity platform with the real msal and requests."""

from __future__ import annotations

import os
import stat
import threading
import uuid

import pytest

from hub.m365.auth import AppOnlyAuth, DelegatedAuth, make_session, token_claims
from hub.m365.errors import GraphAuthError, GraphUnavailable
from hub.sources.base import SourceAuthError
from tests.m365_emulator import at, emulator_config
from tests.m365_emulator.certs import make_client_certificate

pytest_plugins = ["tests.m365_emulator.fixtures"]


def test_device_code_login_polls_until_approved_and_stores_cache_0600(emu, client_id, tmp_path):
    emu.tenant.approve_after_polls = 3
    config = emulator_config(emu, client_id, tmp_path)
    auth = DelegatedAuth(config, make_session(config))
    shown = []
    user = auth.login(shown.append)
    assert user == "signs@contoso.com"
    assert "devicelogin" in shown[0] and "EMU" in shown[0]
    assert emu.tenant.token_requests["urn:ietf:params:oauth:grant-type:device_code"] == 3
    mode = stat.S_IMODE(os.stat(config.token_cache).st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(config.token_cache.parent).st_mode) == 0o700
    # A new process (fresh msal app) finds the account in the file and needs no login.
    again = DelegatedAuth(config, make_session(config))
    assert again.account_name() == "signs@contoso.com"
    assert token_claims(again.token())["scp"] == "Calendars.Read.Shared Place.Read.All"


def test_silent_refresh_uses_refresh_token(hub, emu):
    emu.tenant.expire_access_tokens()
    emu.tenant.access_token_lifetime = 60  # msal treats < 5 min left as expired
    before = emu.tenant.token_requests["refresh_token"]
    hub.auth.token(force_refresh=True)
    hub.auth.token()
    assert emu.tenant.token_requests["refresh_token"] == before + 2
    # ... and the rotated refresh token was saved for the next start.
    assert DelegatedAuth(hub.config, make_session(hub.config)).token()


@pytest.mark.parametrize("kill", ["expire_refresh_tokens", "revoke_refresh_tokens"])
def test_dead_refresh_token_is_one_line_telling_admin_to_login(hub, emu, kill):
    getattr(emu.tenant, kill)()
    with pytest.raises(SourceAuthError) as err:
        hub.auth.token(force_refresh=True)
    message = str(err.value)
    assert "\n" not in message
    assert "run `roomink login`" in message
    assert "signs@contoso.com" in message
    assert ("AADSTS70008" if kill.startswith("expire") else "AADSTS50173") in message
    assert "Trace ID" not in message


def test_no_cache_means_login_needed(emu, client_id, tmp_path):
    config = emulator_config(emu, client_id, tmp_path)
    with pytest.raises(GraphAuthError, match="no Microsoft 365 sign-in stored.*roomink login"):
        DelegatedAuth(config, make_session(config)).token()


def test_graph_call_after_refresh_token_death_raises_auth_error(hub, emu):
    emu.tenant.add_room("room-1@contoso.com")
    emu.tenant.expire_access_tokens()
    emu.tenant.revoke_refresh_tokens()
    with pytest.raises(SourceAuthError, match="roomink login"):
        hub.calendars.fetch_one("room-1@contoso.com", *_window())


def test_existing_cache_with_loose_mode_is_tightened(hub):
    os.chmod(hub.config.token_cache, 0o644)
    DelegatedAuth(hub.config, make_session(hub.config))
    assert stat.S_IMODE(os.stat(hub.config.token_cache).st_mode) == 0o600


def test_app_only_client_secret(emu, tmp_path):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid, secret="right")
    config = emulator_config(emu, cid, tmp_path, auth="app", client_secret="right")
    token = AppOnlyAuth(config, make_session(config)).token()
    assert token_claims(token)["roles"] == ["Calendars.Read", "Place.Read.All"]
    assert emu.tenant.token_requests["client_credentials"] == 1


def test_app_only_wrong_secret_names_the_fix(emu, tmp_path):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid, secret="right")
    config = emulator_config(emu, cid, tmp_path, auth="app", client_secret="wrong")
    with pytest.raises(GraphAuthError, match="AADSTS7000215.*create a new one"):
        AppOnlyAuth(config, make_session(config)).token()


def test_app_only_certificate_credential(emu, tmp_path):
    cid = f"app-{uuid.uuid4()}"
    pem = tmp_path / "hub-cert.pem"
    emu.tenant.add_client(cid, certificate_pem=make_client_certificate(pem))
    config = emulator_config(emu, cid, tmp_path, auth="app", certificate=str(pem))
    assert AppOnlyAuth(config, make_session(config)).token()
    other = tmp_path / "other.pem"
    make_client_certificate(other)
    cid2 = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid2, certificate_pem=make_client_certificate(tmp_path / "x.pem"))
    bad = emulator_config(emu, cid2, tmp_path, auth="app", certificate=str(other))
    with pytest.raises(GraphAuthError, match="invalid_client|rejected"):
        AppOnlyAuth(bad, make_session(bad)).token()


def test_ca_bundle_beats_requests_ca_bundle_env(emu, client_id, tmp_path, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    config = emulator_config(emu, client_id, tmp_path)
    emu.tenant.approve_after_polls = 1
    assert DelegatedAuth(config, make_session(config)).login(lambda _m: None)
    # Without the emulator's CA, TLS verification fails: reported as unreachable, one line.
    untrusted = emulator_config(emu, f"app-{uuid.uuid4()}", tmp_path / "u", ca_bundle=None)
    emu.tenant.add_client(untrusted.client_id)
    with pytest.raises(GraphUnavailable, match="cannot reach"):
        DelegatedAuth(untrusted, make_session(untrusted)).login(lambda _m: None)


def test_concurrent_token_calls_share_one_cache(hub):
    errors = []

    def worker() -> None:
        try:
            for _ in range(5):
                hub.auth.token()
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def _window():
    return at(-1), at(24)


def test_running_hub_picks_up_a_new_login_without_restart(hub, emu):
    emu.tenant.add_room("room-1@contoso.com")
    emu.tenant.expire_access_tokens()
    emu.tenant.revoke_refresh_tokens()
    with pytest.raises(SourceAuthError):
        hub.calendars.fetch_one("room-1@contoso.com", *_window())
    # The admin runs `roomink login` in another process, writing the same cache file.
    other = DelegatedAuth(hub.config, make_session(hub.config))
    emu.tenant.approve_after_polls = 1
    other.login(lambda _m: None)
    assert hub.calendars.fetch_one("room-1@contoso.com", *_window()) == []
    assert stat.S_IMODE(os.stat(hub.config.token_cache).st_mode) == 0o600


def test_declined_login_is_reported(emu, client_id, tmp_path):
    emu.tenant.decline_logins = True
    config = emulator_config(emu, client_id, tmp_path)
    with pytest.raises(GraphAuthError, match="login failed: AADSTS70000"):
        DelegatedAuth(config, make_session(config)).login(lambda _m: None)
    assert not config.token_cache.exists()
