"""Screens read back with OCR (tesseract): the text is legible as drawn, and a private
meeting's subject is absent from the pixels, not only from the renderer's own log."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from hub.schedule import Event, RoomSchedule
from renderer.profiles import get_profile
from renderer.screen import render
from renderer.sheet import panel_preview

TESSERACT = shutil.which("tesseract")
pytestmark = pytest.mark.skipif(
    TESSERACT is None, reason="tesseract-ocr not installed (tools/ensure_system_deps.sh)")

TZ = ZoneInfo("Europe/Berlin")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=TZ)


SCHEDULE = RoomSchedule("Ada Lovelace", (
    Event(at(10), at(11), "Architecture review", "Dave Li"),
    Event(at(11), at(12), "Salary negotiation", "Carol Dupont", private=True),
    Event(at(14), at(15), "Retro", "Eve Novak"),
), fetched_at=at(8))


def ocr(image: Image.Image, tmp_path: Path) -> str:
    """Tesseract on the panel image: dark inks as black, doubled for its taste in sizes."""
    gray = image.convert("L").point(lambda v: 0 if v < 230 else 255)
    path = tmp_path / "screen.png"
    gray.resize((gray.width * 2, gray.height * 2), Image.Resampling.NEAREST).save(path)
    result = subprocess.run([TESSERACT, str(path), "-"], capture_output=True, text=True,
                            timeout=60, check=True)
    return " ".join(result.stdout.split())


@pytest.mark.parametrize("name", ["2.9-bwr", "4.2-bwr", "7.5-bwr"])
def test_busy_screen_reads_back(name: str, tmp_path: Path) -> None:
    profile = get_profile(name)
    text = ocr(panel_preview(render(SCHEDULE, profile, at(10, 15)), profile), tmp_path)
    for expected in ("Ada Lovelace", "Architecture review", "Dave Li", "10:15 AM"):
        assert expected in text, (expected, text)


def test_private_subject_is_not_in_the_pixels(tmp_path: Path) -> None:
    profile = get_profile("7.5-bwr")
    for now, shown in ((at(10, 15), "Private meeting"), (at(11, 15), "Carol Dupont")):
        # First in the upcoming list, then as the current meeting (organizer shown).
        text = ocr(panel_preview(render(SCHEDULE, profile, now), profile), tmp_path)
        assert "Private meeting" in text and shown in text, text
        assert "Salary" not in text and "negotiation" not in text, text
