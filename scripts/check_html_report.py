"""Open a ``report.html`` in headless Chromium and check that it really works in a browser.

Static tests can only read the markup; this renders it: the page must load from ``file://`` with
no network, the triage table (one row per input) must be there, its filter script must run to the
end (it sets ``data-ready="1"`` on ``<body>`` as its
last step, so the attribute is missing after any script error), and no image may point off the
machine. Optionally saves a screenshot to look at.

    python scripts/check_html_report.py gesture-scan-report/report.html --screenshot shot.png

Exit code 0 when every check passes, 1 when one fails, 2 when Chromium is not installed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Optional

from gesture_scan.report.pdf import find_chromium

# Everything that could make a headless browser reach out on its own is turned off; the page's
# Content-Security-Policy already forbids remote fetches by the page itself.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
    "--run-all-compositor-stages-before-draw",
]


def _run(chromium: str, args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="gs-chromium-") as profile:
        return subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


class _Dom(HTMLParser):
    """The parts of Chromium's DOM dump the checks need (a parser, not regexes: Chromium decides
    how attributes are serialised)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: dict[str, str] = {}
        self.items: list[tuple[str, bool]] = []  # (data-sev, hidden) of every triage table row
        self.remote: list[str] = []
        self.broken = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "body":
            self.body = a
        if "data-sev" in a and tag == "tr":  # the triage table's rows, one per input
            self.items.append((a["data-sev"], "is-hidden" in classes))
        if "broken" in classes:
            self.broken += 1
        for key in ("src", "href", "srcset", "action"):
            value = a.get(key, "").strip().lower()
            if value.startswith(("http:", "https:", "//", "ftp:", "ws:", "wss:")):
                self.remote.append(f"{tag} {key}={value[:60]}")


def _load(chromium: str, url: str, timeout: float) -> tuple[_Dom, list[str], str]:
    run = _run(chromium, ["--enable-logging=stderr", "--dump-dom", url], timeout)
    dom = _Dom()
    dom.feed(run.stdout)
    # The page itself logs nothing, so any console line is a script error or a blocked fetch.
    console = [line.strip() for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return dom, console, run.stdout


def check(
    report: Path,
    screenshot: Optional[Path] = None,
    chromium: Optional[str] = None,
    window: str = "1400,2000",
    timeout: float = 120.0,
) -> dict[str, object]:
    """Render ``report`` and return what was found; ``ok`` is True when every check passed."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("chromium not found (apt-get install chromium)")
    url = report.resolve().as_uri()
    problems: list[str] = []
    dom, console, text = _load(chromium, url, timeout)
    if not text.strip():
        problems.append("empty DOM dump: the page did not load")
    elif dom.body.get("data-ready") != "1":
        problems.append('the filter script did not finish: <body> lacks data-ready="1"')
    if dom.remote:
        problems.append(f"links or images point off the machine: {dom.remote[:3]}")
    if console:
        problems.append(f"console messages (script errors or blocked fetches): {console[:3]}")
    hidden = sum(h for _sev, h in dom.items)
    if hidden:
        problems.append(f"{hidden} entries hidden on load (the default filters must show all)")
    # The filters themselves: open the page with only "high" ticked, as a link can ask for.
    high, _console, _text = _load(chromium, url + "#f:sev=high", timeout)
    wrong = [sev for sev, h in high.items if h != (sev != "high")]
    if dom.items and not high.items:
        problems.append("the filtered page did not load")
    elif wrong:
        problems.append(f"severity filter wrong for {len(wrong)} entries (e.g. {wrong[0]})")
    result: dict[str, object] = {
        "report": str(report),
        "entries": len(dom.items),
        "by_severity": dict(Counter(sev for sev, _h in dom.items)),
        "shown_with_high_only": sum(not h for _sev, h in high.items),
        "broken_images": dom.broken,
    }
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        shot = _run(
            chromium, [f"--screenshot={screenshot}", f"--window-size={window}", url], timeout
        )
        if not screenshot.is_file() or screenshot.stat().st_size == 0:
            problems.append(f"no screenshot written (chromium exit {shot.returncode})")
        result["screenshot"] = str(screenshot)
    result["problems"] = problems
    result["ok"] = not problems
    return result


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="the report.html to open")
    parser.add_argument("--screenshot", type=Path, help="also save a PNG screenshot here")
    parser.add_argument("--chromium", help="browser binary (default: first chromium on PATH)")
    parser.add_argument("--window", default="1400,2000", help="window size W,H for the screenshot")
    args = parser.parse_args(argv)
    if not args.report.is_file():
        print(f"{args.report}: no such file", file=sys.stderr)
        return 1
    try:
        result = check(args.report, args.screenshot, args.chromium, args.window)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
