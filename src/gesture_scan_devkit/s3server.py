"""A throwaway S3 API on 127.0.0.1: moto's server (``python -m moto.server``, the dev extra) in a
process of its own, for ``tests/test_s3.py`` and ``scripts/bench_s3.py``.

A process rather than moto's in-process ``ThreadedMotoServer`` where the caller needs the server
to read its own environment (``INITIAL_NO_AUTH_ACTION_COUNT`` makes it refuse keys) or must not
share the interpreter with it (a benchmark measuring the client).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Optional


def free_port() -> int:
    """A TCP port nothing listens on now (also an endpoint where nothing answers)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def moto_process(env: Optional[dict[str, str]] = None, timeout_s: float = 60.0) -> Iterator[str]:
    """The server's URL once it accepts connections; the process is stopped on exit. ``env``:
    the server's whole environment (default: this process's)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"moto's server did not start on 127.0.0.1:{port} in {timeout_s:.0f} s"
                    ) from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
