"""`roomink login`, `roomink rooms`, `roomink doctor` end to end against the emulator."""

from __future__ import annotations

import os
import stat
import tomllib
import uuid

import pytest

from hub.cli import main
from tests.m365_emulator import at

pytest_plugins = ["tests.m365_emulator.fixtures"]


@pytest.fixture
def cli(emu, tmp_path):
    """Runs roomink with options pointing at the emulator; returns (exit code, out, err)."""
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid)
    emu.tenant.approve_after_polls = 2
    cache = tmp_path / "state" / "tokens.json"
    common = ["--config", str(tmp_path / "absent.toml"), "--client-id", cid,
              "--tenant", emu.tenant_name, "--authority", emu.authority, "--graph-url", emu.url,
              "--ca-bundle", emu.ca_bundle, "--token-cache", str(cache)]

    def run(capsys, command, *extra):
        code = main([command, *common, *extra])
        out, err = capsys.readouterr()
        return code, out, err

    run.cache = cache
    run.client_id = cid
    return run


def test_login_prints_code_and_writes_private_cache(cli, capsys):
    code, out, _ = cli(capsys, "login")
    assert code == 0
    assert "enter the code EMU" in out
    assert "signed in as signs@contoso.com" in out
    assert stat.S_IMODE(os.stat(cli.cache).st_mode) == 0o600


def test_rooms_lists_every_page_and_appends_to_config(cli, capsys, emu, tmp_path):
    for i in range(120):
        emu.tenant.add_room(f"room-{i:03d}@contoso.com", f"Room {i:03d}", capacity=4 + i % 10)
    emu.tenant.add_room("secret@contoso.com", "Secret", hidden=True)
    cli(capsys, "login")
    code, out, _ = cli(capsys, "rooms")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 120 and "secret@" not in out
    assert lines[0].split() == ["Room", "000", "room-000@contoso.com", "4"]
    assert len(emu.tenant.graph_records("places")) == 2  # 100 + 20
    config = tmp_path / "roomink.toml"
    config.write_text('[hub]\ntimezone = "Europe/Berlin"\n\n[[rooms]]\nid = "room-000"\n'
                      'name = "Room 000"\ncalendar = { type = "m365", mailbox = '
                      '"room-000@contoso.com" }\n')
    code, out, _ = cli(capsys, "rooms", "--append", str(config))
    assert "added 119 room(s)" in out
    rooms = tomllib.loads(config.read_text())["rooms"]
    assert len(rooms) == 120 and len({r["id"] for r in rooms}) == 120
    assert rooms[1] == {"id": "room-001", "name": "Room 001",
                        "calendar": {"type": "m365", "mailbox": "room-001@contoso.com"}}
    _, out, _ = cli(capsys, "rooms", "--append", str(config))
    assert "added 0 room(s)" in out


def test_rooms_without_login_is_one_line_error(cli, capsys):
    code, out, err = cli(capsys, "rooms")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "run `roomink login`" in err


def test_doctor_reads_rooms_from_hub_config_and_exits_nonzero(emu, tmp_path, capsys):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid)
    emu.tenant.approve_after_polls = 1
    emu.tenant.add_room("atlas@contoso.com", "Atlas")
    emu.tenant.add_room("borealis@contoso.com", "Borealis", access="none")
    emu.tenant.add_event("atlas@contoso.com", at(1), at(2), subject="Planning")
    config = tmp_path / "roomink.toml"
    config.write_text(f"""
[hub]
timezone = "Europe/Berlin"

[m365]
client_id = "{cid}"
tenant = "{emu.tenant_name}"
authority = "{emu.authority}"
graph_url = "{emu.url}"
ca_bundle = "{emu.ca_bundle}"
token_cache = "state/tokens.json"

[[rooms]]
id = "atlas"
calendar = {{ type = "m365", mailbox = "atlas@contoso.com" }}

[[rooms]]
id = "borealis"
calendar = {{ type = "m365", mailbox = "borealis@contoso.com" }}
""")
    assert main(["login", "--config", str(config)]) == 0
    assert (tmp_path / "state" / "tokens.json").exists()  # relative to the config file
    capsys.readouterr()
    code = main(["doctor", "--config", str(config)])
    out = capsys.readouterr().out
    assert code == 1
    assert "[OK  ] calendar    atlas@contoso.com: 1 events" in out
    assert "[FAIL] calendar    borealis@contoso.com: access denied (ErrorAccessDenied)" in out
    assert out.rstrip().endswith("1 problem(s) found")


def test_app_only_login_checks_the_secret_from_the_environment(emu, tmp_path, capsys,
                                                                monkeypatch):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid, secret="from-env")
    monkeypatch.setenv("ROOMINK_M365_CLIENT_SECRET", "from-env")
    args = ["login", "--config", str(tmp_path / "absent.toml"), "--app-only", "--client-id", cid,
            "--tenant", emu.tenant_name, "--authority", emu.authority, "--graph-url", emu.url,
            "--ca-bundle", emu.ca_bundle]
    assert main(args) == 0
    assert "app-only sign-in works" in capsys.readouterr().out
    monkeypatch.setenv("ROOMINK_M365_CLIENT_SECRET", "stale")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "AADSTS7000215" in err


def test_rooms_without_place_permission_names_it(emu, tmp_path, capsys):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid, consented=("Calendars.Read.Shared",))
    emu.tenant.approve_after_polls = 1
    common = ["--config", str(tmp_path / "absent.toml"), "--client-id", cid,
              "--authority", emu.authority, "--graph-url", emu.url, "--ca-bundle", emu.ca_bundle,
              "--token-cache", str(tmp_path / "t.json")]
    assert main(["login", *common]) == 0
    capsys.readouterr()
    assert main(["rooms", *common]) == 2
    assert "needs the Place.Read.All permission" in capsys.readouterr().err


def test_rooms_append_compares_the_configs_mailboxes_exactly(cli, capsys, emu, tmp_path):
    for email, name in [("a@contoso.com", "A"), ("data@contoso.com", "Data"),
                        ("extra@contoso.com", "Extra")]:
        emu.tenant.add_room(email, name)
    config = tmp_path / "roomink.toml"
    config.write_text('# a@contoso.com is mentioned in a comment only\n'
                      '[m365]\nrooms = ["extra@contoso.com"]  # doctor only, not a sign\n\n'
                      '[[rooms]]\nid = "a"\nname = "Data"\n'
                      'calendar = { type = "m365", mailbox = "DATA@contoso.com" }\n')
    cli(capsys, "login")
    code, out, _ = cli(capsys, "rooms", "--append", str(config))
    assert code == 0 and "added 2 room(s)" in out and "1 already there" in out
    rooms = tomllib.loads(config.read_text())["rooms"]
    assert [r["calendar"]["mailbox"] for r in rooms] == [
        "DATA@contoso.com", "a@contoso.com", "extra@contoso.com"]
    assert [r["id"] for r in rooms] == ["a", "a-2", "extra"]  # ids stay unique


def test_rooms_append_to_an_unwritable_path_is_one_line(cli, capsys, emu, tmp_path):
    emu.tenant.add_room("a@contoso.com", "A")
    cli(capsys, "login")
    target = tmp_path / "no-such-folder" / "roomink.toml"
    code, out, err = cli(capsys, "rooms", "--append", str(target))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{target}: cannot write (No such file or directory)" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rooms]\n")
    code, _, err = cli(capsys, "rooms", "--append", str(broken))
    assert code == 2 and err.count("\n") == 1 and "not valid TOML" in err
    assert broken.read_text() == "[[rooms]\n"  # a broken file is not appended to
