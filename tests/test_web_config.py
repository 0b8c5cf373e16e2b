"""The [web] table: defaults, and one clear line naming file, line and key for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import ConfigError, parse_config
from hub.web.config import WebConfig, parse_web_config

BASE = '[hub]\ntimezone = "Europe/Berlin"\n\n[[rooms]]\nid = "atlas"\ncalendar = "a.ics"\n\n'


def web(text: str, base: Path = Path("/etc/roomink")) -> WebConfig | None:
    return parse_web_config(parse_config(BASE + text, base / "roomink.toml"))


def error(text: str, base: Path = Path("/etc/roomink")) -> str:
    with pytest.raises(ConfigError) as info:
        web(text, base)
    return str(info.value)


def test_absent_table_means_no_dashboard_and_empty_table_means_defaults():
    assert web("") is None
    config = web("[web]\n")
    assert (config.host, config.port, config.token) == ("127.0.0.1", 8080, None)
    assert config.loopback_only and config.low_battery_mv == 3500


def test_listen_forms():
    assert web('[web]\nlisten = "localhost:9000"\n').port == 9000
    assert web('[web]\nlisten = "[::1]:8081"\n').host == "::1"
    config = web('[web]\nlisten = "0.0.0.0:8080"\ntoken = "0123456789abcdef"\n')
    assert config.host == "0.0.0.0" and not config.loopback_only
    assert error('[web]\nlisten = "8080"\n') == (
        "/etc/roomink/roomink.toml:9: web.listen: '8080': use host:port, e.g. \"127.0.0.1:8080\"")


def test_reachable_from_other_machines_needs_a_token():
    message = error('[web]\nlisten = "0.0.0.0:8080"\n')
    assert message.startswith("/etc/roomink/roomink.toml:9: web.listen: '0.0.0.0:8080' can be "
                              "reached from other machines: set web.token")
    assert "web.listen" in error('[web]\nlisten = "192.168.1.5:8080"\n')
    assert "web.listen" in error('[web]\nlisten = "hub.local:8080"\n')


def test_token_rules(tmp_path):
    assert error('[web]\ntoken = "short"\n').startswith(
        "/etc/roomink/roomink.toml:9: web.token: the token must be at least 16 characters")
    (tmp_path / "token").write_text("0123456789abcdef0123\n")
    config = web('[web]\nlisten = "0.0.0.0:8080"\ntoken_file = "token"\n', tmp_path)
    assert config.token == "0123456789abcdef0123"  # relative to the config, stripped
    missing = error('[web]\ntoken_file = "nope"\n', tmp_path)
    assert missing.startswith(f"{tmp_path}/roomink.toml:9: web.token_file: cannot read "
                              f"{tmp_path}/nope (No such file or directory)")
    assert "not both" in error('[web]\ntoken = "0123456789abcdef"\ntoken_file = "token"\n',
                               tmp_path)
    assert "needs web.token" in error("[web]\nlocalhost_needs_token = true\n")


def test_other_keys():
    assert error("[web]\ntokne = 'x'\n").startswith(
        "/etc/roomink/roomink.toml:9: web.tokne: unknown key (known: listen, token,")
    assert error('[web]\nlow_battery_mv = "3.4V"\n') == (
        "/etc/roomink/roomink.toml:9: web.low_battery_mv: must be a int, not str")
    assert "0 or more" in error("[web]\ncalendar_failing_after = -5\n")
    assert web("[web]\nlow_battery_mv = 3400\ncalendar_failing_after = 600\n") == WebConfig(
        low_battery_mv=3400, calendar_failing_after=600)
