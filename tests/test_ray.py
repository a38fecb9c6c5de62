"""``--engine ray`` (issue 17) on a local Ray cluster of 2 CPUs: the same records as a local scan,
in input order (photos, a broken file, an event video's frames); a killed actor costs no input;
an input that kills its actor twice gets an error record; models that cannot load fail the scan
at once; closing the scan stops its actors; a cluster started with ``ray start --head`` is joined
and left running; a bad address is refused at once. Kept short: one cluster for the module, a
handful of real photos (~60 s on 2 cores)."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install -e '.[ray]')")

from gesture_scan.config import ScanConfig  # noqa: E402
from gesture_scan.errors import ConfigError, UsageError  # noqa: E402
from gesture_scan.people.attire import AttireOptions  # noqa: E402
from gesture_scan.pipeline import Done, Task  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
# Text reading off (the dearest step, not what this engine changes); the attire cue off so the
# records do not depend on a head in weights/ that may be retrained.
CONFIG = ScanConfig(read_text="off").with_(attire=AttireOptions(enabled=False))
TIMINGS = ("seconds", "stage_seconds")


@pytest.fixture(scope="module")
def cluster() -> Any:
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Real photos, one of them a broken download and one not a JPEG at all."""
    folder = tmp_path_factory.mktemp("ray-photos")
    out = []
    for p in sorted(SAMPLES.glob("*.jpg")):
        shutil.copy(p, folder / p.name)
        out.append(folder / p.name)
    broken = folder / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 garbage")
    out.insert(2, broken)
    # A short event video of two of the photos: its frames are decoded here, in the driver, and
    # travel to the actors through Ray's object store.
    import cv2

    clip = folder / "event.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter.fourcc(*"mp4v"), 5.0, (640, 480))
    for name in ("group_salam_dua_jari.jpg", "banner_02_street.jpg"):
        frame = cv2.resize(cv2.imread(str(SAMPLES / name)), (640, 480))
        for _ in range(10):
            writer.write(frame)
    writer.release()
    out.insert(4, clip)
    return out


def tasks_of(photos: list[Path]) -> list[Task]:
    from gesture_scan.io import SamplingOptions
    from gesture_scan.pipeline import iter_tasks

    return list(iter_tasks(photos, SamplingOptions()))


@pytest.fixture(scope="module")
def local(photos: list[Path]) -> list[Done]:
    """The local engine's results (one Scanner in this process, as ``--workers 1``)."""
    from gesture_scan.pipeline import Scanner, scan_task

    with Scanner(CONFIG) as scanner:
        return [scan_task(scanner, t, True, True) for t in tasks_of(photos)]


def record(done: Done) -> dict[str, Any]:
    d = done.result.to_dict()
    d["meta"] = {k: v for k, v in d.get("meta", {}).items() if k not in TIMINGS}
    return d


def ray_scan(tasks: Any, **kwargs: Any) -> list[Done]:
    from gesture_scan.engines.ray_engine import scan_with_ray

    with contextlib.closing(
        scan_with_ray(tasks, CONFIG, actors=2, annotate=True, keep_frame=True, **kwargs)
    ) as done:
        return list(done)


def our_actors() -> list[str]:
    from gesture_scan.engines.ray_engine import ACTOR_PREFIX

    return [n for n in ray.util.list_named_actors() if n.startswith(ACTOR_PREFIX)]


def free_port() -> int:
    """A free port for a head's GCS, outside the ports Ray takes by default (6379, 8265, 10001,
    workers' 10002-19999, the agents' 52365 and up: a random one once landed there)."""
    import socket

    for port in range(36379, 36479):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip("no free port in 36379-36478 for a Ray head")


