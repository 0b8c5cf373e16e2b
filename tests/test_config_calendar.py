"""A room's calendar options are checked when the config loads, and errors name file, line,
room and option; secrets are read only when the source is built, and never shown."""

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.cli import main
from hub.config import ConfigError, parse_config
from hub.sources.factory import OptionError, check_options, source_from_options

TZ = ZoneInfo("Europe/Berlin")
HEAD = '[hub]\ntimezone = "Europe/Berlin"\n\n[[rooms]]\nid = "atlas"\ncalendar = "atlas.ics"\n\n'


def second_room(calendar: str) -> str:
    """A config whose second room (from line 8) has `calendar = {calendar}` on line 10."""
    return HEAD + f'[[rooms]]\nid = "borealis"\ncalendar = {calendar}\n'


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(text, tmp_path / "hub.toml")
    return str(err.value)


@pytest.mark.parametrize("calendar, where, problem", [
    ('{ type = "ics", pth = "b.ics" }', "rooms[1].calendar.pth",
     "unknown option for type 'ics' (known: path, url, url_file, url_env, timeout, max_bytes, "
     "verify); did you mean 'path'?"),
    ('{ type = "ics", url = "https://x", timeout = "soon" }', "rooms[1].calendar.timeout",
     "'soon': seconds, more than 0 (e.g. 30)"),
    ('{ type = "ics", url = "https://x", timeout = 0 }', "rooms[1].calendar.timeout",
     "0: seconds, more than 0"),
    ('{ type = "ics", url = "https://x", timeout = true }', "rooms[1].calendar.timeout",
     "True: seconds"),
    ('{ type = "ics", url = "https://x", max_bytes = "big" }', "rooms[1].calendar.max_bytes",
     "'big': a size in bytes, more than 0"),
    ('{ type = "ics", url = "https://x", max_bytes = 1.5 }', "rooms[1].calendar.max_bytes",
     "1.5: a size in bytes"),
    ('{ type = "ics", url = "https://x", max_bytes = -1 }', "rooms[1].calendar.max_bytes",
     "-1: a size in bytes"),
    ('{ type = "ics", url = "https://x", verify = 3 }', "rooms[1].calendar.verify",
     "true, false or the path of a CA bundle"),
    ('{ type = "ics", url = 5 }', "rooms[1].calendar.url", "must be a string, not integer"),
    ('{ type = "ics", url_env = ["A"] }', "rooms[1].calendar.url_env",
     "must be a string, not array"),
    ('{ type = "ics", path = "b.ics", url = "https://x" }', "rooms[1].calendar",
     "type 'ics': give exactly one of path, url, url_file, url_env"),
    ("{}", "rooms[1].calendar", "type 'ics': give exactly one of"),
    ('{ type = "ics", url = "ftp://secret-host/x" }', "rooms[1].calendar.url",
     "the address must start with https://"),
    ('{ type = 5 }', "rooms[1].calendar.type", "must be a str, not int"),
    ('{ type = "exchange2003" }', "rooms[1].calendar.type",
     "unknown calendar type 'exchange2003' (known: ics, caldav, m365)"),
    ('{ type = "caldav", url = "https://x", username = "u", password = "hunter2" }',
     "rooms[1].calendar.password", "put the password in password_file or password_env"),
    ('{ type = "caldav", url = "https://x", password_env = "P" }',
     "rooms[1].calendar.username", "is required for type 'caldav'"),
    ('{ type = "caldav", url = "https://x", username = "u", password_env = "P", '
     'expand = "sometimes" }', "rooms[1].calendar.expand", "'sometimes': auto, server or client"),
    ('{ type = "caldav", url = "https://x", username = "u" }', "rooms[1].calendar",
     "type 'caldav': give exactly one of password_file, password_env"),
    ('{ type = "caldav", url = "https://x", username = "u", password_env = "P", '
     'timeout = "1m" }', "rooms[1].calendar.timeout", "'1m': seconds"),
    ('{ type = "m365", mailbox = "atlas" }', "rooms[1].calendar.mailbox",
     "needs the room's mailbox"),
    ('{ type = "m365", room = "a@b.c" }', "rooms[1].calendar.room", "unknown option for type"),
])
def test_wrong_options_name_file_line_room_and_option(tmp_path, calendar, where, problem):
    message = error(tmp_path, second_room(calendar))
    assert message.startswith(f"{tmp_path / 'hub.toml'}:10: {where}: {problem}")
    assert "hunter2" not in message and "secret-host" not in message


