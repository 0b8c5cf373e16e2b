"""Rebuild renderer/fonts/droid-subset/: the CJK glyphs roomink's own zh UI needs.

The subset keeps the zh locale readable and its golden images identical on hubs without a
system CJK font. Subjects in CJK still need a full font (Noto CJK, WenQuanYi or Droid Sans
Fallback, found by renderer/fonts.py). Needs `fonttools` and Debian's fonts-droid-fallback
(Apache-2.0); run after changing zh strings:

    .venv/bin/pip install fonttools && apt-get install fonts-droid-fallback
    .venv/bin/python tools/make_cjk_subset.py
"""

from __future__ import annotations

import string
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCE = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
TARGET = ROOT / "renderer" / "fonts" / "droid-subset" / "DroidSansFallback-roomink.ttf"
# Shown in tests and docs as sample CJK content beyond the UI strings.
EXTRA = "月日周年时分会议室周一二三四五六日中文测试项目评审团队例会周会" + "：，。（）·"


def characters() -> str:
    from renderer import strings

    chars = set(string.printable.strip()) | set(EXTRA)
    for value in strings._ZH.values():
        chars |= set(value)
    for value in strings._DAYS["zh"]:
        chars |= set(value)
    return "".join(sorted(c for c in chars if ord(c) > 0x2000))


def main() -> int:
    from fontTools import subset

    if not SOURCE.exists():
        print(f"error: {SOURCE} missing: apt-get install fonts-droid-fallback", file=sys.stderr)
        return 2
    chars = characters()
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(SOURCE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(TARGET), options)
    print(f"{TARGET.relative_to(ROOT)}: {len(chars)} characters, {TARGET.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
