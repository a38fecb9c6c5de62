"""Finding inputs and decoding them; the only place that touches evidence files (read-only)."""

from .discover import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, Discovery, Skipped, discover, is_video
from .files import sha256_file
from .image import LoadedImage, load_image
from .video import SampledFrame, SamplingOptions, VideoSampler, sample_frames
from .video_probe import VideoInfo, probe_video

__all__ = [
    "IMAGE_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "Discovery",
    "LoadedImage",
    "SampledFrame",
    "SamplingOptions",
    "Skipped",
    "VideoInfo",
    "VideoSampler",
    "discover",
    "is_video",
    "load_image",
    "probe_video",
    "sample_frames",
    "sha256_file",
]
