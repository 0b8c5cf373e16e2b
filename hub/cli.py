"""`roomink` command line. Each subcommand lives in its own module under `hub.commands`.

A command module defines `register(subparsers)`, which adds its parser and sets
`func=<callable(args) -> int>`. Modules are discovered automatically, so adding a command
touches no shared file.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

import hub.commands
from hub import __version__
from hub.errors import UserError
from hub.sources.base import SourceError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="roomink", description="E-paper meeting-room signs: hub, preview and node tools."
    )
    parser.add_argument("--version", action="version", version=f"roomink {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(hub.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"hub.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (UserError, SourceError) as exc:
        print(f"roomink: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
