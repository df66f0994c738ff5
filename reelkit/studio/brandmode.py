"""Brand mode: a preset on a sample frame for every platform with its safe zones and problems,
refreshed when the preset file (or a preset it extends) is saved.

A watcher thread polls the preset chain's modification times every POLL seconds. On a
change it reads the preset (:mod:`reelkit.brand.preset`), collects its problems
(:func:`reelkit.brand.validate.validate_brand`) and announces the new palette at once
(``brand`` event), then draws one preview per platform
(:func:`reelkit.render.brand_preview.render_preview`, two at a time) and announces them
(``previews`` event).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from reelkit.brand.preset import build_brand, find_brand, read_preset
from reelkit.brand.validate import validate_brand
from reelkit.errors import ReelkitError
from reelkit.plan.platforms import DEFAULT_PLATFORMS, load_platforms
from reelkit.render.brand_preview import render_preview
from reelkit.studio.events import Events

log = logging.getLogger(__name__)
POLL = 0.2


class BrandWatch:
    """The preset's current look, problems and previews; kept fresh by a polling thread."""

    def __init__(self, name_or_path: str | Path, state_dir: Path, sample: tuple[Path, float] | None = None) -> None:
        self.preset_file = find_brand(name_or_path)
        self.state_dir = state_dir
        self.sample = sample
        self.events = Events()
        known = load_platforms()
        self.platforms = [known[n] for n in DEFAULT_PLATFORMS if n in known]
        self.version = 0
        self.data: dict[str, Any] = {}
        self.previews: dict[str, str] = {}
        self._stamp: tuple[Any, ...] = ()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1)  # newest preset drawn after the one in hand
        self.refresh()
        threading.Thread(target=self._watch, name="studio-brand", daemon=True).start()

    def _files(self) -> list[Path]:
        chain = self.data.get("files") or [str(self.preset_file)]
        return [Path(f) for f in chain]

    def _stamps(self) -> tuple[Any, ...]:
        out = []
        for f in self._files():
            try:
                st = f.stat()
                out.append((str(f), st.st_mtime_ns, st.st_size))
            except OSError:
                out.append((str(f), None, None))
        return tuple(out)

    def _watch(self) -> None:
        while not self._stop.wait(POLL):
            if self._stamps() != self._stamp:
                try:
                    self.refresh()
                except Exception:  # the watcher must outlive a half-saved file
                    log.exception("brand refresh failed")

    def refresh(self) -> None:
        """Read the preset again, announce it, then draw and announce its previews."""
        self._stamp = self._stamps()
        self.version += 1
        version = self.version
        problems: list[Any] = []
        data: dict[str, Any] = {"version": version, "file": str(self.preset_file), "colours": {}, "caption": {}}
        try:
            raw = read_preset(self.preset_file, problems)
            brand = build_brand(raw)
            data["files"] = list(raw.files)
            data["colours"] = dataclasses.asdict(brand.colours)
            data["caption"] = {k: v for k, v in dataclasses.asdict(brand.captions).items() if "colour" in k}
        except ReelkitError as exc:
            brand = None
            data["files"] = [str(self.preset_file)]
            problems.append(exc)
        data["problems"] = validate_brand(self.preset_file, self.platforms)
        data["seen"] = time.time()
        self.data = data
        self._stamp = self._stamps()
        self.events.emit("brand", {"version": version})
        if brand is not None:
            self._pool.submit(self._draw, brand, version)

    def _draw(self, brand: Any, version: int) -> None:
        folder = self.state_dir / "brand"
        folder.mkdir(parents=True, exist_ok=True)
        pngs = {p.name: folder / f"{p.name}-{version}.png" for p in self.platforms}
        try:
            with ThreadPoolExecutor(max_workers=2) as pool:  # one ffmpeg call each, two at a time
                for job in [pool.submit(render_preview, brand, p, pngs[p.name], self.sample) for p in self.platforms]:
                    job.result()
        except ReelkitError as exc:
            self.events.emit("previews", {"version": version, "error": exc.one_line()})
            return
        if version == self.version:
            self.previews = {name: f"/files/cache/brand/{png.name}" for name, png in pngs.items()}
            for old in folder.glob("*.png"):
                if not old.name.endswith(f"-{version}.png"):
                    old.unlink(missing_ok=True)
            self.events.emit("previews", {"version": version})

    def view(self) -> dict[str, Any]:
        """The page model: palette, caption colours, problems and the latest previews."""
        boxes = {p.name: {"box": p.safe_zone.box(p.width, p.height), "size": [p.width, p.height]}
                 for p in self.platforms}
        return dict(self.data, previews=self.previews, platforms=boxes)

    def close(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
