"""Nothing gesture-scan writes may land on evidence: every output path is checked against every
input before the first byte is written.

Checked on resolved paths (symlinks followed, ``..`` removed), because ``--jsonl link.json`` whose
link points at a photo, or a report folder that is a symlink into the evidence, reach the same
files as the plain path would. Refused, with both paths named:

- an output that *is* an input file (also through a hard link: same device and inode);
- an output inside an input folder (a new file in an evidence folder changes that folder);
- an output folder that holds an input (its sub-folders would be written to, or left out of the
  scan, and ``--overwrite`` would clear files there).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import UsageError
from ..results import display_path
from .writer import IMAGE_FOLDERS, MANIFEST, REPORT_FILES


def _real(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def _inside(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or lies below it (string test on resolved paths: no I/O)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


@dataclass(frozen=True)
class Output:
    """One path the scan will write: the option that names it, and whether it is a folder."""

    option: str
    path: Path
    folder: bool = False


def report_outputs(out: Path, jsonl: Optional[str]) -> list[Output]:
    """Every path a scan into ``out`` (and ``--jsonl``) writes or may write."""
    outputs = [Output("--out", out, folder=True)]
    outputs += [Output("--out", out / sub, folder=True) for sub in IMAGE_FOLDERS]
    # review.jsonl: the review server appends to it; report-meta.json: the case's title.
    names = (*REPORT_FILES, MANIFEST, "review.jsonl", "report-meta.json")
    outputs += [Output("--out", out / name) for name in names]
    outputs += [Output("--out", out / f"{name}.tmp") for name in names]
    if jsonl and jsonl != "-":
        outputs.append(Output("--jsonl", Path(jsonl)))
    return outputs


def check_outputs(
    outputs: Iterable[Output], named: Iterable[Path], discovered: Iterable[Path]
) -> None:
    """Raise ``UsageError`` (exit 2) if any output would write into, over or around evidence.

    ``named`` are the paths the user typed (files and folders), ``discovered`` the inputs found
    in them: a symlinked photo inside an evidence folder can point anywhere, even into ``--out``.
    """
    outputs = list(outputs)
    folders, files = [], {}
    for p in named:
        if p.is_dir():
            folders.append((_real(p), p))
        elif p.exists():
            files[_real(p)] = p
    for p in discovered:
        files.setdefault(_real(p), p)
    inodes: Optional[dict[tuple[int, int], Path]] = None

    def refuse(out: Output, why: str, evidence: Path) -> UsageError:
        return UsageError(
            f"{out.option} {display_path(str(out.path))} {why} {display_path(str(evidence))}; "
            "gesture-scan never writes into, over or beside evidence: choose an output outside "
            "every folder and file being scanned"
        )

    own = {_real(o.path) for o in outputs if o.option == "--out"}
    for out in outputs:
        real = _real(out.path)
        if out.option == "--jsonl" and real in own:
            raise UsageError(
                f"--jsonl {out.path} is one of the report's own files in --out; name another file"
            )
        if real in files:
            raise refuse(out, "is the evidence file", files[real])
        for folder, shown in folders:
            if _inside(real, folder):
                raise refuse(out, "lies inside the evidence folder", shown)
        if out.folder:
            for folder, shown in folders:
                if _inside(folder, real):
                    raise refuse(out, "holds the evidence folder", shown)
            for file, shown in files.items():
                if _inside(file, real):
                    raise refuse(out, "holds the evidence file", shown)
        elif os.path.isfile(real):
            if inodes is None:
                inodes = {}
                for file, shown in files.items():
                    try:
                        st = os.stat(file)
                    except (OSError, ValueError):
                        continue
                    inodes[(st.st_dev, st.st_ino)] = shown
            st = os.stat(real)
            linked = inodes.get((st.st_dev, st.st_ino))
            if linked is not None:
                raise refuse(out, "is a hard link to the evidence file", linked)
