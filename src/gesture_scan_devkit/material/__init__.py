"""Synthetic training scenes for the campaign-material detector (class 0 ``banner``, 1 ``flag``).

The real labeled set (``../shared/train/material``) has 76 training photos and not one Indonesian
baliho, spanduk or party flag in it, and we are air-gapped: no pretrained weights, no web fonts, no
scraped photos. So the detector learns what Indonesian campaign material looks like mostly from
scenes drawn here: party-coloured artwork with ballot numbers, slogans, names and portrait-like
busts, put on poles, frames, walls and stages, in perspective, wrinkled, waved, occluded by people,
relit and re-encoded. Things that look like printed panels but are not (windows, screens, traffic
signs, doors, tiles, lettering painted straight on a wall) are drawn too, without boxes, so the
detector does not learn "any coloured rectangle is a banner".

Everything is plain numpy / OpenCV / Pillow (no torch), and every random choice goes through the
``numpy.random.Generator`` the caller passes, so a seed reproduces a scene pixel for pixel on one
machine. Fonts are found at import time (Pillow's embedded font, plus DejaVu where installed); a
machine with other fonts draws other glyphs for the same seed, and a Pillow without FreeType falls
back to OpenCV's Hershey fonts.

Box policy (kept the same for every object): the box is the tight box of the object's own pixels
inside the image (the printed panel or the cloth, never the poles, legs or ropes). When later pixels
(people, signs, other banners) hide half or more of it, the box shrinks to the visible part, and an
object with less than 12 % or 40 px left visible gets no box.

Modules, by what they draw, each importing only those above it: ``labels`` (class ids, the scene,
YOLO files), ``canvas`` (random helpers, colours, noise, fonts, effects), ``people``,
``backgrounds``, ``art`` (campaign artwork and flags), ``negatives`` (look-alikes), ``scene``
(placing it all, the camera). The small random helpers (``_pick``, ``_u``...) keep their leading
underscore: they are shared inside this package only. Not part of the installed product.
"""

from .art import (
    BANNER_KINDS,
    PALETTES,
    Art,
    Campaign,
    layout_baliho,
    layout_spanduk,
    render_banner,
    word_list,
)
from .backgrounds import PHOTO_BACKGROUND_P, default_backgrounds, sample_background
from .canvas import FONTS, available_fonts
from .labels import (
    BANNER,
    CLASS_NAMES,
    FLAG,
    PHOTO_EXTENSIONS,
    SIGNBOARD,
    SynthScene,
    has_labels,
    label_path_for,
    read_yolo_labels,
    to_yolo_lines,
    write_yolo,
)
from .scene import SceneBuilder, render_scene

__all__ = [
    "BANNER",
    "BANNER_KINDS",
    "CLASS_NAMES",
    "FLAG",
    "FONTS",
    "PALETTES",
    "PHOTO_BACKGROUND_P",
    "PHOTO_EXTENSIONS",
    "SIGNBOARD",
    "Art",
    "Campaign",
    "SceneBuilder",
    "SynthScene",
    "available_fonts",
    "default_backgrounds",
    "has_labels",
    "label_path_for",
    "layout_baliho",
    "layout_spanduk",
    "read_yolo_labels",
    "render_banner",
    "render_scene",
    "sample_background",
    "to_yolo_lines",
    "word_list",
    "write_yolo",
]
