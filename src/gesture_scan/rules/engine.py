"""Turn one image's detections into findings, using an election profile.

Pure logic on our result types (no models), so every rule is unit-tested on hand-made detections.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

import numpy as np

from ..results import Finding, Hand, ImageResult
from .catalog import RULES, Rule
from .profile import Candidate, Party, Profile, Sign

CAMPAIGN_LABELS = ("banner", "flag")


@dataclass(frozen=True)
class _Match:
    """Hands (indices into the record) that show one candidate's or party's sign."""

    owner: str  # candidate label or party name
    number: Optional[int]
    hands: tuple[int, ...]
    strength: float  # mean score of those hands


def _matches(hand: Hand, signs: tuple[Sign, ...]) -> bool:
    return any(s.matches(hand) for s in signs)


class RuleEngine:
    """Applies the rule catalog under one profile. Stateless per image; share it freely."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.t = profile.thresholds

    def _rule(self, rule_id: str) -> Optional[Rule]:
        rule = RULES[rule_id]
        setting = self.profile.rules.get(rule_id)
        if setting is None:
            return rule
        if not setting.enabled:
            return None
        return replace(rule, severity=setting.severity) if setting.severity else rule

    def _sign_matches(
        self,
        hands: tuple[Hand, ...],
        owners: list[tuple[str, Optional[int], tuple[Sign, ...]]],
        corroborated: bool,
    ) -> list[_Match]:
        out = []
        for label, number, signs in owners:
            idx = tuple(
                i
                for i, h in enumerate(hands)
                if h.score >= self.t.min_hand_score and _matches(h, signs)
            )
            if not idx:
                continue
            casual = all(hands[i].reading.gesture in self.t.casual_gestures for i in idx)
            # A waving open palm is not a sign by itself: it needs another hand with the same
            # sign or campaign material in the photo.
            if casual and len(idx) < self.t.several_min_hands and not corroborated:
                continue
            strength = float(np.mean([hands[i].score for i in idx]))
            out.append(_Match(label, number, idx, strength))
        return out

    def evaluate(self, result: ImageResult) -> tuple[tuple[Finding, ...], float]:
        """Findings for one image and its triage score (0..1, higher = look first)."""
        if result.error:
            return (), 0.0
        t = self.t
        objects = result.objects
        keep = np.array([lbl in CAMPAIGN_LABELS for lbl in objects.labels], dtype=bool).reshape(
            -1
        ) & (objects.confidence >= t.min_object_score)
        area = max(result.width * result.height, 1)
        obj_idx = tuple(int(i) for i in np.flatnonzero(keep))
        big_idx = tuple(i for i in obj_idx if objects.area[i] / area >= t.min_object_area)
        obj_strength = float(objects.confidence[list(obj_idx)].max()) if obj_idx else 0.0
        group = result.people >= t.group_min_people
        cands: list[Candidate] = list(self.profile.candidates)
        candidate_matches = self._sign_matches(
            result.hands, [(c.label, c.number, c.signs) for c in cands], bool(obj_idx)
        )
        parties: list[Party] = [p for p in self.profile.parties if p.signs]
        party_matches = self._sign_matches(
            result.hands, [(p.name, None, p.signs) for p in parties], bool(obj_idx)
        )
        findings: list[Finding] = []

        def add(
            rule_id: str,
            strength: float,
            hands: tuple[int, ...] = (),
            objs: tuple[int, ...] = (),
            fields: Optional[dict[str, Any]] = None,
        ) -> None:
            rule = self._rule(rule_id)
            if rule is None:
                return
            fields = fields or {}
            values = {
                "people": result.people,
                "n": len(hands),
                "objects": ", ".join(objects.labels[i] for i in objs),
                **fields,
            }
            findings.append(
                Finding(
                    rule=rule.id,
                    severity=rule.severity,
                    message=rule.message_en.format(**values),
                    message_id=rule.message_id.format(**values),
                    hands=hands,
                    objects=objs,
                    score=min(1.0, rule.base + rule.weight * strength),
                    references=rule.references,
                    details=dict(fields),
                )
            )

        for m in candidate_matches:
            details: dict[str, Any] = {"candidate": m.owner, "number": m.number}
            if group:
                add("group-candidate-sign", m.strength, m.hands, fields=details)
            if len(m.hands) >= t.several_min_hands:
                add(
                    "several-same-sign",
                    min(1.0, m.strength * len(m.hands) / 3),
                    m.hands,
                    fields=details,
                )
            if obj_idx:
                add(
                    "material-with-sign",
                    min(m.strength, obj_strength),
                    m.hands,
                    obj_idx,
                    fields=details,
                )
            if not group and not obj_idx and len(m.hands) < t.several_min_hands:
                add("single-sign", m.strength, m.hands, fields=details)
        if group and big_idx:
            add("group-with-material", obj_strength, (), big_idx)
        for m in party_matches:
            add("party-sign", m.strength, m.hands, fields={"party": m.owner})
        # Noisy-or: more independent evidence -> closer to 1, never above.
        triage = 1.0 - float(np.prod([1.0 - f.score for f in findings])) if findings else 0.0
        findings.sort(key=lambda f: (-{"high": 3, "medium": 2, "low": 1}[f.severity], -f.score))
        return tuple(findings), round(triage, 4)

    def apply(self, result: ImageResult) -> ImageResult:
        findings, triage = self.evaluate(result)
        return replace(result, findings=findings, triage_score=triage)
