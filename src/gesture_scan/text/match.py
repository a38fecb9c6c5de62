"""Which candidate or party a line of banner text names, judged against an election profile.

Pure Python (rapidfuzz's edit distances), no models, so the rules and their tests run in
milliseconds. The text comes from OCR, so the matching has to forgive what OCR gets wrong on
banners (a ``0`` read for an ``O``, ``PRABOWOGIBRAN`` run together, ``PDI-P`` split at the dash)
while refusing what a loose fuzzy match would accept: "Ganja" is not Ganjar, "Mahmud" is not
Mahfud, "companies" does not contain Anies, and an address "RT 02/RW 05" or a year "2024" is not
ballot number 2. Hence edits are allowed only on long terms, always over whole tokens, and short
terms (AMIN, PAN, PKS) must match exactly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from rapidfuzz.distance import Levenshtein

from ..results import TextLine, TextMatch

if TYPE_CHECKING:  # types only: the rules layer sits above the stages, and OCR needs no import
    from ..rules.profile import Profile
    from .ocr import TextRead

KINDS = ("candidate_name", "ballot_number", "party", "keyword")

#: How much a kind of term says about a candidate by itself. A name or "nomor urut 2" is printed
#: only on that candidate's material; "no. 2" can be an address, a bare "02" a date, a party
#: banner supports a whole coalition, and profile keywords include everyday words ("Perubahan",
#: "amin" is also "amen").
WEIGHTS = {
    "ballot_phrase": 1.0,  # coblos / nomor urut / paslon N
    "ballot_no": 0.8,  # no. N, nomor N
    "ballot_bare": 0.7,  # a "02" standing alone
    "candidate_name": 1.0,
    "party": 0.7,
    "keyword": 0.6,
}

#: Long forms and spellings of Indonesian party names that banners print but profiles rarely
#: list, keyed by the compact form of the profile's name. A profile's own party ``keywords`` are
#: used as well; this table only saves every profile author from repeating the same aliases.
PARTY_ALIASES: dict[str, tuple[str, ...]] = {
    "pdip": ("PDI Perjuangan", "Partai Demokrasi Indonesia Perjuangan"),
    "gerindra": ("Partai Gerakan Indonesia Raya",),
    "golkar": ("Partai Golongan Karya",),
    "pkb": ("Partai Kebangkitan Bangsa",),
    "nasdem": ("Nasional Demokrat",),
    "pks": ("Partai Keadilan Sejahtera",),
    "pan": ("Partai Amanat Nasional",),
    "demokrat": ("Partai Demokrat",),
    "ppp": ("Partai Persatuan Pembangunan",),
    "pbb": ("Partai Bulan Bintang",),
    "psi": ("Partai Solidaritas Indonesia",),
    "gelora": ("Partai Gelombang Rakyat Indonesia",),
    "hanura": ("Partai Hati Nurani Rakyat",),
    "perindo": ("Partai Persatuan Indonesia",),
    "garuda": ("Partai Garda Perubahan Indonesia",),
}

# OCR confuses these digits with letters on banner type faces; names are compared in a form where
# each group is one character (1/i/l all become "i"), so "PRABOW0" and "G1BRAN" read as names.
_SKELETON = str.maketrans("01258l", "oizsbi")
#: Terms up to this many characters must match exactly: at that length one edit already reaches
#: other words ("Ganjar"/"Ganja", "Mahfud"/"Mahmud", "PAN"/"PAS").
EXACT_MAX_LEN = 6
#: Above EXACT_MAX_LEN, one edit per this many characters.
CHARS_PER_EDIT = 7

_MONTHS = {
    "jan", "januari", "january", "feb", "februari", "february", "mar", "maret", "march", "apr",
    "april", "mei", "may", "jun", "juni", "june", "jul", "juli", "july", "agu", "agt", "agustus",
    "aug", "august", "sep", "sept", "september", "okt", "oktober", "oct", "october", "nov",
    "november", "des", "desember", "dec", "december",
}  # fmt: skip
# Words before a number that make it part of an address, a date or a phone number.
_NOT_BALLOT_BEFORE = {
    "rt", "rw", "jl", "jln", "jalan", "gg", "gang", "blok", "kav", "kavling", "komplek",
    "perum", "lantai", "lt", "kamar", "hp", "telp", "tel", "wa", "tgl", "tanggal", "jam",
    "pukul", "rp", "kode", "kec", "kel", "desa", "kota", "km", "ruang", "hal",
}  # fmt: skip
# Words before a number that make it a ballot number: strong ones are campaign language, weak
# ones ("no.", "nomor") also number houses, pages and lists.
_BALLOT_PREFIX = re.compile(
    r"\b(?P<strong>coblos|pilih|paslon|capres|cawapres|nomor\s*urut|nomer\s*urut|no\s*\.?\s*urut"
    r"|nmr\s*urut|urut)"
    r"|\b(?P<weak>nomor|nomer|nmr|no)\b",
)
_NUMBER_AFTER = re.compile(
    r"\s*[.:#]?\s*(?:(?:nomor|nomer|nmr|no)\s*\.?\s*(?:urut\s*)?[.:]?\s*)?"
    r"(?:(?P<padded>[0o][0-9oil])(?![\w.,:/-]?\d)|(?P<num>\d{1,2})(?![\d.,:/-]?\d))"
)
# OCR reads the zero of a padded "01" as the letter o, and the one as i or l.
_DIGIT_LOOKALIKES = str.maketrans("oil", "011")
_BARE = re.compile(r"(?<![\w/.,:#-])0(?P<num>\d)(?![\w/.,:-]|\s*[/:]\s*\d)")
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class _Term:
    kind: str
    term: str  # as the profile writes it
    words: tuple[str, ...]  # skeleton form of each word
    candidate: Optional[int]
    party: Optional[str]
    weight: float

    @property
    def compact(self) -> str:
        return "".join(self.words)


@dataclass(frozen=True)
class _Found:
    term: _Term
    start: int  # token span
    end: int
    similarity: float


def _fold(text: str) -> str:
    """Case- and accent-free text, so "NasDem", "NASDEM" and a full-width copy compare equal."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _skeleton(word: str) -> str:
    # Digits only become letters inside words that have letters: a lone "02" stays a number.
    return word.translate(_SKELETON) if any(c.isalpha() for c in word) else word


