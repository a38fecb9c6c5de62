"""Turn the COCO-pretrained YOLOv5n checkpoint into a starting checkpoint for our two classes.

``../shared/pretrained/yolov5n-coco.pt`` is a pickle of the YOLOv5 repository's own classes
(``models.yolo.Model``, ``models.common.Conv``, ...), which Ultralytics 8 cannot load and which we
do not install. Its tensors are read here without that code: an Unpickler whose ``find_class``
hands back a plain stub class for every ``models.*`` / ``utils.*`` name, so the pickle rebuilds a
tree of stubs holding each layer's ``_parameters`` and ``_buffers`` (torch's own layers, Conv2d and
BatchNorm2d, load as themselves). Layers 0-23 (backbone and neck) of that tree have the same 342
tensor names and shapes as Ultralytics' ``yolov5nu.yaml``; they are copied into a fresh
``DetectionModel("yolov5nu.yaml", nc=2)`` and every one of them is checked. The detect head
(layer 24) stays randomly initialised: COCO's 80-class head means nothing for banner/flag, and the
anchor-free ``u`` head has a different shape anyway.

The result is an Ultralytics checkpoint (``model`` + ``train_args``) that
``YOLO(path).train(...)`` fine-tunes; it is written outside weights/ (default
runs/init/yolov5nu_coco_banner_flag.pt, git-ignored), since it is an intermediate, not a product.

  python scripts/transfer_yolov5n.py [--src ../shared/pretrained/yolov5n-coco.pt] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import pickle
import sys
import types
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The detector's classes, as the dataset builder writes them (synthetic scenes, real photos).
sys.path.append(str(ROOT / "src"))  # for gesture_scan_devkit
from gesture_scan_devkit.material import CLASS_NAMES as _DATASET_CLASSES  # noqa: E402

CLASS_NAMES = tuple(_DATASET_CLASSES[i] for i in sorted(_DATASET_CLASSES))
N_TRANSFERRED_LAYERS = 24  # model.0 .. model.23: backbone and neck
EXPECTED_TENSORS = 342  # ../shared/pretrained/SOURCES.md

os.environ["YOLO_OFFLINE"] = "1"  # before any ultralytics import


class _Stub:
    """Stands in for a YOLOv5 class: pickle's default ``__setstate__`` fills ``__dict__``."""


_STUBS: dict[tuple[str, str], type] = {}


class _StubUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] in ("models", "utils"):
            return _STUBS.setdefault((module, name), type(name, (_Stub,), {"__module__": module}))
        return super().find_class(module, name)


_stub_pickle = types.ModuleType("stub_pickle")
_stub_pickle.__dict__.update({k: getattr(pickle, k) for k in dir(pickle) if not k.startswith("_")})
_stub_pickle.Unpickler = _StubUnpickler  # type: ignore[attr-defined]


def _tensors(obj: Any, prefix: str, out: dict[str, Any]) -> None:
    """The state_dict of a module tree whose inner nodes may be stubs (which have no
    ``state_dict``): parameters, then persistent buffers, then children, as torch orders them."""
    d = obj.__dict__
    for name, p in d.get("_parameters", {}).items():
        if p is not None:
            out[prefix + name] = p
    skip = d.get("_non_persistent_buffers_set", set())
    for name, b in d.get("_buffers", {}).items():
        if b is not None and name not in skip:
            out[prefix + name] = b
    for name, child in d.get("_modules", {}).items():
        if child is not None:
            _tensors(child, f"{prefix}{name}.", out)


