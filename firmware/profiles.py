"""The firmware's own display profile table (it cannot import the hub's renderer/profiles.py).

Names, native sizes, ink colours and controller families must match renderer/profiles.py;
tests/test_firmware_profiles.py checks that they do.
"""

from wire import BLACK, RED

# name: (width, height, colours in plane order, controller family)
PROFILES = {
    "2.9-bw": (128, 296, (BLACK,), "ssd1680"),
    "2.9-bwr": (128, 296, (BLACK, RED), "ssd1680"),
    "4.2-bw": (400, 300, (BLACK,), "uc8176"),
    "4.2-bwr": (400, 300, (BLACK, RED), "uc8176"),
    "7.5-bw": (800, 480, (BLACK,), "uc8179"),
    "7.5-bwr": (800, 480, (BLACK, RED), "uc8179"),
    # portrait screens are rotated by the hub: same panel, same wire format
    "4.2-bwr-portrait": (400, 300, (BLACK, RED), "uc8176"),
    "7.5-bwr-portrait": (800, 480, (BLACK, RED), "uc8179"),
}


class Profile:
    """One panel model: native `w` x `h`, ink `colors` besides white, controller `ctrl`."""

    def __init__(self, name: str) -> None:
        if name not in PROFILES:
            raise ValueError("unknown display profile %r (known: %s)"
                             % (name, ", ".join(sorted(PROFILES))))
        self.name = name
        self.w, self.h, self.colors, self.ctrl = PROFILES[name]
