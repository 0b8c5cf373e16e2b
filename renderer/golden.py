"""Golden images: every sample state on every display profile, stored as palette PNGs.

Shared by tests/test_render_golden.py (compare) and tools/bless_golden.py (rewrite). Goldens
are rendered with bundled fonts only, so they do not depend on what a machine has installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from renderer import fonts
from renderer.profiles import PROFILES, get_profile
from renderer.samples import Sample, samples
from renderer.sheet import render_sample

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "tests" / "golden"
BLESS_COMMAND = ".venv/bin/python tools/bless_golden.py"


def cases() -> Iterator[tuple[str, Sample]]:
    """(profile name, sample) for every golden image."""
    for name in sorted(PROFILES):
        for sample in samples():
            yield name, sample


def golden_path(profile_name: str, sample: Sample) -> Path:
    return GOLDEN_DIR / profile_name / f"{sample.name}.png"


def render_golden(profile_name: str, sample: Sample) -> Image.Image:
    """The screen as the golden test sees it: bundled fonts only."""
    fonts.use_system_fonts(False)
    try:
        return render_sample(sample, get_profile(profile_name))
    finally:
        fonts.use_system_fonts(True)


def save_golden(image: Image.Image, path: Path) -> None:
    """A small, exact palette PNG (indices are wire colours)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", optimize=True, bits=2)


def differs(image: Image.Image, path: Path) -> str | None:
    """None when `image` matches the golden at `path`, else why not."""
    if not path.exists():
        return f"{path} missing"
    with Image.open(path) as golden:
        if golden.mode != "P" or golden.size != image.size:
            return f"{path}: {golden.mode} {golden.size}, rendered {image.mode} {image.size}"
        if golden.tobytes() != image.tobytes():
            changed = sum(a != b for a, b in zip(golden.tobytes(), image.tobytes(), strict=True))
            return f"{path}: {changed} pixels differ"
    return None
