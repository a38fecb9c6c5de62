"""gesture-scan's development kit: what trains, tests and measures the scan, never the scan itself.

``material`` draws synthetic campaign-material scenes (the detector's training set); ``hand_scenes``
pastes labeled real hands into group scenes (benchmarks, tests); ``attire_scenes`` draws shirts and
uniforms for the attire cue's tests; ``handset`` reads the labeled hand photo set in ``../shared``;
``s3server`` runs moto's S3 server on 127.0.0.1 for the ``s3://`` tests and benchmark.

It lives beside the runtime package in ``src/`` but is not in the wheel (``pyproject.toml`` lists
the packages it ships), so ``pip install gesture-scan`` carries none of it. Tests find it through
pytest's ``pythonpath``; scripts append ``src/`` to ``sys.path``. Nothing in ``gesture_scan``
imports it.
"""
