"""Banner text: OCR of banner regions or whole photos (``TextStage``) and matching the text
against an election profile's names, ballot numbers and parties (``match_text``).

``TextStage`` lives in ``ocr`` and imports RapidOCR only when built; importing this package, and
matching, need no model. ``ocr`` itself (OpenCV) is imported on first use of its names, so the
rules, which read ``match``'s vocabulary, stay free of image libraries.
"""

from typing import TYPE_CHECKING, Any

from ..results import TextLine, TextMatch
from .match import TextMatcher, match_lines, match_text, summarise

if TYPE_CHECKING:
    from .ocr import TextOptions, TextRead, TextResult, TextStage

_FROM_OCR = ("TextOptions", "TextRead", "TextResult", "TextStage")


def __getattr__(name: str) -> Any:
    if name in _FROM_OCR:
        from . import ocr

        return getattr(ocr, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TextLine",
    "TextMatch",
    "TextMatcher",
    "TextOptions",
    "TextRead",
    "TextResult",
    "TextStage",
    "match_lines",
    "match_text",
    "summarise",
]
