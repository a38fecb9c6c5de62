"""Turn one image's detections into findings, using an election profile.

Pure logic on our result types (no models), so every rule is unit-tested on hand-made detections.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional

import numpy as np

from ..results import SEVERITY_ORDER, FaceInfo, Finding, Gesture, Hand, ImageResult
from .catalog import RULES, Rule
from .profile import Candidate, Party, Profile, Sign

CAMPAIGN_LABELS = ("banner", "flag")
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


@dataclass(frozen=True)
class _Match:
    """Hands (indices into the record) that show one candidate's or party's sign."""

    owner: str  # candidate label or party name
    number: Optional[int]
    hands: tuple[int, ...]
    strength: float  # mean score of the confident hands (of all of them where none is)
    firm: tuple[int, ...] = ()  # the hands read with a score clear of the uncertain margin
    voters: int = 0  # the photo's readable evidence hands, whatever sign they show
    #: People making the sign with a confident hand: two hands of one linked person are one
    #: person; a hand linked to nobody counts as its own.
    makers: int = 0
    grip: bool = False  # every matching hand has a shape that also grips objects


@dataclass(frozen=True)
class _Grade:
    """How far a sign match falls short of a high finding, and the reviewer's note on why."""

    severity: Optional[str] = None  # a cap below the rule's, or None
    scale: float = 1.0
    notes: tuple[tuple[str, str], ...] = ()  # (English, Indonesian)
    details: tuple[tuple[str, Any], ...] = ()


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

    def _evidence(self, hand: Hand) -> bool:
        """A hand the rules may rest on: sure enough, and not scored as resting or holding."""
        t = self.t
        return hand.score >= t.min_hand_score and (
            hand.posed is None or hand.posed >= t.min_posed_score
        )

    def _sign_matches(
        self,
        hands: tuple[Hand, ...],
        owners: list[tuple[str, Optional[int], tuple[Sign, ...]]],
        corroborated: bool,
    ) -> list[_Match]:
        t = self.t
        evidence = [i for i, h in enumerate(hands) if self._evidence(h)]
        # Hands that read as something (an unreadable "other" says nothing either way): the
        # sign has to hold its own among them, not be one reading out of many.
        voters = sum(1 for i in evidence if hands[i].reading.gesture != Gesture.OTHER)
        out = []
        for label, number, signs in owners:
            idx = tuple(i for i in evidence if _matches(hands[i], signs))
            if not idx:
                continue
            casual = all(hands[i].reading.gesture in t.casual_gestures for i in idx)
            # A waving open palm is not a sign by itself: it needs another hand with the same
            # sign or campaign material in the photo.
            if casual and len(idx) < t.several_min_hands and not corroborated:
                continue
            firm = tuple(i for i in idx if hands[i].score >= t.min_hand_score + t.uncertain_margin)
            strength = float(np.mean([hands[i].score for i in (firm or idx)]))
            people = {hands[i].person for i in firm if hands[i].person is not None}
            makers = len(people) + sum(1 for i in firm if hands[i].person is None)
            grip = all(hands[i].reading.gesture in t.grip_gestures for i in idx)
            out.append(
                _Match(label, number, idx, strength, firm, max(voters, len(idx)), makers, grip)
            )
        return out

    def _grade(self, m: _Match, corroborated: bool = False) -> _Grade:
        """Grade a sign match down where it rests on uncertain hands or on a minority reading.

        The costliest mistake is a high finding on an innocent group photo, and the usual cause
        is one hand misread (a hand round a cup read as a thumbs-up, a resting hand as "one"):
        a high finding needs a confident hand, and the sign to be the photo's reading (at least
        ``min_sign_share`` of the readable hands) unless several confident hands make it.
        """
        t = self.t
        severity: Optional[str] = None
        scale = 1.0
        notes: list[tuple[str, str]] = []
        weak = tuple(i for i in m.hands if i not in m.firm)
        share = len(m.hands) / max(m.voters, 1)
        details: list[tuple[str, Any]] = [
            ("readable_hands", m.voters),
            ("sign_share", round(share, 3)),
        ]
        if weak:
            details.append(("uncertain_hands", list(weak)))
        if not m.firm:
            severity, scale = "medium", 0.7
            if len(m.hands) == 1:
                notes.append(
                    (
                        "; one low-confidence hand: check by eye",
                        "; satu tangan dengan skor rendah: perlu dicek",
                    )
                )
            else:
                notes.append(
                    (
                        f"; all {len(m.hands)} hands have low scores: check by eye",
                        f"; semua {len(m.hands)} tangan dengan skor rendah: perlu dicek",
                    )
                )
        if share < t.min_sign_share and m.makers < t.several_min_hands:
            severity = "low" if severity else "medium"
            scale *= 0.7
            notes.append(
                (
                    f"; only {len(m.hands)} of {m.voters} readable hands show this sign: "
                    "check by eye",
                    f"; hanya {len(m.hands)} dari {m.voters} tangan yang terbaca membentuk "
                    "simbol ini: perlu dicek",
                )
            )
        if m.grip and m.firm and m.makers < t.several_min_hands and not corroborated:
            # One person's thumbs-up: the hand round a cup, a trophy or a microphone reads so.
            severity = "low" if severity else "medium"
            scale *= 0.8
            notes.append(
                (
                    "; one person's thumbs-up, the shape of a hand holding something: check by eye",
                    "; jempol dari satu orang saja, bentuknya sama dengan tangan yang memegang "
                    "benda: perlu dicek",
                )
            )
        return _Grade(severity, scale, tuple(notes), tuple(details))

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
        # Optional evidence: candidate faces (gallery), uniform cues (attire), text (OCR).
        infos = result.face_infos
        cand_faces = [i for i, f in enumerate(infos) if f.candidate is not None and not f.on_print]
        uniform = tuple(
            i
            for i, f in enumerate(infos)
            if f.attire is not None and f.attire_score >= t.min_attire_score
        )
        uniform_strength = max((infos[i].attire_score for i in uniform), default=0.0)
        named = self._text_support(result)
        material_support = sorted(
            {n for i, (nums, _) in named.items() if result.texts[i].region in obj_idx for n in nums}
        )
        findings: list[Finding] = []

        def add(
            rule_id: str,
            strength: float,
            hands: tuple[int, ...] = (),
            objs: tuple[int, ...] = (),
            fields: Optional[dict[str, Any]] = None,
            faces: tuple[int, ...] = (),
            texts: tuple[int, ...] = (),
            note: Optional[tuple[str, str]] = None,  # (English, Indonesian) appended
            severity: Optional[str] = None,  # lower than the rule's, for weaker cases
            scale: float = 1.0,  # ...and its score scaled down with it
            grade: Optional[_Grade] = None,  # a sign match's own grading (see _grade)
        ) -> None:
            rule = self._rule(rule_id)
            if rule is None:
                return
            fields = dict(fields or {})
            notes = [note] if note is not None else []
            if grade is not None:
                sev = grade.severity
                if sev is not None and (
                    severity is None or SEVERITY_ORDER[sev] < SEVERITY_ORDER[severity]
                ):
                    severity = sev
                scale *= grade.scale
                notes.extend(grade.notes)
                fields.update(grade.details)
            people = sorted({p for p in (result.hands[i].person for i in hands) if p is not None})
            if severity is not None and SEVERITY_ORDER[severity] < SEVERITY_ORDER[rule.severity]:
                rule = replace(rule, severity=severity)
            values = {
                "people": result.people,
                "n": len(hands),
                "objects": ", ".join(objects.labels[i] for i in objs),
                **fields,
            }
            message_en = rule.message_en.format(**values)
            message_id = rule.message_id.format(**values)
            if people:
                # After the messages: ``{people}`` in a template is the photo's head count.
                fields["people"] = people
                who = ", ".join(f"#{p}" for p in people)
                message_en += f"; made by person {who}"
                message_id += f"; dibuat oleh orang {who}"
            for en, idn in notes:
                message_en += en
                message_id += idn
            score = scale * (rule.base + rule.weight * strength)
            if objs and material_support and rule.id != "candidate-text":
                nums = ", ".join(f"{n:02d}" for n in material_support)
                message_en += f"; text on the material names candidate {nums}"
                message_id += f"; tulisan pada alat peraga menyebut calon {nums}"
                fields["material_supports"] = material_support
                texts = tuple(sorted(set(texts) | set(_lines_on(result, named, objs))))
            if uniform and rule.id in PEOPLE_RULES:
                labels = sorted({str(infos[i].attire) for i in uniform})
                # Strongest first, each with its score: the reviewer checks those people first.
                ranked = sorted(uniform, key=lambda i: -infos[i].attire_score)
                en = "; ".join(
                    f"{_uniform_name(infos[i].attire, 0)}, score {infos[i].attire_score:.2f}"
                    for i in ranked
                )
                idn = "; ".join(
                    f"{_uniform_name(infos[i].attire, 1)}, skor {infos[i].attire_score:.2f}"
                    for i in ranked
                )
                message_en += f"; possible civil servant: {en} - a cue, not proof"
                message_id += f"; kemungkinan ASN: {idn} - isyarat, bukan bukti"
                fields["attire"] = labels
                fields["civil_servant_faces"] = list(ranked)
                faces = tuple(sorted(set(faces) | set(uniform)))
                score += t.attire_boost * uniform_strength
            findings.append(
                Finding(
                    rule=rule.id,
                    severity=rule.severity,
                    message=message_en,
                    message_id=message_id,
                    hands=hands,
                    objects=objs,
                    faces=faces,
                    texts=texts,
                    score=min(1.0, score),
                    references=rule.references,
                    details=fields,
                )
            )

        for f_idx in cand_faces:
            info = infos[f_idx]
            face_fields = {
                "face_candidate": _face_label(info),
                "distance": f"{info.distance:.2f}" if info.distance is not None else "?",
                "face_number": info.number,
            }
            if candidate_matches:
                # The candidate's own sign is the clearest case; another candidate's sign next
                # to a candidate is still a partisan act in their presence.
                own = [m for m in candidate_matches if m.number == info.number]
                m = max(own or candidate_matches, key=lambda m: m.strength)
                strength = m.strength * (1.0 if own else 0.8)
                fields = {**face_fields, "candidate": m.owner, "number": m.number}
                # A candidate's face beside the hand is the context that gives a thumbs-up its
                # meaning, so a lone one is not graded down here.
                grade = self._grade(m, corroborated=True)
                makers = {result.hands[i].person for i in m.hands} - {None}
                maker_note: Optional[tuple[str, str]] = None
                if makers:
                    # The rule that matters: a civil servant making the sign beside the candidate.
                    if makers == {f_idx}:
                        fields["made_by"] = "candidate"
                        maker_note = (
                            "; the candidate makes the sign",
                            "; calon sendiri membentuk simbol",
                        )
                    elif f_idx in makers:
                        fields["made_by"] = "candidate_and_others"
                        maker_note = (
                            "; the candidate and someone beside them make the sign",
                            "; calon dan orang di sampingnya membentuk simbol",
                        )
                    else:
                        fields["made_by"] = "others"
                        maker_note = (
                            "; someone beside the candidate makes the sign",
                            "; orang di samping calon membentuk simbol",
                        )
                if result.people >= 2:
                    add(
                        "candidate-with-sign",
                        strength,
                        m.hands,
                        (),
                        fields,
                        faces=(f_idx,),
                        note=maker_note,
                        grade=grade,
                    )
                else:
                    # The candidate is the only face: the sign is most likely their own (a
                    # campaign photo, which matters when someone shares it), unless the person
                    # making it stayed out of frame. Worth a look, not the top of the pile.
                    add(
                        "candidate-with-sign",
                        strength,
                        m.hands,
                        (),
                        {**fields, "solo": True},
                        faces=(f_idx,),
                        note=(
                            "; the candidate is the only face found, so the sign may be their own",
                            "; hanya wajah calon yang terlihat, simbol itu mungkin dibuat "
                            "calon sendiri",
                        ),
                        severity="medium",
                        scale=0.6,
                        grade=grade,
                    )
            elif group:
                closeness = 1.0 - min(1.0, info.distance or 0.0)
                add("group-with-candidate", closeness, (), (), face_fields, faces=(f_idx,))

        for m in candidate_matches:
            details: dict[str, Any] = {"candidate": m.owner, "number": m.number}
            grade = self._grade(m, bool(obj_idx))
            if group:
                add("group-candidate-sign", m.strength, m.hands, fields=details, grade=grade)
            if len(m.hands) >= t.several_min_hands:
                several = grade
                if m.makers < t.several_min_hands:
                    # "Several" counts people with a confident hand: two readings, one unsure,
                    # or both hands of one person, are not several people making the sign.
                    several = replace(
                        grade,
                        severity="low" if grade.severity else "medium",
                        scale=grade.scale * 0.8,
                        notes=(
                            *grade.notes,
                            (
                                f"; only {m.makers} person(s) among them with a confident reading",
                                f"; hanya {m.makers} orang di antaranya terbaca dengan yakin",
                            ),
                        ),
                    )
                add(
                    "several-same-sign",
                    min(1.0, m.strength * len(m.hands) / 3),
                    m.hands,
                    fields=details,
                    grade=several,
                )
            if obj_idx:
                add(
                    "material-with-sign",
                    min(m.strength, obj_strength),
                    m.hands,
                    obj_idx,
                    fields=details,
                    grade=grade,
                )
            if not group and not obj_idx and len(m.hands) < t.several_min_hands:
                add("single-sign", m.strength, m.hands, fields=details, grade=grade)
        if group and big_idx:
            add("group-with-material", obj_strength, (), big_idx)
        for m in party_matches:
            add(
                "party-sign",
                m.strength,
                m.hands,
                fields={"party": m.owner},
                grade=self._grade(m, bool(obj_idx)),
            )
        if named:
            lines = tuple(sorted(named))
            who = sorted({w for i in lines for w in named[i][1]})
            first = result.texts[lines[0]].text
            add(
                "candidate-text",
                max(m.score * m.weight for i in lines for m in result.texts[i].matches),
                fields={
                    "named": ", ".join(who),
                    "text": first if len(first) <= 80 else first[:77] + "...",
                    "numbers": sorted({n for i in lines for n in named[i][0]}),
                },
                texts=lines,
            )
        # Noisy-or: more independent evidence -> closer to 1, never above.
        triage = 1.0 - float(np.prod([1.0 - f.score for f in findings])) if findings else 0.0
        findings.sort(key=lambda f: (-SEVERITY_ORDER[f.severity], -f.score))
        return tuple(findings), round(triage, 4)

    def _text_support(self, result: ImageResult) -> dict[int, tuple[set[int], set[str]]]:
        """Lines of text that name a candidate or party: line index -> (ballot numbers they
        support, what they name)."""
        t = self.t
        by_number = {c.number: c for c in self.profile.candidates}
        out: dict[int, tuple[set[int], set[str]]] = {}
        for i, line in enumerate(result.texts):
            if line.score < t.min_text_score:
                continue
            nums: set[int] = set()
            who: set[str] = set()
            for m in line.matches:
                if m.score < t.min_text_match:
                    continue
                if m.candidate is not None:
                    nums.add(m.candidate)
                    cand = by_number.get(m.candidate)
                    who.add(cand.label if cand else f"{m.candidate:02d}")
                if m.party:
                    who.add(f"party {m.party}")
            if who:
                out[i] = (nums, who)
        return out

    def apply(self, result: ImageResult) -> ImageResult:
        findings, triage = self.evaluate(result)
        return replace(result, findings=findings, triage_score=triage)


#: (English, Indonesian) names of the uniforms, as a finding's message says them.
UNIFORM_NAMES = {
    "pdh_khaki": ("khaki PDH uniform", "seragam PDH khaki"),
    "korpri_batik": ("KORPRI batik", "batik KORPRI"),
    "linmas_green": ("Linmas uniform", "seragam Linmas"),
    "satpol_pp": ("Satpol PP uniform", "seragam Satpol PP"),
    "white_pns": ("white civil-servant shirt", "kemeja putih PNS"),
}


def _uniform_name(label: Optional[str], lang: int) -> str:
    names = UNIFORM_NAMES.get(str(label))
    return names[lang] if names else str(label)


def _face_label(info: FaceInfo) -> str:
    if info.number is not None:
        return f"{info.number:02d}" + (f" ({info.name})" if info.name else "")
    return str(info.name or info.candidate)


def _lines_on(
    result: ImageResult, named: dict[int, tuple[set[int], set[str]]], objs: tuple[int, ...]
) -> list[int]:
    return [i for i in named if result.texts[i].region in objs]