def read_yolov5(src: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(state dict of the checkpoint's model, the checkpoint's other plain fields)."""
    import torch

    ckpt = torch.load(str(src), map_location="cpu", pickle_module=_stub_pickle, weights_only=False)
    model = ckpt.get("ema") or ckpt["model"]
    state: dict[str, Any] = {}
    _tensors(model, "", state)
    info = {k: v for k, v in ckpt.items() if isinstance(v, (int, float, str)) or v is None}
    return state, info


def copy_layers(v5: dict[str, Any], model: Any, n_layers: int) -> tuple[list[str], dict[str, Any]]:
    """Layers 0..``n_layers``-1 of the YOLOv5 checkpoint's tensors (``read_yolov5``) loaded into
    an Ultralytics ``DetectionModel`` built from ``yolov5nu.yaml``; the names copied and the
    state dict loaded. Names and shapes must match one for one: a silent partial copy would
    train or export a half-random network."""
    target = model.state_dict()
    layers = tuple(f"model.{i}." for i in range(n_layers))
    wanted = [k for k in target if k.startswith(layers)]
    given = [k for k in v5 if k.startswith(layers)]
    if wanted != given:
        missing = sorted(set(wanted) - set(given))[:5]
        extra = sorted(set(given) - set(wanted))[:5]
        raise SystemExit(f"error: tensor names differ (missing {missing}, unexpected {extra})")
    bad = [k for k in wanted if tuple(v5[k].shape) != tuple(target[k].shape)]
    if bad:
        raise SystemExit(f"error: {len(bad)} shapes differ, first {bad[0]}")
    new = dict(target)
    for k in wanted:
        new[k] = v5[k].detach().to(target[k].dtype).clone()
    model.load_state_dict(new, strict=True)
    return wanted, new


def transfer(src: Path, out: Path) -> dict[str, Any]:
    import torch
    from ultralytics import __version__ as ul_version
    from ultralytics.cfg import DEFAULT_CFG_DICT
    from ultralytics.nn.tasks import DetectionModel

    v5, info = read_yolov5(src)
    torch.manual_seed(0)  # the new head's random init is part of the starting point
    model = DetectionModel("yolov5nu.yaml", nc=len(CLASS_NAMES), verbose=False)
    wanted, new = copy_layers(v5, model, N_TRANSFERRED_LAYERS)
    if len(wanted) != EXPECTED_TENSORS:
        raise SystemExit(
            f"error: {len(wanted)} tensors in layers 0-23, expected {EXPECTED_TENSORS}"
        )
    # the copy really landed (load_state_dict copies in place)
    after = model.state_dict()
    unequal = [k for k in wanted if not torch.equal(after[k], new[k])]
    if unequal:
        raise SystemExit(f"error: {len(unequal)} tensors did not take, first {unequal[0]}")
    model.names = dict(enumerate(CLASS_NAMES))
    model.nc = len(CLASS_NAMES)
    model.args = {**DEFAULT_CFG_DICT, "model": "yolov5nu.yaml", "imgsz": 320}
    ckpt = {
        "date": datetime.now(timezone.utc).isoformat(),
        "version": ul_version,
        "license": "AGPL-3.0 (YOLOv5n COCO weights, Ultralytics)",
        "epoch": -1,
        "best_fitness": None,
        "model": model,
        "ema": None,
        "updates": None,
        "optimizer": None,
        "train_args": {"model": "yolov5nu.yaml", "task": "detect", "imgsz": 320},
        "train_metrics": None,
        "train_results": None,
        "transfer": {
            "source": src.name,
            "source_sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
            "tensors_copied": len(wanted),
            "layers": f"0-{N_TRANSFERRED_LAYERS - 1}",
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ckpt, str(out))
    total = sum(int(t.numel()) for t in new.values())  # the same names and shapes as the model
    copied = sum(int(new[k].numel()) for k in wanted)
    return {
        "source": str(src),
        "source_sha256": ckpt["transfer"]["source_sha256"],
        "source_fields": info,
        "source_tensors": len(v5),
        "tensors_copied": len(wanted),
        "values_copied": copied,
        "values_total": total,
        "out": str(out),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--src", type=Path, default=ROOT.parent / "shared" / "pretrained" / "yolov5n-coco.pt"
    )
    ap.add_argument(
        "--out", type=Path, default=ROOT / "runs" / "init" / "yolov5nu_coco_banner_flag.pt"
    )
    args = ap.parse_args(argv)
    if not args.src.is_file():
        print(f"error: {args.src} not found", file=sys.stderr)
        return 2
    r = transfer(args.src, args.out)
    print(
        f"copied {r['tensors_copied']} tensors of layers 0-23 ({r['values_copied']:,} of "
        f"{r['values_total']:,} values; the source has {r['source_tensors']}) into yolov5nu.yaml "
        f"nc={len(CLASS_NAMES)} {CLASS_NAMES}\nwrote {r['out']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
