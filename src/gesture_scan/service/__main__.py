"""``python -m gesture_scan.service``: the serve command on its own (scripts, containers), with
the same messages and exit codes as ``gesture-scan serve``."""

from __future__ import annotations

import sys

import typer

from ..errors import ConfigError, GestureScanError, UsageError
from .command import serve_command


def main() -> None:
    app = typer.Typer(add_completion=False, rich_markup_mode=None)
    app.command()(serve_command)
    try:
        app(prog_name="gesture-scan serve")
    except (UsageError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except GestureScanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
