"""The committed demo photos of ``samples/``: the README's first command scans them, so each must
give the result ``samples/SOURCES.md`` promises (one of each severity, a clean group photo and a
broken file), and their provenance must be on record."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"

#: file -> (severity of the scan, rule ids that must be among its findings); severity None: not
#: flagged. "error": the scan gives an error record.
EXPECTED: dict[str, tuple[str | None, set[str]]] = {
    "group_salam_dua_jari.jpg": ("high", {"group-candidate-sign"}),
    "group_with_banner_02.jpg": ("medium", {"group-with-material", "candidate-text"}),
    # the rendered spanduk on a shop facade scores 0.35 (shop fascias are the detector's signboard
    # class), below the rules' min_object_score 0.4: a known miss, kept as one
    "banner_02_street.jpg": (None, set()),
    "group_no_sign.jpg": (None, set()),
    "broken_download.jpg": ("error", set()),
    # the small drawn baliho and both flags are found now (banner 0.89); read inside its box the
    # baliho's "02" comes out "22" (read over the whole photo, before, it was "02"): a known miss
    "rendered_campaign_1.jpg": (None, set()),
    "rendered_campaign_2.jpg": (None, set()),
}


def test_samples_are_committed_small_and_explained():
    sources = (SAMPLES / "SOURCES.md").read_text()
    for name in EXPECTED:
        path = SAMPLES / name
        assert path.is_file(), name
        assert path.stat().st_size < 300_000, f"{name}: keep the clone small"
        assert f"`{name}`" in sources, f"{name} is not described in samples/SOURCES.md"
    on_disk = {p.name for p in SAMPLES.glob("*.jpg")}
    assert on_disk == set(EXPECTED), "every committed sample needs an expected result here"
    # the material we redistribute, credited with its licence (and the licence texts alongside)
    for credit in ("SubhiH/HandsDataset", "Apache-2.0", "building-facades-advertising-dataset"):
        assert credit in sources
    assert "Apache License" in (SAMPLES / "LICENSE.Apache-2.0").read_text()
    assert "CC0 1.0 Universal" in (SAMPLES / "LICENSE.facade-CC0-1.0").read_text()
    assert "composite" in sources and "render_samples.py" in sources


def test_broken_download_is_what_sources_says():
    """The first 30 % of the bytes of group_no_sign.jpg, so it is honestly "a download that
    broke off", not random bytes."""
    broken = (SAMPLES / "broken_download.jpg").read_bytes()
    whole = (SAMPLES / "group_no_sign.jpg").read_bytes()
    assert whole.startswith(broken) and len(broken) == int(len(whole) * 0.3)


@pytest.mark.models
@pytest.mark.parametrize("name", list(EXPECTED))
def test_sample_scan_gives_its_severity(scanner, name):
    severity, rules = EXPECTED[name]
    result = scanner.scan_image(SAMPLES / name)
    found = {f.rule for f in result.findings}
    if severity == "error":
        assert result.error and "truncated" in result.error
        assert not result.findings
        return
    assert result.error is None, result.error
    assert result.severity == severity, [(f.rule, f.severity, f.score) for f in result.findings]
    assert rules <= found
    if name.startswith("group_"):
        assert result.group and result.people >= 3
    if severity is None:
        return
    top = result.findings[0]
    assert top.severity == severity
    if name == "group_salam_dua_jari.jpg":
        # the V itself, clearly read, and for the right pair
        (sign,) = [result.hands[i] for i in top.hands]
        assert sign.reading.gesture.value == "two_v" and sign.score > 0.9
        assert top.details["number"] == 2
    else:
        # the banner is found clearly and its text names pair 02
        assert max(result.objects.confidence) > 0.6
        text = next(f for f in result.findings if f.rule == "candidate-text")
        assert 2 in text.details["numbers"]