def test_subtable_form_points_at_the_option_line(tmp_path):
    text = HEAD + ('[[rooms]]\nid = "borealis"\n\n[rooms.calendar]\ntype = "caldav"\n'
                   'url = "https://x"\nusername = "u"\npasword_file = "/etc/p"\n')
    assert error(tmp_path, text).startswith(
        f"{tmp_path / 'hub.toml'}:15: rooms[1].calendar.pasword_file: unknown option for type "
        "'caldav' (known: url, username, password_file,")
    assert error(tmp_path, text).endswith("did you mean 'password_file'?")


@pytest.mark.parametrize("calendar", [
    '{ type = "ics", url = "https://x", timeout = 10.5, max_bytes = 1000, verify = false }',
    '{ type = "ics", url = "webcal://x/cal.ics", verify = "/etc/ssl/ca.pem" }',
    '{ type = "ics", url_env = "ROOMINK_NOT_READ_WHEN_LOADING" }',
    '{ type = "ics", url_file = "/no/such/file" }',
    '{ type = "caldav", url = "https://x", username = "u", password_file = "/no/such", '
    'expand = "server", timeout = 5, verify = true }',
    '{ type = "m365", mailbox = "borealis@contoso.com" }',
    '"https://example.com/b.ics"',
])
def test_good_options_load_without_reading_secrets(tmp_path, calendar):
    """Secrets are read when the hub builds the source, not by every command that loads the
    config (`roomink acl` under sudo has no ROOMINK_* environment)."""
    config = parse_config(second_room(calendar), tmp_path / "hub.toml")
    assert config.rooms[1].calendar.type in ("ics", "caldav", "m365")


@pytest.mark.parametrize("options, key, text", [
    ({"url_env": "ROOMINK_TEST_UNSET"}, "url_env", "ROOMINK_TEST_UNSET is not set"),
    ({"url_file": "/no/such/file"}, "url_file", "does not exist"),
])
def test_secrets_read_at_build_time_name_the_option(monkeypatch, options, key, text):
    monkeypatch.delenv("ROOMINK_TEST_UNSET", raising=False)
    with pytest.raises(OptionError) as err:
        source_from_options("ics", options, TZ)
    assert err.value.key == key and text in str(err.value)
    assert str(err.value).startswith(f"calendar.{key}: ")


def test_secret_address_is_checked_but_not_shown(monkeypatch):
    monkeypatch.setenv("ROOMINK_TEST_URL", "ftp://secret-host/token")
    with pytest.raises(OptionError, match="must start with https://") as err:
        source_from_options("ics", {"url_env": "ROOMINK_TEST_URL"}, TZ)
    assert "secret-host" not in str(err.value)


@pytest.mark.parametrize("options, fragment", [
    ({"url": "https://x", "timeout": "soon"}, "calendar.timeout: 'soon'"),
    ({"url": "https://x", "max_bytes": "big"}, "calendar.max_bytes: 'big'"),
    ({"path": "a.ics", "url_env": None}, None),  # None: not set (Python callers only)
])
def test_factory_checks_types_itself(options, fragment):
    """Callers other than the hub config get an OptionError, not a ValueError."""
    if fragment is None:
        check_options("ics", options)
        return
    with pytest.raises(OptionError) as err:
        source_from_options("ics", options, TZ)
    assert str(err.value).startswith(fragment)


def test_m365_is_not_built_by_the_factory():
    with pytest.raises(OptionError, match="type 'm365'"):
        source_from_options("m365", {"mailbox": "a@b.c"}, TZ)


def test_cli_prints_one_line(tmp_path, capsys):
    path = tmp_path / "hub.toml"
    path.write_text(second_room('{ type = "ics", url = "https://x", timeout = "soon" }'))
    assert main(["preview", "--config", str(path), "--room", "borealis",
                 "-o", str(tmp_path / "out.png")]) == 2
    err = capsys.readouterr().err
    assert err == (f"roomink: error: {path}:10: rooms[1].calendar.timeout: 'soon': seconds, "
                   "more than 0 (e.g. 30)\n")
