"""Export the early layers of the COCO-pretrained YOLOv5n as a small ONNX feature extractor.

The attire head (``gesture_scan.people.uniform``) reads pooled feature maps of YOLOv5n's backbone
(layers 0-9: the CSP stages and SPPF, trained on COCO, ``person`` among its classes) from the torso
crop: pretrained filters tell weave, print, camouflage, batik and collar-and-pocket structure
apart far better than our own colour and texture statistics do on 32 sites' worth of real crops.
A scan runs the ONNX file with onnxruntime (already a runtime dependency): no torch at scan time.

``../shared/pretrained/yolov5n-coco.pt`` is a pickle of the YOLOv5 repository's own classes; its
tensors are read with ``scripts/transfer_yolov5n.py``'s stub unpickler (as
../shared/pretrained/SOURCES.md describes) and copied by name into Ultralytics'
``yolov5nu.yaml`` model, whose layers 0-9 have the same names and shapes. BatchNorm is folded into
the convolutions. Outputs: the feature maps of layers 4, 6 and 9 (strides 8, 16, 32); pooling is
done in numpy so the head can choose. Licence AGPL-3.0 (the checkpoint's; the project's own).

  .venv/bin/python scripts/export_attire_backbone.py [--side 96]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "pretrained" / "yolov5n-coco.pt"
OUT = ROOT / "weights" / "attire_backbone.onnx"
LAYERS = 10  # model.0 .. model.9: the backbone
TAPS = (4, 6, 9)

os.environ["YOLO_OFFLINE"] = "1"  # before any ultralytics import
sys.path.insert(0, str(ROOT / "scripts"))
from transfer_yolov5n import copy_layers, read_yolov5  # noqa: E402 - a sibling script, found via sys.path


def build() -> Any:
    """The backbone as a torch module returning the tapped feature maps."""
    import torch
    from ultralytics.nn.tasks import DetectionModel

    v5, _ = read_yolov5(SRC)  # the checkpoint read with transfer_yolov5n's stub unpickler
    model = DetectionModel("yolov5nu.yaml", nc=80, verbose=False)
    copy_layers(v5, model, LAYERS)
    model.fuse(verbose=False)
    model.eval()
    blocks = torch.nn.ModuleList(list(model.model)[:LAYERS])

    class Backbone(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = blocks

        def forward(self, x: Any) -> tuple[Any, ...]:
            taps = []
            for i, block in enumerate(self.blocks):
                x = block(x)
                if i in TAPS:
                    taps.append(x)
            return tuple(taps)

    return Backbone().eval()


def main() -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=96)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    if not SRC.is_file():
        print(f"error: {SRC} not found", file=sys.stderr)
        return 2
    net = build()
    dummy = torch.zeros(1, 3, args.side, args.side)
    names = [f"layer{i}" for i in TAPS]
    torch.onnx.export(
        net,
        (dummy,),
        str(args.out),
        input_names=["rgb"],
        output_names=names,
        dynamic_axes={"rgb": {0: "n", 2: "h", 3: "w"}, **{n: {0: "n"} for n in names}},
        opset_version=17,
        dynamo=False,
    )
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes, sha256 {digest})")
    print(f"source {SRC.name} sha256 {hashlib.sha256(SRC.read_bytes()).hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
