"""Shared checks: the type and range checks of every options dataclass (``ConfigError`` naming the
field), and one check of the RGB arrays that library callers hand to a stage (``InputError``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ConfigError, InputError


def check_range(obj: Any, name: str, lo: float, hi: float) -> None:
    value = getattr(obj, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ConfigError(f"{type(obj).__name__}.{name}", f"must be in [{lo}, {hi}], got {value!r}")


def check_bool(obj: Any, *names: str) -> None:
    """Flags must be real booleans: a YAML or JSON "false" string would otherwise read as true."""
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, bool):
            raise ConfigError(
                f"{type(obj).__name__}.{name}", f"must be true or false, got {value!r}"
            )


def check_int(obj: Any, *names: str) -> None:
    """Counts and pixel sizes must be integers (``check_range`` alone lets 320.5 through)."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{type(obj).__name__}.{name}", f"must be an integer, got {value!r}")


def check_stride(obj: Any, name: str, stride: int = 32) -> None:
    """YOLO input sizes must be a multiple of the network's largest stride: Ultralytics would
    silently round another size up, and an ONNX export would refuse it deep inside onnxruntime."""
    value = getattr(obj, name)
    if value % stride:
        raise ConfigError(
            f"{type(obj).__name__}.{name}", f"must be a multiple of {stride}, got {value}"
        )


def check_rgb(rgb: Any, purpose: str = "scan") -> np.ndarray:
    """Library callers pass arrays straight to a stage; a wrong shape or dtype deep inside torch or
    onnxruntime gives an unreadable error, so say what was expected here."""
    if not isinstance(rgb, np.ndarray) or rgb.ndim != 3 or rgb.shape[2] != 3:
        shape = getattr(rgb, "shape", type(rgb).__name__)
        raise InputError(None, f"expected an HxWx3 RGB array, got {shape}")
    if rgb.dtype != np.uint8:
        raise InputError(None, f"expected a uint8 RGB array, got dtype {rgb.dtype}")
    if rgb.shape[0] < 2 or rgb.shape[1] < 2:
        raise InputError(None, f"image too small to {purpose}: {rgb.shape[1]}x{rgb.shape[0]} px")
    return rgb
