"""QR codes (segno) as palette images to paste on a screen: booking links, pairing data."""

from __future__ import annotations

from functools import lru_cache

import segno
from PIL import Image

from renderer.profiles import BLACK

# Modules of white around the symbol. The standard asks for 4; 2 scans reliably on a sign
# whose surroundings are white anyway, and leaves bigger modules in the same square.
QUIET_ZONE = 2
# Smallest module size in pixels that phones read reliably off an e-paper panel.
MIN_MODULE_PX = 2


@lru_cache(maxsize=64)
def qr_image(data: str, max_side: int) -> Image.Image | None:
    """The QR code for `data` at the largest whole-pixel module size fitting `max_side`.

    Returns None when it would need modules smaller than MIN_MODULE_PX (too small to scan).
    """
    code = segno.make(data, error="m", micro=False)
    modules = int(code.symbol_size(border=QUIET_ZONE)[0])
    scale = max_side // modules
    if scale < MIN_MODULE_PX:
        return None
    raw = bytes(
        BLACK if dark else 0
        for row in code.matrix_iter(scale=1, border=QUIET_ZONE)
        for dark in row
    )
    small = Image.frombytes("P", (modules, modules), raw)
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
