"""Banner text: OCR of banner regions or whole photos (``TextStage``) and matching the text
against an election profile's names, ballot numbers and parties (``match_text``).

``TextStage`` lives in ``ocr`` and imports RapidOCR only when built; importing this package, and
matching, need no model.
"""

from ..results import TextLine, TextMatch
from .match import TextMatcher, match_lines, match_text, summarise
from .ocr import TextOptions, TextRead, TextResult, TextStage

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
