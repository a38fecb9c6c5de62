"""The synthetic campaign-material generator: reproducible, valid YOLO, boxes on the material.

Everything except the ``shared`` tests runs on procedural backgrounds or on tiny photos written
into ``tmp_path``, so it needs neither ``../shared`` nor any font beyond Pillow's own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml

from gesture_scan.errors import ConfigError, InputError
from gesture_scan_devkit import material as synth
from gesture_scan_devkit.material import canvas

from .scripts import load_script

ROOT = Path(__file__).parents[1]
SHARED = Path(__file__).parents[1].parent / "shared"
SIZE = (320, 256)  # not square, so a swapped width/height shows up


def needs_shared() -> None:
    if not (SHARED / "train" / "material" / "images" / "train").is_dir():
        pytest.skip(f"{SHARED} is absent: the real material photos are not on this machine")


def _scene(seed: int, **kw) -> synth.SynthScene:
    return synth.render_scene(np.random.default_rng(seed), SIZE, **kw)


def _labeled_photo(tmp_path: Path, box: tuple[int, int, int, int]) -> Path:
    """A 400x300 grey photo with one red 'banner' at ``box``, in YOLO layout (PNG: no JPEG
    ringing around the rectangle)."""
    img = np.full((300, 400, 3), 120, np.uint8)
    x0, y0, x1, y1 = box
    img[y0:y1, x0:x1] = (0, 0, 230)  # BGR red
    path = tmp_path / "images" / "train" / "wall.png"
    path.parent.mkdir(parents=True)
    cv2.imwrite(str(path), img)
    lab = tmp_path / "labels" / "train" / "wall.txt"
    lab.parent.mkdir(parents=True)
    cx, cy, w, h = (x0 + x1) / 800, (y0 + y1) / 600, (x1 - x0) / 400, (y1 - y0) / 300
    lab.write_text(f"0 {cx} {cy} {w} {h}\n")
    return path


@pytest.mark.parametrize("negative", [False, True])
def test_same_seed_same_scene(negative: bool) -> None:
    a, b = _scene(11, negative=negative), _scene(11, negative=negative)
    assert np.array_equal(a.image, b.image)
    assert np.array_equal(a.boxes, b.boxes)
    assert np.array_equal(a.classes, b.classes)
    assert not np.array_equal(a.image, _scene(12, negative=negative).image)


def test_same_seed_same_scene_on_photos(tmp_path: Path) -> None:
    photo = _labeled_photo(tmp_path, (100, 80, 220, 160))
    a, b = _scene(5, backgrounds=[photo]), _scene(5, backgrounds=[photo])
    assert np.array_equal(a.image, b.image)
    assert np.array_equal(a.boxes, b.boxes)


@pytest.mark.parametrize("seed", range(8))
def test_scene_labels_are_valid_yolo(seed: int, tmp_path: Path) -> None:
    scene = _scene(seed)
    w, h = SIZE
    assert scene.image.shape == (h, w, 3) and scene.image.dtype == np.uint8
    assert len(scene.boxes) >= 1, "a positive scene must show some material"
    assert set(scene.classes.tolist()) <= {synth.BANNER, synth.FLAG, synth.SIGNBOARD}
    x0, y0, x1, y1 = scene.boxes.T
    assert (x0 >= 0).all() and (y0 >= 0).all() and (x1 <= w).all() and (y1 <= h).all()
    assert (x1 > x0).all() and (y1 > y0).all()

    lines = synth.to_yolo_lines(scene)
    assert len(lines) == len(scene.boxes)
    for line in lines:
        c, *coords = line.split()
        assert int(c) in synth.CLASS_NAMES
        vals = np.array([float(v) for v in coords])
        assert ((vals > 0) & (vals <= 1)).all(), line
        cx, cy, bw, bh = vals
        assert cx - bw / 2 >= -1e-6 and cx + bw / 2 <= 1 + 1e-6
        assert cy - bh / 2 >= -1e-6 and cy + bh / 2 <= 1 + 1e-6

    img_path, lab_path = tmp_path / "images" / "s.jpg", tmp_path / "labels" / "s.txt"
    synth.write_yolo(scene, img_path, lab_path)
    assert cv2.imread(str(img_path)).shape == (h, w, 3)
    assert lab_path.read_text().splitlines() == lines


def test_negative_scene_has_empty_label_file(tmp_path: Path) -> None:
    for seed in range(4):
        scene = _scene(seed, negative=True)
        assert len(scene.boxes) == 0 and len(scene.classes) == 0
        lab = tmp_path / f"n{seed}.txt"
        synth.write_yolo(scene, tmp_path / f"n{seed}.jpg", lab)
        assert lab.exists() and lab.read_text() == ""


def test_negative_scene_never_uses_a_labeled_photo(tmp_path: Path) -> None:
    photo = _labeled_photo(tmp_path, (100, 80, 220, 160))
    for seed in range(6):
        assert len(_scene(seed, negative=True, backgrounds=[photo]).boxes) == 0


def _changed(builder: synth.SceneBuilder, grey: int) -> np.ndarray:
    return (builder.image.astype(np.int16) != grey).any(-1)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("what", ["banner", "flag"])
def test_box_covers_rendered_material(seed: int, what: str) -> None:
    grey = 128
    b = synth.SceneBuilder(np.full((320, 320, 3), grey, np.uint8))
    rng = np.random.default_rng(seed)
    if what == "banner":
        assert b.add_banner(rng, width_frac=0.45)
    else:
        b.add_flag(rng, width_frac=0.3)
    boxes, classes = b.labels()
    assert len(boxes) == 1
    # a commercial board (drawn now and then) is a signboard, the detector's reject class
    assert classes[0] in ((synth.BANNER, synth.SIGNBOARD) if what == "banner" else (synth.FLAG,))
    x0, y0, x1, y1 = boxes[0].astype(int)
    inside = _changed(b, grey)[y0:y1, x0:x1]
    # the box is filled with rendered material (cloth waves leave some grey in the corners) ...
    assert inside.mean() > 0.6
    # ... and is tight: every edge of the box touches rendered pixels
    assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any()


@pytest.mark.parametrize(
    ("covered_cols", "expect"),
    [
        (0, "full"),  # nothing in front
        (30, "full"),  # 30 % hidden: keep the whole banner
        (70, "visible"),  # 70 % hidden: box shrinks to what is seen
        (96, "none"),  # 96 % hidden: no box
    ],
)
def test_occlusion_policy(covered_cols: int, expect: str) -> None:
    b = synth.SceneBuilder(np.zeros((200, 300, 3), np.uint8))
    b.paste(np.full((50, 100, 3), 200, np.uint8), None, 100, 50, cls=synth.BANNER)
    if covered_cols:
        b.paste(np.full((80, covered_cols, 3), 90, np.uint8), None, 100, 40)
    boxes, _ = b.labels()
    if expect == "full":
        assert boxes.tolist() == [[100, 50, 200, 100]]
    elif expect == "visible":
        assert boxes.tolist() == [[100 + covered_cols, 50, 200, 100]]
    else:
        assert len(boxes) == 0


def test_photo_labels_follow_the_crop(tmp_path: Path) -> None:
    photo = _labeled_photo(tmp_path, (100, 80, 220, 160))
    used = 0
    for seed in range(12):
        img, boxes, classes = synth.sample_background(
            np.random.default_rng(seed), (200, 160), [photo]
        )
        if len(boxes) == 0:  # a procedural background, or a crop that cut the banner away
            continue
        used += 1
        red = (img[..., 0] > 180) & (img[..., 1] < 80) & (img[..., 2] < 80)
        assert classes.tolist() == [0]
        x0, y0, x1, y1 = boxes[0]
        ys, xs = np.nonzero(red)
        assert xs.min() >= x0 - 2 and xs.max() <= x1 + 1
        assert ys.min() >= y0 - 2 and ys.max() <= y1 + 1
        assert red[int(y0) + 2 : int(y1) - 2, int(x0) + 2 : int(x1) - 2].mean() > 0.9
    assert used >= 3


@pytest.mark.parametrize("kind", [*synth.BANNER_KINDS, None])
def test_render_banner_kinds(kind: str | None) -> None:
    art = synth.render_banner(np.random.default_rng(3), 300, 150, kind)
    assert art.shape == (150, 300, 3) and art.dtype == np.uint8
    assert len(np.unique(art.reshape(-1, 3), axis=0)) > 8, "artwork should not be a flat colour"


@pytest.mark.parametrize(("kind", "cls"), [("baliho", 0), ("spanduk", 0), ("commercial", 2)])
def test_commercial_boards_are_labelled_signboard(kind: str, cls: int) -> None:
    """Shop and billboard adverts teach the detector what is *not* campaign material; they get
    the class the real signage photos' signboards get, never banner."""
    b = synth.SceneBuilder(np.full((320, 320, 3), 128, np.uint8))
    assert b.add_banner(np.random.default_rng(3), kind=kind, width_frac=0.45)
    assert b.labels()[1].tolist() == [cls]
    assert synth.CLASS_NAMES[cls] == ("signboard" if kind == "commercial" else "banner")


