"""Reading request bodies with the size limit enforced while they stream in.

Starlette's own form parser spools file parts over 1 MB to the system temp folder, i.e. evidence
bytes on a disk we do not own and do not clean; and ``await request.body()`` buffers everything
before anyone can count it. So we count bytes as they arrive (after checking Content-Length) and
feed multipart bodies to python-multipart's streaming parser ourselves, keeping only the ``file``
part and handing its bytes to a sink: memory for ``/v1/scan``, the job's private folder for jobs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Callable, Optional


class BodyTooLarge(Exception):
    """The body is, or says it is, over the limit (413)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the upload is larger than the limit of {limit / 1024 / 1024:g} MB")


class BadBody(Exception):
    """A body that cannot be read as what its Content-Type says (400)."""


class _FilePart:
    """Streams the first multipart part named ``field`` to ``sink``; other parts are dropped."""

    def __init__(self, boundary: bytes, field: str, sink: Callable[[bytes], Any]) -> None:
        from python_multipart import MultipartParser

        self.field = field.encode()
        self.sink = sink
        self.found = False
        self.filename: Optional[str] = None
        self._active = False
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self.parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value_part,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done,
                "on_part_data": self._data,
                "on_part_end": self._end,
            },
        )

    def _begin(self) -> None:
        self._headers = {}
        self._header_name = self._header_value = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def _headers_done(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._active = not self.found and options.get(b"name") == self.field
        if self._active:
            self.found = True
            raw = options.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw else None

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._active:
            self.sink(data[start:end])

    def _end(self) -> None:
        self._active = False

    def write(self, chunk: bytes) -> None:
        self.parser.write(chunk)

    def finish(self) -> None:
        self.parser.finalize()


async def read_upload(
    headers: Any,
    stream: AsyncIterator[bytes],
    limit: int,
    sink: Callable[[bytes], Any],
    field: str = "file",
) -> Optional[str]:
    """Read the body into ``sink``: the ``field`` part of a multipart body, else the raw body.

    Returns the multipart part's file name (None for a raw body). Raises ``BodyTooLarge`` as soon
    as Content-Length or the bytes counted so far pass ``limit``, and ``BadBody`` for a malformed
    multipart body or one without ``field``.
    """
    declared = headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLarge(limit)
        except ValueError:
            raise BadBody("Content-Length is not a number") from None
    content_type = headers.get("content-type", "")
    part: Optional[_FilePart] = None
    if content_type.lower().startswith("multipart/form-data"):
        from python_multipart.multipart import parse_options_header

        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if not boundary:
            raise BadBody("multipart/form-data without a boundary")
        part = _FilePart(boundary, field, sink)
    seen = 0
    try:
        async for chunk in stream:
            seen += len(chunk)
            if seen > limit:
                raise BodyTooLarge(limit)
            if part is not None:
                part.write(chunk)
            else:
                sink(chunk)
        if part is not None:
            part.finish()
    except (BodyTooLarge, BadBody):
        raise
    except Exception as exc:
        from python_multipart.exceptions import MultipartParseError

        if isinstance(exc, MultipartParseError):
            raise BadBody(f"malformed multipart body ({exc})") from None
        raise
    if part is not None:
        if not part.found:
            raise BadBody(f"the multipart body has no {field!r} field")
        return part.filename
    return None
