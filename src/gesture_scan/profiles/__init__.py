"""Election profiles shipped with gesture-scan (YAML)."""
