"""Brand presets that editors own: ``brand/<name>/brand.yaml`` plus its fonts, logo and music.

Reading (:func:`load_brand`, ``extends`` deep merge), turning a preset into the plan's caption
look and rules, drawing its overlays as PNGs and checking it (:func:`validate_brand`); the one-frame
preview is rendered by :mod:`reelkit.render.brand_preview`.
"""

from reelkit.brand.overlays import Callout, LowerThirdCue, OverlayContext, build_overlays
from reelkit.brand.look import caption_rules, caption_style, music_bed
from reelkit.brand.preset import find_brand, list_brands, load_brand
from reelkit.brand.schema import Brand, BrandInfo
from reelkit.brand.validate import validate_brand

__all__ = [
    "Brand", "BrandInfo", "Callout", "LowerThirdCue", "OverlayContext", "build_overlays", "caption_rules",
    "caption_style", "find_brand", "list_brands", "load_brand", "music_bed", "validate_brand",
]
