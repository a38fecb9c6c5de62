"""One exception family, so callers (and only ``cli.py``) can catch everything we raise on purpose.

Every message names the thing at fault (a file, a field, a model) and the reason, because the person
reading it is usually triaging evidence, not debugging code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

PathLike = Union[str, Path]


class GestureScanError(Exception):
    """Base class of every error gesture-scan raises deliberately."""


class InputError(GestureScanError):
    """An input (photo, video, bytes) could not be read or decoded.

    The scan records it in the report and goes on; it only stops a run when *nothing* could be read.
    """

    def __init__(self, source: PathLike | None, reason: str, sha256: str | None = None) -> None:
        self.source = None if source is None else str(source)
        self.reason = reason
        self.sha256 = sha256  # known when the bytes could be read but not decoded
        where = self.source if self.source is not None else "<in-memory image>"
        super().__init__(f"{where}: {reason}")


class ConfigError(GestureScanError):
    """Bad options or a bad election profile; ``field`` says which setting."""

    def __init__(self, field: str, reason: str, source: PathLike | None = None) -> None:
        self.field = field
        self.reason = reason
        self.source = None if source is None else str(source)
        prefix = f"{self.source}: " if self.source else ""
        super().__init__(f"{prefix}{field}: {reason}")


class ModelError(GestureScanError):
    """A model or weight file is missing, corrupt, or failed to load."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(f"{model}: {reason}")


class UsageError(GestureScanError):
    """The command line asked for something impossible (no inputs, empty folder, bad output dir)."""
