"""``--engine ray``: the scan on Ray Core actors, one ``Scanner`` per actor, results in task order.

Same contract as ``engines.local.scan_in_workers``, so the CLI's report writer does not know which
engine ran: one ``Done`` per task, in task order, a bounded number of tasks in flight, a dead
worker costing a retry of its own inputs only, and a prompt error when workers cannot start.

Why Ray Core actors rather than Ray Data's ``map_batches``: the driver already owns the task
stream (video frames are decoded there, sequentially), the report must come out in input order,
and retrying exactly the inputs of a dead actor, once and alone, is a few lines here; Ray Data
reorders, batches and retries on its own terms, and needs pyarrow and pandas on every node.

Photos travel as paths (``Task(path)``) and are read by the actor, so every node must see the
inputs at the same path (a shared NFS/CIFS mount; docs/scale-out.md), or as ``s3://`` URLs, which
each actor reads from object storage itself (the driver only lists the bucket). Decoded video
frames travel in the task (``Task.image``) through Ray's object store.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import logging
import os
import socket
import uuid
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from dataclasses import replace
from typing import Any, Optional

from ..config import ScanConfig
from ..errors import GestureScanError, UsageError, WorkerError
from ..io import remote
from ..tasks import Done, Task, task_error, unreturned

#: Tasks handed to one actor at a time: one running and one waiting in its mailbox, so an actor
#: never idles while the driver takes a result and sends the next. Tasks taken from the stream
#: and not yet scanned are at most this times the actors, as in the local pool: a decoded video
#: frame is read from the stream only when an actor can take it.
PER_ACTOR = 2

#: Results kept, per actor, while an earlier input is still being scanned (results go out in
#: task order). Deeper than the in-flight bound because, on many actors, one 24 MP group photo
#: would otherwise leave every other actor idle until it is done; a result is a record and at
#: most an annotated JPEG, and the task it came from is dropped, so memory stays flat.
BUFFER_PER_ACTOR = 8

#: How long to wait for the first actor to load its models (or for any actor at all, once every
#: one has died) before giving up: a cluster without a free CPU leaves actors pending forever.
START_TIMEOUT_S = 300.0

#: Actors that die while starting, in a row, before the scan gives up (models that crash on load,
#: a node that cannot import gesture_scan).
MAX_START_FAILURES = 3

#: Prefix of the actors' names (``ray list actors``, and tests that kill one on purpose).
ACTOR_PREFIX = "gesture-scan-scanner"

#: Says which actor died holding which inputs (INFO: the run goes on, the report tells the rest).
log = logging.getLogger(__name__)

NEEDS_RAY = "--engine ray needs Ray: pip install 'gesture-scan[ray]'"


def scan_with_ray(
    tasks: Iterable[Task],
    config: ScanConfig,
    *,
    actors: int,
    annotate: bool,
    keep_frame: bool,
    address: Optional[str] = None,
    gpus_per_actor: float = 0.0,
) -> Generator[Done, None, None]:
    """Scan ``tasks`` on ``actors`` Ray actors (one CPU each, ``gpus_per_actor`` GPUs each; 0
    actors: one per CPU of the cluster), yielding one ``Done`` per task in task order.

    With no ``address`` and no Ray connection in this process, an embedded local cluster with
    ``actors`` CPUs is started (and shut down at the end); with ``address`` ("HOST:6379") a
    running cluster is joined; a connection the caller made (``ray.init`` before) is used as it
    is. Ray is checked here, at the call; the cluster is started on the first ``next()``, so a
    generator that is never run leaves nothing behind. Close it (``contextlib.closing``) to stop
    the actors at once on an interrupt.

    Tasks are taken from ``tasks`` only as actors can take them: at most ``PER_ACTOR`` (2) per
    actor are taken and not yet scanned, and at most ``BUFFER_PER_ACTOR`` (8) per actor results
    wait for an earlier, slower input, so memory stays flat however long the stream is.

    An actor that dies (killed, out of memory, its node lost) costs a retry of the inputs it held,
    each scanned alone on a fresh actor; an input that kills that one too gets an error record.
    Models that cannot load raise their own error (``ModelError``, ``ConfigError``) from the first
    ``next()``; no actor starting within ``START_TIMEOUT_S`` raises ``WorkerError``.
    """
    try:
        import ray
    except ImportError as exc:
        raise UsageError(NEEDS_RAY) from exc
    if actors < 0:
        raise UsageError(f"--engine ray needs a number of actors (0: one per CPU), not {actors}")
    if gpus_per_actor < 0:
        raise UsageError(f"GPUs per actor must be 0 or more, not {gpus_per_actor}")
    return _scan(ray, iter(tasks), config, actors, annotate, keep_frame, address, gpus_per_actor)


# -- the actor -----------------------------------------------------------------------------------


def _actor_class(ray: Any, gpus: float) -> Any:
    """The actor class, built here so importing this module never needs Ray.

    Each actor runs the local pool's own worker code (``local.init_worker`` / ``work``), so a
    record cannot depend on the engine.
    """

    class Scanner:
        def __init__(
            self, config: ScanConfig, annotate: bool, keep_frame: bool, env: dict[str, str]
        ) -> None:
            import signal

            from . import local

            # The driver's object-storage settings (``remote.worker_env``: the endpoint and
            # region, never keys): an actor on another node has that node's environment.
            os.environ.update(env)

            # The pool's initializer ignores SIGINT and SIGTERM (the parent's to act on); Ray's
            # own handlers stay, so the raylet can still stop this worker.
            saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
            try:
                local.init_worker(config, annotate, keep_frame)
            finally:
                for s, handler in saved.items():
                    if handler is not None:
                        signal.signal(s, handler)

        def ready(self) -> Optional[BaseException]:
            """None, or why this actor's Scanner could not be built (pickled back, raised there)."""
            from . import local

            return local.worker_ready()

        def scan(self, task: Task) -> Done:
            from . import local

            return local.work(task)

    options: dict[str, Any] = {"num_cpus": 1, "max_restarts": 0, "max_task_retries": 0}
    if gpus:
        options["num_gpus"] = gpus
    return ray.remote(**options)(Scanner)


