"""Screen image -> 1-bit colour planes in the wire layout (docs/protocol.md).

Screens are drawn as palette images whose indices are the wire colour codes
(0 white, 1 black, 2 red, 3 yellow). Each plane is Pillow mode "1" bytes: MSB = leftmost pixel,
the same order as MicroPython's framebuf.MONO_HLSB, so no bit shuffling happens anywhere.
"""

from __future__ import annotations

from PIL import Image

from renderer.profiles import BLACK, RED, YELLOW, DisplayProfile

WHITE = 0
# RGB of each palette index, for previews and for mapping arbitrary images.
PALETTE_RGB = {WHITE: (255, 255, 255), BLACK: (0, 0, 0), RED: (200, 0, 0), YELLOW: (230, 190, 0)}

_SELECT = {c: [255 if i == c else 0 for i in range(256)] for c in (BLACK, RED, YELLOW)}


def new_screen(profile: DisplayProfile) -> Image.Image:
    """A white palette image of the profile's screen size, to draw on with colour indices."""
    image = Image.new("P", profile.screen_size, WHITE)
    flat: list[int] = []
    for index in range(4):
        flat.extend(PALETTE_RGB[index])
    image.putpalette(flat)
    return image


def to_panel_orientation(image: Image.Image, profile: DisplayProfile) -> Image.Image:
    """Rotate a drawn screen onto the panel's native pixel grid when they differ."""
    if image.size == (profile.width, profile.height):
        return image
    if image.size == (profile.height, profile.width):
        return image.transpose(Image.Transpose.ROTATE_270)
    raise ValueError(f"screen {image.size} does not fit panel {profile.width}x{profile.height}")


def pack_planes(image: Image.Image, profile: DisplayProfile) -> bytes:
    """The decoded frame data for a whole panel: one plane per profile colour, concatenated."""
    panel = to_panel_orientation(image, profile)
    if panel.mode != "P":
        raise ValueError("screens must be palette images from new_screen()")
    # point() straight to mode "1" selects on the pixel indices (converting a "P" image to
    # "1" would go through the palette's colours and set bits for white instead).
    return b"".join(panel.point(_SELECT[color], "1").tobytes() for color in profile.colors)


def unpack_planes(data: bytes, width: int, height: int, colors: tuple[int, ...]) -> Image.Image:
    """Planes back to an RGB image (later planes win), e.g. to preview what a panel shows."""
    plane_len = width * height // 8
    if len(data) != plane_len * len(colors):
        raise ValueError(f"expected {plane_len * len(colors)} bytes of planes, got {len(data)}")
    result = Image.new("RGB", (width, height), PALETTE_RGB[WHITE])
    for i, color in enumerate(colors):
        mask = Image.frombytes("1", (width, height), data[i * plane_len:(i + 1) * plane_len])
        result.paste(PALETTE_RGB[color], (0, 0), mask)
    return result
