"""Shared fixtures. Model-backed fixtures are session-scoped: loading MediaPipe once keeps the suite
fast; tests that need ``../shared`` skip with the reason when it is absent."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gesture_scan_devkit.handset import shared_dir

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
def packaged() -> dict[str, Path]:
    """Real photos that installed dependencies ship (always present, also in CI):
    Ultralytics' bus.jpg (4 people) and zidane.jpg (2 people, one pointing sideways) and
    matplotlib's grace_hopper.jpg (a portrait)."""
    from importlib.util import find_spec

    out = {}
    for package, rel in (
        ("ultralytics", "assets/bus.jpg"),
        ("ultralytics", "assets/zidane.jpg"),
        ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
    ):
        spec = find_spec(package)
        assert spec is not None and spec.origin is not None, f"{package} is a dependency"
        path = Path(spec.origin).parent / rel
        out[path.stem] = path
    return out


@pytest.fixture(scope="session")
def scanner() -> Iterator[object]:
    from gesture_scan import Scanner

    with Scanner() as s:
        yield s


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def finishes(call, timeout: float = 10.0):
    """Run ``call`` in a thread; fail (instead of hanging the suite) if it blocks."""
    box: dict[str, object] = {}

    def target():
        try:
            box["value"] = call()
        except BaseException as exc:  # handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"blocked for over {timeout} s"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")
