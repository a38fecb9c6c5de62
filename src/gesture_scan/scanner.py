"""``ImageScanner``: one decoded image -> faces -> bodies (when on) -> hands -> campaign objects ->
face evidence -> hand links -> text and rules -> ``ImageResult``.

It holds one copy of each model and only orders the stages; what each stage does lives in its
module. ``pipeline.Scanner`` adds files, folders, videos and worker processes on top.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Optional, TypeVar

import numpy as np

from ._stage import StageResult, quiet_native_logs
from .config import ScanConfig
from .detect.stage import ObjectResult, ObjectStage
from .errors import InputError, PathLike
from .hands.held import HeldStage, apply_held
from .hands.people import link_and_score
from .hands.stage import HandStage
from .io import load_image
from .io.image import ImageSource, LoadedImage
from .people.evidence import face_evidence
from .people.gallery import FaceEmbedder, Gallery
from .people.persons import PersonResult, PersonStage
from .people.pose import PoseResult, PoseStage
from .people.stage import FaceResult, FaceStage
from .results import SEVERITY_ORDER, FrameInfo, ImageResult, TextLine
from .rules import Profile, RuleEngine, load_profile
from .text.match import TextMatcher, match_lines
from .text.ocr import TextStage

R = TypeVar("R", bound=StageResult)


def gallery_path(config: ScanConfig, profile: Optional[Profile]) -> Optional[str]:
    """The candidate gallery to use: ``--gallery`` wins over the profile's ``gallery:`` entry."""
    if config.gallery.path is not None:
        return str(config.gallery.path)
    return profile.gallery if profile is not None else None


def load_or_error(
    source: ImageSource, config: ScanConfig, name: Optional[str], frame: Optional[FrameInfo] = None
) -> LoadedImage | ImageResult:
    """The decoded image, or the input's error record: a decoder bug on hostile bytes is still
    that input's problem, never the batch's."""
    try:
        return load_image(source, config.max_side, config.max_pixels)
    except InputError as exc:
        return ImageResult(path=name, sha256=exc.sha256, frame=frame, error=exc.reason)
    except MemoryError:
        reason = "not enough memory to decode this image"
    except Exception as exc:
        reason = f"could not be read ({type(exc).__name__}: {exc})"
    return ImageResult(path=name, sha256=None, frame=frame, error=reason)


class _Meter:
    """Wall seconds per step and model calls per stage, for the record's meta: where a slow
    folder spends its time, without a profiler (the benchmark sums them; see
    docs/throughput.md)."""

    def __init__(self) -> None:
        self.start = self._last = time.perf_counter()
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.spent[step] = round(self.spent.get(step, 0.0) + now - self._last, 4)
        self._last = now

    def count(self, key: str, result: R) -> R:
        """``result``'s calls under ``key`` in ``meta.detector_calls``."""
        self.calls[key] = result.calls
        return result

    def step(self, step: str, result: R, calls: Optional[str] = None) -> R:
        """One stage done: its time under ``step`` and, with a ``calls`` key, its calls.

        The record's ``detector_calls`` has carried the face, hand and pose calls (the detectors
        whose runs vary with the photo's size and its people) since it was written; the object
        and text stages' calls stay out of it so records compare with older ones."""
        if calls is not None:
            self.count(calls, result)
        self.lap(step)
        return result


