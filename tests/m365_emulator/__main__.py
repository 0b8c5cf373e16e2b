"""Run the emulator by hand, to try `roomink login`, `rooms` and `doctor` without Microsoft.

    .venv/bin/python -m tests.m365_emulator [--folder DIR]

Prints an `[m365]` table to paste into a config. Device logins are approved after two polls.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from datetime import timedelta
from pathlib import Path

from tests.m365_emulator import NOW, Emulator, at


def main() -> None:
    parser = argparse.ArgumentParser(description="local Microsoft 365 emulator")
    parser.add_argument("--folder", help="where to put the test CA (default: a temp folder)")
    args = parser.parse_args()
    folder = Path(args.folder or tempfile.mkdtemp(prefix="m365-emulator-"))
    with Emulator(folder) as emu:
        t = emu.tenant
        t.add_client("roomink-demo")
        t.add_room("atlas@contoso.com", "Atlas", capacity=10)
        t.add_room("borealis@contoso.com", "Borealis", capacity=6, delete_subject=True)
        t.add_room("cirrus@contoso.com", "Cirrus", capacity=4, access="none")
        t.add_room("quiet@contoso.com", "Quiet room", capacity=2, hidden=True)
        for room in ("atlas@contoso.com", "borealis@contoso.com", "quiet@contoso.com"):
            t.add_event(room, at(-1), at(0) + timedelta(minutes=30), subject="Design review",
                        organizer_name="Megan Bowen")
            t.add_event(room, at(2), at(3), subject="Budget", sensitivity="private")
        print(f"""Microsoft 365 emulator at {emu.url} (now = {NOW:%H:%M} UTC)

[m365]
client_id = "roomink-demo"
tenant = "{emu.tenant_name}"
authority = "{emu.authority}"
graph_url = "{emu.url}"
ca_bundle = "{emu.ca_bundle}"
token_cache = "{folder / 'm365-token-cache.json'}"
rooms = ["atlas@contoso.com", "borealis@contoso.com", "cirrus@contoso.com", "quiet@contoso.com"]

Ctrl-C to stop.""", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
