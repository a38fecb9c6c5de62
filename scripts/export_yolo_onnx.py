"""Export the campaign-material detector (weights/material_yolo.pt) to ONNX for the CPU backend.

Why an ONNX copy at all: a scan worker that loads torch + ultralytics spends ~6 s of its start-up
importing them, building the model and warming up Ultralytics' predictor, and carries several
hundred MB of torch per process. onnxruntime is installed anyway (RapidOCR runs on it), so on a CPU
the YOLO stage runs the same network through onnxruntime instead (see ``ObjectStage``).

Why dynamic shapes (the default): Ultralytics' torch predictor letterboxes each photo to the
smallest stride-32 rectangle around it (320x256 for a 4:3 photo at imgsz 320), not to a square.
A dynamic-shape export is fed the very same rectangle, so its detections match the torch path to
float rounding (largest score difference 7e-7 on 94 real photos); a static 320x320 export sees
extra grey padding, which moved scores by up to 0.10, lost 12 of 76 boxes at the default conf and
costs ~25 % more compute on a 4:3 photo (47 against 37 ms on one thread). ``--static`` exports the
square variant anyway (for runtimes that want fixed shapes).

Offline: ``YOLO_OFFLINE=1`` is set before ultralytics is imported, and ``simplify=False``
(onnxslim is not installed and Ultralytics would try to fetch it). The ``onnx`` package is needed
here only: ``pip install -e .[export]``.

The source checkpoint's SHA-256 is written into the ONNX metadata (``source_sha256``), so a test
notices when the .pt is retrained and the .onnx was not exported again.

  python scripts/export_yolo_onnx.py [--weights weights/material_yolo.pt]
      [--out weights/material_yolo.onnx] [--imgsz 320] [--static] [--opset N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(weights: Path, out: Path, imgsz: int, dynamic: bool, opset: int | None) -> Path:
    os.environ["YOLO_OFFLINE"] = "1"  # before ultralytics is imported: no online checks
    import onnx
    from ultralytics import YOLO

    if not weights.is_file():  # Ultralytics would go looking for it online
        raise SystemExit(f"error: {weights} not found")
    with tempfile.TemporaryDirectory() as tmp:
        # The exporter writes next to its input: work on a copy so weights/ only gets the result.
        src = Path(tmp) / weights.name
        shutil.copyfile(weights, src)
        model = YOLO(str(src), task="detect")
        kwargs = {"opset": opset} if opset else {}
        made = model.export(
            format="onnx",
            imgsz=imgsz,
            dynamic=dynamic,
            simplify=False,
            half=False,
            nms=False,
            batch=1,
            device="cpu",
            plots=False,
            verbose=False,
            **kwargs,
        )
        proto = onnx.load(str(made))
        onnx.checker.check_model(proto)
        extra = {
            "source_file": weights.name,
            "source_sha256": sha256(weights),
            "exported_by": "scripts/export_yolo_onnx.py",
        }
        kept = [p for p in proto.metadata_props if p.key not in extra]
        del proto.metadata_props[:]
        proto.metadata_props.extend(kept)
        for key, value in extra.items():
            proto.metadata_props.add(key=key, value=value)
        out.parent.mkdir(parents=True, exist_ok=True)
        onnx.save(proto, str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=ROOT / "weights" / "material_yolo.pt")
    ap.add_argument("--out", type=Path, default=None, help="default: the weights' name, .onnx")
    ap.add_argument("--imgsz", type=int, default=320, help="the training size (MODEL_CARD.md)")
    ap.add_argument(
        "--static", action="store_true", help="fixed imgsz x imgsz input instead of dynamic H, W"
    )
    ap.add_argument("--opset", type=int, default=None, help="default: Ultralytics' choice")
    args = ap.parse_args(argv)
    out = args.out or args.weights.with_suffix(".onnx")
    made = export(args.weights, out, args.imgsz, not args.static, args.opset)

    import onnxruntime as ort

    session = ort.InferenceSession(str(made), providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    inp, outp = session.get_inputs()[0], session.get_outputs()[0]
    print(
        f"{made}: {made.stat().st_size / 1e6:.1f} MB, sha256 {sha256(made)}\n"
        f"  input {inp.name} {inp.shape}, output {outp.name} {outp.shape}\n"
        f"  names {meta.get('names')}, imgsz {meta.get('imgsz')}, "
        f"source {meta.get('source_file')} {meta.get('source_sha256')}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
