"""The YOLO campaign-material stage: options, how a backend is picked, clear errors for bad weight
files, the shipped weights on scenes the tests draw themselves (seeded) through both backends
(onnxruntime and torch), and the two backends' agreement on real photos (``samples/``, and
``../shared/train/material`` when present).

The model tests load ``weights/material_yolo.pt`` and ``material_yolo.onnx`` a few times per module
and run a few hundred 320 px inferences; the file stays around a minute on two CPU cores.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from gesture_scan.detect.options import ObjectOptions
from gesture_scan.detections import Detections, box_iou
from gesture_scan.errors import ConfigError, InputError, ModelError
from gesture_scan_devkit import material as synth
from gesture_scan_devkit.handset import shared_dir

WEIGHTS: Path | None = None  # None: the shipped weights (gesture_scan.weights)
SIZE = (480, 360)  # (w, h): not square, so a swapped axis shows up in the box checks
ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("onnx", "torch")


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
        ("backend", "ONNX"),
        ("backend", "openvino"),
        ("backend", None),
        ("threads", -1),
        ("threads", 1.5),
        ("threads", True),
        ("threads", 1000),
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
        {"backend": "onnx", "device": "cpu", "threads": 1},
        {"backend": "torch", "device": "cuda:0"},
        {"backend": "auto", "threads": 256},
        {"weights": Path("m.onnx"), "device": "auto"},
    ],
)
def test_good_options(kwargs: dict) -> None:
    opts = ObjectOptions(**kwargs)
    for key, value in kwargs.items():
        assert getattr(opts, key) == value


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        # onnxruntime's CPU build cannot take a GPU; silently running on the CPU would surprise
        ({"backend": "onnx", "device": "cuda"}, "device"),
        ({"weights": "m.onnx", "device": "cuda:1"}, "device"),
        ({"weights": "m.onnx", "backend": "torch"}, "backend"),
        ({"weights": "M.ONNX", "backend": "torch"}, "backend"),
    ],
)
def test_conflicting_backend_options(kwargs: dict, field: str) -> None:
    with pytest.raises(ConfigError, match=f"ObjectOptions.{field}"):
        ObjectOptions(**kwargs)


# -- which backend runs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "gpu", "backend", "file"),
    [
        ({}, False, "onnx", "SHIPPED.onnx"),
        ({}, True, "torch", "SHIPPED.pt"),  # auto device with a GPU: torch takes it
        ({"device": "cpu"}, True, "onnx", "SHIPPED.onnx"),
        ({"device": "cuda"}, False, "torch", "SHIPPED.pt"),  # asked for: torch says if it is there
        ({"device": "cuda:1"}, True, "torch", "SHIPPED.pt"),
        ({"backend": "torch"}, False, "torch", "SHIPPED.pt"),
        ({"backend": "onnx"}, True, "onnx", "SHIPPED.onnx"),
        ({"weights": "SHIPPED.pt"}, False, "onnx", "SHIPPED.onnx"),  # the default, spelled out
        ({"weights": "TMP/mine.pt"}, False, "torch", "TMP/mine.pt"),  # a user's own checkpoint
        ({"weights": "TMP/mine.pt", "backend": "onnx"}, False, "onnx", "TMP/mine.onnx"),
        ({"weights": "TMP/mine.onnx"}, True, "onnx", "TMP/mine.onnx"),
        ({"weights": "TMP/mine.onnx", "backend": "onnx"}, False, "onnx", "TMP/mine.onnx"),
    ],
)
def test_backend_selection(
    tmp_path: Path, kwargs: dict, gpu: bool, backend: str, file: str
) -> None:
    from gesture_scan.detect.stage import default_weights, select_backend

    shipped = default_weights().with_suffix("")

    def path(text: str) -> Path:
        return Path(text.replace("SHIPPED", str(shipped)).replace("TMP", str(tmp_path)))

    if "weights" in kwargs:
        kwargs = {**kwargs, "weights": path(kwargs["weights"])}
    assert select_backend(ObjectOptions(**kwargs), gpu=gpu) == (backend, path(file))


def test_auto_falls_back_to_torch_without_the_onnx_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gesture_scan.detect import stage

    monkeypatch.setattr(stage, "default_onnx_weights", lambda: tmp_path / "material_yolo.onnx")
    assert stage.select_backend(ObjectOptions(device="cpu"))[0] == "torch"
    assert stage.select_backend(ObjectOptions(backend="onnx"))[1] == tmp_path / "material_yolo.onnx"


@pytest.mark.parametrize("value", ["", "-1", " -1 "])
def test_hidden_gpus_are_not_visible(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from gesture_scan.detect.stage import nvidia_gpu_visible

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", value)
    assert nvidia_gpu_visible() is False


def test_weights_given_as_text_become_a_path(tmp_path: Path) -> None:
    assert ObjectOptions(weights=str(tmp_path / "m.pt")).weights == tmp_path / "m.pt"  # type: ignore[arg-type]


def test_package_imports_without_torch() -> None:
    """The stage modules must import torch/ultralytics/onnxruntime lazily (inside the classes)."""
    code = (
        "import sys; import gesture_scan.detect.stage, gesture_scan.detect.options, "
        "gesture_scan.detect.onnx_yolo; "
        "bad = [m for m in ('torch', 'ultralytics', 'onnxruntime') if m in sys.modules]; "
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


@pytest.mark.parametrize(
    ("kwargs", "missing"),
    [
        ({"weights": "TMP/m.pt", "backend": "onnx"}, "TMP/m.onnx"),  # the export beside the .pt
        ({"weights": "TMP/m.onnx"}, "TMP/m.onnx"),
        ({"weights": "TMP/sub/m.onnx", "backend": "onnx"}, "TMP/sub/m.onnx"),
    ],
)
def test_missing_onnx_file_is_a_model_error(tmp_path: Path, kwargs: dict, missing: str) -> None:
    from gesture_scan.detect.stage import ObjectStage

    (tmp_path / "m.pt").write_bytes(b"a .pt is here, its export is not")
    opts = ObjectOptions(
        **{**kwargs, "weights": Path(kwargs["weights"].replace("TMP", str(tmp_path)))}
    )
    with pytest.raises(ModelError, match="not found") as info:
        ObjectStage(opts)
    assert info.value.model == missing.replace("TMP", str(tmp_path))
    assert "export_yolo_onnx.py" in str(info.value)


@pytest.mark.models
@pytest.mark.parametrize("kind", ["empty", "garbage", "truncated"])
def test_corrupt_onnx_file_is_a_model_error(tmp_path: Path, kind: str) -> None:
    from gesture_scan.detect.stage import ObjectStage, default_onnx_weights

    data = default_onnx_weights().read_bytes()
    content = {"empty": b"", "garbage": b"\x08\x07not onnx\xff" * 100, "truncated": data[:50_000]}
    bad = tmp_path / "material_yolo.onnx"
    bad.write_bytes(content[kind])
    with pytest.raises(ModelError, match="not a loadable ONNX model") as info:
        ObjectStage(ObjectOptions(weights=bad))
    assert str(bad) in str(info.value)


@pytest.mark.models
def test_onnx_with_other_classes_is_a_model_error(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx", reason="the export extra (pip install -e .[export])")
    from gesture_scan.detect.stage import ObjectStage, default_onnx_weights

    proto = onnx.load(str(default_onnx_weights()))
    for prop in proto.metadata_props:
        if prop.key == "names":
            prop.value = "{0: 'person', 1: 'car'}"
    other = tmp_path / "other.onnx"
    onnx.save(proto, str(other))
    with pytest.raises(ModelError, match="expected \\('banner', 'flag'\\)"):
        ObjectStage(ObjectOptions(weights=other))


def test_shipped_onnx_is_the_export_of_the_shipped_pt() -> None:
    """A retrained .pt without a new export would leave the two backends on different models."""
    import onnxruntime as ort

    from gesture_scan.detect.stage import default_onnx_weights, default_weights

    assert default_onnx_weights().is_file(), "weights/material_yolo.onnx is not shipped"
    session = ort.InferenceSession(str(default_onnx_weights()), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    pt_sha = hashlib.sha256(default_weights().read_bytes()).hexdigest()
    assert meta.get("source_sha256") == pt_sha, "run scripts/export_yolo_onnx.py again"
    # dynamic H and W: fed the same rectangle as Ultralytics' torch predictor (see the export)
    assert [isinstance(d, int) for d in session.get_inputs()[0].shape[2:]] == [False, False]


@pytest.mark.models
def test_truncated_shipped_weights_are_a_model_error(tmp_path: Path) -> None:
    from gesture_scan.detect.stage import ObjectStage, default_weights

    data = (WEIGHTS or default_weights()).read_bytes()
    cut = tmp_path / "material_yolo.pt"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="not a loadable"):
        ObjectStage(ObjectOptions(weights=cut, device="cpu"))


# -- the shipped model on drawn scenes ---------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def stage(request: pytest.FixtureRequest) -> Iterator:
    from gesture_scan.detect.stage import ObjectStage

    opts = ObjectOptions(weights=WEIGHTS, device="cpu", backend=request.param)
    with ObjectStage(opts) as st:
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
    assert stage.weights.suffix == {"onnx": ".onnx", "torch": ".pt"}[stage.backend]


@pytest.mark.models
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finds_a_large_frontal_banner(stage, seed: int) -> None:
    image, truth = banner_scene(seed)
    found = stage.run(image)
    assert found.calls == 1  # one network run per photo
    dets = found.detections
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
    dets = stage.run(featureless(kind)).detections
    assert len(dets) == 0, f"objects on a {kind} image: {dets.to_dicts()}"


@pytest.mark.models
def test_plain_procedural_backgrounds_rarely_give_a_banner(stage) -> None:
    """100 procedural backgrounds (streets, rooms, walls, fields; no material drawn on them).

    Not zero: the shipped weights call 7 of these 100 a banner at the default conf, every one a
    cartoon building facade of the street background (see weights/MODEL_CARD.md). The bound
    catches a regression, it is not a target."""
    hits = []
    for seed in range(100):
        dets = stage.run(plain_background(seed)).detections
        if (dets.class_id == 0).any():
            hits.append((seed, dets.to_dicts()))
    assert len(hits) <= 10, f"{len(hits)} of 100 plain backgrounds show a banner: {hits}"


@pytest.mark.models
def test_boxes_are_in_input_pixels_when_upscaled(stage) -> None:
    image, truth = banner_scene(0)
    big = cv2.resize(image, (SIZE[0] * 2, SIZE[1] * 2), interpolation=cv2.INTER_LINEAR)
    small_dets, big_dets = stage.run(image).detections, stage.run(big).detections
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
        one = stage.run(image).detections
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
        stage.run(bad)


@pytest.mark.models
@pytest.mark.parametrize("backend", BACKENDS)
def test_closed_stage_refuses(backend: str) -> None:
    from gesture_scan.detect.stage import ObjectStage

    st = ObjectStage(ObjectOptions(weights=WEIGHTS, device="cpu", backend=backend))
    st.close()
    with pytest.raises(ModelError, match="closed"):
        st.run(plain_background(0))
    st.close()  # twice is fine


@pytest.mark.models
@pytest.mark.parametrize("threads", [1, 2])
def test_onnx_threads_reach_onnxruntime(threads: int) -> None:
    from gesture_scan.detect.stage import ObjectStage

    with ObjectStage(ObjectOptions(backend="onnx", threads=threads)) as st:
        assert st._onnx._session.get_session_options().intra_op_num_threads == threads


# -- the two backends agree on real photos ----------------------------------------------------

# Both backends run the same network on the same letterboxed pixels, so they differ by float
# rounding only. Measured on the 5 sample photos and the 89 photos of ../shared/train/material at
# conf 0.05 (528 detections each way, 2026-11-25, onnxruntime 1.32.0, torch 2.14.1, x86-64 CPU):
# largest score difference 7e-7, smallest IoU 0.99999, nothing unmatched. The bounds below leave
# 1000x room for other CPUs' kernels, yet fail for a real preprocessing mismatch: a static 320x320
# export (square padding instead of Ultralytics' rectangle) gave score differences up to 0.10, IoU
# down to 0.88 and 12 of 76 detections unmatched at the default conf.
AGREE_CONF = 0.05  # well below the default 0.35: many more boxes to compare
MIN_IOU = 0.99
SCORE_TOL = 1e-3
_PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
_SHARED = shared_dir()
_MATERIAL = _SHARED / "train" / "material" / "images" if _SHARED else None
SHARED_PHOTOS = (
    sorted(p for p in _MATERIAL.glob("*/*") if p.suffix.lower() in _PHOTO_SUFFIXES)
    if _MATERIAL is not None and _MATERIAL.is_dir()
    else []
)


@pytest.fixture(scope="module")
def both() -> Iterator[dict]:
    from gesture_scan.detect.stage import ObjectStage

    opts = ObjectOptions(device="cpu", backend="onnx", conf=AGREE_CONF)
    with ObjectStage(opts) as onnx, ObjectStage(replace(opts, backend="torch")) as torch:
        yield {"onnx": onnx, "torch": torch}


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert bgr is not None, f"cannot read {path}"
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def unmatched(a: Detections, b: Detections, conf: float) -> list[str]:
    """Detections of ``a`` without a twin in ``b``: same class, IoU >= MIN_IOU and a score within
    SCORE_TOL. One within SCORE_TOL of ``conf`` may lie on the other side of it in ``b``."""
    out = []
    for i in range(len(a)):
        score = float(a.confidence[i])
        if score <= conf + SCORE_TOL:
            continue
        same = b[b.class_id == a.class_id[i]]
        iou = box_iou(a.xyxy[i : i + 1], same.xyxy)[0] if len(same) else np.zeros(0)
        diff = np.abs(same.confidence - score)
        if not ((iou >= MIN_IOU) & (diff <= SCORE_TOL)).any():
            best = int(iou.argmax()) if len(iou) else None
            out.append(
                f"{a.labels[i]} {score:.4f} {a.xyxy[i].round(1).tolist()}: "
                + (
                    "no box of that class"
                    if best is None
                    else f"best IoU {iou[best]:.4f}, score {float(same.confidence[best]):.4f}"
                )
            )
    return out


def check_agreement(both: dict, path: Path) -> int:
    rgb = read_rgb(path)
    got = {name: st.run(rgb).detections for name, st in both.items()}
    problems = [
        f"{name} {p}"
        for name, other in (("torch", "onnx"), ("onnx", "torch"))
        for p in unmatched(got[name], got[other], AGREE_CONF)
    ]
    assert not problems, f"{path.name}: " + "; ".join(problems)
    return len(got["torch"])


@pytest.mark.models
@pytest.mark.parametrize(
    ("name", "least"),
    [
        ("rendered_campaign_1", 3),
        ("rendered_campaign_2", 1),
        ("group_with_banner_02", 1),
        ("banner_02_street", 1),
        # the fine-tuned detector finds nothing on these three even at AGREE_CONF (the bus's
        # adverts are signboards to it): the backends must agree on that too (a spurious box on
        # either side fails)
        ("bus", 0),
        ("grace_hopper", 0),
        ("zidane", 0),
    ],
)
def test_backends_agree_on_sample_photos(
    both: dict, packaged: dict[str, Path], name: str, least: int
) -> None:
    """Our rendered samples (committed) and the photos installed packages ship (the ``packaged``
    fixture: ``samples/packaged/`` exists only after the set-up command). ``least``: boxes torch
    finds at AGREE_CONF (measured 1-11 with the fine-tuned weights), so the comparison has
    work."""
    path = packaged.get(name, ROOT / "samples" / f"{name}.jpg")
    assert path.is_file(), path
    assert check_agreement(both, path) >= least


@pytest.mark.models
@pytest.mark.shared
@pytest.mark.parametrize(
    "path",
    SHARED_PHOTOS or [pytest.param(None, marks=pytest.mark.skip(reason="../shared not found"))],
    ids=lambda p: f"{p.parent.name}/{p.name}" if isinstance(p, Path) else "absent",
)
def test_backends_agree_on_real_material_photos(both: dict, path: Path) -> None:
    check_agreement(both, path)


@pytest.mark.models
def test_default_scan_does_not_load_torch(tmp_path: Path) -> None:
    """A CPU scan with default options runs YOLO on onnxruntime: torch and ultralytics (seconds of
    start-up and hundreds of MB per worker) stay out of the process. CUDA_VISIBLE_DEVICES is
    emptied so a GPU machine takes the CPU rule too."""
    code = (
        "import json, sys\n"
        "from gesture_scan.pipeline import Scanner\n"
        "with Scanner() as s:\n"
        "    r = s.scan_image(sys.argv[1])\n"
        "    print(json.dumps({'error': r.error, 'labels': r.objects.labels,\n"
        "        'backend': s._objects.backend,\n"
        "        'loaded': [m for m in ('torch', 'ultralytics') if m in sys.modules]}))\n"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    photo = ROOT / "samples" / "rendered_campaign_1.jpg"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(photo)], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["error"] is None
    assert out["backend"] == "onnx"
    assert "banner" in out["labels"], out  # the stage did run: the photo's baliho is found
    assert out["loaded"] == []


@pytest.mark.parametrize("stage", ["text", "objects", "persons", "held"])
def test_scan_workers_run_onnx_on_one_thread(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """Each worker process is one core's worth of work: N workers x N onnxruntime threads fight.
    The OCR, the YOLO stage, the person detector and the held-object cue run on onnxruntime."""
    from gesture_scan.config import ScanConfig
    from gesture_scan.engines import local

    assert stage in local.ONNXRUNTIME_STAGES
    built = []
    monkeypatch.setattr(local, "ImageScanner", lambda config: built.append(config))
    monkeypatch.setattr(local, "_worker", None)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.setenv(var, os.environ.get(var, ""))  # restored after the test
    threads, handler = cv2.getNumThreads(), signal.getsignal(signal.SIGINT)
    torch = sys.modules.get("torch")  # init_worker drops a loaded torch to one thread
    torch_threads = torch.get_num_threads() if torch is not None else None
    chosen = ScanConfig().with_(**{stage: replace(getattr(ScanConfig(), stage), threads=3)})
    try:
        local.init_worker(ScanConfig(), False, False)
        local.init_worker(chosen, False, False)
    finally:
        cv2.setNumThreads(threads)
        signal.signal(signal.SIGINT, handler)
        if torch is not None:
            torch.set_num_threads(torch_threads)
    assert [getattr(c, stage).threads for c in built] == [1, 3]  # a caller's choice is kept


@pytest.mark.parametrize(
    ("names", "ok"),
    [
        (("banner", "flag"), True),
        (("banner", "flag", "signboard"), True),
        (("flag", "banner", "signboard"), False),  # ids would mean the wrong class
        (("banner", "flag", "person"), False),  # an unknown extra class is not ours to drop
        (("banner",), False),
    ],
)
def test_model_classes_are_ours_then_reject_classes(names: tuple[str, ...], ok: bool) -> None:
    from gesture_scan.detect.onnx_yolo import known_classes
    from gesture_scan.detect.stage import CLASS_NAMES

    assert known_classes(names, CLASS_NAMES) is ok


def test_signboard_boxes_are_dropped_at_the_edge() -> None:
    """A shop sign the detector recognised as one is not evidence: it never leaves the stage,
    and the banner beside it keeps its box and score."""
    from gesture_scan.detect.stage import ObjectStage

    xyxy = np.array([[0, 0, 10, 10], [20, 20, 40, 40], [5, 5, 15, 15]], np.float32)
    conf = np.array([0.9, 0.8, 0.7], np.float32)
    cls = np.array([2, 0, 1], np.int64)
    dets = ObjectStage._to_detections((xyxy, conf, cls), 2.0, 2.0, 100, 100)
    assert list(dets.labels) == ["banner", "flag"]
    np.testing.assert_allclose(dets.xyxy, [[40, 40, 80, 80], [10, 10, 30, 30]])
    np.testing.assert_allclose(dets.confidence, [0.8, 0.7])