class _Actor:
    """One actor slot: its handle, whether its models are loaded, what it holds."""

    def __init__(self, handle: Any, name: str) -> None:
        self.handle = handle
        self.name = name
        self.ready_ref: Any = handle.ready.remote()
        self.ready = False
        self.load = 0  # tasks submitted and not yet resolved
        self.solo: deque[_Slot] = deque()  # a dead actor's inputs, to rescan one at a time here
        self.alone = False  # scanning one of those, with nothing else beside it

    @property
    def accepts_work(self) -> bool:
        return self.ready and not self.solo and not self.alone and self.load < PER_ACTOR


class _Slot:
    """One task in the window, in task order."""

    __slots__ = ("actor", "done", "ref", "task", "tries")

    def __init__(self, task: Task) -> None:
        self.task = task
        self.ref: Any = None
        self.actor: Optional[_Actor] = None
        self.done: Optional[Done] = None
        self.tries = 0  # times an actor died holding it


_LOST = (
    "the Ray actor scanning this input died (a crash in a decoder or model, out of memory, or its "
    "node was lost); it died again when the input was scanned alone"
)


# -- the driver ----------------------------------------------------------------------------------


def _connect(ray: Any, address: Optional[str], actors: int) -> bool:
    """Join or start a cluster; True when this call started (and so must stop) one."""
    # Air-gapped: Ray's usage statistics would be sent home from a cluster this process starts.
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if ray.is_initialized():
        return False
    if address is not None:
        _check_address(address)
        _match_token_auth()
    options: dict[str, Any] = {
        "include_dashboard": False,
        # Actors' stdout and stderr stay in the session's log folder (/tmp/ray/session_*/logs):
        # printed here they would break the progress bar, and errors come back as exceptions.
        "log_to_driver": False,
        "logging_level": logging.WARNING,
        "configure_logging": True,
    }
    # Ray >= 2.5x says at start-up that it made an authentication token; that is its default and
    # ours, not something to act on, so the notice is not printed.
    token_log = logging.getLogger("ray._private.authentication.authentication_token_setup")
    level = token_log.level
    token_log.setLevel(logging.ERROR)
    try:
        if address is None:
            ray.init(num_cpus=actors or None, **options)  # None: every core here
        else:
            ray.init(address=address, **options)
    except ConnectionError as exc:
        raise UsageError(f"--ray-address {address}: cannot join the Ray cluster ({exc})") from exc
    finally:
        token_log.setLevel(level)
    return True