def test_render_banner_rejects_bad_input() -> None:
    with pytest.raises(ConfigError, match="kind"):
        synth.render_banner(np.random.default_rng(0), 100, 50, "billboard")
    with pytest.raises(ConfigError, match="size"):
        synth.render_banner(np.random.default_rng(0), 4, 50)
    with pytest.raises(ConfigError, match="size"):
        synth.render_scene(np.random.default_rng(0), (32, 32))


def test_works_without_freetype_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Pillow built without FreeType: text falls back to OpenCV's Hershey fonts."""
    monkeypatch.setattr(canvas, "FONTS", ())
    plain = synth.render_banner(np.random.default_rng(1), 400, 100, "spanduk")
    assert len(np.unique(plain.reshape(-1, 3), axis=0)) > 8
    assert len(_scene(2).boxes) >= 1


def test_bad_label_file_is_reported(tmp_path: Path) -> None:
    photo = _labeled_photo(tmp_path, (10, 10, 50, 50))
    synth.label_path_for(photo).write_text("0 0.5 0.5\n")  # type: ignore[union-attr]
    with pytest.raises(InputError, match=r"wall\.txt"):
        synth.read_yolo_labels(synth.label_path_for(photo))  # type: ignore[arg-type]


@pytest.mark.shared
def test_default_backgrounds_respect_the_data_rules() -> None:
    needs_shared()
    paths = synth.default_backgrounds(SHARED)
    names = [p.name for p in paths]
    assert any(n.startswith("epsrc_") for n in names) and any(n.startswith("hands_") for n in names)
    assert not any(n.startswith("sld_") for n in names), "100x100 SLD crops are too small"
    for p in paths:
        rel = p.relative_to(SHARED).as_posix()
        assert "fieldset" not in rel and "unlabeled" not in rel and "/val/" not in rel
    assert sum(synth.has_labels(p) for p in paths) > 50


