"""Hub config: typos, wrong shapes and unsafe numbers fail with file, line and key, never load.

A misspelt key or table used to be ignored silently (`[wbe]` switched the dashboard off,
`poll_intervall` left the default in place); these are the cases a person really types.
"""

from pathlib import Path

import pytest

from hub.cli import main
from hub.config import HUB_KEYS, MIN_POLL_INTERVAL, ConfigError, parse_config

DOCS = Path(__file__).parent.parent / "docs"

GOOD = """\
[hub]
timezone = "Europe/Berlin"

[[rooms]]
id = "atlas"
calendar = "atlas.ics"

[[nodes]]
id = "node-1"
room = "atlas"
"""

ROOMS_ONLY = GOOD.split("[[nodes]]")[0]


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as err:
        parse_config(text, tmp_path / "hub.toml")
    return str(err.value)


def after(anchor: str, lines: str) -> str:
    """GOOD with `lines` inserted after the line `anchor`."""
    return GOOD.replace(anchor + "\n", anchor + "\n" + lines + "\n", 1)


@pytest.mark.parametrize("text, expected", [
    (after('timezone = "Europe/Berlin"', "poll_intervall = 300"),
     "hub.toml:3: hub.poll_intervall: unknown key (known: broker,"),
    (after('id = "atlas"', 'dispaly = "7.5-bwr"'),
     "hub.toml:6: rooms[0].dispaly: unknown key (known: id, name, display, calendar, "
     "poll_interval); "
     "did you mean 'display'?"),
    (after('room = "atlas"', 'rom = "atlas"'),
     "hub.toml:11: nodes[0].rom: unknown key (known: id, room); did you mean 'room'?"),
    (GOOD + '[hubb]\nlocale = "de"\n', "hub.toml:11: hubb: unknown table [hubb]"),
    (GOOD + '[wbe]\nlisten = "127.0.0.1:8080"\n', "hub.toml:11: wbe: unknown table [wbe]"),
    (GOOD + '[[room]]\nid = "b"\n', "hub.toml:11: room: unknown table [[room]]"),
    (GOOD + '[[node]]\nid = "n-2"\n', "hub.toml:11: node: unknown table [[node]]"),
    (GOOD + '[mqtt]\nhost = "x"\n', "hub.toml:11: mqtt: unknown table [mqtt] (known: [hub], "
     "[[rooms]], [[nodes]], [web], [booking], [m365])"),
    ("poll_interval = 60\n" + GOOD,
     "hub.toml:1: poll_interval: belongs in the [hub] table"),
    ('colour = "red"\n' + GOOD, "hub.toml:1: colour: unknown key"),
])
def test_unknown_keys_and_tables_fail(tmp_path, text, expected):
    assert error(tmp_path, text).startswith(str(tmp_path / expected))


@pytest.mark.parametrize("text, hint", [
    (after('timezone = "Europe/Berlin"', "poll_intervall = 300"), "'poll_interval'"),
    (after('timezone = "Europe/Berlin"', "stale_afer = 300"), "'stale_after'"),
    (after('timezone = "Europe/Berlin"', 'time_zone = "UTC"'), "'timezone'"),
    (GOOD + '[hubb]\nlocale = "de"\n', "[hub]"),
    (GOOD + '[wbe]\nlisten = "127.0.0.1:8080"\n', "[web]"),
    (GOOD + '[[room]]\nid = "b"\n', "[[rooms]]"),
    (GOOD + '[bookings]\nurl = "http://x"\n', "[booking]"),
    ("poll_intervall = 60\n" + GOOD, "'poll_interval' in [hub]"),
])
def test_a_close_known_name_is_suggested(tmp_path, text, hint):
    assert error(tmp_path, text).endswith(f"; did you mean {hint}?")


def test_no_suggestion_when_nothing_is_close(tmp_path):
    assert "did you mean" not in error(tmp_path, GOOD + '[mqtt]\nhost = "x"\n')


def test_web_table_typos_get_the_hint_too(tmp_path):
    from hub.web.config import parse_web_config

    config = parse_config(GOOD + '[web]\ntokne = "x"\n', tmp_path / "hub.toml")
    with pytest.raises(ConfigError, match=r"hub.toml:12: web.tokne: unknown key .*"
                                          r"did you mean 'token'\?$"):
        parse_web_config(config)


