"""Finding inputs and decoding them; the only place that touches evidence files (read-only)."""

from .discover import IMAGE_EXTENSIONS, Discovery, Skipped, discover
from .image import LoadedImage, load_image, sha256_file

__all__ = [
    "IMAGE_EXTENSIONS",
    "Discovery",
    "LoadedImage",
    "Skipped",
    "discover",
    "load_image",
    "sha256_file",
]
