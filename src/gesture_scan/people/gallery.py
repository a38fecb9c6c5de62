"""Who is in the photo: faces compared with a folder of candidate reference photos.

A complaint is about a civil servant posing *with a candidate*; a hand sign next to an unknown face
is weaker evidence. So the scan's faces (MediaPipe boxes, see ``stage``) are turned into dlib's
128-d face descriptors and compared with descriptors of the candidates' reference photos.

dlib (``dlib-bin``) and its weights (``face_recognition_models``) are installed packages, so this
stays air-gapped. dlib is imported only inside ``FaceEmbedder``; matching is plain numpy so the
rules and their tests run without it.

Measured on real faces (``scripts/measure_face_threshold.py``, ``bench/face_threshold.json``):
the raw MediaPipe box gives better same/different separation than shrinking it to the size of
dlib's own HOG boxes (MediaPipe boxes are ~14% larger), so boxes are used as they come
(``box_scale=1.0``). ``DEFAULT_THRESHOLD`` is the largest distance on a 0.02 grid whose
false-accept rate stays at or below 1% there; dlib's own suggestion (0.6) accepted ~7% of
different-person pairs on our mix of small, low-resolution faces. The closest different pair
(~0.49) was two Indonesian men with glasses, so a match is a lead for the reviewer, never an
identification on its own.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Protocol, Union

import numpy as np

from .._stage import ModelStage
from .._validate import check_range as _check_range
from ..config import DEFAULT_THRESHOLD, GalleryOptions
from ..errors import ConfigError, GestureScanError, ModelError
from ..io import Skipped, load_image, sha256_file

DESCRIPTOR_SIZE = 128
GALLERY_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp")
CACHE_NAME = ".gesture-scan-gallery.npz"
#: Part of the cache key: descriptors from another model or box recipe must not be reused.
EMBEDDING_VERSION = "dlib_resnet_v1+sp5+mediapipe-box"
_MODEL_NAME = "dlib face recognition"
_NUMBERED = re.compile(r"^(\d+)[\s._-]*(.*)$")
_PHOTO_INDEX = re.compile(r"^(.*?)[\s._-]+\d+$")
_WORDS = re.compile(r"[\s._-]+")

PathLike = Union[str, Path]

__all__ = ["DEFAULT_THRESHOLD", "FaceEmbedder", "FaceMatch", "Gallery", "GalleryOptions"]


@dataclass(frozen=True)
class FaceMatch:
    """The nearest gallery person to one face; ``candidate`` is None when nobody is close enough,
    but ``distance`` still says how near the nearest one was (useful when reviewing)."""

    candidate: Optional[str]
    number: Optional[int]
    name: Optional[str]
    distance: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "number": self.number,
            "name": self.name,
            "distance": round(self.distance, 4),
        }


@dataclass(frozen=True, eq=False)
class GalleryEntry:
    """One person: ``embeddings`` (K, 128), one row per usable reference photo in ``files``."""

    label: str
    number: Optional[int]
    name: str
    embeddings: np.ndarray
    files: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        emb = np.asarray(self.embeddings, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[1] != DESCRIPTOR_SIZE or not len(emb):
            raise ValueError(f"{self.label}: embeddings must be (K>0, 128), got {emb.shape}")
        object.__setattr__(self, "embeddings", emb)


def parse_label(label: str) -> tuple[Optional[int], str]:
    """``"01-anies-baswedan"`` -> ``(1, "Anies Baswedan")``; ``"anies"`` -> ``(None, "Anies")``.

    A bare number (``"02"``) keeps the label as its name, so a report never shows an empty name.
    """
    m = _NUMBERED.match(label)
    number, rest = (int(m.group(1)), m.group(2)) if m else (None, label)
    words = [w for w in _WORDS.split(rest) if w]
    name = " ".join(w[:1].upper() + w[1:] for w in words)
    return number, name or label


def file_label(stem: str) -> str:
    """The person a loose file belongs to: ``02_prabowo_1`` -> ``02_prabowo``.

    A trailing photo index is dropped only when something other than the ballot number is left,
    so ``02_1`` -> ``02`` but ``02`` stays ``02``.
    """
    m = _PHOTO_INDEX.match(stem)
    return m.group(1) if m and m.group(1) else stem


def _is_photo(path: Path) -> bool:
    return (
        path.is_file()
        and not path.name.startswith(".")
        and path.suffix.lower() in GALLERY_IMAGE_SUFFIXES
    )


def gallery_photos(folder: Path) -> dict[str, list[Path]]:
    """Reference photos by person label, in a stable order.

    Sub-folders are people (their photos may be nested further); photos directly in ``folder`` are
    grouped by ``file_label``. Hidden files and folders (our cache among them) are ignored.
    """
    people: dict[str, list[Path]] = {}
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            photos = sorted(
                p
                for p in child.rglob("*")
                if _is_photo(p)
                and not any(part.startswith(".") for part in p.relative_to(child).parts)
            )
            if photos:
                people.setdefault(child.name, []).extend(photos)
        elif _is_photo(child):
            people.setdefault(file_label(child.stem), []).append(child)
    return people


class Embedder(Protocol):
    """What ``Gallery.load`` needs; ``FaceEmbedder`` is the real one, tests pass a fake."""

    def detect_and_embed(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def _models_dir() -> Path:
    # Not ``import face_recognition_models``: its __init__ imports pkg_resources, which recent
    # setuptools no longer ships. The weights are plain files inside the package folder.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(_MODEL_NAME, "face_recognition_models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class FaceEmbedder(ModelStage):
    """dlib's face descriptors for faces found elsewhere. A context manager; calls are serialised
    because dlib's models keep per-call state."""

    model = _MODEL_NAME

    def __init__(self, options: Optional[GalleryOptions] = None) -> None:
        self.options = options or GalleryOptions()
        super().__init__()
        self._faces: Any = None  # FaceStage, started on the first detect_and_embed
        try:
            import dlib
        except ImportError as exc:
            raise ModelError(self.model, f"cannot import dlib (install dlib-bin): {exc}") from exc
        folder = _models_dir()
        paths = {
            "shape": folder / "shape_predictor_5_face_landmarks.dat",
            "resnet": folder / "dlib_face_recognition_resnet_model_v1.dat",
        }
        for path in paths.values():
            if not path.is_file():
                raise ModelError(self.model, f"missing weight file {path}")
        try:
            self._shape: Any = dlib.shape_predictor(str(paths["shape"]))
            self._resnet: Any = dlib.face_recognition_model_v1(str(paths["resnet"]))
        except RuntimeError as exc:
            raise ModelError(self.model, f"failed to load weights from {folder}: {exc}") from exc
        self._dlib = dlib

    def _release(self) -> None:
        self._shape = self._resnet = None
        if self._faces is not None:
            self._faces.close()
            self._faces = None

    def embed(self, rgb: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Descriptors (N, 128) float32 for ``boxes`` (N, 4) xyxy pixels of ``rgb`` (H, W, 3)."""
        xyxy = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        out = np.zeros((len(xyxy), DESCRIPTOR_SIZE), dtype=np.float32)
        if not len(xyxy):
            return out
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"rgb must be (H, W, 3) uint8, got {rgb.shape} {rgb.dtype}")
        img = np.ascontiguousarray(rgb)
        centre = (xyxy[:, :2] + xyxy[:, 2:]) / 2
        half = (xyxy[:, 2:] - xyxy[:, :2]) * (self.options.box_scale / 2)
        corners = np.rint(np.concatenate([centre - half, centre + half], axis=1)).astype(int)
        with self._lock:
            if self._resnet is None:
                raise ModelError(self.model, "embedder is closed")
            for i, (x0, y0, x1, y1) in enumerate(corners.tolist()):
                shape = self._shape(img, self._dlib.rectangle(x0, y0, x1, y1))
                out[i] = np.asarray(self._resnet.compute_face_descriptor(img, shape))
        return out

    def detect_and_embed(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Faces found by the scan's own detector (so reference and scan boxes look alike), largest
        first: boxes (N, 4) and descriptors (N, 128)."""
        if self._faces is None:
            from .stage import FaceStage

            self._faces = FaceStage()
        faces = self._faces.run(rgb).detections
        order = np.argsort(-faces.area, kind="stable")
        boxes = faces.xyxy[order]
        return boxes, self.embed(rgb, boxes)


@dataclass(frozen=True, eq=False)
class Gallery:
    """The candidates' faces. Build with ``load`` (a folder) or ``from_embeddings`` (arrays)."""

    entries: tuple[GalleryEntry, ...]
    threshold: float = DEFAULT_THRESHOLD
    path: Optional[str] = None
    skipped: tuple[Skipped, ...] = ()  # reference photos left out, with the reason
    _refs: np.ndarray = field(init=False, repr=False)
    _owner: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.entries:
            raise ConfigError("gallery", "has no people", self.path)
        labels = [e.label for e in self.entries]
        if len(set(labels)) != len(labels):
            raise ConfigError("gallery", f"duplicate labels in {labels}", self.path)
        _check_range(self, "threshold", 0.0, 2.0)
        refs = np.concatenate([e.embeddings for e in self.entries])
        owner = np.concatenate([np.full(len(e.embeddings), i) for i, e in enumerate(self.entries)])
        object.__setattr__(self, "_refs", refs)
        object.__setattr__(self, "_owner", owner)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(e.label for e in self.entries)

    @classmethod
    def from_embeddings(
        cls, people: Mapping[str, np.ndarray], threshold: float = DEFAULT_THRESHOLD
    ) -> Gallery:
        """A gallery from descriptors already at hand, keyed by label (``"01-anies"``)."""
        entries = []
        for label, emb in people.items():
            number, name = parse_label(label)
            entries.append(GalleryEntry(label, number, name, np.asarray(emb).reshape(-1, 128)))
        return cls(tuple(entries), threshold)

    def match(self, descriptors: np.ndarray) -> tuple[FaceMatch, ...]:
        """The nearest person for each of M descriptors; a person's distance is the minimum over
        their reference photos, so one good photo is enough."""
        desc = np.asarray(descriptors, dtype=np.float32)
        if desc.ndim != 2 or desc.shape[1] != DESCRIPTOR_SIZE:
            raise ValueError(f"descriptors must be (M, {DESCRIPTOR_SIZE}), got {desc.shape}")
        if not len(desc):
            return ()
        dist = np.linalg.norm(desc[:, None, :] - self._refs[None, :, :], axis=2)  # (M, K)
        per_person = np.full((len(desc), len(self.entries)), np.inf, dtype=np.float64)
        for i in range(len(self.entries)):
            per_person[:, i] = dist[:, self._owner == i].min(axis=1)
        best = per_person.argmin(axis=1)
        out = []
        for row, i in enumerate(best.tolist()):
            d = float(per_person[row, i])
            entry = self.entries[i]
            if d <= self.threshold:
                out.append(FaceMatch(entry.label, entry.number, entry.name, d))
            else:
                out.append(FaceMatch(None, None, None, d))
        return tuple(out)

    @classmethod
    def load(
        cls,
        path: PathLike,
        embedder: Embedder,
        options: Optional[GalleryOptions] = None,
    ) -> Gallery:
        """Embed every reference photo once (cached by file hash) and build the gallery.

        Photos that cannot be read or show no face are recorded in ``skipped``; a person left with
        no usable photo is an error, because silently not recognising a candidate is worse than
        asking the user to fix the folder.
        """
        opts = options or GalleryOptions()
        folder = Path(path)
        if not folder.exists():
            raise ConfigError("gallery", "folder not found", folder)
        if not folder.is_dir():
            raise ConfigError("gallery", "is not a folder", folder)
        try:
            people = gallery_photos(folder)
        except OSError as exc:
            raise ConfigError("gallery", f"cannot list the folder: {exc.strerror}", folder) from exc
        if not people:
            raise ConfigError(
                "gallery",
                f"no reference photos ({', '.join(GALLERY_IMAGE_SUFFIXES)}) in the folder "
                "or its sub-folders",
                folder,
            )
        cache = _Cache.read(folder, opts.cache_beside) if opts.cache else {}
        known = set(cache)
        used: _CacheMap = {}
        entries, skipped = [], []
        for label, photos in people.items():
            rows, files, reasons = [], [], []
            for photo in photos:
                try:
                    digest = sha256_file(photo)
                except OSError as exc:
                    emb, reason = None, f"cannot read: {exc.strerror or exc}"
                else:
                    if digest not in cache:
                        cache[digest] = _embed_photo(photo, embedder)
                    used[digest] = cache[digest]
                    emb, reason = cache[digest]
                if emb is None:
                    skipped.append(Skipped(str(photo), reason))
                    reasons.append(f"{photo.name}: {reason}")
                else:
                    rows.append(emb)
                    files.append(str(photo))
            if not rows:
                raise ConfigError(
                    "gallery",
                    f"{label}: no usable face in its {len(photos)} photo(s) ({'; '.join(reasons)})",
                    folder,
                )
            number, name = parse_label(label)
            entries.append(GalleryEntry(label, number, name, np.stack(rows), tuple(files)))
        if opts.cache and set(used) != known:  # new, changed or removed photos
            _Cache.write(folder, used, opts.cache_beside)
        return cls(tuple(entries), opts.threshold, str(folder), tuple(skipped))


# -- cache ---------------------------------------------------------------------------------------

_CacheMap = dict[str, tuple[Optional[np.ndarray], str]]  # sha256 -> (descriptor or None, reason)


def _embed_photo(photo: Path, embedder: Embedder) -> tuple[Optional[np.ndarray], str]:
    """A reference photo's descriptor: its largest face, since a portrait's subject fills it."""
    try:
        rgb = load_image(photo).rgb
        _, desc = embedder.detect_and_embed(rgb)
    except GestureScanError as exc:
        return None, str(getattr(exc, "reason", exc))
    desc = np.asarray(desc, dtype=np.float32).reshape(-1, DESCRIPTOR_SIZE)
    return (desc[0], "") if len(desc) else (None, "no face found")


class _Cache:
    """Descriptors by SHA-256 in one ``.npz``: beside the photos, else in the user's cache folder.

    Every failure here is swallowed: a cache is an optimisation and must never stop a scan.
    """

    @staticmethod
    def user_path(folder: Path) -> Path:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        key = hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:16]
        return base / "gesture-scan" / f"gallery-{key}.npz"

    @classmethod
    def places(cls, folder: Path, beside: bool) -> tuple[Path, ...]:
        user = cls.user_path(folder)
        return (folder / CACHE_NAME, user) if beside else (user,)

    @classmethod
    def read(cls, folder: Path, beside: bool = True) -> _CacheMap:
        for path in cls.places(folder, beside):
            try:
                with np.load(path, allow_pickle=False) as data:
                    if str(data["version"]) != EMBEDDING_VERSION:
                        continue
                    hashes = [str(h) for h in data["sha256"]]
                    emb = np.asarray(data["embeddings"], dtype=np.float32)
                    reasons = [str(r) for r in data["reasons"]]
                if emb.shape != (len(hashes), DESCRIPTOR_SIZE) or len(reasons) != len(hashes):
                    continue
                return {
                    h: (None, r) if r else (emb[i].copy(), "")
                    for i, (h, r) in enumerate(zip(hashes, reasons))
                }
            except Exception:  # missing, corrupt or foreign file: no cache
                continue
        return {}

    @classmethod
    def write(cls, folder: Path, items: _CacheMap, beside: bool = True) -> Optional[Path]:
        hashes = list(items)
        emb = np.zeros((len(hashes), DESCRIPTOR_SIZE), dtype=np.float32)
        for i, h in enumerate(hashes):
            vec = items[h][0]
            if vec is not None:
                emb[i] = vec
        arrays = {
            "version": np.array(EMBEDDING_VERSION),
            "sha256": np.array(hashes, dtype="U64"),
            "embeddings": emb,
            "reasons": np.array([items[h][1] for h in hashes], dtype=str),
        }
        for path in cls.places(folder, beside):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=".gesture-scan-", suffix=".npz", dir=path.parent)
                try:
                    with os.fdopen(fd, "wb") as fh:
                        np.savez(fh, **arrays)
                    os.replace(tmp, path)
                finally:
                    if os.path.exists(tmp):
                        os.unlink(tmp)
                return path
            except Exception:  # read-only folder: try the next place, else no cache
                continue
        return None
