"""Turn the paths a user typed into a sorted list of photos and videos, and say why anything was
left out.

We walk with ``os.walk(followlinks=False)``: evidence folders copied from phones and shared drives
can hold symlink loops, and following links could also leave the folder the user pointed at.
A symlinked *file* is still scanned (its target is read, never changed).

``s3://bucket/prefix`` arguments are listed through ``remote`` (every object under the prefix, in
the order this walk would give a local copy of it) and go through the same filters.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import PathLike
from . import remote

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif"}
)
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".3gp"})
# Formats people send that we can not decode yet, so the skip reason can say so plainly.
_KNOWN_UNSUPPORTED = {
    ".gif": "GIF: not supported",
    ".pdf": "PDF document: not supported",
}


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class Discovery:
    """Inputs to scan, in a stable order, and what was left out.

    ``missing`` holds paths the user named that do not exist: they become error records so one
    typo in a long list does not stop the scan.
    """

    inputs: list[Path] = field(default_factory=list)  # photos and videos, in a stable order
    skipped: list[Skipped] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    empty_folders: list[Path] = field(default_factory=list)

    @property
    def images(self) -> list[Path]:
        return [p for p in self.inputs if not is_video(p)]

    @property
    def videos(self) -> list[Path]:
        return [p for p in self.inputs if is_video(p)]


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_EXTENSIONS


def _classify(path: Path) -> str | None:
    """None if ``path`` should be scanned, else the reason it is skipped."""
    ext = path.suffix.lower()
    if ext in IMAGE_EXTENSIONS or ext in VIDEO_EXTENSIONS:
        return None
    if ext in _KNOWN_UNSUPPORTED:
        return _KNOWN_UNSUPPORTED[ext]
    return f"not an image or video ({ext or 'no extension'})"


def is_within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def discover(paths: Iterable[PathLike], exclude: Iterable[PathLike] = ()) -> Discovery:
    """Expand files and folders (recursively) into inputs.

    ``exclude`` names folders never to descend into (the report folder, so a second run does not
    scan the annotated copies of the first); each one met is listed in ``skipped``, as is every
    folder that cannot be listed: no input is left out without a word.
    """
    result = Discovery()
    excluded = [Path(e) for e in exclude]
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = Path(os.path.abspath(p))
        if key in seen:
            return
        seen.add(key)
        reason = _classify(p)
        if reason is None:
            result.inputs.append(p)
        else:
            result.skipped.append(Skipped(str(p), reason))

    def unreadable(exc: OSError) -> None:
        # os.walk skips a folder it cannot list unless told; an officer must see that it did.
        reason = "permission denied" if exc.errno == errno.EACCES else (exc.strerror or str(exc))
        result.skipped.append(Skipped(str(exc.filename), f"folder cannot be read ({reason})"))

    for raw in paths:
        if remote.is_remote(raw):
            _add_remote(remote.input_path(raw), result, add)
            continue
        p = Path(raw)
        if not str(raw):  # Path("") is ".": an empty argument must not scan the current folder
            result.missing.append(p)
            continue
        if p.is_dir():
            found_before = len(result.inputs)
            for dirpath, dirnames, filenames in os.walk(p, onerror=unreadable, followlinks=False):
                d = Path(dirpath)
                kept = []
                for name in sorted(dirnames):
                    sub = d / name
                    if any(is_within(sub, e) for e in excluded if e.exists()):
                        result.skipped.append(Skipped(str(sub), "the report folder: not scanned"))
                        continue
                    if sub.is_symlink():
                        result.skipped.append(
                            Skipped(str(sub), "symlink to a folder: not followed")
                        )
                        continue
                    kept.append(name)
                dirnames[:] = kept
                for name in sorted(filenames):
                    add(d / name)
            if len(result.inputs) == found_before:
                result.empty_folders.append(p)
        elif p.is_symlink() or p.exists():
            # Broken links and link loops land here too: they are images by name, and loading them
            # gives a record with the precise error.
            add(p)
        else:
            result.missing.append(p)
    return result


def _add_remote(path: Path, result: Discovery, add: Callable[[Path], None]) -> None:
    """An ``s3://`` argument, as a local file or folder would be added. Videos are skipped with
    the reason (``remote.VIDEO_REFUSED``); a bucket that cannot be listed raises
    ``remote.StorageError``."""
    assert isinstance(path, remote.S3Path)
    listed = remote.list_inputs(path)
    if listed.objects is None:
        result.missing.append(path)
        return
    found_before = len(result.inputs)
    for obj in listed.objects:
        if is_video(obj):
            result.skipped.append(Skipped(str(obj), remote.VIDEO_REFUSED))
        else:
            add(obj)
    result.skipped.extend(Skipped(url, reason) for url, reason in listed.skipped)
    if listed.folder and len(result.inputs) == found_before:
        result.empty_folders.append(path)