class ImageScanner:
    """Loads the models once and scans decoded images. A context manager (``close()`` releases
    the MediaPipe graphs); safe to share between threads, which then take turns per stage."""

    def __init__(self, config: Optional[ScanConfig] = None) -> None:
        self.config = config or ScanConfig()
        # The stages in the order they run; None where the config leaves one out.
        self._faces: Optional[FaceStage] = None
        self._persons: Optional[PersonStage] = None  # bodies for ``people``, only when enabled
        self._hands: Optional[HandStage] = None  # always on; None only once closed
        self._objects: Optional[ObjectStage] = None
        self._embedder: Optional[FaceEmbedder] = None  # dlib descriptors, only with a gallery
        self._gallery: Optional[Gallery] = None
        self._pose: Optional[PoseStage] = None  # MediaPipe Pose, only with hands.link.pose
        self._held: Optional[HeldStage] = None  # COCO objects in sign hands, only with held
        self._text: Optional[TextStage] = None  # RapidOCR
        self._matcher: Optional[TextMatcher] = None
        self.profile: Optional[Profile] = None
        self._rules: Optional[RuleEngine] = None
        if self.config.profile is not None:
            self.profile = load_profile(self.config.profile)
            self._rules = RuleEngine(self.profile)
        with quiet_native_logs():  # onnxruntime, dlib and TFLite log natively while they start
            self._start_stages()

    def _start_stages(self) -> None:
        try:
            self._faces = FaceStage(self.config.faces) if self.config.faces.enabled else None
            if self.config.persons.enabled:
                self._persons = PersonStage(self.config.persons)
            self._hands = HandStage(self.config.hands)
            if self.config.hands.link.enabled and self.config.hands.link.pose:
                self._pose = PoseStage()
            if self.config.held.enabled and self._rules is not None:
                self._held = HeldStage(self.config.held)
            if self.config.objects.enabled:
                self._objects = ObjectStage(self.config.objects)
            gallery = self.gallery_path
            if gallery is not None:
                self._embedder = FaceEmbedder(self.config.gallery)
                self._gallery = Gallery.load(gallery, self._embedder, self.config.gallery)
            if self.config.read_text != "off":
                self._text = TextStage(self.config.text)
                if self.profile is not None:
                    self._matcher = TextMatcher(self.profile)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> ImageScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        stages = (
            self._faces,
            self._persons,
            self._hands,
            self._objects,
            self._embedder,
            self._text,
            self._pose,
            self._held,
        )
        for stage in stages:
            if stage is not None:
                stage.close()

    @property
    def gallery_path(self) -> Optional[str]:
        return gallery_path(self.config, self.profile)

    # -- scanning ----------------------------------------------------------------------------

    def scan_image(
        self,
        source: ImageSource,
        path: Optional[PathLike] = None,
        frame: Optional[FrameInfo] = None,
    ) -> ImageResult:
        """Scan a file path, encoded image bytes, or an RGB numpy array.

        Never raises for a bad input: the result's ``error`` says what was wrong (so a batch goes
        on). ``path`` names in-memory inputs in the report.
        """
        if not isinstance(source, (str, Path, bytes, bytearray, memoryview, np.ndarray)):
            # A programming error, not bad evidence: say so at once rather than in a record.
            raise TypeError(
                "scan_image() takes a path (str or Path), encoded image bytes or an RGB numpy "
                f"array, not {type(source).__name__}"
            )
        name = (
            str(path)
            if path is not None
            else (str(source) if isinstance(source, (str, Path)) else None)
        )
        if isinstance(source, (str, Path)) and "\x00" in str(source):
            return ImageResult(path=name, sha256=None, frame=frame, error="path has a NUL byte")
        img = load_or_error(source, self.config, name, frame)
        if isinstance(img, ImageResult):
            return img
        return self.scan_safely(img, path=name, frame=frame)

    def scan_safely(
        self, img: LoadedImage, path: Optional[str] = None, frame: Optional[FrameInfo] = None
    ) -> ImageResult:
        """``scan_loaded`` that turns any failure into the input's error record.

        A stage can still refuse an image that decoded fine (a 1x1 photo, a shape no model
        takes); one bad photo must cost its own record, never the batch or a worker pool.
        """
        try:
            return self.scan_loaded(img, path=path, frame=frame)
        except InputError as exc:
            reason = exc.reason
        except MemoryError:
            reason = "not enough memory to scan this image"
        except Exception as exc:
            reason = f"could not be scanned ({type(exc).__name__}: {exc})"
        return ImageResult(
            path=path if path is not None else img.path,
            sha256=img.sha256,
            width=img.width,
            height=img.height,
            frame=frame,
            error=reason,
        )

    def scan_loaded(
        self, img: LoadedImage, path: Optional[str] = None, frame: Optional[FrameInfo] = None
    ) -> ImageResult:
        """Scan an already decoded image (video frames come this way).

        Each stage runs on the scan copy ``img.rgb`` and gets what it needs from earlier stages;
        only the record is scaled back to the photo's pixels (``img.scale``)."""
        if self._hands is None:
            raise RuntimeError("the scanner is closed")  # pragma: no cover - built in __init__
        rgb, s = img.rgb, img.scale
        meter = _Meter()
        faces = FaceResult.empty()
        if self._faces is not None:
            faces = meter.step("faces", self._faces.run(rgb), calls="face")
        persons = PersonResult.empty()
        if self._persons is not None:
            persons = meter.step("bodies", self._persons.run(rgb))
        hands = meter.step("hands", self._hands.run(rgb, faces.detections), calls="hand")
        objects = ObjectResult.empty()
        if self._objects is not None:
            objects = meter.step("objects", self._objects.run(rgb))
        face_info = face_evidence(
            rgb,
            faces.detections,
            objects.detections,
            self.config.attire,
            self._gallery,
            self._embedder,
        )
        meter.lap("people")
        # Whose hand, and held up to show a sign or not (geometry on faces and landmarks): the
        # rules count only posed hands and name the people making the sign. Pose serves only
        # this link, so its seconds are the link's.
        bodies = PoseResult.empty()
        if self._pose is not None and len(faces.detections) and hands.hands:
            bodies = meter.count("pose", self._pose.run(rgb, faces.detections))
        linked = link_and_score(
            tuple(h.scaled(s) for h in hands.hands),
            faces.detections.scaled(s).xyxy,
            self.config.hands.link,
            tuple(b.scaled(s) for b in bodies.bodies),
        )
        meter.lap("link")
        if self._held is not None and self._rules is not None:
            # Only hands a sign finding could rest on are cropped: the rest cost nothing.
            look_at = self._rules.sign_hands(linked)
            if look_at:
                held = meter.step("held", self._held.run(rgb, hands.hands, look_at), calls="held")
                linked = apply_held(linked, held.scaled(s).held, self.config.held.posed_factor)
        seen = ImageResult(
            path=path if path is not None else img.path,
            sha256=img.sha256,
            width=img.width,
            height=img.height,
            frame=frame,
            faces=faces.detections.scaled(s),
            bodies=persons.detections.scaled(s),
            hands=linked,
            objects=objects.detections.scaled(s),
            face_info=face_info,
            scan_scale=s,
        )
        result = self._read_and_judge(rgb, objects, seen, meter)
        meta = {
            **({"exif": img.exif} if img.exif else {}),
            "detector_calls": meter.calls,
            "stage_seconds": meter.spent,
            "seconds": round(time.perf_counter() - meter.start, 3),
        }
        return replace(result, meta=meta)

    # -- text, then rules --------------------------------------------------------------------

    def _read_and_judge(
        self, rgb: np.ndarray, objects: ObjectResult, seen: ImageResult, meter: _Meter
    ) -> ImageResult:
        """Text where it can pay off, then the rules over everything seen.

        One step because the ``auto`` text mode asks the rules first whether a photo without a
        banner and not a group photo has a medium or high finding: only then is its whole area
        read (most photos are evaluated once)."""
        result = seen
        if self._text is not None:
            texts = self._read_text(rgb, objects, seen)
            if texts:
                result = replace(result, texts=tuple(t.scaled(seen.scan_scale) for t in texts))
            meter.lap("text")
        if self._rules is not None:
            result = self._rules.apply(result)
            meter.lap("rules")
        return result

    def _worth_reading(self, result: ImageResult) -> bool:
        """A medium or high finding: text can name whom it is for. Reading the whole photo is the
        dearest step of a scan (0.2 s for a small photo, 0.6 s for a 1.7 MP one on one core), and
        a lone hand showing a number (a low finding) is in most photos of people waving."""
        if self._rules is None:
            return False
        findings = self._rules.evaluate(result)[0]
        return any(SEVERITY_ORDER[f.severity] >= SEVERITY_ORDER["medium"] for f in findings)

    def _read_text(
        self, rgb: np.ndarray, found: ObjectResult, seen: ImageResult
    ) -> tuple[TextLine, ...]:
        """Banner text, and (``read_text`` auto/all) whole-photo text where it can pay off;
        boxes in scan-copy pixels. ``seen`` has no findings yet."""
        assert self._text is not None
        min_score = self.profile.thresholds.min_object_score if self.profile else 0.4
        objects = found.detections
        banners = [
            i
            for i, (lbl, conf) in enumerate(zip(objects.labels, objects.confidence))
            if lbl == "banner" and conf >= min_score
        ]
        mode = self.config.read_text
        if banners:
            read = self._text.run(rgb, objects.xyxy[banners])
        elif mode == "all" or (mode == "auto" and (seen.group or self._worth_reading(seen))):
            read = self._text.run(rgb, None)
        else:
            return ()
        return match_lines(read.reads, self._matcher, banners)
