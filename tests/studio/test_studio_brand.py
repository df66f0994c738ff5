"""Brand mode in headless Chromium: the preset on every platform, and a colour saved in the
preset file shows in the page within 2 s (then the previews are drawn again, in that colour)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from studio_helpers import browser  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow
NEW_ACCENT = "#00C853"


@pytest.fixture()
def brand_studio(tmp_path: Path):
    from reelkit.brand.preset import shipped_brand_dir
    from reelkit.studio.brandmode import BrandWatch
    from reelkit.studio.serve import StudioServer
    from reelkit.studio.server import brand_app

    folder = tmp_path / "ours"
    shutil.copytree(shipped_brand_dir() / "default", folder)
    watch = BrandWatch(folder, tmp_path / "state")
    server = StudioServer(port=0).mount(lambda token, hosts: brand_app(watch, token, hosts)).start()
    yield watch, server, folder / "brand.yaml"
    server.stop()
    watch.close()


def accent_pixels(png: Path) -> int:
    """Pixels of the preview in the new accent colour (the progress bar is drawn in it)."""
    from PIL import Image

    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    target = np.array([0x00, 0xC8, 0x53])
    return int((np.abs(rgb - target).sum(axis=2) < 30).sum())


def test_saving_the_preset_updates_the_page_within_2_s(brand_studio, browser) -> None:  # noqa: F811
    watch, server, preset = brand_studio
    page = browser.new_page()
    page.goto(server.url)
    page.wait_for_selector(".colour[data-name='accent'][data-value='#FFD400']")
    page.wait_for_function("document.querySelectorAll('#previews img').length === 4", timeout=60_000)
    assert sorted(page.eval_on_selector_all("#previews img", "els => els.map(e => e.dataset.platform)")) == \
        ["reels", "shorts", "snapchat", "tiktok"]
    first = page.eval_on_selector("#previews img[data-platform='tiktok']", "e => e.src")

    preset.write_text(preset.read_text(encoding="utf-8").replace('accent: "#FFD400"', f'accent: "{NEW_ACCENT}"'),
                      encoding="utf-8")
    saved = time.monotonic()
    page.wait_for_selector(f".colour[data-name='accent'][data-value='{NEW_ACCENT}']", timeout=2000)
    assert time.monotonic() - saved < 2.0
    # The previews follow, drawn with the new colour.
    page.wait_for_function(f"document.querySelector(\"#previews img[data-platform='tiktok']\") && "
                           f"document.querySelector(\"#previews img[data-platform='tiktok']\").src !== '{first}'",
                           timeout=60_000)
    name = watch.previews["tiktok"].rsplit("/", 1)[1]
    assert accent_pixels(watch.state_dir / "brand" / name) > 500

    # A broken value is shown as a problem, not a crash.
    preset.write_text(preset.read_text(encoding="utf-8").replace(f'accent: "{NEW_ACCENT}"', 'accent: "#GGGGGG"'),
                      encoding="utf-8")
    page.wait_for_function("[...document.querySelectorAll('#problems li.fail')].some(li => li.textContent.includes('accent'))",
                           timeout=2000)
    page.close()