def _match_token_auth() -> None:
    """Ask for token authentication when joining where ``ray start`` would have turned it on.

    Ray 2.5x turns it on for ``ray start`` (head and workers) when a token is found on the machine
    (``~/.ray/auth_token``, which any embedded cluster also writes), but never for a driver given
    an explicit address: left alone, a driver on the head of such a cluster is refused, and
    retries for minutes. ``RAY_AUTH_MODE`` set by the user wins. Older Ray ignores it."""
    if "RAY_AUTH_MODE" in os.environ:
        return
    path = os.environ.get("RAY_AUTH_TOKEN_PATH") or os.path.expanduser("~/.ray/auth_token")
    if os.environ.get("RAY_AUTH_TOKEN") or os.path.isfile(path):
        os.environ["RAY_AUTH_MODE"] = "token"
        # Ray read its settings when imported: have it read them again (as ``ray start`` does).
        with contextlib.suppress(Exception):
            importlib.import_module("ray._raylet").Config.initialize("")


def _check_address(address: str) -> None:
    """Fail at once where nothing listens: ``ray.init`` retries an unreachable address for
    minutes, printing a warning every few seconds."""
    if address in ("auto", "local"):
        return
    if address.startswith("ray://"):
        raise UsageError(
            f"--ray-address {address}: Ray Client addresses (ray://) are not supported; run "
            "gesture-scan on a node of the cluster with --ray-address HEAD:6379"
        )
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise UsageError(
            f"--ray-address {address}: expected HOST:PORT, the head node's address and its "
            "port (6379 unless `ray start --head --port` said otherwise)"
        )
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()
    except OSError as exc:
        raise UsageError(
            f"--ray-address {address}: nothing answers there ({exc.strerror or exc}); is "
            "`ray start --head` running on that machine, and is the port open?"
        ) from exc


def _scan(
    ray: Any,
    tasks: Iterator[Task],
    config: ScanConfig,
    actors: int,
    annotate: bool,
    keep_frame: bool,
    address: Optional[str],
    gpus: float,
) -> Generator[Done, None, None]:
    started = _connect(ray, address, actors)
    if actors == 0:  # one per CPU of the cluster (a GPU each, where asked, caps them too)
        have = ray.cluster_resources()
        actors = max(1, int(have.get("CPU", 1)))
        if gpus:
            actors = max(1, min(actors, int(have.get("GPU", 0) / gpus)))
    driver = _Driver(ray, config, actors, annotate, keep_frame, address, gpus)
    try:
        yield from driver.run(tasks)
    finally:
        driver.stop()
        if started:
            ray.shutdown()


