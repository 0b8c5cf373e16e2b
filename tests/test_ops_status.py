"""Which room a node shows (one rule for the hub and `roomink status`), and status's tables."""

from __future__ import annotations

import os
import shutil

import pytest

from hub.cli import main
from hub.config import load_config
from hub.service import Hub
from hub.state import StateStore
from hub.web import WebServer
from hub.web.config import WebConfig
from tests.test_web_helpers import ROOMS_TOML, HubUnderTest

TOKEN = "status-token-for-tests"


def write_config(folder, extra: str = ""):
    """The dashboard tests' rooms (atlas, borealis, broken) with node-a in atlas, node-b in
    borealis; state in folder/roomink-state."""
    folder.mkdir(exist_ok=True)
    path = folder / "roomink.toml"
    path.write_text(ROOMS_TOML + extra)
    return path


def status(path, capsys) -> tuple[int, str, str]:
    code = main(["status", "-c", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def line_of(out: str, first: str) -> str:
    return next(ln for ln in out.splitlines() if ln.split()[:1] == [first])


def test_a_saved_assignment_wins_and_hub_and_status_agree(tmp_path, capsys):
    path = write_config(tmp_path)
    config = load_config(path)
    store = StateStore(config.state_dir / "hub.sqlite")
    store.assign("node-a", "borealis")  # `roomink assign node-a borealis`, after the config
    store.assign("node-b", "gone")  # a room since removed from the config: ignored
    store.assign("node-c", "broken")  # a node the config does not list
    store.close()
    expected = {"node-a": "borealis", "node-b": "borealis", "node-c": "broken"}
    assert config.node_rooms({"node-a": "borealis", "node-b": "gone", "node-c": "broken"}) == (
        expected)

    # What the hub does after a restart...
    store = StateStore(config.state_dir / "hub.sqlite")
    assert Hub(config, store=store).assignments == expected
    store.close()
    # ... is what status says, marking where the saved room overrides the config.
    code, out, err = status(path, capsys)
    assert code == 0, err
    assert line_of(out, "node-a").split()[1:4] == ["borealis", "(assigned;", "config:"]
    assert "config: atlas)" in line_of(out, "node-a")
    assert line_of(out, "node-b").split()[1:3] == ["borealis", "no"]
    assert line_of(out, "node-c").split()[1:3] == ["broken", "no"]


def test_status_has_a_row_per_room_even_without_nodes(tmp_path, capsys):
    path = write_config(tmp_path)
    code, out, err = status(path, capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "3 rooms, 2 nodes"
    assert lines[1].split() == ["ROOM", "NAME", "DISPLAY", "CALENDAR", "NODES", "CALENDAR",
                                "ERROR"]
    assert line_of(out, "atlas").split() == ["atlas", "Atlas", "4.2-bwr", "ics", "1", "?"]
    assert line_of(out, "borealis").split() == ["borealis", "Borealis", "<b>", "2.9-bwr", "ics",
                                                "1", "?"]
    assert line_of(out, "broken").split() == ["broken", "Broken", "4.2-bwr", "ics", "0", "?"]
    assert "calendar errors: unknown, the hub keeps them in memory; with a [web] table" in out
    assert line_of(out, "NODE") and line_of(out, "node-a")


def test_status_reads_calendar_errors_from_the_running_hub(tmp_path, capsys):
    web = WebConfig(port=0, token=TOKEN, localhost_needs_token=True)
    with HubUnderTest(tmp_path / "hub", web) as running:
        server = WebServer(running.app, "127.0.0.1", 0)
        server.start()
        try:
            path = write_config(tmp_path / "cli", f'\n[web]\nlisten = "127.0.0.1:{server.port}"'
                                f'\ntoken = "{TOKEN}"\nlocalhost_needs_token = true\n')
            code, out, err = status(path, capsys)
        finally:
            server.stop()
    assert code == 0, err
    assert line_of(out, "atlas").split()[-2:] == ["ics", "1"]  # no error: the column is empty
    broken = line_of(out, "broken")
    assert broken.split()[4:6] == ["0", "failing"] and "file not found" in broken
    assert ("calendar errors: from the running hub's dashboard at "
            f"http://127.0.0.1:{server.port}") in out
    # The hub stopped: status still answers, and says why the errors are unknown.
    code, out, err = status(path, capsys)
    assert code == 0, err
    assert line_of(out, "broken").split()[-1] == "?"
    assert "did not answer" in out and "is `roomink run` running?" in out


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, like an admin on the Pi")
def test_status_and_assign_as_root_refuse_a_state_folder_of_another_user(tmp_path, capsys):
    path = write_config(tmp_path)
    state_dir = tmp_path / "roomink-state"
    StateStore(state_dir / "hub.sqlite").close()
    for item in (state_dir, *state_dir.iterdir()):
        os.chown(item, 4321, 4321)
    try:
        for argv in (["status"], ["assign", "node-a", "borealis"]):
            code = main([*argv, "-c", str(path)])
            err = capsys.readouterr().err
            assert code == 2
            assert err.startswith(f"roomink: error: {state_dir / 'hub.sqlite'} belongs to user ")
            assert f"roomink {argv[0]}" in err and "sudo -u " in err
            assert len(err.splitlines()) == 1
        assert {p.stat().st_uid for p in state_dir.iterdir()} == {4321}  # nothing root-owned
    finally:
        shutil.rmtree(state_dir)