def stop_head(session: str) -> None:
    """Kill the processes of the head whose session folder is ``session`` (their command lines
    name it) and everything they started (agents and workers, renamed ``ray::...``)."""
    psutil = pytest.importorskip("psutil")
    procs = []
    for p in psutil.process_iter(["cmdline"]):
        if p.pid != os.getpid() and any(session in a for a in (p.info["cmdline"] or [])):
            procs.append(p)
            with contextlib.suppress(psutil.Error):
                procs.extend(p.children(recursive=True))
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(procs, timeout=20)


def no_actors_left(within: float = 10.0) -> bool:
    """Whether the scan's actors are gone (``ray.kill`` is asynchronous: allow it a moment)."""
    deadline = time.monotonic() + within
    while our_actors() and time.monotonic() < deadline:
        time.sleep(0.1)
    return not our_actors()


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("127.0.0.1:1", "nothing answers there"),
        ("ray://head:10001", "not supported"),
        ("head", "expected HOST:PORT"),
    ],
)
def test_a_bad_ray_address_is_refused_at_once(address, says):
    """Without the check, ``ray.init`` retries an unreachable address for minutes. (Before the
    tests that start the module's cluster.)"""
    if ray.is_initialized():  # the module's cluster would be used instead of the address
        pytest.skip("a Ray connection is open in this process")
    from gesture_scan.engines.ray_engine import scan_with_ray

    started = time.monotonic()
    it = scan_with_ray([], CONFIG, actors=1, annotate=False, keep_frame=False, address=address)
    with pytest.raises(UsageError, match=says):
        next(it)
    assert time.monotonic() - started < 30
    assert not ray.is_initialized()


@pytest.mark.models
def test_joining_a_running_cluster(photos, local):
    """``ray start --head`` as an operator would run it, then ``--ray-address``: the same records,
    and the cluster is left running. The head has a session folder of its own and only its own
    processes are stopped at the end (``ray stop`` would stop any Ray cluster on the machine)."""
    import socket
    import subprocess
    import sys
    import tempfile

    if ray.is_initialized():
        pytest.skip("a Ray connection is open in this process")
    ray_cli = Path(sys.executable).with_name("ray")
    port = free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    auth = os.environ.get("RAY_AUTH_MODE")
    session = tempfile.mkdtemp(prefix="gs-ray-")  # short: Ray's socket paths live under it
    head = [str(ray_cli), "start", "--head", f"--port={port}", "--num-cpus=2"]
    head += ["--disable-usage-stats", f"--temp-dir={session}"]
    try:
        subprocess.run(head, env=env, check=True, timeout=120)
        done = ray_scan(iter(tasks_of(photos)), address=f"127.0.0.1:{port}")
        assert [record(d) for d in done] == [record(d) for d in local]
        assert not ray.is_initialized()  # disconnected...
        socket.create_connection(("127.0.0.1", port), timeout=10).close()  # ...and it runs
    finally:
        stop_head(session)
        shutil.rmtree(session, ignore_errors=True)
        if auth is None:  # the engine asks for token authentication where a token is found
            os.environ.pop("RAY_AUTH_MODE", None)


@pytest.mark.models
def test_ray_gives_the_local_records_in_input_order(cluster, photos, local):
    done = ray_scan(iter(tasks_of(photos)))
    assert [(d.result.path, d.result.frame) for d in done] == [
        (d.result.path, d.result.frame) for d in local
    ]
    assert [record(d) for d in done] == [record(d) for d in local]
    assert [d.annotated for d in done] == [d.annotated for d in local]  # same pixels, same JPEG
    assert [d.frame_jpeg for d in done] == [d.frame_jpeg for d in local]
    # The comparison is worth something: real findings, the broken file's error record, frames.
    assert sum(len(d.result.findings) for d in local) >= 2
    assert local[2].result.error is not None and local[2].result.sha256 is not None
    assert sum(d.result.error is None for d in local) >= 5
    frames = [d for d in local if d.result.frame is not None]
    assert len(frames) >= 2 and any(d.frame_jpeg for d in frames)
    assert no_actors_left()  # the actors are gone with the scan


