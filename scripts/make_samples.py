"""Fill ``samples/`` for the README's first command.

The committed photos (see ``samples/SOURCES.md``) are composites this project draws from material
it may redistribute: ``samples/group_*.jpg``, ``banner_02_street.jpg`` and the deliberately broken
``broken_download.jpg`` by ``scripts/render_samples.py`` (one of each severity the scan gives), and
``samples/rendered_campaign_*.jpg`` by :mod:`gesture_scan_devkit.material`. ``--render``
redraws them all, seeded (it needs ``../shared/train``).

We may not commit third-party photos, so the real photos that installed packages ship are copied
at set-up time into the git-ignored ``samples/packaged/``: matplotlib's ``grace_hopper.jpg``
(matplotlib comes with mediapipe) and, where the ``[gpu]`` extra put Ultralytics in, its
``bus.jpg`` and ``zidane.jpg``. A package that is not installed is skipped without a word: the
samples do not need it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from importlib.util import find_spec
from pathlib import Path

import numpy as np

sys.path.append(
    str(Path(__file__).resolve().parents[1] / "src")
)  # gesture_scan_devkit: not installed

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
PACKAGED = [
    ("ultralytics", "assets/bus.jpg", "bus.jpg"),
    ("ultralytics", "assets/zidane.jpg", "zidane.jpg"),
    ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg", "grace_hopper.jpg"),
]


def copy_packaged(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for package, rel, name in PACKAGED:
        try:
            spec = find_spec(package)
        except (ImportError, ValueError):  # a broken install counts as none
            spec = None
        if spec is None or spec.origin is None:
            continue  # optional (Ultralytics comes only with the [gpu] extra)
        src = Path(spec.origin).parent / rel
        if src.exists():
            shutil.copyfile(src, dest / name)
            copied.append(dest / name)
    return copied


def render_campaign(dest: Path, seed: int = 2024) -> list[Path]:
    """``rendered_campaign_*.jpg``: synthetic campaign scenes, nobody in them posing."""
    import cv2

    from gesture_scan_devkit.material import render_scene

    rng = np.random.default_rng(seed)
    out = []
    for i in range(2):
        scene = render_scene(rng, size=(1280, 853), backgrounds=None)
        path = dest / f"rendered_campaign_{i + 1}.jpg"
        cv2.imwrite(
            str(path), cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85]
        )
        out.append(path)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--render", action="store_true", help="also redraw the committed samples (needs ../shared)"
    )
    args = ap.parse_args()
    paths = copy_packaged(SAMPLES / "packaged")
    if args.render:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import render_samples

        paths += render_campaign(SAMPLES)
        paths += render_samples.render(SAMPLES)
    for p in paths:
        print("sample:", p.relative_to(SAMPLES.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
