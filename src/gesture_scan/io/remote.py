"""Evidence in object storage: ``s3://bucket/prefix`` listed like a folder, objects read (never
written) and hashed like files.

Why fsspec's s3fs rather than pyarrow's ``S3FileSystem``: s3fs is pure Python on botocore (46 MB
installed with aiohttp, against pyarrow's 163 MB of C++ with its own AWS SDK, none of which the
scan needs but its S3 client), fsspec is already in most scientific environments, and botocore
reads credentials and settings exactly as the AWS command line does
(``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE`` and ``~/.aws``, an instance
role), which is what an operator already has set up for their MinIO or Ceph gateway.

How an object is read: one ``GET`` of the whole object, capped at ``MAX_OBJECT_BYTES``, into
memory; the SHA-256 and the decoded pixels come from those bytes, as a local photo's come from one
file descriptor. One request rather than ranged reads as Pillow seeks: ranged reads of an object
overwritten in between could mix two versions, and a photo is small. Nothing is ever written to
the bucket: the file system is only asked to list, ``info`` and ``cat``.

Inputs stay ``Path`` objects (``S3Path``) because the command line, the output guard and the
report carry inputs as ``Path``: an ``S3Path`` prints (and ``os.fspath``-s) as its URL, so records
name ``s3://...``, and on the local file system it never exists, so the checks that keep outputs
away from evidence folders rightly find nothing there to protect.

Videos in object storage are refused, listed in ``skipped.csv`` with the reason: the video sampler
reads a local file through its descriptor in two passes (probe, then frames), so a video would
have to be downloaded whole to a temporary file on the driver first; not built.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path, PosixPath
from typing import Any, Optional, Union
from urllib.parse import urlparse

from ..errors import InputError, UsageError

SCHEME = "s3://"

#: The variable botocore (and the AWS command line) read for an S3-compatible endpoint; also set
#: by ``--s3-endpoint-url`` so worker processes and an embedded Ray cluster inherit it.
ENDPOINT_ENV = "AWS_ENDPOINT_URL_S3"
#: Settings the Ray engine passes to its actors, which on another node have their own environment.
#: Not the keys: credentials stay where the operator put them on each node (see docs/scale-out.md).
WORKER_ENV = (
    ENDPOINT_ENV,
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EC2_METADATA_DISABLED",
)

#: Largest object read as a photo: it is held in memory once. Photos are a few MB; the cap bounds
#: what one worker holds for a mislabelled or hostile object (a disk image named .jpg).
MAX_OBJECT_BYTES = 256 << 20

NEEDS_S3 = "s3:// inputs need s3fs: pip install 'gesture-scan[s3]'"
VIDEO_REFUSED = (
    "video in object storage: not supported (copy it to a local or shared folder and scan it there)"
)


class StorageError(UsageError):
    """Object storage cannot be listed at all: the s3 extra missing, no such bucket, access
    denied, no credentials, an endpoint that does not answer. The whole run's problem (exit 2),
    unlike one unreadable object, which is that input's error record."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.reason))


class BucketNotFound(StorageError):
    """The bucket named in an ``s3://`` input does not exist at the endpoint in use."""


class StorageAccessDenied(StorageError):
    """The credentials in use may not list the bucket or prefix."""


class MissingExtra(StorageError):
    """``s3fs`` is not installed."""


class S3Path(PosixPath):
    """An object or prefix in object storage, as the ``Path`` the rest of the scan carries.

    ``str()`` is the URL (``s3://bucket/key``): records, skipped lists and messages name it.
    Built from the URL or from what ``Path`` made of it (``Path("s3://b/k")`` is ``s3:/b/k``),
    so a typed argument comes back whole. Keys with empty or ``.`` segments (``a//b``) would not
    survive ``Path``'s normalising: ``is_exact`` tells them apart, and they are skipped.
    """

    __slots__ = ()

    def __str__(self) -> str:
        return SCHEME + "/".join(self.parts[1:])

    def __repr__(self) -> str:
        return f"S3Path({str(self)!r})"

    def resolve(self, strict: bool = False) -> S3Path:
        return self  # a URL is absolute already; never a local file

    def absolute(self) -> S3Path:
        return self

    @property
    def bucket(self) -> str:
        return self.parts[1] if len(self.parts) > 1 else ""

    @property
    def key(self) -> str:
        return "/".join(self.parts[2:])


