"""Hub config: valid files load, invalid ones fail with the key and line named."""

from pathlib import Path

import pytest

from hub.cli import main
from hub.config import ConfigError, load_config, parse_config

GOOD = """
[hub]
timezone = "Europe/Berlin"

[[rooms]]
id = "atlas"
name = "Atlas"
calendar = "atlas.ics"

[[nodes]]
id = "node-1"
room = "atlas"
"""


def test_example_config_loads():
    config = load_config(Path(__file__).parent.parent / "examples" / "demo.toml")
    assert [r.id for r in config.rooms] == ["atlas", "borealis"]
    assert config.room_for_node("node-borealis").name == "Borealis"
    assert (config.base_dir / config.rooms[0].calendar.options["path"]).exists()


def test_relative_calendar_path_resolves_next_to_config(tmp_path):
    from hub.calendars import make_source

    config = parse_config(GOOD, tmp_path / "hub.toml")
    assert make_source(config.rooms[0].calendar, config).path == tmp_path / "atlas.ics"
    assert config.rooms[0].display == "4.2-bwr"


@pytest.mark.parametrize("broken, message, line", [
    (GOOD.replace('"Europe/Berlin"', '"Mars/Olympus"'), "unknown time zone", 3),
    (GOOD.replace('room = "atlas"', 'room = "nowhere"'), "no room with id 'nowhere'", 12),
    (GOOD.replace('name = "Atlas"', 'name = "Atlas"\ndisplay = "9.7-rainbow"'),
     "unknown display '9.7-rainbow'", 8),
    (GOOD.replace('id = "node-1"', 'id = "Node 1"'), "not a valid node id", 11),
    (GOOD.replace('id = "atlas"', 'id = 7'), "must be a str", 6),
    (GOOD.replace('timezone = "Europe/Berlin"',
                  'timezone = "Europe/Berlin"\nquiet_hours = "nightly"'), "not a range", 4),
    (GOOD.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\nlocale = "tlh"'),
     "locale", 4),
])
def test_invalid_config_names_key_and_line(tmp_path, broken, message, line):
    with pytest.raises(ConfigError) as err:
        parse_config(broken, tmp_path / "hub.toml")
    assert message in str(err.value)
    assert f"hub.toml:{line}:" in str(err.value)


def test_not_toml_is_one_clear_line(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config("[[rooms]\nid=", tmp_path / "hub.toml")


def test_missing_config_file_cli_message(tmp_path, capsys):
    assert main(["demo", "--config", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err
    assert "config file not found" in err and "Traceback" not in err
