"""Build the files one display node needs: firmware/ compiled to .mpy for one target.

Only the modules the node imports go in: the closure of `main.py`'s imports (read with `ast`,
so a module the firmware engineer adds is picked up without touching this file), minus the
board port and panel drivers another target or profile would use. `main.py` (and `boot.py`
if the firmware has one) stay source: MicroPython runs them by name. `.mpy` code loads
without the compiler's transient heap and keeps nothing but bytecode in flash.

Output directory:
    main.py, *.mpy, drivers/*.mpy, port/*.mpy   copied to the board's filesystem root
    roomink-bundle.json                         manifest (also copied: the next flash reads it
                                                to remove files the new bundle no longer has)
    config.template.json                        the node config to fill in (never copied)
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from hub.flashing.errors import FlashError
from hub.flashing.mpy import MpyTarget, find_mpy_cross

FIRMWARE = Path(__file__).resolve().parent.parent.parent / "firmware"
MANIFEST = "roomink-bundle.json"
TEMPLATE = "config.template.json"
SCRIPTS = ("main.py", "boot.py")  # run by name: stay source

TARGETS = ("esp32", "unix")
# Modules chosen at run time (by sys.platform or the panel controller): a bundle keeps only the
# ones its target and profile use.
TARGET_PORT = {"esp32": "port.esp32", "unix": "port.host"}
CTRL_MODULES = {
    "uc8176": {"drivers.uc8176", "port.vp_uc81xx"},
    "uc8179": {"drivers.uc8179", "port.vp_uc81xx"},
    "ssd1680": {"drivers.ssd1680", "port.vp_ssd1680"},
}
# Built into MicroPython (ESP32 or unix port): imports of these need no file.
BUILTINS = frozenset({
    "array", "asyncio", "binascii", "builtins", "cmath", "collections", "cryptolib", "deflate",
    "errno", "esp", "esp32", "espnow", "framebuf", "gc", "hashlib", "heapq", "io", "json",
    "machine", "math", "micropython", "network", "ntptime", "os", "platform", "random", "re",
    "select", "socket", "ssl", "struct", "sys", "time", "tls", "uctypes", "vfs", "zlib",
    "__future__",
})


@dataclass(frozen=True)
class BundleFile:
    path: str  # relative, '/'-separated, as on the board
    size: int
    sha256: str


@dataclass
class Bundle:
    directory: Path
    profile: str
    target: str
    mpy: MpyTarget
    fw_version: str
    files: list[BundleFile] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Bytes the node's flash filesystem receives (manifest included)."""
        return sum(f.size for f in self.files)

    @property
    def dirs(self) -> list[str]:
        return sorted({str(Path(f.path).parent) for f in self.files} - {"."})


