"""``review.jsonl``: one line per decision an officer took on a finding or a whole input.

Append-only, so the history of a case is kept (who changed their mind, when): the page shows the
latest decision for each finding, the CSV export lists them all. A decision names the evidence by
the record's SHA-256 (and frame), not by its path, so it still applies when the report folder is
moved or the case is rescanned with ``--overwrite`` (which never removes ``review.jsonl``: it is a
person's work, not gesture-scan's output).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

REVIEW_FILE = "review.jsonl"
REVIEW_CSV = "review.csv"
DECISION_VALUES = ("confirmed", "rejected", "needs-check")


def finding_id(sha256: Optional[str], frame: Optional[int], finding: Optional[int]) -> str:
    """``<sha256>:<frame or ->:<finding index or *>``: one finding of one record (``*``: the
    whole photo or frame), the same in the page, the server and the CSV."""
    return f"{sha256 or ''}:{'-' if frame is None else frame}:{'*' if finding is None else finding}"


class DecisionIn(BaseModel):
    """What the page posts; the server adds the time."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reviewer: str = Field(min_length=1, max_length=120)
    decision: Literal["confirmed", "rejected", "needs-check"]
    note: str = Field(default="", max_length=4000)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    frame: Optional[int] = Field(default=None, ge=0)
    finding: Optional[int] = Field(default=None, ge=0)
    rule: Optional[str] = Field(default=None, max_length=200)
    path: str = Field(default="", max_length=4096)


class Decision(DecisionIn):
    """One line of ``review.jsonl``."""

    time: str

    @property
    def id(self) -> str:
        return finding_id(self.sha256, self.frame, self.finding)

    @classmethod
    def now(cls, given: DecisionIn) -> Decision:
        when = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return cls(**given.model_dump(), time=when)


def read_decisions(out_dir: Path) -> Iterator[Decision]:
    """Every decision in the file, oldest first; a line that does not parse (cut short by a
    crash, edited by hand) is left out rather than failing the report."""
    path = Path(out_dir) / REVIEW_FILE
    if not path.is_file():
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if not line.strip():
                continue
            try:
                yield Decision.model_validate(json.loads(line))
            except (json.JSONDecodeError, ValidationError, TypeError):
                continue


def load_decisions(out_dir: Path) -> dict[str, Decision]:
    """The latest decision for each finding id."""
    return {d.id: d for d in read_decisions(out_dir)}


def append_decision(out_dir: Path, decision: Decision) -> None:
    """One line, flushed and synced before the server answers: a decision the officer saw
    accepted survives a crash or a pulled plug."""
    line = json.dumps(decision.model_dump(), ensure_ascii=False) + "\n"
    with open(Path(out_dir) / REVIEW_FILE, "a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


CSV_FIELDS = ("time", "reviewer", "decision", "note", "path", "sha256", "frame", "finding", "rule")


def decisions_csv(decisions: list[Decision], fh: object) -> None:
    """Every decision as a row; same dialect as ``report.csv`` (UTF-8 with BOM written by the
    caller, ``;`` between fields: see ``report/tables.py``)."""
    w = csv.writer(fh, delimiter=";")  # type: ignore[arg-type]
    w.writerow([*CSV_FIELDS, "finding_id"])
    for d in decisions:
        row = d.model_dump()
        w.writerow([*("" if row[k] is None else row[k] for k in CSV_FIELDS), d.id])


def write_review_csv(out_dir: Path) -> Path:
    target = Path(out_dir) / REVIEW_CSV
    tmp = target.with_suffix(".csv.tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        decisions_csv(list(read_decisions(out_dir)), fh)
    os.replace(tmp, target)
    return target