def is_remote(path: Union[str, os.PathLike[str], None]) -> bool:
    """Whether ``path`` names object storage: ``s3://...``, or ``s3:/...`` (what ``Path`` made of
    such a URL). A local folder called ``s3:`` would have to be given as ``./s3:``."""
    if path is None:
        return False
    if isinstance(path, S3Path):
        return True
    text = os.fspath(path)
    return text.startswith("s3:/")


def input_path(path: Union[str, os.PathLike[str]]) -> Path:
    """``path`` as the scan carries it: an ``S3Path`` for object storage, else a ``Path``."""
    if isinstance(path, Path) and not is_remote(path):
        return path
    if is_remote(path):
        text = os.fspath(path)
        return S3Path(text if text.startswith(SCHEME) else SCHEME + text[len("s3:/") :])
    return Path(path)


def configure(endpoint_url: Optional[str]) -> None:
    """Use ``endpoint_url`` (MinIO, Ceph, an agency's own S3-compatible store) for ``s3://``
    inputs in this process and in the workers it starts (they inherit the environment)."""
    if endpoint_url is None:
        return
    parsed = urlparse(endpoint_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(
            f"--s3-endpoint-url {endpoint_url}: expected http(s)://HOST[:PORT], the address of "
            "the S3-compatible server (e.g. http://minio.internal:9000)"
        )
    os.environ[ENDPOINT_ENV] = endpoint_url


def endpoint() -> Optional[str]:
    """The endpoint in use: ``--s3-endpoint-url`` or the environment, else AWS's own."""
    return os.environ.get(ENDPOINT_ENV) or os.environ.get("AWS_ENDPOINT_URL") or None


def worker_env() -> dict[str, str]:
    """The storage settings of this process, for workers that do not inherit its environment."""
    return {name: os.environ[name] for name in WORKER_ENV if name in os.environ}


_filesystems: dict[Optional[str], Any] = {}


def filesystem(url: str = SCHEME) -> Any:
    """This process's ``s3fs.S3FileSystem`` for the endpoint in use (one per endpoint)."""
    where = endpoint()
    fs = _filesystems.get(where)
    if fs is not None:
        return fs
    try:
        import s3fs
    except ImportError as exc:
        raise MissingExtra(url, NEEDS_S3) from exc
    fs = s3fs.S3FileSystem(
        endpoint_url=where,
        # Listing results are not cached: a resumed run must see what is in the bucket now.
        use_listings_cache=False,
        skip_instance_cache=True,
        # Fail in seconds where nothing answers (botocore's default waits a minute per try).
        config_kwargs={"connect_timeout": 10, "read_timeout": 60},
    )
    _filesystems[where] = fs
    return fs


def _where() -> str:
    return f"endpoint {endpoint() or 'AWS (no endpoint set)'}"


def _storage_error(url: str, exc: BaseException, bucket: str) -> StorageError:
    """A listing failure as the error an officer can act on."""
    name = type(exc).__name__
    if isinstance(exc, PermissionError):
        return StorageAccessDenied(
            url,
            f"access denied ({exc}; {_where()}): the credentials in use (AWS_ACCESS_KEY_ID, "
            "AWS_PROFILE or ~/.aws) must be allowed to list and read the bucket",
        )
    if name == "NoCredentialsError":
        return StorageError(
            url,
            "no credentials for object storage: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)",
        )
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError"):
        return StorageError(
            url,
            f"object storage does not answer at {endpoint() or 'AWS'} ({exc}); for an on-premises "
            f"server give --s3-endpoint-url or set {ENDPOINT_ENV}",
        )
    if isinstance(exc, FileNotFoundError):
        return BucketNotFound(url, f"no such bucket {bucket!r} ({_where()})")
    return StorageError(url, f"object storage could not be listed ({name}: {exc}; {_where()})")


@dataclass(frozen=True)
class Listed:
    """What an ``s3://`` argument named: its objects in the order of a local folder walk
    (``None``: no such key or prefix in an existing bucket, as a missing local path), whether it
    was a prefix (listed like a folder), and keys left out with the reason."""

    objects: Optional[list[S3Path]]
    folder: bool = False
    skipped: tuple[tuple[str, str], ...] = ()


_ODD_KEY = "object key with an empty or '.' segment (a//b, a/./b): not supported"


def _walk_order(prefix: str, key: str) -> tuple[tuple[int, str], ...]:
    """Sort key giving ``os.walk``'s order, as ``discover`` walks a local folder: a folder's
    files by name first, then its sub-folders by name, each in turn."""
    parts = key[len(prefix) :].lstrip("/").split("/")
    return (*((1, d) for d in parts[:-1]), (0, parts[-1]))


def list_inputs(path: S3Path) -> Listed:
    """List ``path``: one object, or every object under the prefix (recursively).

    Raises ``StorageError`` (exit 2) when the bucket cannot be listed at all. Keys that are only
    folder markers (``photos/``, size 0) are left out, as a local walk lists no folders; keys
    that ``Path`` cannot carry unchanged are skipped with the reason."""
    url, bucket = str(path), path.bucket
    if not bucket:
        raise UsageError(f"{url}: expected s3://BUCKET or s3://BUCKET/PREFIX")
    fs = filesystem(url)
    target = f"{bucket}/{path.key}".rstrip("/")
    try:
        try:
            info = fs.info(target)
        except FileNotFoundError:
            if path.key:
                fs.info(bucket)  # the bucket exists (else FileNotFoundError: no such bucket)
                return Listed(None)
            raise
        if info.get("type") != "directory":
            return Listed([path])
        found = fs.find(target)  # names only: a national prefix lists millions of keys
    except StorageError:
        raise
    except Exception as exc:
        raise _storage_error(url, exc, bucket) from exc
    keys = [name for name in found if not name.endswith("/")]
    keys.sort(key=lambda k: _walk_order(target, k))
    objects, odd = [], []
    for k in keys:
        obj = S3Path(SCHEME + k)
        if f"{obj.bucket}/{obj.key}" == k:
            objects.append(obj)
        else:
            odd.append((SCHEME + k, _ODD_KEY))
    return Listed(objects, True, tuple(odd))


# -- reading -------------------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    if type(exc).__name__ == "NoCredentialsError":
        return (
            "no credentials for object storage on this machine (AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ~/.aws)"
        )
    if isinstance(exc, FileNotFoundError):
        return "no such object (deleted or renamed since it was listed?)"
    if isinstance(exc, PermissionError):
        return f"access denied reading the object ({exc})"
    return f"could not be read from object storage ({type(exc).__name__}: {exc})"


def read_object(url: str) -> bytes:
    """The object's bytes, in one ``GET``; ``InputError`` (that input's record) if it cannot be
    read or is over ``MAX_OBJECT_BYTES``."""
    path = input_path(url)
    assert isinstance(path, S3Path)
    fs = filesystem(url)
    where = f"{path.bucket}/{path.key}"
    try:
        try:
            # One byte past the cap: a larger object is refused without holding all of it.
            data = fs.cat_file(where, start=0, end=MAX_OBJECT_BYTES + 1)
        except OSError as exc:
            # A range of an empty object is "not satisfiable" (HTTP 416): look before saying so.
            if exc.errno != errno.EINVAL or fs.info(where).get("size") != 0:
                raise
            data = b""
    except StorageError as exc:
        raise InputError(url, exc.reason) from exc
    except Exception as exc:
        raise InputError(url, _reason(exc)) from exc
    if len(data) > MAX_OBJECT_BYTES:
        raise InputError(
            url, f"object over {MAX_OBJECT_BYTES >> 20} MiB: too large to read as a photo"
        )
    return bytes(data)


def sha256_object(url: str) -> str:
    """SHA-256 of the object (``--resume``'s check that it is unchanged); ``OSError`` if it cannot
    be read, as ``sha256_file`` raises for a file."""
    try:
        return hashlib.sha256(read_object(url)).hexdigest()
    except InputError as exc:
        raise OSError(exc.reason) from exc
