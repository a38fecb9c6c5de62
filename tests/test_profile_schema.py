"""Election profiles of the wrong shape: every mistake is a ``ConfigError`` naming the field (exit 2
on the command line), never a traceback, and nothing is read loosely (``"false"`` is not true)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gesture_scan.errors import ConfigError
from gesture_scan.results import Direction, Gesture
from gesture_scan.rules import RuleEngine, load_profile
from gesture_scan.rules.loading import MAX_PROFILE_BYTES
from gesture_scan.rules.profile import RuleSetting, Thresholds

ROOT = Path(__file__).resolve().parents[1]
HEAD = "id: ok\nname: OK\n"
ONE = "candidates: [{number: 1, signs: [1]}]\n"
GOOD = HEAD + ONE


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_profile(path)
    return info.value


# (what is wrong, profile text, field the error names, words its reason must contain)
# fmt: off
WRONG_SHAPE = [
    # booleans are booleans
    ("bool as text", GOOD + "rules: {single-sign: {enabled: 'false'}}", "rules.single-sign.enabled",
     "true or false"),
    ("bool as number", GOOD + "rules: {single-sign: {enabled: 0}}", "rules.single-sign.enabled",
     "true or false"),
    ("bool as word", GOOD + "template: 'yes'", "template", "true or false"),
    # numbers are numbers, and a boolean is not one
    ("int as text", HEAD + "candidates: [{number: '2', signs: [2]}]", "candidates[0].number",
     "whole number"),
    ("int as bool", HEAD + "candidates: [{number: true, signs: [2]}]", "candidates[0].number",
     "whole number"),
    ("int as float", GOOD + "thresholds: {group_min_people: 2.5}", "thresholds.group_min_people",
     "whole number"),
    ("float as text", GOOD + "thresholds: {min_hand_score: high}", "thresholds.min_hand_score",
     "must be a number"),
    ("float as bool", GOOD + "thresholds: {attire_boost: true}", "thresholds.attire_boost",
     "must be a number"),
    ("fingers as text", HEAD + "candidates:\n  - {number: 1, signs: [1]}\n"
     "  - {number: 2, signs: [{fingers: two}]}", "candidates[1].signs[0].fingers", "finger count"),
    ("sign as bool", HEAD + "candidates: [{number: 1, signs: [true]}]", "candidates[0].signs[0]",
     "finger count 0-5, a gesture name, or a mapping"),
    ("gesture as number", GOOD + "thresholds: {casual_gestures: [5]}",
     "thresholds.casual_gestures[0]", "gesture name"),
    ("text as list", "id: ok\nname: [a, b]\n" + ONE, "name", "must be a text"),
    ("text as bool", HEAD + "candidates: [{number: 1, signs: [1], names: [yes]}]",
     "candidates[0].names[0]", "must be a text"),
    ("gallery as list", GOOD + "gallery: [a, b]", "gallery", "must be a text"),
    ("severity unknown", GOOD + "rules: {single-sign: {severity: urgent}}",
     "rules.single-sign.severity", "'low', 'medium' or 'high'"),
    # a list where a mapping belongs
    ("thresholds as list", GOOD + "thresholds: [0.6, 0.4]", "thresholds", "must be a mapping"),
    ("rules as list", GOOD + "rules: [single-sign]", "rules", "must be a mapping"),
    ("candidate as list", HEAD + "candidates: [[1, 2]]", "candidates[0]", "must be a mapping"),
    ("party as list", GOOD + "parties: [[PDI-P, red]]", "parties[0]", "must be a mapping"),
    ("rule as nothing", GOOD + "rules: {single-sign: }", "rules.single-sign", "must be a mapping"),
    # a mapping where a list belongs
    ("candidates as mapping", HEAD + "candidates: {number: 1, signs: [1]}", "candidates",
     "must be a list"),
    ("parties as mapping", GOOD + "parties: {name: PDI-P}", "parties", "must be a list"),
    ("names as mapping", HEAD + "candidates: [{number: 1, signs: [1], names: {first: A}}]",
     "candidates[0].names", "must be a list"),
    # dates are real dates
    ("impossible date", GOOD + "election_day: 2024-02-30", "election_day", "not a real date"),
    ("impossible quoted date", GOOD + "start: '2023-13-01'", "start", "not a real date"),
    ("date in another form", GOOD + "end: 14/02/2024", "end", "YYYY-MM-DD"),
    ("date as number", GOOD + "election_day: 2024", "election_day", "YYYY-MM-DD"),
    # unknown or repeated keys
    ("unknown top key", GOOD + "colour: red", "profile", "'colour'"),
    ("unknown nested key", GOOD + "rules: {single-sign: {enable: false}}", "rules.single-sign",
     "'enable'"),
    ("unknown sign key", HEAD + "candidates: [{number: 1, signs: [{finger: 1}]}]",
     "candidates[0].signs[0]", "'finger'"),
    ("repeated key", GOOD + "rules: {}\nrules: {single-sign: {enabled: false}}", "profile",
     "'rules' is given twice"),
    ("missing name", "id: ok\n" + ONE, "name", "is required"),
]
# fmt: on


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [pytest.param(t, f, w, id=i) for i, t, f, w in WRONG_SHAPE],
)
def test_wrong_shape_names_the_field(tmp_path: Path, text: str, field: str, words: str) -> None:
    path = write(tmp_path, text)
    err = refused(path)
    assert err.field == field
    assert words in err.reason
    assert str(path) in str(err)


# (what is wrong, file content, field, words): the file itself is not a profile.
NOT_A_PROFILE = [
    ("bad YAML syntax", "id: x\nname: [unclosed\n", "profile", "not valid YAML: line 3"),
    ("bad indentation", "id: x\n  name: y\n", "profile", "not valid YAML"),
    ("empty file", "", "profile", "is empty"),
    ("only a comment", "# nothing yet\n", "profile", "is empty"),
    ("top-level list", "- id: x\n- name: y\n", "profile", "mapping of fields"),
    ("top-level text", "pilpres-2024\n", "profile", "mapping of fields"),
    ("bad tagged scalar", "id: !!int abc\n", "profile", "not valid YAML"),
    ("unsafe tag", "id: !!python/object/apply:os.system [ls]\n", "profile", "not valid YAML"),
    ("huge nesting", "[" * 100_000, "profile", "nested more than"),
    ("huge block nesting", "a:\n  " + "- " * 3000 + "x\n", "profile", "nested too deeply"),
]


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [pytest.param(t, f, w, id=i) for i, t, f, w in NOT_A_PROFILE],
)
def test_files_that_are_not_profiles(tmp_path: Path, text: str, field: str, words: str) -> None:
    path = write(tmp_path, text)
    err = refused(path)
    assert (err.field, err.source) == (field, str(path))
    assert words in err.reason


def test_unreadable_files_name_the_file(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes((HEAD + ONE + "region: Cianjur Selatan - Caf\xe9\n").encode("latin-1"))
    folder = tmp_path / "profile.yaml"
    folder.mkdir()
    huge = write(tmp_path, GOOD + "notes: " + "x" * MAX_PROFILE_BYTES, "huge.yaml")
    for path, words in ((latin1, "not UTF-8"), (folder, "is a folder"), (huge, "larger than")):
        err = refused(path)
        assert (err.field, err.source) == ("--profile", str(path))
        assert words in err.reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "profile.yaml"
    os.mkfifo(fifo)  # reading it would block forever
    assert "not a regular file" in refused(fifo).reason


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "candidates: [{number: x, signs: [9]}]\ntemplate: 'no'\n")
    err = refused(path)
    assert err.field == "template" and "true or false" in err.reason
    assert "; also candidates[0].number: must be a whole number, got 'x'" in err.reason
    assert "candidates[0].signs[0]: finger count must be 0-5, got 9" in err.reason


def test_booleans_are_read_as_written(tmp_path: Path) -> None:
    from .test_rules import record

    off = load_profile(write(tmp_path, GOOD + "rules: {single-sign: {enabled: false}}\n"))
    on = load_profile(
        write(tmp_path, GOOD + "template: true\nrules: {single-sign: {enabled: true}}")
    )
    assert off.rules["single-sign"] == RuleSetting(enabled=False) and not off.template
    assert on.rules["single-sign"] == RuleSetting(enabled=True) and on.template
    sign = record(1, ["one"])
    assert RuleEngine(off).evaluate(sign)[0] == ()
    assert [f.rule for f in RuleEngine(on).evaluate(sign)[0]] == ["single-sign"]


def test_every_form_of_the_format_still_reads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "id: forms.2024\nname: Forms\nelection_day: '2024-11-27'\nstart: 2024-09-25 08:00:00\n"
        "region: 2024\ncandidates:\n"
        "  - &one {number: 1, names: Anies, signs: 1, keywords: [01, '02', AMIN]}\n"
        "  - {<<: *one, number: 2, signs: ['2', {gesture: metal, direction: any}]}\n"
        "  - {number: 3, signs: {fingers: 3, direction: side}}\n"
        "parties: [{name: Partai A, signs: [{gesture: fist}]}]\n"
        "thresholds: {min_hand_score: 1, casual_gestures: open_palm}\nrules:\nnotes:\n",
    )
    p = load_profile(path)
    assert (p.election_day, p.start, p.region) == (
        dt.date(2024, 11, 27),
        dt.date(2024, 9, 25),
        "2024",
    )
    one, two, three = p.candidates
    assert one.names == ("Anies",) and one.keywords == ("1", "02", "AMIN")
    assert two.keywords == one.keywords and [s.label for s in two.signs] == ["2 fingers", "metal"]
    assert two.signs[1].direction is None and three.signs[0].direction == Direction.SIDE
    assert p.parties[0].signs[0].gesture == Gesture.FIST
    assert p.thresholds.min_hand_score == 1 and p.thresholds.casual_gestures == (Gesture.OPEN_PALM,)
    assert p.rules == {} and p.notes == ""


def test_documented_profile_example_reads(tmp_path: Path) -> None:
    section = (ROOT / "docs" / "profiles-and-rules.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert example is not None
    p = load_profile(write(tmp_path, example.group(1), "example.yaml"))
    assert [c.number for c in p.candidates] == [1, 3] and p.rules[
        "single-sign"
    ].severity == "medium"
    # "all optional; these are the defaults": the documented thresholds are the code's.
    assert p.thresholds == Thresholds()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mangled_profiles_raise_only_config_errors(data: st.DataObject) -> None:
    """A shipped profile with a slice cut out or odd text spliced in either still reads or is a
    ``ConfigError``: nothing else may escape (the CLI maps only that to exit 2)."""
    text = (ROOT / "src/gesture_scan/profiles/pilpres-2024.yaml").read_text(encoding="utf-8")
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 40))
    splice = data.draw(
        st.one_of(
            st.sampled_from(
                ["[", "]", "{", ":", "- ", "&a ", "*a", "!!int ", "? ", "\t", "'", "\n"]
            ),
            st.text(max_size=12),
        )
    )
    mangled = text[:at] + splice + text[at + cut :]
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"gesture-scan-fuzz-{os.getpid()}.yaml"
    try:
        path.write_text(mangled, encoding="utf-8", errors="surrogatepass")
        try:
            load_profile(path)
        except ConfigError as exc:
            assert exc.source == str(path) or exc.field == "--profile"
    finally:
        path.unlink(missing_ok=True)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        pytest.param(
            GOOD + "rules: {single-sign: {enabled: 'false'}}\n",
            "rules.single-sign.enabled",
            id="bool as text",
        ),
        pytest.param(
            HEAD
            + "candidates:\n  - {number: 1, signs: [1]}\n  - {number: 2, signs: [{fingers: x}]}",
            "candidates[1].signs[0].fingers",
            id="nested wrong type",
        ),
        pytest.param(GOOD + "election_day: 2024-02-30\n", "election_day", id="impossible date"),
    ],
)
def test_cli_exits_2_naming_the_field(tmp_path: Path, text: str, field: str) -> None:
    photo = ROOT / "samples" / "rendered_campaign_1.jpg"
    before = hashlib.sha256(photo.read_bytes()).hexdigest()
    bad = write(tmp_path, text)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gesture_scan.cli",
            photo,
            "--profile",
            bad,
            "--out",
            tmp_path / "r",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert field in proc.stderr and str(bad) in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert hashlib.sha256(photo.read_bytes()).hexdigest() == before


def test_sign_grading_thresholds_are_set_from_the_profile(tmp_path: Path) -> None:
    text = (
        "id: t\nname: T\ncandidates:\n  - {number: 1, names: [A], signs: [1]}\n"
        "thresholds:\n  uncertain_margin: 0.2\n  min_sign_share: 0.6\n  min_posed_score: 0.5\n"
        "  grip_gestures: [thumbs_up, fist]\n  rival_ratio: 3\n"
    )
    t = load_profile(write(tmp_path, text, "grading.yaml")).thresholds
    assert (t.uncertain_margin, t.min_sign_share, t.min_posed_score) == (0.2, 0.6, 0.5)
    assert t.rival_ratio == 3
    assert t.grip_gestures == (Gesture.THUMBS_UP, Gesture.FIST)
    with pytest.raises(ConfigError, match=r"thresholds\.min_posed_score"):
        load_profile(write(tmp_path, text.replace("0.5", "2"), "bad.yaml"))


@pytest.mark.parametrize(
    ("value", "expected"), [("0", 0), ("3", 3), ("-1", None), ("two", None), ("1.5", None)]
)
def test_min_backdrop_terms_from_the_profile(tmp_path: Path, value: str, expected) -> None:
    text = (
        "id: t\nname: T\ncandidates:\n  - {number: 1, names: [A], signs: [1]}\n"
        f"thresholds:\n  min_backdrop_terms: {value}\n"
    )
    path = write(tmp_path, text, "backdrop.yaml")
    if expected is None:
        with pytest.raises(ConfigError, match=r"thresholds\.min_backdrop_terms"):
            load_profile(path)
    else:
        assert load_profile(path).thresholds.min_backdrop_terms == expected
