"""Fill ``samples/`` for the README's first command.

We may not commit third-party photos, so real photos come from installed packages at set-up time
(copied into the git-ignored ``samples/packaged/``): Ultralytics' ``bus.jpg`` and ``zidane.jpg`` and
matplotlib's ``grace_hopper.jpg``. The committed ``samples/rendered_*.jpg`` are scenes this project
draws itself (``--render`` redraws them, seeded).
"""

from __future__ import annotations

import argparse
import shutil
from importlib.util import find_spec
from pathlib import Path

import numpy as np

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
        spec = find_spec(package)
        if spec is None or spec.origin is None:
            print(f"skip {name}: {package} is not installed")
            continue
        src = Path(spec.origin).parent / rel
        if src.exists():
            shutil.copyfile(src, dest / name)
            copied.append(dest / name)
    return copied


def render(dest: Path, seed: int = 2024) -> list[Path]:
    import cv2

    from gesture_scan.detect.synth import render_scene

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
    ap.add_argument("--render", action="store_true", help="also redraw the committed scenes")
    args = ap.parse_args()
    paths = copy_packaged(SAMPLES / "packaged")
    if args.render:
        paths += render(SAMPLES)
    for p in paths:
        print("sample:", p.relative_to(SAMPLES.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
