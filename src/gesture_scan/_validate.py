"""One range check for every options dataclass, raising ``ConfigError`` with the field's name."""

from __future__ import annotations

from typing import Any

from .errors import ConfigError


def check_range(obj: Any, name: str, lo: float, hi: float) -> None:
    value = getattr(obj, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ConfigError(f"{type(obj).__name__}.{name}", f"must be in [{lo}, {hi}], got {value!r}")
