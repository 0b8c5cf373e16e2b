"""Every screen state on every display profile matches its golden image in tests/golden/.

After an intended change to how screens look, re-bless with
`.venv/bin/python tools/bless_golden.py` and look at the changed PNGs before committing.
"""

from __future__ import annotations

import pytest

from renderer.golden import BLESS_COMMAND, cases, differs, golden_path, render_golden

CASES = list(cases())


@pytest.mark.parametrize(("profile_name", "sample"), CASES,
                         ids=[f"{p}/{s.name}" for p, s in CASES])
def test_screen_matches_golden(profile_name, sample, tmp_path) -> None:
    image = render_golden(profile_name, sample)
    problem = differs(image, golden_path(profile_name, sample))
    if problem:
        actual = tmp_path / f"{profile_name}-{sample.name}.png"
        image.save(actual)
        pytest.fail(f"{problem}; rendered image at {actual}. If the change is intended, "
                    f"re-bless with: {BLESS_COMMAND}")
