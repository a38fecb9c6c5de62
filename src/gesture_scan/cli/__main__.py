"""``python -m gesture_scan.cli``: the same as the ``gesture-scan`` command."""

from . import main

main()
