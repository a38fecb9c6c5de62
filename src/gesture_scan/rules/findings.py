"""How one finding is worded and scored: the builder every rule family of ``engine`` uses.

A finding's two messages (English for the report, Indonesian for Bawaslu's officers) are the rule's
templates with notes appended in one fixed order: the sign's grading, who made the sign, what the
material's text names, the uniform cue. Wording and scoring in one place keep every rule's findings
alike, and a rule family only says which rule, on what evidence, how strongly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from ..results import SEVERITY_ORDER, FaceInfo, Finding, ImageResult, person_tags
from .catalog import Rule

#: Rules about the people in the photo: a uniform cue on one of them makes these more pressing.
PEOPLE_RULES = {
    "candidate-with-sign",
    "group-candidate-sign",
    "several-same-sign",
    "group-with-candidate",
    "group-with-material",
    "material-with-sign",
    "single-sign",
}

#: (English, Indonesian) names of the uniforms, as a finding's message says them.
UNIFORM_NAMES = {
    "pdh_khaki": ("khaki PDH uniform", "seragam PDH khaki"),
    "korpri_batik": ("KORPRI batik", "batik KORPRI"),
    "linmas_green": ("Linmas uniform", "seragam Linmas"),
    "satpol_pp": ("Satpol PP uniform", "seragam Satpol PP"),
    "white_pns": ("white civil-servant shirt", "kemeja putih PNS"),
}

#: A note appended to both messages: (English, Indonesian).
Note = tuple[str, str]
#: Lines of text that name a candidate or party: line index -> (ballot numbers, what they name).
Named = dict[int, tuple[set[int], set[str]]]


@dataclass(frozen=True)
class Grade:
    """How far a sign match falls short of a high finding, and the reviewer's note on why."""

    severity: Optional[str] = None  # a cap below the rule's, or None
    scale: float = 1.0
    notes: tuple[Note, ...] = ()
    details: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What one image offers the rules besides its sign matches, gathered once per image."""

    result: ImageResult
    objects: tuple[int, ...]  # campaign material scored high enough to count
    big_objects: tuple[int, ...]  # ...and large enough in the photo for a group-with-material
    object_strength: float
    group: bool
    candidate_faces: tuple[int, ...]  # gallery matches, not printed on a banner
    uniform: tuple[int, ...]  # faces with a uniform cue scored high enough
    uniform_strength: float
    named: Named
    material_support: tuple[int, ...]  # ballot numbers named by text on the counted material
    #: Counted banners whose text reads as an official event's backdrop (``_backdrops``), and the
    #: words that said so: campaign material only by the detector's box.
    backdrops: tuple[int, ...] = ()
    backdrop_terms: tuple[str, ...] = ()

    @property
    def campaign_objects(self) -> tuple[int, ...]:
        """The counted material that is not an official backdrop."""
        return tuple(i for i in self.objects if i not in self.backdrops)

    @property
    def infos(self) -> tuple[FaceInfo, ...]:
        return self.result.face_info


def lower_severity(a: Optional[str], b: Optional[str]) -> Optional[str]:
    """The lower of two severity caps (None: no cap)."""
    if a is None or (b is not None and SEVERITY_ORDER[b] < SEVERITY_ORDER[a]):
        return b
    return a


class _Messages:
    """The English and Indonesian message of one finding, grown note by note."""

    def __init__(self, rule: Rule, values: dict[str, Any]) -> None:
        self.en = rule.message_en.format(**values)
        self.id = rule.message_id.format(**values)

    def add(self, note: Note) -> None:
        self.en += note[0]
        self.id += note[1]


class FindingBuilder:
    """Collects one image's findings; ``add`` words and scores each one."""

    def __init__(
        self, rule_for: Callable[[str], Optional[Rule]], evidence: Evidence, attire_boost: float
    ) -> None:
        self._rule_for = rule_for  # the profile's version of a rule, None where it is disabled
        self.evidence = evidence
        self._attire_boost = attire_boost
        self.findings: list[Finding] = []

    def add(
        self,
        rule_id: str,
        strength: float,
        hands: tuple[int, ...] = (),
        objs: tuple[int, ...] = (),
        fields: Optional[dict[str, Any]] = None,
        faces: tuple[int, ...] = (),
        texts: tuple[int, ...] = (),
        note: Optional[Note] = None,  # appended to both messages
        severity: Optional[str] = None,  # lower than the rule's, for weaker cases
        scale: float = 1.0,  # ...and its score scaled down with it
        grade: Optional[Grade] = None,  # a sign match's own grading (``RuleEngine._grade``)
    ) -> None:
        rule = self._rule_for(rule_id)
        if rule is None:
            return
        result = self.evidence.result
        fields = dict(fields or {})
        notes = [note] if note is not None else []
        if grade is not None:
            severity = lower_severity(severity, grade.severity)
            scale *= grade.scale
            notes.extend(grade.notes)
            fields.update(grade.details)
        if severity is not None and SEVERITY_ORDER[severity] < SEVERITY_ORDER[rule.severity]:
            rule = replace(rule, severity=severity)
        values = {
            "people": result.people,
            "n": len(hands),
            "objects": ", ".join(result.objects.labels[i] for i in objs),
            **fields,
        }
        messages = _Messages(rule, values)
        linked = [result.hands[i].person for i in hands]
        people = sorted({p for p in linked if p is not None})
        if people:
            # After the messages: ``{people}`` in a template is the photo's head count.
            fields["people"] = people
            messages.add(made_by_note(people, linked.count(None)))
        for n in notes:
            messages.add(n)
        score = scale * (rule.base + rule.weight * strength)
        if objs and self.evidence.material_support and rule.id != "candidate-text":
            texts = self._material_text(messages, fields, objs, texts)
        if self.evidence.uniform and rule.id in PEOPLE_RULES:
            faces = self._uniform_cue(messages, fields, faces)
            score += self._attire_boost * self.evidence.uniform_strength
        self.findings.append(
            Finding(
                rule=rule.id,
                severity=rule.severity,
                message=messages.en,
                message_id=messages.id,
                hands=hands,
                objects=objs,
                faces=faces,
                texts=texts,
                score=min(1.0, score),
                references=rule.references,
                people=tuple(people),
                details=fields,
            )
        )

    def _material_text(
        self,
        messages: _Messages,
        fields: dict[str, Any],
        objs: tuple[int, ...],
        texts: tuple[int, ...],
    ) -> tuple[int, ...]:
        """Say which candidates the text on the finding's material names; its lines join it."""
        ev = self.evidence
        support = list(ev.material_support)
        nums = ", ".join(f"{n:02d}" for n in support)
        messages.add(
            (
                f"; text on the material names candidate {nums}",
                f"; tulisan pada alat peraga menyebut calon {nums}",
            )
        )
        fields["material_supports"] = support
        on = [i for i in ev.named if ev.result.texts[i].region in objs]
        return tuple(sorted(set(texts) | set(on)))

    def _uniform_cue(
        self, messages: _Messages, fields: dict[str, Any], faces: tuple[int, ...]
    ) -> tuple[int, ...]:
        """Name the uniform cues, strongest first with their scores: the reviewer checks those
        people first. The cued faces join the finding's."""
        ev = self.evidence
        infos = ev.infos
        ranked = sorted(ev.uniform, key=lambda i: -infos[i].attire_score)
        en = "; ".join(
            f"{uniform_name(infos[i].attire, 0)}, score {infos[i].attire_score:.2f}" for i in ranked
        )
        idn = "; ".join(
            f"{uniform_name(infos[i].attire, 1)}, skor {infos[i].attire_score:.2f}" for i in ranked
        )
        messages.add(
            (
                f"; possible civil servant: {en} - a cue, not proof",
                f"; kemungkinan ASN: {idn} - isyarat, bukan bukti",
            )
        )
        fields["attire"] = sorted({str(infos[i].attire) for i in ev.uniform})
        fields["civil_servant_faces"] = list(ranked)
        return tuple(sorted(set(faces) | set(ev.uniform)))


def made_by_note(people: list[int], unlinked: int = 0) -> Note:
    """Who makes the sign, as the annotated copy numbers them: "; made by P2, P5 (2 people)",
    and the hands linked to no face, so the officer knows the list may be short."""
    who = person_tags(people)
    n = len(people)
    en = f"; made by {who} ({n} {'person' if n == 1 else 'people'})"
    idn = f"; dibuat oleh {who} ({n} orang)"
    if unlinked:
        en += f" and {unlinked} hand(s) linked to no face"
        idn += f" dan {unlinked} tangan yang tidak terkait dengan wajah"
    return en, idn


def uniform_name(label: Optional[str], lang: int) -> str:
    names = UNIFORM_NAMES.get(str(label))
    return names[lang] if names else str(label)


def face_label(info: FaceInfo) -> str:
    if info.number is not None:
        return f"{info.number:02d}" + (f" ({info.name})" if info.name else "")
    return str(info.name or info.candidate)