class _KillsItsWorker:
    """A task payload whose unpickling ends the process that receives it: what a segfault in a
    decoder does to an actor, every time the input is tried."""

    def __reduce__(self) -> Any:
        return (os._exit, (3,))


@pytest.mark.models
def test_a_killed_actor_costs_no_input_and_a_killer_input_gets_an_error_record(
    cluster, photos, local, caplog
):
    import logging

    caplog.set_level(logging.INFO, logger="gesture_scan.engines.ray_engine")
    killer = Task("killer.jpg", image=_KillsItsWorker(), sha256="0" * 64)  # type: ignore[arg-type]
    # The killer last: it is not taken from the stream before the kill below (at most a few
    # tasks are), so the two deaths are told apart.
    tasks = [*tasks_of(photos), killer]
    killed: list[str] = []

    from gesture_scan.engines.ray_engine import scan_with_ray

    done = []
    with contextlib.closing(
        scan_with_ray(iter(tasks), CONFIG, actors=2, annotate=True, keep_frame=True)
    ) as it:
        for d in it:
            done.append(d)
            if len(done) == 1:  # kill one actor mid-run, as a lost node would
                names = our_actors()
                assert len(names) == 2
                for name in names:  # both have their models (a method call waits for that)
                    ray.get(ray.get_actor(name).ready.remote())
                ray.kill(ray.get_actor(names[0]))
                killed.append(names[0])
    assert killed
    deaths = [r.getMessage() for r in caplog.records if "died holding" in r.getMessage()]
    # The killed actor held inputs (so they were retried; it is given more until its death is
    # seen), and the killer input killed two actors.
    assert any(m.startswith(f"Ray actor {killed[0]} died holding") for m in deaths), deaths
    assert not any(f"{killed[0]} died holding 0 " in m for m in deaths), deaths
    assert sum("killer.jpg" in m for m in deaths) == 2, deaths
    assert [(d.result.path, d.result.frame) for d in done] == [(t.path, t.frame) for t in tasks]
    lost = done.pop().result
    assert lost.error is not None and "died again" in lost.error
    assert lost.sha256 == "0" * 64
    assert [record(d) for d in done] == [record(d) for d in local]


@pytest.mark.models
def test_closing_the_scan_early_stops_its_actors(cluster, photos):
    from gesture_scan.engines.ray_engine import scan_with_ray

    it = scan_with_ray(
        (Task(str(p)) for p in photos), CONFIG, actors=2, annotate=False, keep_frame=False
    )
    first = next(it)
    assert first.result.path == str(photos[0])
    assert len(our_actors()) == 2
    it.close()  # what Ctrl-C or a report write error does through contextlib.closing
    assert no_actors_left()


@pytest.mark.models
def test_models_that_cannot_load_fail_the_scan_at_once(cluster, tmp_path, photos):
    from gesture_scan.engines.ray_engine import scan_with_ray

    config = CONFIG.with_(profile=str(tmp_path / "no-such-profile.yaml"))
    started = time.monotonic()
    with (
        pytest.raises(ConfigError, match="no-such-profile"),
        contextlib.closing(
            scan_with_ray(
                (Task(str(p)) for p in photos), config, actors=2, annotate=False, keep_frame=False
            )
        ) as it,
    ):
        next(it)
    assert time.monotonic() - started < 60
    assert no_actors_left()


def test_without_ray_the_engine_says_how_to_install_it(monkeypatch):
    import sys

    from gesture_scan.engines.ray_engine import scan_with_ray

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(UsageError, match=r"pip install 'gesture-scan\[ray\]'"):
        scan_with_ray([], CONFIG, actors=2, annotate=False, keep_frame=False)


def test_importing_the_engine_does_not_import_ray():
    import subprocess
    import sys

    code = (
        "import sys, gesture_scan.engines.ray_engine; "
        "assert 'ray' not in sys.modules, 'ray imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
