"""gesture-scan."""
