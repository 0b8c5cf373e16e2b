"""The firmware carries its own profile table (it cannot import the hub); it must agree with
renderer/profiles.py on every panel it has a driver for."""

from __future__ import annotations

import json
import subprocess

from renderer.profiles import PROFILES
from tests.fw_node import FIRMWARE

DRIVEN = {"ssd1680", "uc8176", "uc8179"}

_DUMP = (
    "import sys, json; sys.path.insert(0, %r)\n"
    "import profiles, drivers\n"
    "print(json.dumps({k: list(v[:2]) + [list(v[2]), v[3]] for k, v in profiles.PROFILES.items()}))"
)


def test_firmware_profiles_match_the_renderer(micropython):
    out = subprocess.run([micropython, "-c", _DUMP % str(FIRMWARE)], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    firmware = json.loads(out.stdout)
    expected = {p.name: [p.width, p.height, list(p.colors), p.controller]
                for p in PROFILES.values() if p.controller in DRIVEN}
    assert firmware == expected


def test_every_firmware_controller_has_a_driver(micropython):
    code = ("import sys; sys.path.insert(0, %r)\nimport profiles, drivers\n"
            "for v in profiles.PROFILES.values(): drivers.load(v[3])\nprint('ok')")
    out = subprocess.run([micropython, "-c", code % str(FIRMWARE)], capture_output=True,
                         text=True, timeout=30)
    assert out.stdout.strip() == "ok", out.stdout + out.stderr
