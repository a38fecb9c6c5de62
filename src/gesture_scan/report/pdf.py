"""``report.pdf``: the A4 case file printed by Chromium (``--headless --print-to-pdf``).

Chromium rather than WeasyPrint: it is the browser the page is checked in, it prints the very
layout the officer sees on screen (``@page { size: A4 }`` in ``casefile.html``), and Debian ships
it, so there is no Python dependency with its own native libraries (Pango, Cairo) to install on an
air-gapped machine. Everything that could make the browser reach out is turned off, and the page's
own Content-Security-Policy forbids remote fetches.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from ..errors import ReportWriteError, UsageError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = [
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-pdf-header-footer",
    "--virtual-time-budget=10000",
    "--run-all-compositor-stages-before-draw",
]


def find_chromium() -> Optional[str]:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(page: Path, target: Path, timeout: float = 180.0) -> Path:
    """Print ``page`` (an HTML file) to ``target`` with headless Chromium."""
    chromium = find_chromium()
    if chromium is None:
        raise UsageError(
            "--pdf needs Chromium to print the case file (Debian: apt-get install chromium); "
            f"{page.name} can also be printed to PDF from any browser"
        )
    tmp = target.with_suffix(".pdf.tmp")
    flags = list(FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    with tempfile.TemporaryDirectory(prefix="gs-chromium-") as profile:
        try:
            run = subprocess.run(
                [
                    chromium,
                    *flags,
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={tmp}",
                    page.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ReportWriteError(f"Chromium did not print {page} within {timeout:.0f} s") from exc
    if not tmp.is_file() or tmp.stat().st_size == 0:
        tail = (run.stderr or "").strip().splitlines()[-1:] or [f"exit {run.returncode}"]
        raise ReportWriteError(f"Chromium could not print {page} to PDF ({tail[0]})")
    os.replace(tmp, target)
    return target
