"""Reading evidence files safely: only regular files, never blocking, hashed from the descriptor
that is read.

A FIFO named ``.jpg`` blocks ``open()`` forever, and a link to ``/dev/zero`` never reaches end of
file; opening some devices even has side effects. So the path is ``stat``-ed first (following
links) and anything but a regular file is refused with "not a regular file (FIFO)" and the like,
without opening it; the file is then opened with ``O_NONBLOCK`` and checked again with ``fstat``
on that descriptor, so a file swapped for a FIFO in between is refused too. Photos
(``io/image``) and videos (``io/video_probe``) both read through ``opened``, so the hash and the
decoded pixels come from that one descriptor (or, for ``s3://``, from one read of the object).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Union

from ..errors import InputError
from . import remote

_READ_CHUNK = 1 << 20
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

_KINDS = (
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the stat must not block the open
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _require_regular(path: Union[str, Path], mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise OSError(errno.EISDIR, "is a folder, not a file", str(path))
    kind = next((name for test, name in _KINDS if test(mode)), "not a file")
    target = os.path.realpath(path)
    via = f" {target}" if os.path.abspath(path) != target else ""
    raise OSError(errno.EINVAL, f"not a regular file ({kind}{via})", str(path))


def open_regular(path: Union[str, Path]) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file, never blocking.

    Raises ``OSError`` whose ``strerror`` is the reason a user reads ("not a regular file
    (FIFO)"): callers that turn OS errors into records (``os_reason``) need nothing new.
    """
    _require_regular(path, os.stat(path).st_mode)  # devices are never even opened
    fd = os.open(path, _OPEN_FLAGS)
    try:
        _require_regular(path, os.fstat(fd).st_mode)  # the file we got, not the name we checked
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def sha256_of(fh: BinaryIO) -> str:
    """SHA-256 of what is left to read in ``fh``, a megabyte at a time."""
    h = hashlib.sha256()
    for chunk in iter(lambda: fh.read(_READ_CHUNK), b""):
        h.update(chunk)
    return h.hexdigest()


def sha256_file(path: Union[str, Path]) -> str:
    """SHA-256 of a regular file (or an ``s3://`` object); ``OSError`` for anything else (see
    ``open_regular``)."""
    if remote.is_remote(path):
        return remote.sha256_object(str(path))
    with open_regular(path) as fh:
        return sha256_of(fh)


def os_reason(exc: OSError) -> str:
    """The reason a record gives for an OS error, in the words a user acts on."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.EACCES:
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "no such file (or a broken link)"
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file"
    if exc.errno == errno.ENXIO:  # opening a socket
        return "not a regular file (socket or device)"
    return exc.strerror or str(exc)


@contextmanager
def opened(name: str) -> Iterator[BinaryIO]:
    """An input by name: a checked regular file, or an ``s3://`` object's bytes read once."""
    if "\x00" in name:
        raise InputError(name.replace("\x00", "\\0"), "file name contains a NUL byte")
    if remote.is_remote(name):  # the object's bytes, read in one request (see io/remote.py)
        yield io.BytesIO(remote.read_object(name))
        return
    with open_regular(name) as fh:
        yield fh


def stated_size(fh: BinaryIO) -> int:
    """The size the file (or the object's bytes) says it has; procfs files say 0."""
    if isinstance(fh, io.BytesIO):
        return fh.getbuffer().nbytes
    return os.fstat(fh.fileno()).st_size
