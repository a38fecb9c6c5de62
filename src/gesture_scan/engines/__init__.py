"""Ways to run the scan other than the local process pool in ``pipeline.scan_in_workers``.

Each engine yields ``pipeline.Done`` in task order, so the report writer (and so the report) does
not depend on the engine. Their third-party libraries are imported inside the engine's function:
importing this package needs none of them.
"""
