"""Ways to run many scans: the local worker pool (``local``) and Ray actors (``ray_engine``).

Each engine yields ``tasks.Done`` in task order, so the report writer (and so the report) does
not depend on the engine. Their third-party libraries are imported inside the engine's function:
importing this package needs none of them.
"""
