"""Turn one image's detections into findings, using an election profile.

Pure logic on our result types (no models), so every rule is unit-tested on hand-made detections.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Optional

import numpy as np

from ..results import (
    GESTURE_NAMES,
    SEVERITY_ORDER,
    Finding,
    Gesture,
    Hand,
    ImageResult,
    person_tag,
)
from ..text.match import EventVocabulary
from .catalog import RULES, Rule, held_object_name
from .findings import Evidence, FindingBuilder, Grade, Named, Note, face_label
from .profile import Party, Profile, Sign, Thresholds

CAMPAIGN_LABELS = ("banner", "flag")


@dataclass(frozen=True)
class _Match:
    """Hands (indices into the record) that show one candidate's or party's sign."""

    owner: str  # candidate label or party name
    number: Optional[int]
    hands: tuple[int, ...]
    strength: float  # mean score of the confident hands (of all of them where none is)
    firm: tuple[int, ...] = ()  # the hands read with a score clear of the uncertain margin
    voters: int = 0  # the photo's readable hands (sure enough, posed or not), whatever they show
    #: People making the sign with a confident hand: two hands of one linked person are one
    #: person; a hand linked to nobody counts as its own.
    makers: int = 0
    grip: bool = False  # every matching hand has a shape that also grips objects
    #: The most common other reading among the evidence hands, and how many hands show it.
    rival: Optional[Gesture] = None
    rival_hands: int = 0
    #: What the confident hands hold (``Hand.held``), where every one of them holds something.
    held: tuple[str, ...] = ()


def _matches(hand: Hand, signs: tuple[Sign, ...]) -> bool:
    return any(s.matches(hand) for s in signs)


def _rival(
    hands: tuple[Hand, ...], others: list[int], casual: tuple[Gesture, ...] = ()
) -> tuple[Optional[Gesture], int]:
    """The most common readable gesture among ``others`` and its count; ties go to the gesture
    listed first in ``Gesture``, so the result is stable. An unreadable "other" is no rival, nor
    is a casual gesture (an open palm: people waving beside those who pose a sign do not make
    the sign a misreading)."""
    counts = Counter(hands[i].reading.gesture for i in others)
    for g in (Gesture.OTHER, *casual):
        counts.pop(g, None)
    if not counts:
        return None, 0
    order = list(Gesture)
    gesture = max(counts, key=lambda g: (counts[g], -order.index(g)))
    return gesture, counts[gesture]


def _outnumbered(m: _Match, t: Thresholds, share: float) -> Optional[tuple[Note, tuple[str, Any]]]:
    """The note and detail where another reading outnumbers the sign ``rival_ratio`` to one.

    Several people, but a row of raised fists or finger hearts with a few thumbs-ups among them:
    the photo shows the other gesture, and those few are likely misread. With fewer people than
    ``several_min_hands`` the share rule has graded the sign down already."""
    if m.rival is None or t.rival_ratio <= 0 or m.rival_hands < t.rival_ratio * len(m.hands):
        return None
    if share >= t.min_sign_share or m.makers < t.several_min_hands:
        return None
    id_name, en_name = GESTURE_NAMES.get(m.rival.value, (m.rival.value, m.rival.value))
    # A profile may set rival_ratio under 1, so the rival may have fewer hands than the sign.
    en_how, id_how = (
        ("more", "lebih banyak")
        if m.rival_hands > len(m.hands)
        else ("as many", "sama banyak")
        if m.rival_hands == len(m.hands)
        else ("nearly as many", "hampir sama banyak")
    )
    note = (
        f"; {en_how} readable hands show another gesture ({en_name}: {m.rival_hands} "
        f"hands, this sign: {len(m.hands)}): check by eye",
        f"; tangan yang terbaca membentuk gestur lain {id_how} ({id_name}: "
        f"{m.rival_hands} tangan, simbol ini: {len(m.hands)}): perlu dicek",
    )
    return note, ("rival", {"gesture": m.rival.value, "hands": m.rival_hands})


class RuleEngine:
    """Applies the rule catalog under one profile. Stateless per image; share it freely."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.t = profile.thresholds
        self._vocabulary = EventVocabulary()

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

    def sign_hands(self, hands: tuple[Hand, ...]) -> tuple[int, ...]:
        """The hands a sign finding could rest on (evidence, and matching a candidate's or a
        party's sign), surest first: the ones worth a closer look (``hands/held.py``)."""
        signs = [s for c in self.profile.candidates for s in c.signs]
        signs += [s for p in self.profile.parties for s in p.signs]
        idx = [i for i, h in enumerate(hands) if self._evidence(h) and _matches(h, tuple(signs))]
        return tuple(sorted(idx, key=lambda i: -hands[i].score))

    def _sign_matches(
        self,
        hands: tuple[Hand, ...],
        owners: list[tuple[str, Optional[int], tuple[Sign, ...]]],
        corroborated: bool,
    ) -> list[_Match]:
        t = self.t
        evidence = [i for i, h in enumerate(hands) if self._evidence(h)]
        # Hands that read as something (an unreadable "other" says nothing either way), posed
        # or not: the sign has to hold its own among them, not be one reading out of many. The
        # posed score picks the hands a sign rests on, not the ones it is weighed against: with
        # a strict posed cut, a misread hand left alone would be "1 of 1" (bench/posed_score.json).
        voters = sum(
            1 for h in hands if h.score >= t.min_hand_score and h.reading.gesture != Gesture.OTHER
        )
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
            rival, rival_hands = _rival(
                hands, [i for i in evidence if i not in idx], t.casual_gestures
            )
            held = [hands[i].held for i in firm]
            held_labels = tuple(h.label for h in held if h is not None)
            out.append(
                _Match(
                    label,
                    number,
                    idx,
                    strength,
                    firm,
                    max(voters, len(idx)),
                    makers,
                    grip,
                    rival,
                    rival_hands,
                    held_labels if firm and len(held_labels) == len(firm) else (),
                )
            )
        return out

    def _grade(self, m: _Match, corroborated: bool = False) -> Grade:
        """Grade a sign match down where it rests on uncertain hands or on a minority reading.

        The costliest mistake is a high finding on an innocent group photo, and the usual cause
        is one hand misread (a hand round a cup read as a thumbs-up, a resting hand as "one"):
        a high finding needs a confident hand, and the sign to be the photo's reading (at least
        ``min_sign_share`` of the readable hands) unless several confident hands make it.
        """
        t = self.t
        severity: Optional[str] = None
        scale = 1.0
        notes: list[Note] = []
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
        rival = _outnumbered(m, t, share)
        if rival is not None:
            severity = "low" if severity else "medium"
            scale *= 0.8
            notes.append(rival[0])
            details.append(rival[1])
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
        if m.held and m.makers < t.several_min_hands:
            # The held-object cue saw a cup, a bottle, a phone... in every confident hand.
            names = [held_object_name(label) for label in dict.fromkeys(m.held)]
            en, id_ = " / ".join(n[1] for n in names), " / ".join(n[0] for n in names)
            severity = "low" if severity else "medium"
            scale *= 0.8
            notes.append(
                (
                    f"; the hand seems to hold {en}: check by eye",
                    f"; tangan tampak memegang {id_}: perlu dicek",
                )
            )
            details.append(("held", list(dict.fromkeys(m.held))))
        return Grade(severity, scale, tuple(notes), tuple(details))

    def evaluate(self, result: ImageResult) -> tuple[tuple[Finding, ...], float]:
        """Findings for one image and its triage score (0..1, higher = look first)."""
        if result.error:
            return (), 0.0
        ev = self._gather(result)
        # An official event's backdrop does not make one person's thumbs-up or open palm a sign.
        corroborated = bool(ev.campaign_objects)
        candidate_matches = self._sign_matches(
            result.hands,
            [(c.label, c.number, c.signs) for c in self.profile.candidates],
            corroborated,
        )
        parties: list[Party] = [p for p in self.profile.parties if p.signs]
        party_matches = self._sign_matches(
            result.hands, [(p.name, None, p.signs) for p in parties], corroborated
        )
        out = FindingBuilder(self._rule, ev, self.t.attire_boost)
        # One family after another, in this order: equal findings keep it after the sort.
        self._candidate_face_rules(out, candidate_matches)
        self._sign_rules(out, candidate_matches)
        if ev.group and ev.big_objects:
            out.add(
                "group-with-material",
                ev.object_strength,
                (),
                ev.big_objects,
                grade=self._on_backdrop(ev, ev.big_objects, Grade()),
            )
        for m in party_matches:
            grade = self._grade(m, corroborated)
            out.add("party-sign", m.strength, m.hands, fields={"party": m.owner}, grade=grade)
        self._text_rules(out)
        findings = out.findings
        # Noisy-or: more independent evidence -> closer to 1, never above.
        triage = 1.0 - float(np.prod([1.0 - f.score for f in findings])) if findings else 0.0
        findings.sort(key=lambda f: (-SEVERITY_ORDER[f.severity], -f.score))
        return tuple(findings), round(triage, 4)

    def _gather(self, result: ImageResult) -> Evidence:
        """The image's campaign material, group size, candidate faces, uniform cues and text."""
        t = self.t
        objects = result.objects
        keep = np.array([lbl in CAMPAIGN_LABELS for lbl in objects.labels], dtype=bool).reshape(
            -1
        ) & (objects.confidence >= t.min_object_score)
        area = max(result.width * result.height, 1)
        obj_idx = tuple(int(i) for i in np.flatnonzero(keep))
        big_idx = tuple(i for i in obj_idx if objects.area[i] / area >= t.min_object_area)
        obj_strength = float(objects.confidence[list(obj_idx)].max()) if obj_idx else 0.0
        # Optional evidence: candidate faces (gallery), uniform cues (attire), text (OCR).
        infos = result.face_info
        cand_faces = tuple(
            i for i, f in enumerate(infos) if f.candidate is not None and not f.on_print
        )
        uniform = tuple(
            i
            for i, f in enumerate(infos)
            if f.attire is not None and f.attire_score >= t.min_attire_score
        )
        named = self._text_support(result)
        support = {
            n for i, (nums, _) in named.items() if result.texts[i].region in obj_idx for n in nums
        }
        backdrops, backdrop_terms = self._backdrops(result, obj_idx, named)
        return Evidence(
            result=result,
            objects=obj_idx,
            big_objects=big_idx,
            object_strength=obj_strength,
            group=result.people >= t.group_min_people,
            candidate_faces=cand_faces,
            uniform=uniform,
            uniform_strength=max((infos[i].attire_score for i in uniform), default=0.0),
            named=named,
            material_support=tuple(sorted(support)),
            backdrops=backdrops,
            backdrop_terms=backdrop_terms,
        )

    def _backdrops(
        self, result: ImageResult, objects: tuple[int, ...], named: Named
    ) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """Banners whose text reads as an official event's backdrop: at least
        ``min_backdrop_terms`` words of ``text.match.OFFICIAL_TERMS`` (pemerintah, sosialisasi,
        SMP negeri...), none of ``CAMPAIGN_TERMS`` and no line naming the profile's candidates
        or parties. Most group photos of civil servants stand before such a banner; without
        this every one is "campaign material", and one misread hand before it a high finding.
        A banner whose text was not read is campaign material as before."""
        t = self.t
        if t.min_backdrop_terms == 0:
            return (), ()
        found: list[int] = []
        words: dict[str, None] = {}
        for i in objects:
            if result.objects.labels[i] != "banner":
                continue  # a flag is not an event's backdrop
            lines = [
                k
                for k, line in enumerate(result.texts)
                if line.region == i and line.score >= t.min_text_score
            ]
            if not lines or any(k in named for k in lines):
                continue
            text = "\n".join(result.texts[k].text for k in lines)
            official, campaign = self._vocabulary.find(text, t.min_text_match)
            if len(official) >= t.min_backdrop_terms and not campaign:
                found.append(i)
                words.update(dict.fromkeys(official))
        return tuple(found), tuple(words)

    @staticmethod
    def _on_backdrop(ev: Evidence, objs: tuple[int, ...], grade: Grade) -> Grade:
        """A material finding whose banners all read as official backdrops is low: the banner
        is why the photo matters, and its text says it is not a campaign's."""
        if not objs or any(i not in ev.backdrops for i in objs):
            return grade
        quoted = ", ".join(w.upper() for w in ev.backdrop_terms[:4])
        return replace(
            grade,
            severity="low",
            scale=grade.scale * 0.6,
            notes=(
                *grade.notes,
                (
                    f"; the banner's text reads as an official event's backdrop ({quoted}), "
                    "not campaign material: check by eye",
                    f"; tulisan spanduk menunjukkan latar acara resmi ({quoted}), bukan alat "
                    "peraga kampanye: perlu dicek",
                ),
            ),
            details=(*grade.details, ("backdrop_terms", list(ev.backdrop_terms))),
        )

    def _candidate_face_rules(self, out: FindingBuilder, matches: list[_Match]) -> None:
        """A candidate's face (gallery match) beside a sign, or in a group photo."""
        ev = out.evidence
        result = ev.result
        for f_idx in ev.candidate_faces:
            info = ev.infos[f_idx]
            face_fields = {
                "face_candidate": face_label(info),
                "distance": f"{info.distance:.2f}" if info.distance is not None else "?",
                "face_number": info.number,
            }
            if not matches:
                if ev.group:
                    closeness = 1.0 - min(1.0, info.distance or 0.0)
                    out.add("group-with-candidate", closeness, (), (), face_fields, faces=(f_idx,))
                continue
            # The candidate's own sign is the clearest case; another candidate's sign next
            # to a candidate is still a partisan act in their presence.
            own = [m for m in matches if m.number == info.number]
            m = max(own or matches, key=lambda m: m.strength)
            strength = m.strength * (1.0 if own else 0.8)
            fields: dict[str, Any] = {**face_fields, "candidate": m.owner, "number": m.number}
            # A candidate's face beside the hand is the context that gives a thumbs-up its
            # meaning, so a lone one is not graded down here.
            grade = self._grade(m, corroborated=True)
            makers = {result.hands[i].person for i in m.hands} - {None}
            maker_note: Optional[Note] = None
            if makers:
                # The rule that matters: a civil servant making the sign beside the candidate.
                fields["made_by"], maker_note = _made_by(makers, f_idx)
            elif result.people >= 2 and all(result.hands[i].posed is not None for i in m.hands):
                # Linking ran and found no owner: the officer must tell by eye.
                fields["made_by"], maker_note = _made_by_unknown(f_idx)
            if result.people >= 2:
                out.add(
                    "candidate-with-sign",
                    strength,
                    m.hands,
                    (),
                    fields,
                    faces=(f_idx,),
                    note=maker_note,
                    grade=grade,
                )
                continue
            # The candidate is the only face: the sign is most likely their own (a campaign
            # photo, which matters when someone shares it), unless the person making it stayed
            # out of frame. Worth a look, not the top of the pile.
            out.add(
                "candidate-with-sign",
                strength,
                m.hands,
                (),
                {**fields, "solo": True},
                faces=(f_idx,),
                note=(
                    "; the candidate is the only face found, so the sign may be their own",
                    "; hanya wajah calon yang terlihat, simbol itu mungkin dibuat calon sendiri",
                ),
                severity="medium",
                scale=0.6,
                grade=grade,
            )

    def _sign_rules(self, out: FindingBuilder, matches: list[_Match]) -> None:
        """A candidate's sign: in a group, by several people, beside material, or alone."""
        t = self.t
        ev = out.evidence
        for m in matches:
            details: dict[str, Any] = {"candidate": m.owner, "number": m.number}
            grade = self._grade(m, bool(ev.campaign_objects))
            if ev.group:
                out.add("group-candidate-sign", m.strength, m.hands, fields=details, grade=grade)
            if len(m.hands) >= t.several_min_hands:
                out.add(
                    "several-same-sign",
                    min(1.0, m.strength * len(m.hands) / 3),
                    m.hands,
                    fields=details,
                    grade=self._several(m, grade),
                )
            if ev.objects:
                out.add(
                    "material-with-sign",
                    min(m.strength, ev.object_strength),
                    m.hands,
                    ev.objects,
                    fields=details,
                    grade=self._on_backdrop(ev, ev.objects, grade),
                )
            if not ev.group and not ev.objects and len(m.hands) < t.several_min_hands:
                out.add("single-sign", m.strength, m.hands, fields=details, grade=grade)

    def _several(self, m: _Match, grade: Grade) -> Grade:
        """ "Several" counts people with a confident hand: two readings, one unsure, or both
        hands of one person, are not several people making the sign."""
        if m.makers >= self.t.several_min_hands:
            return grade
        return replace(
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

    def _text_rules(self, out: FindingBuilder) -> None:
        """Text in the photo that names a candidate or party."""
        ev = out.evidence
        if not ev.named:
            return
        texts = ev.result.texts
        lines = tuple(sorted(ev.named))
        who = sorted({w for i in lines for w in ev.named[i][1]})
        first = texts[lines[0]].text
        out.add(
            "candidate-text",
            max(m.score * m.weight for i in lines for m in texts[i].matches),
            fields={
                "named": ", ".join(who),
                "text": first if len(first) <= 80 else first[:77] + "...",
                "numbers": sorted({n for i in lines for n in ev.named[i][0]}),
            },
            texts=lines,
        )

    def _text_support(self, result: ImageResult) -> Named:
        """Lines of text that name a candidate or party: line index -> (ballot numbers they
        support, what they name)."""
        t = self.t
        by_number = {c.number: c for c in self.profile.candidates}
        out: Named = {}
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


def _made_by(makers: set[Optional[int]], face: int) -> tuple[str, Note]:
    """Who makes the sign beside the candidate whose face is ``face`` (named as the annotated
    copy numbers them)."""
    p = person_tag(face)
    if makers == {face}:
        return "candidate", (
            f"; the candidate ({p}) makes the sign",
            f"; calon ({p}) sendiri membentuk simbol",
        )
    if face in makers:
        return "candidate_and_others", (
            f"; the candidate ({p}) and someone beside them make the sign",
            f"; calon ({p}) dan orang di sampingnya membentuk simbol",
        )
    return "others", (
        f"; someone beside the candidate ({p}) makes the sign",
        f"; orang di samping calon ({p}) membentuk simbol",
    )


def _made_by_unknown(face: int) -> tuple[str, Note]:
    """No hand of the sign is linked to a face: whether the candidate makes it is not known."""
    p = person_tag(face)
    return "unknown", (
        f"; whether the candidate ({p}) makes the sign is not known: no hand is linked to a face",
        f"; tidak diketahui apakah calon ({p}) sendiri membentuk simbol: tidak ada tangan yang "
        "terkait dengan wajah",
    )