def _words(text: str) -> tuple[str, ...]:
    return tuple(_skeleton(w) for w in _TOKEN.findall(_fold(text)))


def _max_edits(length: int) -> int:
    return 0 if length <= EXACT_MAX_LEN else length // CHARS_PER_EDIT


class _TermFinder:
    """Whole-token, OCR-forgiving search for a fixed list of terms (the rules in the module
    docstring); the profile's matcher and the event vocabulary share it."""

    def __init__(self, terms: Sequence[_Term]) -> None:
        self.terms = tuple(terms)
        # every word of every term, for splitting run-together OCR tokens ("PRABOWOGIBRAN")
        self._vocab = frozenset(w for t in terms for w in t.words if len(w) >= 3)

    # -- names, parties, keywords --------------------------------------------------------------

    def _split(self, token: str) -> list[str]:
        """A token that is entirely a run of term words, as those words; else the token itself.

        Requiring the whole token to split keeps "ganjaran" (a reward) from being "ganjar"+"an".
        """
        if len(token) < 6 or token in self._vocab:
            return [token]
        best: list[Optional[list[str]]] = [None] * (len(token) + 1)
        best[0] = []
        for i in range(len(token)):
            head = best[i]
            if head is None:
                continue
            for w in self._vocab:
                if token.startswith(w, i) and best[i + len(w)] is None:
                    best[i + len(w)] = [*head, w]
        found = best[len(token)]
        if found and len(found) > 1:
            return found
        # One long term word at either end, the rest unread ("PRABOWOCIBRAN"): long words only,
        # so "ganjaran" keeps its meaning.
        for w in sorted(self._vocab, key=len, reverse=True):
            if len(w) >= 7 and len(token) >= len(w) + 3:
                if token.startswith(w):
                    return [w, *self._split(token[len(w) :])]
                if token.endswith(w):
                    return [*self._split(token[: -len(w)]), w]
        return [token]

    def _tokens(self, text: str) -> list[str]:
        out: list[str] = []
        for w in _words(text):
            out += self._split(w)
        return out

    def _find_terms(self, tokens: Sequence[str]) -> list[_Found]:
        found: list[_Found] = []
        for term in self.terms:
            target = term.compact
            n = len(term.words)
            short = len(target) <= EXACT_MAX_LEN
            edits = _max_edits(len(target))
            # OCR may split a word ("PRA BOWO") or drop a space, so windows of n-1..n+1 tokens
            # are compared as one string without spaces.
            spans = range(1, n + 1) if short else range(max(1, n - 1), n + 2)
            best: Optional[_Found] = None
            for size in spans:
                for start in range(len(tokens) - size + 1):
                    window = "".join(tokens[start : start + size])
                    if abs(len(window) - len(target)) > edits:
                        continue
                    if short or edits == 0 or window == target:
                        dist = 0 if window == target else 1
                    elif size == 1 and window in self._vocab:
                        continue  # "Pranowo" is one edit from "Prabowo", and a name itself
                    else:
                        dist = Levenshtein.distance(window, target, score_cutoff=edits)
                    if dist > edits:
                        continue
                    # the first letters must agree: OCR keeps a large initial, near-names differ
                    if window[0] != target[0]:
                        continue
                    sim = 1.0 - dist / len(target)
                    if best is None or sim > best.similarity:
                        best = _Found(term, start, start + size, sim)
            if best is not None:
                found.append(best)
        return found