def firmware_profiles(firmware: Path = FIRMWARE) -> dict[str, str]:
    """Profile name -> controller family, read from firmware/profiles.py's PROFILES table."""
    tree = ast.parse((firmware / "profiles.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id == "PROFILES" for t in node.targets)):
            out = {}
            for key, value in zip(node.value.keys, node.value.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(value, ast.Tuple):
                    ctrl = value.elts[-1]
                    if isinstance(ctrl, ast.Constant):
                        out[str(key.value)] = str(ctrl.value)
            return out
    raise FlashError("firmware", f"no PROFILES table in {firmware / 'profiles.py'}")


def firmware_version(firmware: Path = FIRMWARE) -> str:
    tree = ast.parse((firmware / "wire.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and any(isinstance(t, ast.Name) and t.id == "FW_VERSION" for t in node.targets)):
            return str(node.value.value)
    return "unknown"


def _module_file(firmware: Path, name: str) -> Path | None:
    base = firmware.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, firmware: Path) -> set[str]:
    """Firmware modules `path` imports anywhere (top level or inside functions); FlashError for
    an import that is neither a firmware module nor a MicroPython built-in."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from port import vpanel` imports the module port.vpanel
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names
                                     if _module_file(firmware, f"{node.module}.{a.name}")]
        for name in names:
            parts = name.split(".")
            for i in range(1, len(parts) + 1):  # a submodule imports its packages too
                prefix = ".".join(parts[:i])
                if _module_file(firmware, prefix):
                    found.add(prefix)
                elif i == 1 and prefix not in BUILTINS:
                    raise FlashError("firmware", f"{path.relative_to(firmware)} imports "
                                     f"{prefix!r}: neither a firmware module nor a "
                                     "MicroPython built-in")
    return found


def select_modules(profile: str, target: str, firmware: Path = FIRMWARE) -> list[str]:
    """Module names the node needs (sorted), scripts excluded."""
    profiles = firmware_profiles(firmware)
    if profile not in profiles:
        raise FlashError("profile", f"unknown display profile {profile!r} "
                         f"(known: {', '.join(sorted(profiles))})")
    if target not in TARGETS:
        raise FlashError("profile", f"unknown target {target!r} (known: {', '.join(TARGETS)})")
    ctrl = profiles[profile]
    chosen = {TARGET_PORT[target]} | CTRL_MODULES.get(ctrl, set())
    optional = set(TARGET_PORT.values()).union(*CTRL_MODULES.values())
    excluded = optional - chosen
    seen: set[str] = set()
    todo = [p for p in (firmware / s for s in SCRIPTS) if p.is_file()]
    if not todo:
        raise FlashError("firmware", f"no main.py in {firmware}")
    while todo:
        for name in _imports(todo.pop(), firmware):
            if name not in seen and name not in excluded:
                seen.add(name)
                path = _module_file(firmware, name)
                if path is not None:
                    todo.append(path)
    return sorted(seen)


def _rel(firmware: Path, name: str) -> str:
    path = _module_file(firmware, name)
    assert path is not None  # select_modules only returns modules that have a file
    return path.relative_to(firmware).as_posix()


def _compile(tool: str, args: list[str], src: Path, rel: str, dst: Path) -> None:
    # -s: the name tracebacks show on the node (not this machine's path)
    cmd = [tool, *args, "-s", rel, "-o", str(dst), str(src)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        if lines and lines[0].startswith("usage:"):  # an old mpy-cross without this -march
            raise FlashError("micropython-version", f"this MicroPython's mpy-cross cannot build "
                             f"{' '.join(args)}: flash a current MicroPython image with "
                             "--micropython-image")
        raise FlashError("mpy-cross", f"mpy-cross failed on firmware/{rel}: "
                         f"{lines[0] if lines else f'exit {proc.returncode}'}")


def _clean_previous(out: Path) -> None:
    """Remove what an earlier bundle wrote here (listed in its manifest), nothing else."""
    manifest = out / MANIFEST
    if not manifest.is_file():
        return
    try:
        old = json.loads(manifest.read_text(encoding="utf-8"))
        paths = [f["path"] for f in old.get("files", [])]
    except (ValueError, TypeError, KeyError):
        paths = []
    for rel in [*paths, TEMPLATE]:
        (out / rel).unlink(missing_ok=True)
    for rel in sorted({str(Path(p).parent) for p in paths} - {"."}, reverse=True):
        try:
            (out / rel).rmdir()
        except OSError:
            pass


def config_template(profile: str) -> dict:
    """The node config with every value `roomink flash` fills in left empty (an empty node_id
    makes the firmware refuse the file instead of booting half-configured)."""
    return {"node_id": "", "broker_host": "", "broker_port": 1883, "profile": profile,
            "username": "", "password": "", "hmac_key": None, "wifi_ssid": "",
            "wifi_password": "",
            "max_awake_s": 20, "max_sleep_s": 3600}


def build_bundle(out: str | Path, profile: str, target: str = "esp32",
                 mpy: MpyTarget | None = None, firmware: Path = FIRMWARE,
                 mpy_cross: str | None = None) -> Bundle:
    """Compile the node's modules into `out` and write the manifest and config template."""
    out = Path(out)
    if mpy is None:
        mpy = MpyTarget.for_chip("esp32") if target == "esp32" else MpyTarget(6, 3, "x64")
    modules = select_modules(profile, target, firmware)
    tool = mpy_cross or find_mpy_cross(mpy)
    args = mpy.mpy_cross_args()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FlashError("tool", f"cannot create {out} ({exc.strerror})") from exc
    _clean_previous(out)
    jobs: list[tuple[Path, str, Path]] = []
    copies: list[tuple[Path, str]] = []
    for name in modules:
        rel = _rel(firmware, name)
        dst = out / Path(rel).with_suffix(".mpy")
        dst.parent.mkdir(parents=True, exist_ok=True)
        jobs.append((firmware / rel, rel, dst))
    for script in SCRIPTS:
        # a boot.py that main.py imports is a module (compiled); MicroPython then finds no
        # boot.py to run at startup, which is harmless
        if (firmware / script).is_file() and script[:-3] not in modules:
            copies.append((firmware / script, script))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(lambda j: _compile(tool, args, *j), jobs))
    for src, rel in copies:
        (out / rel).write_bytes(src.read_bytes())
    bundle = Bundle(out, profile, target, mpy, firmware_version(firmware))
    rels = sorted([Path(rel).with_suffix(".mpy").as_posix() for _, rel, _ in jobs]
                  + [rel for _, rel in copies])
    for rel in rels:
        data = (out / rel).read_bytes()
        bundle.files.append(BundleFile(rel, len(data), hashlib.sha256(data).hexdigest()))
    manifest = {"profile": profile, "target": target, "fw": bundle.fw_version,
                "mpy": f"{mpy.version}.{mpy.sub}", "arch": mpy.arch,
                "files": [{"path": f.path, "size": f.size, "sha256": f.sha256}
                          for f in bundle.files]}
    data = json.dumps(manifest, indent=1).encode()
    (out / MANIFEST).write_bytes(data)
    bundle.files.append(BundleFile(MANIFEST, len(data), hashlib.sha256(data).hexdigest()))
    (out / TEMPLATE).write_text(json.dumps(config_template(profile), indent=1) + "\n")
    return bundle
