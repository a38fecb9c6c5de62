"""The officer's decisions on a report: ``review.jsonl`` (``decisions``) and the local review
server (``app``, ``gesture-scan review DIR``)."""

from .decisions import DECISION_VALUES, Decision, finding_id, load_decisions

__all__ = ["DECISION_VALUES", "Decision", "finding_id", "load_decisions"]
