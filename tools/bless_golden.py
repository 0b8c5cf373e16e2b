"""Rewrite the golden images in tests/golden/ from the current renderer.

    .venv/bin/python tools/bless_golden.py            # all profiles
    .venv/bin/python tools/bless_golden.py 4.2-bwr    # some profiles

Run it after an intended change to how screens look, then LOOK at the changed PNGs
(`git diff --stat tests/golden`, a contact sheet from `roomink preview --all-states`)
before committing them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from renderer.golden import cases, differs, golden_path, render_golden, save_golden  # noqa: E402


def main(argv: list[str]) -> int:
    wanted = set(argv)
    changed = kept = 0
    for profile_name, sample in cases():
        if wanted and profile_name not in wanted:
            continue
        image = render_golden(profile_name, sample)
        path = golden_path(profile_name, sample)
        if differs(image, path) is None:
            kept += 1
            continue
        save_golden(image, path)
        changed += 1
        print(f"blessed {path}")
    print(f"{changed} golden images written, {kept} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
