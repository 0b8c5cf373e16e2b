"""Contact sheets: every sample state of one display profile on one RGB image, labelled."""

from __future__ import annotations

from PIL import Image, ImageDraw

from renderer.fonts import font
from renderer.planes import pack_planes, unpack_planes
from renderer.profiles import DisplayProfile
from renderer.samples import Sample, samples
from renderer.screen import render, render_pairing


def render_sample(sample: Sample, profile: DisplayProfile) -> Image.Image:
    """The palette screen for one sample."""
    if sample.pairing is not None:
        return render_pairing(profile, *sample.pairing, locale=sample.locale)
    assert sample.schedule is not None
    return render(sample.schedule, profile, sample.now, sample.locale,
                  **sample.options)  # type: ignore[arg-type]


def panel_preview(image: Image.Image, profile: DisplayProfile) -> Image.Image:
    """What the panel shows: the screen packed to planes and decoded back, as RGB.

    Going through the planes (rather than converting the palette image) proves the preview
    is exactly what a node receives; portrait screens are turned back upright.
    """
    rgb = unpack_planes(pack_planes(image, profile), profile.width, profile.height,
                        profile.colors)
    if rgb.size != image.size:
        rgb = rgb.transpose(Image.Transpose.ROTATE_90)
    return rgb


def contact_sheet(profile: DisplayProfile, columns: int | None = None) -> Image.Image:
    """All sample states for `profile` in a grid, each with its name above it."""
    shots = [(s.name, panel_preview(render_sample(s, profile), profile)) for s in samples()]
    width, height = profile.screen_size
    columns = columns or max(1, 1800 // (width + 16))
    label = font(14, bold=True)
    cell_w, cell_h = width + 16, height + 34
    rows = -(-len(shots) // columns)
    sheet = Image.new("RGB", (columns * cell_w + 16, rows * cell_h + 16), (200, 200, 200))
    draw = ImageDraw.Draw(sheet)
    draw.fontmode = "1"
    for i, (name, shot) in enumerate(shots):
        x = 16 + (i % columns) * cell_w
        y = 16 + (i // columns) * cell_h
        draw.text((x, y), f"{profile.name} · {name}", font=label, fill=(0, 0, 0))
        sheet.paste(shot, (x, y + 18))
        draw.rectangle((x - 1, y + 17, x + width, y + 18 + height), outline=(90, 90, 90))
    return sheet
