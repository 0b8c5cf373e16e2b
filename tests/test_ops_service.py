"""`roomink run` under systemd: exit 2 (config, port taken) is final, exit 75 (broker not
reachable) is retried, each said in one line without a traceback; the unit file agrees."""

from __future__ import annotations

import configparser
import socket
import subprocess
import sys
from pathlib import Path

from hub.commands.run import EXIT_RETRY

ROOT = Path(__file__).resolve().parent.parent


def roomink(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hub", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)


def write_config(tmp_path, hub: str) -> Path:
    (tmp_path / "atlas.ics").write_text("BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n")
    path = tmp_path / "roomink.toml"
    path.write_text(f'[hub]\n{hub}\nstate_dir = "state"\n\n[[rooms]]\nid = "atlas"\n'
                    'calendar = "atlas.ics"\n')
    return path


def test_embedded_broker_port_taken_is_one_line(tmp_path):
    with socket.socket() as taken:  # e.g. a local mosquitto on 1883
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = roomink("run", "-c", str(write_config(tmp_path, f'listen = "127.0.0.1:{port}"')))
    assert result.returncode == 2  # stop mosquitto or change listen: a restart cannot help
    assert result.stderr.splitlines() == [
        f"roomink: error: embedded MQTT broker cannot listen on 127.0.0.1:{port} (Address "
        "already in use); is another broker (mosquitto?) using the port? Set [hub] listen to a "
        f'free port, or broker = "mqtt://127.0.0.1:{port}" to use that broker']


def test_unreachable_broker_is_retried_and_a_config_mistake_is_final(tmp_path):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: connections are refused
        result = roomink("run", "-c", str(write_config(
            tmp_path, f'broker = "mqtt://127.0.0.1:{port}"')))
    assert result.returncode == EXIT_RETRY == 75
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"roomink: error: cannot reach MQTT broker 127.0.0.1:{port}")

    result = roomink("run", "-c", str(write_config(tmp_path, 'poll_interval = "often"')))
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "poll_interval" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_unit_restarts_failures_but_not_config_mistakes():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(ROOT / "tools" / "roomink.service")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"  # a crash or exit 75 is restarted...
    assert service["RestartPreventExitStatus"].split() == ["2"]  # ...a config error is not
    assert str(EXIT_RETRY) not in service["RestartPreventExitStatus"].split()
    assert "--config /etc/roomink/roomink.toml" in service["ExecStart"]
