"""Reporters: JSON lines, CSV and xlsx, annotated copies and thumbnails, the HTML page and the A4
case file (``writer``, ``tables``, ``annotate``, ``thumbs``, ``html``, ``render``)."""

from .html import write_html
from .render import render_report
from .writer import ReportWriter, read_jsonl

__all__ = ["ReportWriter", "read_jsonl", "render_report", "write_html"]
