"""The README's first two commands are the contract with new users and with CI: keep them honest."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    head = text.split("---", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", head, flags=re.S)


def test_readme_starts_with_two_commands():
    cmds = _commands()
    assert len(cmds) == 2
    setup_and_demo, setup_and_test = cmds
    assert (
        setup_and_demo.startswith("python3 -m venv .venv")
        and "gesture-scan samples/" in setup_and_demo
    )
    assert setup_and_test.startswith("python3 -m venv .venv") and "pytest" in setup_and_test


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _commands()[1] in ci.splitlines()


def test_samples_folder_has_committed_images():
    rendered = sorted((ROOT / "samples").glob("rendered_*.jpg"))
    assert len(rendered) >= 2
