"""One exception family, so callers (and only ``cli/``) can catch everything we raise on purpose.

Every message names the thing at fault (a file, a field, a model) and the reason, because the person
reading it is usually triaging evidence, not debugging code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Union

PathLike = Union[str, Path]


class GestureScanError(Exception):
    """Base class of every error gesture-scan raises deliberately.

    Subclasses with their own ``__init__`` say how to rebuild themselves (``__reduce__``): an error
    raised in a worker process is pickled back to the parent, and one that cannot be unpickled
    there leaves ``multiprocessing`` waiting forever on a result that never arrives.
    """


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

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.source, self.reason, self.sha256))


class ConfigError(GestureScanError):
    """Bad options or a bad election profile; ``field`` says which setting."""

    def __init__(self, field: str, reason: str, source: PathLike | None = None) -> None:
        self.field = field
        self.reason = reason
        self.source = None if source is None else str(source)
        prefix = f"{self.source}: " if self.source else ""
        super().__init__(f"{prefix}{field}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.reason, self.source))


class ModelError(GestureScanError):
    """A model or weight file is missing, corrupt, or failed to load."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(f"{model}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.model, self.reason))


class UsageError(GestureScanError):
    """The command line asked for something impossible (no inputs, empty folder, bad output dir)."""


class ReportWriteError(GestureScanError):
    """The report (folder, JSON lines, CSV, annotated copies) could not be written: a full disk,
    a read-only mount, a vanished folder. Its own exit code, because the scan itself was fine and
    the records written so far are valid up to the last complete line."""


class WorkerError(GestureScanError):
    """Worker processes could not start (or all died at once), so no input can be scanned."""
