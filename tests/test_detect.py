"""The YOLO campaign-material stage: options, clear errors for bad weight files, and the shipped
weights on scenes the tests draw themselves (seeded), so no photo fixture is needed.

The model tests load ``weights/material_yolo.pt`` once per module (about a second) and run a few
320 px inferences; the file stays well under a minute on two CPU cores.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from gesture_scan.detect import synth
from gesture_scan.detect.options import ObjectOptions
from gesture_scan.detections import Detections, box_iou
from gesture_scan.errors import ConfigError, InputError, ModelError

WEIGHTS: Path | None = None  # None: the shipped weights (gesture_scan.weights)
SIZE = (480, 360)  # (w, h): not square, so a swapped axis shows up in the box checks


# -- options -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("enabled", "yes"),
        ("weights", 3),
        ("weights", ""),
        ("device", "gpu"),
        ("device", "cuda:x"),
        ("device", "CPU"),
        ("imgsz", 0),
        ("imgsz", 300),  # not a multiple of 32
        ("imgsz", 8192),
        ("imgsz", 320.0),
        ("imgsz", True),
        ("conf", -0.1),
        ("conf", 1.5),
        ("conf", "0.3"),
        ("iou", 1.01),
        ("iou", None),
        ("max_det", 0),
        ("max_det", 2.5),
        ("max_det", 100_000),
    ],
)
def test_bad_options_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"ObjectOptions.{field}"):
        ObjectOptions(**{field: value})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"device": "cpu"},
        {"device": "cuda"},
        {"device": "cuda:1"},
        {"imgsz": 640, "conf": 0.0, "iou": 1.0, "max_det": 1},
        {"enabled": False},
    ],
)
def test_good_options(kwargs: dict) -> None:
    opts = ObjectOptions(**kwargs)
    for key, value in kwargs.items():
        assert getattr(opts, key) == value


def test_weights_given_as_text_become_a_path(tmp_path: Path) -> None:
    assert ObjectOptions(weights=str(tmp_path / "m.pt")).weights == tmp_path / "m.pt"  # type: ignore[arg-type]


def test_package_imports_without_torch() -> None:
    """The stage module must import torch/ultralytics lazily (inside the class)."""
    import subprocess
    import sys

    code = (
        "import sys; import gesture_scan.detect.stage, gesture_scan.detect.options; "
        "bad = [m for m in ('torch', 'ultralytics') if m in sys.modules]; "
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- bad weight files ------------------------------------------------------------------------


def test_missing_weights_file_is_a_model_error(tmp_path: Path) -> None:
    from gesture_scan.detect.stage import ObjectStage

    missing = tmp_path / "nowhere" / "material_yolo.pt"
    with pytest.raises(ModelError, match="not found") as info:
        ObjectStage(ObjectOptions(weights=missing))
    assert str(missing) in str(info.value)


@pytest.mark.models
@pytest.mark.parametrize(
    "content",
    [b"", b"this is not a checkpoint\x00\xff" * 100, b"PK\x03\x04" + bytes(range(256)) * 8],
    ids=["empty", "garbage", "broken-zip"],
)
def test_corrupt_weights_file_is_a_model_error(tmp_path: Path, content: bytes) -> None:
    from gesture_scan.detect.stage import ObjectStage

    bad = tmp_path / "material_yolo.pt"
    bad.write_bytes(content)
    with pytest.raises(ModelError) as info:
        ObjectStage(ObjectOptions(weights=bad, device="cpu"))
    assert str(bad) in str(info.value)


@pytest.mark.models
def test_truncated_shipped_weights_are_a_model_error(tmp_path: Path) -> None:
    from gesture_scan.detect.stage import ObjectStage, default_weights

    data = (WEIGHTS or default_weights()).read_bytes()
    cut = tmp_path / "material_yolo.pt"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="not a loadable"):
        ObjectStage(ObjectOptions(weights=cut, device="cpu"))


# -- the shipped model on drawn scenes ---------------------------------------------------------


@pytest.fixture(scope="module")
def stage() -> Iterator:
    from gesture_scan.detect.stage import ObjectStage

    with ObjectStage(ObjectOptions(weights=WEIGHTS, device="cpu")) as st:
        yield st


def banner_scene(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A procedural background with one large, frontal baliho pasted flat: the easiest positive
    there is, so a miss means the model (or the box mapping) is broken, not that it is hard."""
    rng = np.random.default_rng(seed)
    w, h = SIZE
    bg, _, _ = synth.sample_background(rng, (w, h))
    builder = synth.SceneBuilder(bg)
    bw, bh = int(w * 0.55), int(h * 0.5)
    art = synth.render_banner(rng, bw, bh, "baliho")
    x, y = int(w * 0.3), int(h * 0.2)
    builder.paste(art, None, x, y, cls=synth.BANNER)
    return builder.image, np.array([[x, y, x + bw, y + bh]], np.float32)


def plain_background(seed: int) -> np.ndarray:
    return synth.sample_background(np.random.default_rng(seed), SIZE)[0]


