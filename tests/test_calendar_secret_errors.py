"""A calendar secret that cannot be read when the hub starts is one line naming the file,
line, room and option, like every other config error."""

from __future__ import annotations

import pytest

from hub.config import parse_config
from hub.errors import UserError
from hub.service import Hub


def test_missing_secret_names_room_option_and_line(tmp_path, monkeypatch):
    monkeypatch.delenv("ROOMINK_TEST_NO_SUCH_VAR", raising=False)
    path = tmp_path / "roomink.toml"
    path.write_text('[hub]\ntimezone = "Europe/Berlin"\n\n'
                    '[[rooms]]\nid = "atlas"\ncalendar = "atlas.ics"\n\n'
                    '[[rooms]]\nid = "borealis"\n'
                    'calendar = {type = "ics", url_env = "ROOMINK_TEST_NO_SUCH_VAR"}\n')
    config = parse_config(path.read_text(), path)
    with pytest.raises(UserError) as err:
        Hub(config)
    message = str(err.value)
    assert message.startswith(f"{path}:10: rooms[1].calendar.url_env: "), message
    assert "ROOMINK_TEST_NO_SUCH_VAR" in message and "\n" not in message
