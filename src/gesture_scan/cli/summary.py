"""What a scan shows on the terminal while it runs (progress bars) and when it ends (the summary
table and the findings to look at first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from ..messages import SEVERITY_WORDS, msg
from ..results import display_path, person_tags


class ProgressBars:
    """One bar over the inputs, and one per video showing the position in the video."""

    def __init__(self, progress: Progress, n_inputs: int) -> None:
        self.progress = progress
        self.inputs = progress.add_task("inputs", total=n_inputs)
        self.video_path: Optional[str] = None
        self.video_bar: Any = None

    def _close_video(self) -> None:
        if self.video_bar is not None:
            self.progress.remove_task(self.video_bar)
            self.progress.advance(self.inputs)
        self.video_bar, self.video_path = None, None

    def advance(self, result: Any) -> None:
        video = result.meta.get("video") if result.meta else None
        if video is None or result.frame is None:
            if self.video_path is not None and result.path == self.video_path:
                self._close_video()  # the video's closing error record
                return
            self._close_video()
            self.progress.advance(self.inputs)
            return
        if result.path != self.video_path:
            self._close_video()
            self.video_path = result.path
            name = Path(result.path).name
            self.video_bar = self.progress.add_task(
                f"  {name[:40]} (s)", total=max(float(video.get("duration_s") or 0), 1.0)
            )
        self.progress.update(self.video_bar, completed=result.frame.time_s)

    def finish(self) -> None:
        self._close_video()


def print_summary(
    console: Console,
    writer: Any,
    skipped: int,
    elapsed: float,
    out: Path,
    interrupted: bool,
    lang: str = "id",
) -> None:
    """The table printed after a scan, then the inputs to look at first (the writer keeps
    them), in the run's language."""
    s = writer.stats
    title = msg(lang, "summary") + (" " + msg(lang, "interrupted") if interrupted else "")
    table = Table(title=title, show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rate = s["records"] / elapsed if elapsed > 0 else 0.0
    from ..report.i18n import Words

    words = Words(lang)
    bodies = s["bodies"] if s["bodies_counted"] else None  # None: the person detector was off
    rows = [
        (msg(lang, "photos_scanned"), s["photos"]),
        (msg(lang, "frames_scanned", n=s["videos"]), s["frames"]),
        (msg(lang, "errors"), s["errors"]),
        (msg(lang, "skipped"), skipped),
        (msg(lang, "with_hands"), s["with_hands"]),
        (msg(lang, "hands"), s["hands"]),
        (msg(lang, "groups"), s["groups"]),
        (msg(lang, "people"), f"{s['people']} ({words.head_count(s['faces'], bodies)})"),
        (msg(lang, "objects"), s["objects"]),
        (msg(lang, "flagged"), s["flagged"]),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    sev_words = SEVERITY_WORDS[lang]
    for gesture, n in writer.gestures.most_common():
        table.add_row(msg(lang, "gesture_row", name=words.gesture(gesture)), str(n))
    for sev, n in writer.severities.most_common():
        table.add_row(msg(lang, "findings_row", sev=sev_words.get(sev, sev)), str(n))
    for rule, n in writer.rules.most_common():
        table.add_row(msg(lang, "rule_row", rule=rule), str(n))
    table.add_row(msg(lang, "time"), msg(lang, "rate", s=elapsed, rate=rate))
    console.print(table)
    if writer.look_first:
        counts = ", ".join(
            f"{writer.severities[sev]} {sev_words[sev]}"
            for sev in ("high", "medium", "low")
            if writer.severities[sev]
        )
        console.print(msg(lang, "look_first", counts=counts))
        for path, finding in writer.look_first:
            text = finding.message_id if lang == "id" and finding.message_id else finding.message
            message = text if len(text) <= 90 else text[:89] + "…"
            # Who makes the sign ahead of the cut-off message: the messages end with it.
            who = person_tags(finding.people)
            who = f" [{words.made_by} {who}]" if who else ""
            console.print(
                f"  {sev_words.get(finding.severity, finding.severity):<6}  "
                f"{escape(display_path(path))}  {finding.rule}{escape(who)}: {escape(message)}",
                soft_wrap=True,
            )
    if s["errors"]:
        console.print(msg(lang, "unreadable", n=s["errors"]))
    console.print(msg(lang, "report_at", where=display_path(str(out))))
