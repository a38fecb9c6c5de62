"""The hand-labelled Indonesian box tables that train and measure the material detector.

A bad row (a box off the photo, a class the detector does not have, a photo in both splits, a
held-out website that leaks into training) would silently corrupt both the training set and the
held-out figures in the model card, so the tables are checked like code.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import pytest

from .scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scripts" / "data"
SHARED = ROOT.parent / "shared"


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader((DATA / name).open(encoding="utf-8")))


@pytest.mark.parametrize("table", ["indonesian_boxes.csv", "indonesian_event_boxes.csv"])
def test_boxes_are_inside_the_photo_and_of_known_classes(table: str) -> None:
    rows = _rows(table)
    assert rows, f"{table} is empty"
    for r in rows:
        assert r["split"] in ("train", "holdout"), r
        if r["class"] == "":  # a reviewed photo without material: no box
            assert not any(r[k] for k in ("cx", "cy", "w", "h")), r
            continue
        assert r["class"] in ("0", "1", "2"), r
        cx, cy, w, h = (float(r[k]) for k in ("cx", "cy", "w", "h"))
        assert 0 < w <= 1 and 0 < h <= 1, r
        assert cx - w / 2 >= -1e-3 and cx + w / 2 <= 1 + 1e-3, r
        assert cy - h / 2 >= -1e-3 and cy + h / 2 <= 1 + 1e-3, r


def test_each_photo_is_in_one_split_and_held_out_sites_never_train() -> None:
    rows = _rows("indonesian_event_boxes.csv")
    split_of: dict[str, set[str]] = {}
    site_split: dict[str, set[str]] = {}
    for r in rows:
        split_of.setdefault(r["file"], set()).add(r["split"])
        site_split.setdefault(r["site"], set()).add(r["split"])
    assert all(len(s) == 1 for s in split_of.values())
    assert all(len(s) == 1 for s in site_split.values()), "a website is in both splits"
    photos = Counter(next(iter(s)) for s in split_of.values())
    assert photos["holdout"] >= 0.2 * sum(photos.values())
    # the held-out photos must contain material to measure, and negatives to count false boxes
    held = [r for r in rows if r["split"] == "holdout"]
    assert sum(r["class"] == "0" for r in held) >= 10
    assert sum(r["class"] == "" for r in held) >= 10


def test_the_dataset_builder_reads_both_tables() -> None:
    mfd = load_script("make_finetune_dataset")
    train, held = mfd.indonesian_rows("train"), mfd.indonesian_rows("holdout")
    assert not set(train) & set(held)
    assert any(k.startswith("material/unlabeled/") for k in held)
    assert any(k.startswith("attire/photos/") for k in held)
    negatives = [k for k, v in train.items() if not v]
    assert negatives, "reviewed photos without material train as negatives"
    for lines in train.values():
        for line in lines:
            cls, *box = line.split()
            assert cls in ("0", "1", "2") and len(box) == 4


@pytest.mark.skipif(not (SHARED / "train" / "attire").is_dir(), reason="needs ../shared")
def test_rows_name_real_photos_and_the_split_is_the_documented_rule() -> None:
    merge = load_script("merge_material_labels")
    sites = {
        r["photo"]: r["source_repo"]
        for r in csv.DictReader((SHARED / "train" / "attire" / "photos.csv").open())
    }
    held = merge.holdout_sites(Counter(sites.values()))
    for r in _rows("indonesian_event_boxes.csv"):
        path = SHARED / "train" / r["file"]
        assert path.is_file(), path
        assert r["site"] == sites[path.name]
        assert (r["split"] == "holdout") == (r["site"] in held), r
    # the rule is blind to the labels: SHA-256 order of the site names
    order = sorted(set(sites.values()), key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    assert order[0] in held