class TextMatcher(_TermFinder):
    """A profile's terms, prepared once; ``match`` is then cheap enough for every OCR line."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.numbers = {c.number for c in profile.candidates}
        terms: list[_Term] = []
        seen: set[tuple[str, tuple[str, ...], Optional[int], Optional[str]]] = set()

        def add(kind: str, term: str, cand: Optional[int], party: Optional[str]) -> None:
            words = _words(term)
            if not words or all(w.isdigit() for w in words):
                return  # numbers are ballot numbers, handled with their own rules
            key = (kind, words, cand, party)
            if key not in seen:
                seen.add(key)
                terms.append(_Term(kind, term, words, cand, party, WEIGHTS[kind]))

        for c in profile.candidates:
            name_words = {w for n in c.names for w in _words(n)}
            for name in c.names:
                add("candidate_name", name, c.number, None)
            for kw in c.keywords:
                # "Anies" is a name; "Perubahan" a slogan, weaker evidence.
                kind = "candidate_name" if set(_words(kw)) <= name_words else "keyword"
                add(kind, kw, c.number, None)
        parties = {p.name: p for p in profile.parties}
        supporters: dict[str, list[Optional[int]]] = {}
        for c in profile.candidates:
            for name in c.parties:
                supporters.setdefault("".join(_words(name)), []).append(c.number)
        names = list(parties) + [n for c in profile.candidates for n in c.parties]
        for name in dict.fromkeys(names):
            key = "".join(_words(name))
            forms = [name, *PARTY_ALIASES.get(key, ())]
            if name in parties:
                forms += parties[name].keywords
            for form in forms:
                for cand in supporters.get(key) or [None]:
                    add("party", form, cand, name)
        super().__init__(terms)

    # -- ballot numbers --------------------------------------------------------------------------

    def _ballot_numbers(self, text: str) -> list[TextMatch]:
        out: list[TextMatch] = []
        for line in _fold(text).splitlines():
            for m in _BALLOT_PREFIX.finditer(line):
                after = _NUMBER_AFTER.match(line, m.end())
                padded = after["padded"] if after else None
                if after is None or (padded and not padded.isdigit() and not m["strong"]):
                    continue  # "no il..." is not a number; "nomor urut oi" is
                number = int(after["num"] or after["padded"].translate(_DIGIT_LOOKALIKES))
                if number not in self.numbers:
                    continue
                before = _TOKEN.findall(line[: m.start()])[-2:]
                if m["weak"] and _NOT_BALLOT_BEFORE.intersection(before):
                    continue  # "Jl. Merdeka No. 2"
                kind = "ballot_phrase" if m["strong"] else "ballot_no"
                out.append(self._ballot(number, kind))
        # A bare "02" is judged with its neighbours across line breaks: OCR returns a phone
        # number printed in groups ("37", "02") as separate lines.
        folded = _fold(text)
        for m in _BARE.finditer(folded):
            number = int(m["num"])
            if number not in self.numbers:
                continue
            before = _TOKEN.findall(folded[: m.start()])[-1:]
            neighbours = before + _TOKEN.findall(folded[m.end() :])[:1]
            if _NOT_BALLOT_BEFORE.intersection(before) or _MONTHS.intersection(neighbours):
                continue
            if any(any(c.isdigit() for c in w) for w in neighbours):
                continue  # "02 14 2024", a phone number spaced out
            out.append(self._ballot(number, "ballot_bare"))
        return out

    @staticmethod
    def _ballot(number: int, strength: str) -> TextMatch:
        return TextMatch("ballot_number", f"{number:02d}", number, None, 1.0, WEIGHTS[strength])

    # -- public ------------------------------------------------------------------------------

    def match(self, text: str) -> tuple[TextMatch, ...]:
        """Every profile term in ``text`` (lines separated by newlines), best score per term.

        A term inside a longer match for the same candidate is dropped ("Prabowo" within
        "Prabowo Subianto"), so one printed name is not counted as two pieces of evidence.
        """
        if not text or not text.strip():
            return ()
        found = self._find_terms(self._tokens(text))
        kept = [f for f in found if not any(_beats(g, f) for g in found if g is not f)]
        matches = [
            TextMatch(
                f.term.kind,
                f.term.term,
                f.term.candidate,
                f.term.party,
                round(f.similarity, 4),
                f.term.weight,
            )
            for f in kept
        ]
        matches += self._ballot_numbers(text)
        best: dict[tuple[str, str, Optional[int], Optional[str]], TextMatch] = {}
        for m in matches:
            key = (m.kind, m.term, m.candidate, m.party)
            if key not in best or m.score * m.weight > best[key].score * best[key].weight:
                best[key] = m
        return tuple(
            sorted(
                best.values(),
                key=lambda m: (-m.score * m.weight, KINDS.index(m.kind), m.candidate or 0),
            )
        )


def _beats(g: _Found, f: _Found) -> bool:
    """Whether ``g`` makes ``f`` redundant (a name within a longer match for the same candidate)
    or wrong (a fuzzy match where another term fits the same words better: "Ganjar Pranowo"
    against "Prabowo")."""
    if g.end <= f.start or f.end <= g.start:
        return False
    if g.term.candidate == f.term.candidate:
        inside = g.start <= f.start and f.end <= g.end
        longer = (g.end - g.start, len(g.term.compact)) > (f.end - f.start, len(f.term.compact))
        return inside and longer
    return g.similarity > f.similarity


#: Words an official event's backdrop prints and a campaign banner rarely does: who holds the
#: event (government, school, police, health post) and what kind of event it is. Written from
#: what Indonesian government, school and village event banners say, then checked against the
#: OCR of the backdrops in ../shared/train/attire (``scripts/measure_backdrops.py``). Most group
#: photos of civil servants are taken in front of such a banner, which the detector boxes as a
#: banner like any other.
OFFICIAL_TERMS = (
    # who: government units, schools, services
    "pemerintah", "kabupaten", "kecamatan", "kelurahan", "desa", "provinsi", "dinas", "badan",
    "kantor", "kementerian", "sekretariat", "satuan polisi pamong praja", "satpol pp", "polres",
    "polsek", "kodim", "koramil", "puskesmas", "posyandu", "rsud", "bkkbn", "bpbd", "bappeda",
    "karang taruna", "sekolah", "negeri", "madrasah", "universitas", "politeknik", "fakultas",
    "kkn", "osis",
    # what: kinds of official events
    "sosialisasi", "pelatihan", "bimbingan teknis", "bimtek", "rapat", "rakor", "koordinasi",
    "musyawarah", "musrenbang", "workshop", "seminar", "lokakarya", "pelantikan", "upacara",
    "peringatan", "dies natalis", "forum", "kegiatan", "penyuluhan", "pembinaan", "pendampingan",
    "sertifikasi", "vaksinasi", "jambore", "wisuda", "halal bihalal", "peresmian",
    "selamat datang", "asistensi", "verifikasi", "evaluasi", "monitoring",
)  # fmt: skip
#: Words of campaign material: one of these and a banner is never taken for an official backdrop
#: (a KPU "sosialisasi pemilu" banner stays campaign material too: the safe side).
CAMPAIGN_TERMS = (
    "caleg", "calon", "pilih", "coblos", "nomor urut", "no urut", "dapil", "dprd", "dpr", "dpd",
    "partai", "pemilu", "pilkada", "pilpres", "kampanye", "relawan", "pemenangan", "doa restu",
    "dukungan", "paslon", "capres", "cawapres", "bupati", "walikota", "gubernur",
)  # fmt: skip


class EventVocabulary(_TermFinder):
    """Finds ``OFFICIAL_TERMS`` and ``CAMPAIGN_TERMS`` in a banner's text, forgiving OCR as the
    profile matcher does ("PEMERNTAH DESA" is pemerintah + desa). The rules use it to tell an
    official event's backdrop from campaign material (``Thresholds.min_backdrop_terms``)."""

    def __init__(self) -> None:
        terms = [
            _Term(kind, term, _words(term), None, None, 0.0)
            for kind, words in (("official", OFFICIAL_TERMS), ("campaign", CAMPAIGN_TERMS))
            for term in words
        ]
        super().__init__(terms)

    def find(self, text: str, min_similarity: float) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(official terms, campaign terms) in ``text``, each once (``_find_terms`` keeps the
        best place of each term), as this module writes them."""
        found = self._find_terms(self._tokens(text)) if text.strip() else []
        kept = [f.term for f in found if f.similarity >= min_similarity]
        official = tuple(t.term for t in kept if t.kind == "official")
        campaign = tuple(t.term for t in kept if t.kind == "campaign")
        return official, campaign


def match_text(text: str, profile: Profile) -> tuple[TextMatch, ...]:
    """The profile terms that ``text`` names; see ``TextMatcher`` to match many texts."""
    return TextMatcher(profile).match(text)


def summarise(matches: Iterable[TextMatch]) -> dict[int, float]:
    """Support for each ballot number, 0..1: each term's ``score * weight``, and independent
    terms combined as ``1 - prod(1 - s)``, so a name plus a ballot number outweighs either alone
    while a term repeated on several lines of one banner counts once. Matches below a threshold
    (a profile's ``min_text_match``) are the caller's to drop first."""
    best: dict[tuple[int, str, str], float] = {}
    for m in matches:
        if m.candidate is None:
            continue
        key = (m.candidate, m.kind, m.term.casefold())
        best[key] = max(best.get(key, 0.0), m.score * m.weight)
    miss: dict[int, float] = {}
    for (number, _, _), score in best.items():
        miss[number] = miss.get(number, 1.0) * (1.0 - min(1.0, max(0.0, score)))
    return {n: round(1.0 - m, 4) for n, m in sorted(miss.items())}


def match_lines(
    reads: Sequence[TextRead], matcher: Optional[TextMatcher], banners: Sequence[int]
) -> tuple[TextLine, ...]:
    """The OCR's lines as result lines: each with the terms it names, ``region`` an index into
    the photo's objects (``banners[i]`` is the object the OCR's region ``i`` was).

    Banners break phrases over lines ("NOMOR URUT" / "02"): terms found only in a region's joined
    text are credited to its first line. Boxes stay in the pixels the OCR saw.
    """
    matches: list[list[TextMatch]] = [[] for _ in reads]
    if matcher is not None:
        groups: dict[Optional[int], list[int]] = {}
        for i, r in enumerate(reads):
            groups.setdefault(r.region, []).append(i)
            matches[i] = list(matcher.match(r.text))
        for lines in groups.values():
            joined = "\n".join(reads[i].text for i in lines)
            seen = {(m.kind, m.term, m.candidate) for i in lines for m in matches[i]}
            for m in matcher.match(joined):
                if (m.kind, m.term, m.candidate) not in seen:
                    matches[lines[0]].append(m)
    out = []
    for r, found in zip(reads, matches):
        region = banners[r.region] if r.region is not None else None
        out.append(TextLine(r.box, r.text, r.score, region, tuple(found)))
    return tuple(out)
