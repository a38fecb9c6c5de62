"""Photos from a zip, read member by member into memory; nothing is ever extracted by name.

A zip from a complainant is hostile input: member names like ``../../etc/x.jpg`` or ``/abs`` are
only ever labels in the records here, never paths, and sizes are bounded three ways: the member
count, each member's declared size, and the declared and the actually inflated total (a member
is read with a cap one byte over its limit, so a header that lies about its size cannot inflate a
zip bomb into memory).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import InputError

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members; an empty zip


def is_zip(head: bytes) -> bool:
    return head[:4] in ZIP_MAGIC


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 2000
    max_member_bytes: int = 50 * 1024 * 1024
    max_total_bytes: int = 4 * 1024 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class Member:
    """One zip entry: its bytes, or why they were not read."""

    name: str
    data: Optional[bytes] = None
    error: Optional[str] = None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


class ZipPhotos:
    """The files of a zip (folders skipped), checked against ``limits`` when opened."""

    def __init__(self, path: Path, limits: ZipLimits) -> None:
        self.limits = limits
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise InputError(None, f"not a readable zip ({exc})") from None
        self.entries = [i for i in self._zip.infolist() if not i.is_dir()]
        if len(self.entries) > limits.max_members:
            self._zip.close()
            raise InputError(
                None, f"the zip holds {len(self.entries)} files, more than {limits.max_members}"
            )
        declared = sum(i.file_size for i in self.entries)
        if declared > limits.max_total_bytes:
            self._zip.close()
            raise InputError(
                None,
                f"the zip's files add up to {_mb(declared)} uncompressed, more than "
                f"{_mb(limits.max_total_bytes)}",
            )

    def __enter__(self) -> ZipPhotos:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Member]:
        total = 0
        cap = self.limits.max_member_bytes
        for info in self.entries:
            name = info.filename
            if info.flag_bits & 0x1:
                yield Member(name, error="encrypted zip member: not read")
                continue
            if info.file_size > cap:
                yield Member(name, error=f"larger than the limit of {_mb(cap)} per file")
                continue
            try:
                with self._zip.open(info) as fh:
                    data = fh.read(cap + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
                yield Member(name, error=f"zip member could not be read ({exc})")
                continue
            except NotImplementedError as exc:  # an unsupported compression method
                yield Member(name, error=f"zip member could not be read ({exc})")
                continue
            if len(data) > cap:
                yield Member(name, error=f"larger than the limit of {_mb(cap)} per file")
                continue
            total += len(data)
            if total > self.limits.max_total_bytes:
                yield Member(name, error="the zip inflates past its total limit: not read")
                return
            yield Member(name, data=data)