@pytest.mark.shared
def test_scene_on_real_photo_carries_its_labels() -> None:
    needs_shared()
    photo = SHARED / "train" / "material" / "images" / "train" / "parth_3.jpg"
    if not photo.exists():
        pytest.skip(f"{photo} not in this copy of shared")
    seen = 0
    for seed in range(6):
        _, boxes, classes = synth.sample_background(
            np.random.default_rng(seed), (320, 320), [photo]
        )
        if len(boxes):
            seen += 1
            assert set(classes.tolist()) <= {0, 1}
            assert (boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= 320).all()
    assert seen >= 2


def test_dataset_builder_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    cmd = [
        sys.executable, str(ROOT / "scripts" / "make_material_dataset.py"),
        "--out", str(out), "--n-train", "3", "--n-val", "2", "--seed", "7",
        "--imgsz", "160", "--no-real", "--no-photos",
    ]  # fmt: skip
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert Path(data["path"]).is_absolute() and data["train"] == "images/train"
    assert data["names"] == {0: "banner", 1: "flag", 2: "signboard"}
    synth_yaml = yaml.safe_load((out / "data_synth.yaml").read_text())
    assert synth_yaml["val"] == "images/val_synth"
    for split, n in (("train", 3), ("val_synth", 2)):
        imgs = sorted((out / "images" / split).glob("*.jpg"))
        labs = sorted((out / "labels" / split).glob("*.txt"))
        assert len(imgs) == n and [p.stem for p in imgs] == [p.stem for p in labs]
    # a second run into the same folder must not silently mix datasets
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--overwrite" in again.stderr


def _builder_module():
    return load_script("make_material_dataset")


@pytest.mark.parametrize("seed", range(5))
def test_real_photo_augmentation_moves_boxes_with_pixels(seed: int) -> None:
    img = np.full((300, 400, 3), 120, np.uint8)
    img[60:140, 50:170] = (230, 0, 0)
    img[180:260, 250:330] = (0, 0, 230)
    boxes = np.array([[50, 60, 170, 140], [250, 180, 330, 260]], np.float32)
    aug, out, cls = _builder_module().augment_real(
        img, boxes, np.array([0, 1]), np.random.default_rng(seed)
    )
    assert 0 < len(out) <= 2 and set(cls.tolist()) <= {0, 1}
    for (x0, y0, x1, y1), c in zip(out, cls):
        # the colour jitter keeps hue within a few degrees: red stays red, blue stays blue
        ch = 0 if c == 0 else 2
        colour = aug[..., ch].astype(int) > aug[..., 1].astype(int) + 60
        inside = np.zeros_like(colour)
        inside[max(0, int(y0) - 1) : int(y1) + 2, max(0, int(x0) - 1) : int(x1) + 2] = True
        assert colour[int(y0) + 2 : int(y1) - 2, int(x0) + 2 : int(x1) - 2].mean() > 0.95
        assert not (colour & ~inside).any(), "the box must hold all of its object's pixels"
