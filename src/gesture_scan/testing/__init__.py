"""Helpers for tests and benchmarks: the labeled hand photo set and scenes rendered from it.

They ship with the package (like ``numpy.testing``) so benchmarks and downstream integrators can
reproduce our measurements; nothing here is imported by the scanning code.
"""