@pytest.mark.models
def test_shipped_weights_load(stage) -> None:
    from gesture_scan.detect.stage import CLASS_NAMES, default_weights

    assert default_weights().name == "material_yolo.pt"
    assert default_weights().is_file(), "weights/material_yolo.pt is not shipped"
    assert CLASS_NAMES == ("banner", "flag")
    assert stage.device == "cpu"


@pytest.mark.models
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finds_a_large_frontal_banner(stage, seed: int) -> None:
    image, truth = banner_scene(seed)
    dets = stage.detect(image)
    assert isinstance(dets, Detections)
    assert dets.class_names == ("banner", "flag")
    banners = dets[dets.class_id == 0]
    assert len(banners), f"no banner found (got {dets.to_dicts()})"
    assert (banners.confidence >= stage.options.conf).all()
    best = float(box_iou(banners.xyxy, truth).max())
    assert best > 0.5, f"best banner box IoU {best:.2f} with the true box {truth.tolist()}"


def featureless(kind: str) -> np.ndarray:
    w, h = SIZE
    if kind == "grey":
        return np.full((h, w, 3), 128, np.uint8)
    if kind == "gradient":
        ramp = np.linspace(60, 230, h, dtype=np.float32)[:, None, None]
        return np.broadcast_to(ramp, (h, w, 3)).astype(np.uint8)
    noise = np.random.default_rng(0).normal(128, 30, (h, w, 3))
    return np.clip(noise, 0, 255).astype(np.uint8)


@pytest.mark.models
@pytest.mark.parametrize("kind", ["grey", "gradient", "noise"])
def test_featureless_image_gives_nothing(stage, kind: str) -> None:
    dets = stage.detect(featureless(kind))
    assert len(dets) == 0, f"objects on a {kind} image: {dets.to_dicts()}"


@pytest.mark.models
def test_plain_procedural_backgrounds_rarely_give_a_banner(stage) -> None:
    """100 procedural backgrounds (streets, rooms, walls, fields; no material drawn on them).

    Not zero: the shipped weights call 7 of these 100 a banner at the default conf, every one a
    cartoon building facade of the street background (see weights/MODEL_CARD.md). The bound
    catches a regression, it is not a target."""
    hits = []
    for seed in range(100):
        dets = stage.detect(plain_background(seed))
        if (dets.class_id == 0).any():
            hits.append((seed, dets.to_dicts()))
    assert len(hits) <= 10, f"{len(hits)} of 100 plain backgrounds show a banner: {hits}"


@pytest.mark.models
def test_boxes_are_in_input_pixels_when_upscaled(stage) -> None:
    image, truth = banner_scene(0)
    big = cv2.resize(image, (SIZE[0] * 2, SIZE[1] * 2), interpolation=cv2.INTER_LINEAR)
    small_dets, big_dets = stage.detect(image), stage.detect(big)
    assert (big_dets.xyxy[:, [0, 2]] <= big.shape[1]).all()
    assert (big_dets.xyxy[:, [1, 3]] <= big.shape[0]).all()

    def best_banner(dets: Detections, true_box: np.ndarray) -> np.ndarray:
        banners = dets[dets.class_id == 0]
        assert len(banners), f"no banner in {dets.to_dicts()}"
        return banners.xyxy[int(box_iou(banners.xyxy, true_box)[:, 0].argmax())]

    small_box, big_box = best_banner(small_dets, truth), best_banner(big_dets, truth * 2)
    assert box_iou(big_box, truth * 2)[0, 0] > 0.5  # in the big image's pixels, not the small's
    iou = float(box_iou(small_box * 2, big_box)[0, 0])
    assert iou > 0.9, f"2x copy's box {big_box} vs twice the original's {small_box * 2}"


@pytest.mark.models
def test_batch_matches_single(stage) -> None:
    images = [banner_scene(1)[0], plain_background(10), banner_scene(2)[0][:200, :300].copy()]
    batch = stage.detect_batch(images, batch_size=2)
    assert len(batch) == len(images)
    for image, got in zip(images, batch):
        one = stage.detect(image)
        assert len(one) == len(got)
        if len(one):
            assert np.allclose(one.xyxy, got.xyxy, atol=2.0)
            assert np.array_equal(one.class_id, got.class_id)
    assert stage.detect_batch([]) == []


@pytest.mark.models
@pytest.mark.parametrize(
    "bad",
    [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 4), np.uint8), np.zeros((10, 10, 3))],
    ids=["grey", "rgba", "float"],
)
def test_bad_arrays_are_input_errors(stage, bad: np.ndarray) -> None:
    with pytest.raises(InputError):
        stage.detect(bad)


@pytest.mark.models
def test_closed_stage_refuses(tmp_path: Path) -> None:
    from gesture_scan.detect.stage import ObjectStage

    st = ObjectStage(ObjectOptions(weights=WEIGHTS, device="cpu"))
    st.close()
    with pytest.raises(ModelError, match="closed"):
        st.detect(plain_background(0))