@pytest.mark.parametrize("text, expected", [
    ("nodes = [1]\n" + ROOMS_ONLY, "hub.toml:1: nodes[0]: must be a table ([[nodes]]), not int"),
    ('nodes = ["node-1"]\n' + ROOMS_ONLY, "hub.toml:1: nodes[0]: must be a table ([[nodes]])"),
    ("rooms = [1]\n", "hub.toml:1: rooms[0]: must be a table ([[rooms]]), not int"),
    ('rooms = [{ id = "a", calendar = "a.ics" }, "b"]\n', "hub.toml:1: rooms[1]: must be a table"),
    ("rooms = 5\n", "hub.toml:1: rooms: must be a list, not int"),
    ('[rooms]\nid = "a"\n', "hub.toml:1: rooms: write [[rooms]] (once per entry), not [rooms]"),
    ('hub = "x"\n', "hub.toml:1: hub: must be a table ([hub]), not str"),
    ('web = "on"\n' + GOOD, "hub.toml:1: web: must be a table ([web]), not str"),
    (GOOD + '[[web]]\nlisten = "127.0.0.1:8080"\n', "hub.toml:11: web: must be a table ([web])"),
])
def test_entries_of_the_wrong_shape_are_one_line(tmp_path, text, expected):
    assert error(tmp_path, text).startswith(str(tmp_path / expected))


@pytest.mark.parametrize("key, value, expected", [
    ("poll_interval", 0, f"0: seconds, at least {MIN_POLL_INTERVAL} (default 300)"),
    ("poll_interval", -300, f"-300: seconds, at least {MIN_POLL_INTERVAL}"),
    ("poll_interval", MIN_POLL_INTERVAL - 1, f"{MIN_POLL_INTERVAL - 1}: seconds, at least"),
    ("stale_after", 0, "0: seconds, at least 1 (default 900)"),
    ("stale_after", -5, "-5: seconds, at least 1"),
    ("poll_interval", '"5m"', "must be a int, not str"),
])
def test_intervals_need_sensible_minimums(tmp_path, key, value, expected):
    message = error(tmp_path, after('timezone = "Europe/Berlin"', f"{key} = {value}"))
    assert message.startswith(f"{tmp_path / 'hub.toml'}:3: hub.{key}: {expected}")


@pytest.mark.parametrize("key, value, attribute", [
    ("poll_interval", MIN_POLL_INTERVAL, "poll_interval_s"),
    ("stale_after", 1, "stale_after_s"),
])
def test_the_minimums_themselves_load(tmp_path, key, value, attribute):
    config = parse_config(after('timezone = "Europe/Berlin"', f"{key} = {value}"),
                          tmp_path / "hub.toml")
    assert getattr(config, attribute) == value


def test_every_hub_key_loads_and_is_used(tmp_path):
    """All of HUB_KEYS is accepted, and each reaches the config (none allowed but ignored)."""
    values = {"broker": '"mqtt://127.0.0.1:1884"', "listen": '"127.0.0.1:1885"',
              "address": '"signs:1885"', "timezone": '"Europe/Paris"', "locale": '"de"',
              "prefix": '"signs"', "poll_interval": "60", "stale_after": "120",
              "soon_wake": "true", "state_dir": '"/var/lib/roomink"',
              "quiet_hours": '"20:00-06:00"', "quiet_days": '["sun"]'}
    assert set(values) == set(HUB_KEYS)
    text = "[hub]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
    config = parse_config(text, tmp_path / "hub.toml")
    default = parse_config("", tmp_path / "hub.toml")
    for name in ("broker", "listen", "address", "timezone", "locale", "prefix",
                 "poll_interval_s", "stale_after_s", "soon_wake", "state_dir", "quiet"):
        assert getattr(config, name) != getattr(default, name), name


def test_every_documented_hub_key_is_known():
    documented = {line.split("`[hub] ")[1].split("`")[0]
                  for line in (DOCS / "hub.md").read_text().splitlines()
                  if line.startswith("| `[hub] ")}
    assert documented and documented <= set(HUB_KEYS)


@pytest.mark.parametrize("text", [
    after('timezone = "Europe/Berlin"', "poll_intervall = 300"),
    GOOD + '[wbe]\nlisten = "127.0.0.1:8080"\n',
    "nodes = [1]\n" + ROOMS_ONLY,
    after('timezone = "Europe/Berlin"', "poll_interval = 0"),
])
def test_cli_prints_one_line_and_exits_2(tmp_path, capsys, text):
    path = tmp_path / "hub.toml"
    path.write_text(text)
    assert main(["preview", "--config", str(path), "--room", "atlas",
                 "-o", str(tmp_path / "out.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"roomink: error: {path}:") and err.count("\n") == 1
    assert "Traceback" not in err