class _Driver:
    """The window of tasks in task order, the actors, and what to do with each reply.

    ``by_ref`` maps every outstanding ObjectRef to the ``_Slot`` whose result it is, or to the
    ``_Actor`` whose ``ready()`` it is; one ``ray.wait`` over all of them drives the run.
    """

    def __init__(
        self,
        ray: Any,
        config: ScanConfig,
        actors: int,
        annotate: bool,
        keep_frame: bool,
        address: Optional[str],
        gpus: float,
    ) -> None:
        from ray.exceptions import (
            ActorUnschedulableError,
            ObjectLostError,
            RayActorError,
            WorkerCrashedError,
        )

        self.ray = ray
        # What an actor's death looks like from here: the actor, its worker process or the node
        # holding a result is gone (Ray's memory monitor killing a worker is one way). The inputs
        # it held are retried; anything else is not a death. (Names missing from an older Ray
        # skipped.)
        died: tuple[type[BaseException], ...] = (RayActorError, WorkerCrashedError, ObjectLostError)
        died += tuple(
            getattr(ray.exceptions, name)
            for name in ("OutOfMemoryError", "NodeDiedError")
            if isinstance(getattr(ray.exceptions, name, None), type)
        )
        self.died = died
        self.start_died: tuple[type[BaseException], ...] = (*died, ActorUnschedulableError)
        self.args = (config, annotate, keep_frame)
        self.actors = actors
        self.address = address
        self.gpus = gpus
        self.run_id = uuid.uuid4().hex[:8]
        self.storage_env = remote.worker_env()
        self.numbers = itertools.count()
        self.cls = _actor_class(ray, gpus)
        self.pool: list[_Actor] = []
        self.by_ref: dict[Any, Any] = {}  # ObjectRef -> _Slot, or _Actor for a ready() call
        self.window: deque[_Slot] = deque()
        self.unassigned: deque[_Slot] = deque()
        self.start_failures = 0
        self.open_slots = 0  # tasks taken from the stream and not done

    # -- the loop ------------------------------------------------------------------------------

    def run(self, tasks: Iterator[Task]) -> Iterator[Done]:
        self.pool.extend(self.new_actor() for _ in range(self.actors))
        exhausted = False
        while True:
            while self.window and self.window[0].done is not None:
                head = self.window.popleft()
                assert head.done is not None
                yield head.done
            while (
                not exhausted
                and self.open_slots < PER_ACTOR * self.actors
                and len(self.window) < BUFFER_PER_ACTOR * self.actors
            ):
                task = next(tasks, None)
                if task is None:
                    exhausted = True
                else:
                    slot = _Slot(task)
                    self.window.append(slot)
                    self.unassigned.append(slot)
                    self.open_slots += 1
            if not self.window:
                return
            self.assign()
            for ref in self.replies():
                self.resolve(ref)

    def replies(self) -> list[Any]:
        """The refs that are back: at least one, waiting for it (within ``START_TIMEOUT_S`` while
        no actor is ready), and whatever else is back by then, in one call rather than one each."""
        ray = self.ray
        waiting = list(self.by_ref)
        if not waiting:  # cannot happen: an unfinished head is submitted or has an actor due
            raise WorkerError("the Ray engine has inputs left and no actor to run them")
        any_ready = any(a.ready for a in self.pool)
        ready, rest = ray.wait(
            waiting, num_returns=1, timeout=None if any_ready else START_TIMEOUT_S
        )
        if not ready:
            raise WorkerError(
                f"no Ray actor started within {START_TIMEOUT_S:.0f} s: the cluster has no "
                f"free CPU for an actor ({self.actors} asked, 1 CPU each"
                + (f", {self.gpus} GPU each" if self.gpus else "")
                + f"; the cluster has {ray.cluster_resources()})"
            )
        if rest:
            more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
            ready += more
        return list(ready)

    def stop(self) -> None:
        for actor in self.pool:
            with contextlib.suppress(Exception):
                self.ray.kill(actor.handle)

    # -- actors --------------------------------------------------------------------------------

    def new_actor(self) -> _Actor:
        name = f"{ACTOR_PREFIX}-{self.run_id}-{next(self.numbers)}"
        handle = self.cls.options(name=name).remote(*self.args, self.storage_env)
        actor = _Actor(handle, name)
        self.by_ref[actor.ready_ref] = actor
        return actor

    def replace_actor(self, actor: _Actor) -> _Actor:
        """Kill ``actor`` (if not dead already) and put a fresh one in its place."""
        self.by_ref.pop(actor.ready_ref, None)
        with contextlib.suppress(Exception):  # already gone with its node
            self.ray.kill(actor.handle)
        fresh = self.new_actor()
        self.pool[self.pool.index(actor)] = fresh
        return fresh

    def on_death(self, actor: _Actor) -> None:
        """Every input ``actor`` held: kept where its result is back, else retried once, alone,
        on the fresh actor that takes its place."""
        held = [s for s in self.window if s.actor is actor and s.done is None]
        fresh = self.replace_actor(actor)
        fresh.solo.extend(actor.solo)  # earlier suspects it had not rescanned yet
        for s in held:
            if s.ref is not None:
                self.by_ref.pop(s.ref, None)
                finished, _ = self.ray.wait([s.ref], timeout=0)
                if finished:
                    with contextlib.suppress(Exception):
                        self.finish(s, self.ray.get(s.ref))
                        continue
                s.ref, s.actor = None, None
            s.tries += 1
            if s.tries >= 2:
                self.finish(s, task_error(s.task, _LOST))
            else:
                fresh.solo.append(s)
        log.info(
            "Ray actor %s died holding %d input(s): %s; %d to rescan one at a time on %s",
            actor.name,
            len(held),
            ", ".join(s.task.path for s in held) or "none",
            len(fresh.solo),
            fresh.name,
        )

    # -- tasks ---------------------------------------------------------------------------------

    def finish(self, slot: _Slot, done: Done) -> None:
        slot.done = done
        slot.ref, slot.actor = None, None
        if slot.task.image is not None:  # the decoded frame is not needed any more
            slot.task = replace(slot.task, image=None)
        self.open_slots -= 1

    def submit(self, slot: _Slot, actor: _Actor) -> None:
        slot.actor = actor
        slot.ref = actor.handle.scan.remote(slot.task)
        self.by_ref[slot.ref] = slot
        actor.load += 1

    def assign(self) -> None:
        for actor in self.pool:
            if actor.ready and actor.solo and actor.load == 0:
                self.submit(actor.solo.popleft(), actor)
                actor.alone = True
        while self.unassigned:
            best: Optional[_Actor] = None
            for actor in self.pool:
                if actor.accepts_work and (best is None or actor.load < best.load):
                    best = actor
            if best is None:
                return
            self.submit(self.unassigned.popleft(), best)

    # -- replies -------------------------------------------------------------------------------

    def resolve(self, ref: Any) -> None:
        item = self.by_ref.pop(ref, None)
        if item is None:  # its actor died meanwhile and on_death() took care of it
            return
        if isinstance(item, _Actor):
            self._started(item, ref)
        else:
            self._scanned(item, ref)

    def _started(self, actor: _Actor, ref: Any) -> None:
        """An actor's ``ready()``: its models loaded, or why not."""
        from ray.exceptions import RuntimeEnvSetupError

        try:
            problem = self.ray.get(ref)
        except self.start_died as exc:
            self.start_failures += 1
            if self.start_failures >= MAX_START_FAILURES:
                hint = (
                    f"; joining a cluster, RAY_AUTH_MODE (here "
                    f"{os.environ.get('RAY_AUTH_MODE', 'unset')}) must be what its "
                    "`ray start` ran with"
                    if self.address is not None
                    else ""
                )
                raise WorkerError(
                    f"Ray actors could not start ({self.start_failures} died while loading the "
                    f"models; the last: {exc}); see the Ray logs of the session "
                    f"(/tmp/ray/session_latest/logs on the node){hint}"
                ) from exc
            self.on_death(actor)
            return
        except RuntimeEnvSetupError as exc:
            raise WorkerError(f"Ray actors could not start ({exc})") from exc
        if problem is not None:
            raise problem  # e.g. a ModelError: models that cannot load anywhere
        actor.ready = True
        self.start_failures = 0

    def _scanned(self, slot: _Slot, ref: Any) -> None:
        """A task's result, or its actor's death, or an error that cannot come back."""
        from ray.exceptions import RayTaskError

        actor = slot.actor
        assert actor is not None
        actor.load -= 1
        actor.alone = False
        try:
            done = self.ray.get(ref)
        except self.died:
            slot.ref = None
            self.on_death(actor)
            return
        except RayTaskError as exc:
            cause = exc.cause if isinstance(exc.cause, BaseException) else exc
            if isinstance(cause, GestureScanError):
                raise cause from None  # a worker's scanner missing: the whole scan's problem
            done = unreturned(slot.task, cause)
        except Exception as exc:  # a result that could not be unpickled here
            done = unreturned(slot.task, exc)
        self.finish(slot, done)
