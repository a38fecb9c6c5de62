"""What a file that should be a video is, from its first bytes: a self-contained container
FFmpeg may open, or a reason a user can act on when it is not.

**One file only.** FFmpeg reads playlists and lists (HLS, ffconcat, DASH) by their content and
opens the files they name, which could be a FIFO or anything on the machine; only files that start
like a self-contained container (MP4/MOV, AVI, Matroska/WebM, MPEG-PS/TS, FLV, ASF, Ogg) are handed
to FFmpeg (``is_container``), and the rest get a reason from their first bytes
(``why_unopenable``): a playlist, audio only, a still image, an MP4 whose index was never written
(a recording cut off or a copy interrupted), an unsupported codec. Pure bytes: no decoder here.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Optional

_AUDIO_MAGIC = (
    (b"ID3", "MP3 audio"),
    (b"fLaC", "FLAC audio"),
    (b"#!AMR", "AMR audio (voice recording)"),
)
_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG", "PNG"),
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
)
_MAX_MP4_BOXES = 100_000  # top-level; a fragmented 2-hour recording has about 7,000
_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}


def _mp4_reason(fh: BinaryIO, size: int) -> Optional[str]:
    """Why an MP4/MOV that FFmpeg cannot open fails, from its box structure.

    Phones write the index (``moov``) after the media data, so a recording that was cut off or a
    copy that stopped early has none, and no decoder can find its frames without it.
    """
    fh.seek(0)
    head = fh.read(16)
    brand = head[8:12] if head[4:8] == b"ftyp" else b""
    pos, moov, truncated = 0, b"", False
    top: list[bytes] = []
    while pos + 8 <= size:
        fh.seek(pos)
        hdr = fh.read(16)
        box_size = int.from_bytes(hdr[:4], "big")
        kind = hdr[4:8]
        if box_size == 1:
            box_size = int.from_bytes(hdr[8:16], "big")
        elif box_size == 0:
            box_size = size - pos
        if box_size < 8 or not kind.isalnum():
            return None if not top else "corrupt MP4/MOV structure"
        top.append(kind)
        if len(top) > _MAX_MP4_BOXES:  # 8-byte boxes end to end: a crafted file, not a video
            return "corrupt MP4/MOV structure"
        if pos + box_size > size:
            truncated = True
        if kind == b"moov" and box_size <= 64 << 20:
            fh.seek(pos)
            moov = fh.read(box_size)
        pos += box_size
    if not top:
        return None
    if brand in _MP4_AUDIO_BRANDS:
        return "audio-only file (M4A audio, no video stream)"
    if not moov:
        if truncated or b"mdat" in top:
            return (
                "truncated video: the MP4/MOV index ('moov') is missing (recording cut off, "
                "or an incomplete download or copy?)"
            )
        return "not a playable MP4/MOV (no 'moov' index)"
    handlers = {moov[i + 12 : i + 16] for i in (m.start() for m in re.finditer(b"hdlr", moov))}
    if b"vide" not in handlers:
        return "audio-only file (no video track)" if b"soun" in handlers else "no video track"
    codec = ""
    i = moov.find(b"stsd")
    if i >= 0:
        codec = moov[i + 16 : i + 20].decode("latin-1")
    if truncated:
        return "truncated video file (incomplete download or copy?)"
    return f"cannot decode the video stream (unsupported codec {codec!r}, or corrupt data)"


def _riff_reason(head: bytes) -> Optional[str]:
    form = head[8:12]
    if form == b"WAVE":
        return "audio-only file (WAV audio, no video stream)"
    if form == b"AVI ":
        i = head.find(b"strf")
        j = head.find(b"vids")
        codec = ""
        if i >= 0 and i + 28 <= len(head):
            codec = head[i + 24 : i + 28].decode("latin-1")
        elif j >= 0:
            codec = head[j + 4 : j + 8].decode("latin-1")
        if j < 0:
            return "audio-only AVI (no video stream)"
        return f"cannot decode the video stream (unsupported codec {codec!r}, or corrupt data)"
    return None


# Containers that hold their media themselves. FFmpeg also reads playlists and lists (HLS,
# ffconcat, DASH, image sequences) whatever the file is called, and then opens the files they
# name: a FIFO listed in an ``.m3u8`` named ``clip.mp4`` blocks it forever, and anything else it
# names would be read into the scan. So a file reaches FFmpeg only if it starts like one of these.
_ISO_BOXES = {
    b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid", b"junk", b"styp",
    b"sidx", b"moof", b"udta", b"prfl",
}  # fmt: skip
_CONTAINER_MAGIC = (
    b"\x1a\x45\xdf\xa3",  # Matroska / WebM
    b"FLV\x01",
    b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",  # ASF / WMV
    b"OggS",
    b"\x00\x00\x01",  # MPEG program stream and elementary streams
    b"\x00\x00\x00\x01",
)
_PLAYLIST_MAGIC = (
    (b"#EXTM3U", "an HLS playlist"),
    (b"ffconcat", "an FFmpeg concat list"),
    (b"<?xml", "an XML file (a DASH playlist?)"),
    (b"<MPD", "a DASH playlist"),
)


def is_container(head: bytes) -> bool:
    if head[4:8] in _ISO_BOXES or (head[:4] == b"RIFF" and head[8:12] == b"AVI "):
        return True
    if head[:1] == b"\x47" and (len(head) < 189 or head[188:189] == b"\x47"):  # MPEG-TS
        return True
    if head[4:5] == b"\x47" and head[196:197] == b"\x47":  # M2TS (Blu-ray, AVCHD cameras)
        return True
    return head.startswith(_CONTAINER_MAGIC)


def why_unopenable(fh: BinaryIO, size: int) -> str:
    """A reason for a file FFmpeg will not open, from its first bytes."""
    fh.seek(0)
    head = fh.read(64 * 1024)
    for magic, kind in _PLAYLIST_MAGIC:
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(magic):
            return f"{kind}, not a video file (the files it names are not read)"
    if head[4:8] == b"ftyp" or head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        reason = _mp4_reason(fh, size)
        if reason:
            return reason
    if head[:4] == b"RIFF":
        reason = _riff_reason(head)
        if reason:
            return reason
    if head[:4] == b"\x1a\x45\xdf\xa3":  # Matroska / WebM
        codecs = {m.group(1) for m in re.finditer(rb"\x86[\x81-\xbf]([AVS])_", head)}
        if codecs and b"V" not in codecs:
            return "audio-only file (Matroska/WebM without a video track)"
        return "cannot decode this Matroska/WebM file (unsupported codec or corrupt data)"
    if head[:4] == b"OggS":
        return "cannot decode this Ogg file (audio only, or an unsupported video codec)"
    for magic, name in _AUDIO_MAGIC:
        if head.startswith(magic):
            return f"audio-only file ({name}, no video stream)"
    if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio-only file (MP3/AAC audio, no video stream)"
    for magic, name in _IMAGE_MAGIC:
        if head.startswith(magic):
            return f"a still image ({name}), not a video"
    return "not a video (unknown or corrupt format)"


def still_image(fh: BinaryIO) -> Optional[str]:
    """FFmpeg happily opens a photo as a one-frame video; a photo named .mp4 should say so."""
    fh.seek(0)
    head = fh.read(16)
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return f"a still image ({kind}), not a video"
    return None
