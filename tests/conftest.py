"""Shared fixtures. Model-backed fixtures are session-scoped: loading MediaPipe once keeps the suite
fast; tests that need ``../shared`` skip with the reason when it is absent."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from gesture_scan.testing.handset import shared_dir

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def shared() -> Path:
    base = shared_dir()
    if base is None:
        pytest.skip("../shared not found: the labeled photos live outside the repository")
    return base


@pytest.fixture(scope="session")
def hands_dir(shared: Path) -> Path:
    return shared / "train" / "hands"


@pytest.fixture(scope="session")
def scanner() -> Iterator[object]:
    from gesture_scan import Scanner

    with Scanner() as s:
        yield s


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
