"""Export the COCO-pretrained YOLOv5n, whole (its own 80-class head), as weights/coco_yolov5n.onnx.

Why: a hand round a cup, a bottle, a phone or a trophy reads as a thumbs-up or "one" (issue 20),
and the costliest mistake is a high finding on an innocent group photo. COCO's 80 classes include
the small things people hold (cup, bottle, wine glass, cell phone, remote, book, ...), so the
original detector, run on a crop around a hand (``hands/held.py``), says whether the hand holds one.

``../shared/pretrained/yolov5n-coco.pt`` (the official YOLOv5n v6.1 checkpoint, AGPL-3.0) is a
pickle of the YOLOv5 repository's classes; its tensors are read with
``scripts/transfer_yolov5n.read_yolov5``'s stub unpickler. Layers 0-23 (backbone and neck) are
copied by name into Ultralytics' ``yolov5nu.yaml`` model (the same 342 tensors), BatchNorm folded.
Layer 24 is YOLOv5's anchor-based ``Detect``, which Ultralytics 8 no longer has, so it is written
here as a plain torch module: three 1x1 convolutions (``m.0..m.2``, 3 anchors x (5 + 80) channels
on strides 8, 16, 32) and YOLOv5's decode, ``xy = (2 sig - 0.5 + grid) stride``,
``wh = (2 sig)^2 anchor`` (the checkpoint's ``anchors`` buffer is in stride units; times the
stride it is the YAML's pixels, checked), ``score = obj x cls``.

The export's output is the layout ``detect/onnx_yolo.OnnxDetector`` reads from Ultralytics'
exports, ``(1, 4 + 80, anchors)``: box centre and size in input pixels, then each class's score;
its metadata carries ``names`` and ``stride`` as Ultralytics writes them, so the same letterbox and
NMS code runs it. The input is dynamic (``1 x 3 x H x W``, stride-32 multiples): the held cue
feeds square crops at ``HeldOptions.imgsz``. fp32, opset 17, torch's TorchScript exporter.
The script checks the export against the torch module on a real photo (max abs difference).

Checked on real photos (2026-12-02; ``--check`` prints the boxes of whole photos at 640, conf
0.25): Ultralytics' zidane.jpg gives 2 persons and a tie, bus.jpg 4 persons and a bus (both in
``tests/test_held.py``); group photos of ../shared/train/attire give their people as persons and a
table of drinks (8e38f187) as cups, a bottle, chairs and a dining table. On crops around hands
(``hands/held.py``, 2.8 hand sizes at 256 px) phones in hands come out as ``cell phone``
(649c4ef6, 71e4cb99, 58575ac3), a phone in a lowered hand (0db84ce8) only as ``remote`` at
0.17-0.25, poles held in two hands (03838daa) and bottles handed out (64250bc2) not at all, and
now and then a posing hand itself as a ``cell phone``, ``remote`` or ``toothbrush``: YOLOv5n is
COCO's smallest model (weights/COCO_CARD.md).

  .venv/bin/python scripts/export_coco_detector.py [--check PHOTO ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "src"))  # for gesture_scan_devkit (not installed)
from gesture_scan_devkit.handset import shared_dir  # noqa: E402

SRC = (shared_dir() or ROOT.parent / "shared") / "pretrained" / "yolov5n-coco.pt"
OUT = ROOT / "weights" / "coco_yolov5n.onnx"
SRC_SHA256 = "4f180cf23ba0717ada0badd6c685026d73d48f184d00fc159c2641284b2ac0a3"
NECK_LAYERS = 24  # model.0 .. model.23
HEAD_FROM = (17, 20, 23)  # the Detect layer's inputs (yolov5n.yaml)
STRIDES = (8, 16, 32)
#: YOLOv5's default anchors in pixels (yolov5n.yaml), to check the checkpoint's buffer against.
ANCHORS_PX = ((10, 13, 16, 30, 33, 23), (30, 61, 62, 45, 59, 119), (116, 90, 156, 198, 373, 326))

os.environ["YOLO_OFFLINE"] = "1"  # before any ultralytics import
sys.path.insert(0, str(ROOT / "scripts"))
from transfer_yolov5n import _stub_pickle, copy_layers, read_yolov5  # noqa: E402 - a sibling


def coco_names(src: Path) -> tuple[str, ...]:
    """The class names the checkpoint's model carries (COCO's 80, in training order)."""
    import torch

    ckpt = torch.load(str(src), map_location="cpu", pickle_module=_stub_pickle, weights_only=False)
    names = ckpt["model"].__dict__["names"]
    if len(names) != 80:
        raise SystemExit(f"error: {len(names)} class names in the checkpoint, expected 80")
    return tuple(str(n) for n in names)


def build(src: Path = SRC) -> Any:
    """The whole detector as a torch module: (1, 3, H, W) RGB 0..1 -> (1, 84, anchors)."""
    import torch
    from ultralytics.nn.tasks import DetectionModel

    v5, _ = read_yolov5(src)
    model = DetectionModel("yolov5nu.yaml", nc=80, verbose=False)
    wanted, _ = copy_layers(v5, model, NECK_LAYERS)
    if len(wanted) != 342:
        raise SystemExit(f"error: {len(wanted)} tensors in layers 0-23, expected 342")
    model.fuse(verbose=False)
    model.eval()
    neck = torch.nn.ModuleList(list(model.model)[:NECK_LAYERS])
    anchors = v5["model.24.anchors"].float() * torch.tensor(STRIDES).float().view(3, 1, 1)
    if not torch.allclose(anchors.view(3, 6), torch.tensor(ANCHORS_PX).float()):
        raise SystemExit(f"error: the checkpoint's anchors are not YOLOv5's defaults: {anchors}")
    convs = torch.nn.ModuleList()
    for i in range(3):
        w = v5[f"model.24.m.{i}.weight"].float()
        conv = torch.nn.Conv2d(w.shape[1], w.shape[0], 1)
        conv.weight.data.copy_(w)
        conv.bias.data.copy_(v5[f"model.24.m.{i}.bias"].float())
        convs.append(conv)

    class CocoYolov5n(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.neck = neck
            self.head = convs
            self.register_buffer("anchors", anchors)  # (3 levels, 3 anchors, 2) pixels

        def forward(self, x: Any) -> Any:
            saved: list[Any] = []
            for m in self.neck:  # Ultralytics' _predict_once: ``f`` names each layer's inputs
                if m.f != -1:
                    x = saved[m.f] if isinstance(m.f, int) else [saved[j] for j in m.f]
                x = m(x)
                saved.append(x)
            out = []
            for level, (j, conv) in enumerate(zip(HEAD_FROM, self.head)):
                p = conv(saved[j])
                b, _, h, w = p.shape
                p = p.view(b, 3, 85, h, w).permute(0, 1, 3, 4, 2).sigmoid()
                gy, gx = torch.meshgrid(
                    torch.arange(h, dtype=p.dtype), torch.arange(w, dtype=p.dtype), indexing="ij"
                )
                grid = torch.stack((gx, gy), 2).view(1, 1, h, w, 2)
                xy = (p[..., 0:2] * 2 - 0.5 + grid) * STRIDES[level]
                wh = (p[..., 2:4] * 2) ** 2 * self.anchors[level].view(1, 3, 1, 1, 2)
                scores = p[..., 4:5] * p[..., 5:]
                out.append(torch.cat((xy, wh, scores), -1).reshape(b, -1, 84))
            return torch.cat(out, 1).permute(0, 2, 1)

    return CocoYolov5n().eval()


def export(out: Path, src: Path = SRC) -> dict[str, Any]:
    """Write the ONNX file with Ultralytics-style metadata; return its sidecar record."""
    import onnx
    import torch

    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    if digest != SRC_SHA256:
        raise SystemExit(f"error: {src} is not the pinned checkpoint (sha256 {digest})")
    net = build(src)
    names = coco_names(src)
    dummy = torch.zeros(1, 3, 256, 256)
    torch.onnx.export(
        net,
        (dummy,),
        str(out),
        input_names=["images"],
        output_names=["output0"],
        dynamic_axes={"images": {2: "height", 3: "width"}, "output0": {2: "anchors"}},
        opset_version=17,
        dynamo=False,
    )
    model = onnx.load(str(out))
    meta = {
        "names": repr(dict(enumerate(names))),
        "stride": "32",
        "task": "detect",
        "description": "YOLOv5n v6.1 (COCO), anchor-based head, scores obj x cls",
        "license": "AGPL-3.0 https://github.com/ultralytics/yolov5",
        "source_sha256": digest,
    }
    for k, v in meta.items():
        model.metadata_props.add(key=k, value=v)
    onnx.save(model, str(out))
    return {
        "file": out.name,
        "bytes": out.stat().st_size,
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "input": {"name": "images", "shape": ["1", "3", "height", "width"], "dtype": "float32"},
        "output": "(1, 84, anchors): cx, cy, w, h in input pixels, then obj x cls for 80 classes",
        "names": meta["names"],
        "source": {
            "file": "yolov5n-coco.pt (github.com/ultralytics/yolov5 v6.1, commit 981548a1)",
            "sha256": digest,
            "licence": "AGPL-3.0",
        },
        "export": "python scripts/export_coco_detector.py: torch.onnx.export opset 17, dynamic "
        "height/width, fp32, BatchNorm folded, no NMS in the graph",
    }


def compare(out: Path, photo: Path) -> float:
    """Max abs difference between torch and onnxruntime on one real photo at 320."""
    import cv2
    import numpy as np
    import onnxruntime as ort
    import torch

    bgr = cv2.imread(str(photo))
    blob = cv2.dnn.blobFromImage(cv2.resize(bgr, (320, 320)), 1 / 255.0, swapRB=True)
    with torch.no_grad():
        ref = build()(torch.from_numpy(blob)).numpy()
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"images": blob})[0]
    return float(np.abs(ref - got).max())


def check(out: Path, photos: list[Path], conf: float = 0.25, imgsz: int = 640) -> None:
    """Print what the export finds on whole photos, for a look by eye."""
    import cv2

    from gesture_scan.detect.onnx_yolo import OnnxDetector

    det = OnnxDetector(out, imgsz, 0, coco_names(SRC))
    for p in photos:
        rgb = cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB)
        _, scores, cls = det.detect(rgb, conf, 0.45, 100)
        found = ", ".join(f"{det.names[c]} {s:.2f}" for c, s in zip(cls, scores))
        print(f"{p.name} ({rgb.shape[1]}x{rgb.shape[0]}): {found or 'nothing'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", type=Path, nargs="*", default=[], help="photos to print boxes of")
    ap.add_argument("--no-export", action="store_true", help="only --check the existing file")
    args = ap.parse_args()
    if not SRC.is_file():
        print(f"error: {SRC} not found", file=sys.stderr)
        return 2
    if not args.no_export:
        record = export(args.out)
        args.out.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {args.out} ({record['bytes']:,} bytes, sha256 {record['sha256']})")
    if args.check:
        print(f"torch vs onnxruntime, max abs diff: {compare(args.out, args.check[0]):.2e}")
        check(args.out, args.check)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
