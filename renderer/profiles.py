"""Display profiles: the panels roomink drives, as data.

Adding a panel means adding a profile here (and, for a new controller family, a firmware
driver); layouts and the codec read only these fields.
"""

from __future__ import annotations

from dataclasses import dataclass

# Colour codes as they travel on the wire (docs/protocol.md, frame key 4).
BLACK, RED, YELLOW = 1, 2, 3
COLOR_NAMES = {BLACK: "black", RED: "red", YELLOW: "yellow"}


@dataclass(frozen=True)
class DisplayProfile:
    """One panel model.

    `width`/`height` are the controller's native pixel size; `orientation` says how the
    screen is drawn on it ("portrait" draws a tall screen and rotates it onto the panel).
    `colors` are the inks besides white, in plane order.
    """

    name: str
    width: int
    height: int
    colors: tuple[int, ...]
    controller: str
    orientation: str = "landscape"
    diagonal_in: float = 0.0

    @property
    def screen_size(self) -> tuple[int, int]:
        """Size of the image layouts draw, before rotation onto the panel."""
        if self.orientation == "portrait":
            return (self.height, self.width) if self.width > self.height else (
                self.width, self.height)
        return (max(self.width, self.height), min(self.width, self.height))

    @property
    def landscape(self) -> bool:
        """True when the drawn screen is wider than tall."""
        width, height = self.screen_size
        return width >= height

    @property
    def plane_bytes(self) -> int:
        return self.width * self.height // 8


# Four-colour (black/white/red/yellow) panels use JD79668-class controllers, which keep two
# bits per pixel in RAM; the wire still carries one plane per ink and the firmware driver
# merges them. Portrait profiles draw a tall screen that pack_planes rotates onto the panel.
_PANELS = (
    # size, native width, native height, controller
    ("2.9", 128, 296, "ssd1680"),
    ("4.2", 400, 300, "uc8176"),
    ("7.5", 800, 480, "uc8179"),
)
_INKS = {"bw": (BLACK,), "bwr": (BLACK, RED), "bwry": (BLACK, RED, YELLOW)}
_PORTRAIT = ("4.2-bwr", "7.5-bwr")


def _build() -> dict[str, DisplayProfile]:
    out: dict[str, DisplayProfile] = {}
    for size, width, height, controller in _PANELS:
        for inks, colors in _INKS.items():
            name = f"{size}-{inks}"
            ctrl = "jd79668" if inks == "bwry" else controller
            out[name] = DisplayProfile(name, width, height, colors, ctrl,
                                       diagonal_in=float(size))
            if name in _PORTRAIT:
                out[f"{name}-portrait"] = DisplayProfile(
                    f"{name}-portrait", width, height, colors, ctrl, "portrait", float(size))
    return out


PROFILES: dict[str, DisplayProfile] = _build()


def get_profile(name: str) -> DisplayProfile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown display profile {name!r} (known: {known})") from None
