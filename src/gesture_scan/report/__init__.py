"""Reporters: JSON lines, CSV, annotated copies (``writer``, ``annotate``) and the HTML page."""

from .html import write_html
from .writer import ReportWriter, read_jsonl

__all__ = ["ReportWriter", "read_jsonl", "write_html"]
