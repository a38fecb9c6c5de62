"""The scan behind ``/v1/scan`` and the jobs: the library's, on bytes held in memory."""

from __future__ import annotations

from typing import Any, Optional

from ..config import GalleryOptions, ScanConfig
from ..results import ImageResult
from .settings import ServiceSettings


def scan_config(settings: ServiceSettings) -> ScanConfig:
    """The scan the command line runs by default, with the service's profile and gallery."""
    return ScanConfig(
        profile=settings.profile,
        gallery=GalleryOptions(path=settings.gallery),
    )


def scan_bytes(
    scanner: Any, data: bytes, name: Optional[str], annotate: bool = False
) -> tuple[ImageResult, Optional[bytes]]:
    """``Scanner.scan_image(data, path=name)``, plus the annotated JPEG when asked.

    The same two steps as ``scan_image`` (decode, then scan with every failure as the record's
    error) so the record is the library's; the decoded image is kept for drawing."""
    from ..report.jpeg import annotated_jpeg
    from ..scanner import load_or_error

    img = load_or_error(data, scanner.config, name)
    if isinstance(img, ImageResult):
        return img, None
    result = scanner.scan_safely(img, path=name)
    jpeg = annotated_jpeg(img.rgb, img.scale, result) if annotate and result.error is None else None
    return result, jpeg
