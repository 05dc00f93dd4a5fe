"""Where independent tasks run: local worker processes (as before), or a dask.distributed cluster.

    ex = connect(None, jobs=4)                     # LocalExecutor: a spawn pool of 4 processes
    ex = connect("tcp://10.0.0.5:8786")            # DaskExecutor: that scheduler's workers
    for index, result in ex.map_unordered(fn, items, hard_timeout=lambda item: 90.0, on_timeout=...):
        ...
    ex.close()

The cluster is dask.distributed itself, not a home-made one: tasks are ``client.submit`` futures
(``pure=False``), so a worker that dies mid-task has its tasks re-run on another worker by the
scheduler, and Ctrl-C cancels what has not finished (the caller keeps what has). On a cluster every
task runs in a child process the worker forks (`call_with_deadline`): past its hard time limit the
child is killed and the caller's ``on_timeout(item)`` result is returned instead (e.g. UNKNOWN), so
a hung solver never holds a worker. ``fn`` and the items must be picklable (module-level functions).
"""

from __future__ import annotations

import functools
import os
import pickle
import select
import signal
import time
from typing import Any, Callable, Iterator, Sequence

from .errors import InputError

CONNECT_TIMEOUT_S = 10.0


class Executor:
    """Runs ``fn(item)`` for every item; yields ``(index, result)`` as results arrive."""

    name = "executor"
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], items: Sequence[Any], *,
                      hard_timeout: Callable[[Any], float | None] | None = None,
                      on_timeout: Callable[[Any, float], Any] | None = None,
                      prepare: Callable[[Any], None] | None = None,
                      batch: int = 1) -> Iterator[tuple[int, Any]]:
        """``prepare(item)`` (remote only) runs in the worker process before the task's child is
        forked, so what it loads (a spec, an elaborated design) is kept for the worker's next tasks.
        ``batch`` (remote only): up to that many items per task, run one after the other in ONE
        forked child (each still under its own hard limit), so the child's warm state (lazily built
        terms, allocator, caches) serves the batch; a killed item's successors go to a new child."""
        raise NotImplementedError

    @property
    def remote(self) -> bool:
        return False

    def share(self, obj):
        """``obj`` as a task argument: itself locally; on a cluster, sent once to every worker."""
        return obj

    def close(self) -> None:
        pass


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C


def _indexed(payload):
    i, fn, item = payload
    return i, fn(item)


class LocalExecutor(Executor):
    """Today's local pool: ``jobs`` spawned processes (in this process when ``jobs`` is 1). The
    hard time limit is the task's own business here (solver timeouts), as before."""

    name = "local"

    def __init__(self, jobs: int = 1):
        self.workers = max(1, int(jobs))

    def map_unordered(self, fn, items, *, hard_timeout=None, on_timeout=None, prepare=None, batch=1):
        if self.workers <= 1 or len(items) <= 1:
            for i, item in enumerate(items):
                yield i, fn(item)
            return
        import multiprocessing

        pool = multiprocessing.get_context("spawn").Pool(self.workers, initializer=_ignore_sigint)
        try:
            yield from pool.imap_unordered(_indexed, [(i, fn, item) for i, item in enumerate(items)])
            pool.close()
        finally:
            pool.terminate()
            pool.join()


class DaskExecutor(Executor):
    """A dask.distributed `Client` on ``address`` (tcp://HOST:PORT), or on a `LocalCluster` object."""

    name = "dask"

    def __init__(self, address, timeout_s: float | None = None):
        if timeout_s is None:
            timeout_s = float(os.environ.get("FPVERIFY_SCHEDULER_TIMEOUT") or CONNECT_TIMEOUT_S)
        try:
            from distributed import Client
        except ImportError:
            raise InputError("--scheduler needs dask.distributed: pip install 'fpverify[distributed]'") from None
        try:
            self.client = Client(address, timeout=timeout_s)
        except (OSError, TimeoutError, ValueError) as e:
            where = getattr(address, "scheduler_address", address)
            raise InputError(f"cannot reach the dask scheduler at {where}: {e}") from None
        self.address = self.client.scheduler.address
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    @property
    def remote(self) -> bool:
        return True

    def share(self, obj):
        return self.client.scatter(obj, broadcast=True, hash=False)

    def map_unordered(self, fn, items, *, hard_timeout=None, on_timeout=None, prepare=None, batch=1):
        from distributed import as_completed

        limits = [hard_timeout(item) if hard_timeout is not None else None for item in items]
        size = max(1, int(batch))
        futures = {}
        for start in range(0, len(items), size):
            idx = list(range(start, min(start + size, len(items))))
            fut = self.client.submit(run_guarded_batch, fn, [items[i] for i in idx], [limits[i] for i in idx],
                                     on_timeout, prepare, pure=False)
            futures[fut] = idx
        try:
            for fut in as_completed(list(futures)):
                yield from zip(futures[fut], fut.result())
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                self.client.cancel(pending)

    def close(self) -> None:
        self.client.close()


def connect(scheduler: str | None, jobs: int = 1) -> Executor:
    """The executor a command asked for: the dask cluster at ``scheduler`` (tcp://HOST:PORT),
    checked before any work starts (an `InputError`, exit 2, when it cannot be reached), or the
    local pool of ``jobs`` processes."""
    if not scheduler:
        return LocalExecutor(jobs)
    if isinstance(scheduler, str) and "://" not in scheduler:
        raise InputError(f"--scheduler: expected tcp://HOST:PORT, got {scheduler!r}")
    return DaskExecutor(scheduler)


# ---- on the worker ---------------------------------------------------------------------------------


class Killed(Exception):
    """The task passed its hard time limit and its process was killed."""


def run_guarded(fn, item, limit: float | None, on_timeout=None, prepare=None):
    """``fn(item)`` in a forked child killed after ``limit`` seconds (``on_timeout(item, limit)``
    is then the result); with no limit, in this process. ``prepare(item)`` runs first, here."""
    return run_guarded_batch(fn, [item], [limit], on_timeout, prepare)[0]


def run_guarded_batch(fn, items: list, limits: list, on_timeout=None, prepare=None) -> list:
    """`run_guarded` for several items: ``prepare`` once per item here, then every item in one forked
    child (`map_with_deadlines`), a killed item replaced by ``on_timeout(item, limit)``."""
    if prepare is not None:
        for item in items:
            prepare(item)
    if not any(limits):
        return [fn(item) for item in items]
    out = []
    for item, limit, (ok, value) in zip(items, limits, map_with_deadlines(fn, items, limits)):
        if ok:
            out.append(value)
        elif isinstance(value, Killed) and on_timeout is not None:
            out.append(on_timeout(item, limit))
        else:
            raise value
    return out


def map_with_deadlines(fn, items: list, limits: list) -> list[tuple[bool, Any]]:
    """``[(True, fn(item)) | (False, exception)]`` for every item, computed one after the other in a
    forked child; each item has ``limits[i]`` seconds (None: no limit) from the end of the previous
    one. Past it the child is killed, that item gets `Killed`, and a new child takes the rest.
    Results travel as length-prefixed pickles, so every finished item is kept."""
    out: list = []
    while len(out) < len(items):
        out.extend(_child_run(fn, items, limits, len(out)))
    return out


def _child_run(fn, items: list, limits: list, first: int) -> list[tuple[bool, Any]]:
    """Items ``first..`` in one forked child, until they are done or one is killed (the last entry)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(r)
        code = 0
        try:
            with os.fdopen(w, "wb") as fh:
                for item in items[first:]:
                    try:
                        payload = pickle.dumps((True, fn(item)))
                    except BaseException as e:  # noqa: BLE001 - sent to the parent
                        payload = pickle.dumps((False, e))
                    fh.write(len(payload).to_bytes(8, "little") + payload)
                    fh.flush()
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    os.close(w)
    got: list = []
    buf = b""
    start = time.monotonic()
    try:
        while first + len(got) < len(items):
            limit = limits[first + len(got)]
            left = (start + limit - time.monotonic()) if limit else 1.0
            if limit and left <= 0:
                os.kill(pid, signal.SIGKILL)
                got.append((False, Killed(f"killed after {limit:g} s")))
                break
            ready, _, _ = select.select([r], [], [], min(left, 1.0))
            if not ready:
                continue
            data = os.read(r, 1 << 20)
            if not data:  # the child died (not killed by us): that item fails, a new child takes the rest
                got.append((False, RuntimeError("the task's process died without a result")))
                break
            buf += data
            while len(buf) >= 8 and len(buf) >= 8 + int.from_bytes(buf[:8], "little"):
                size = int.from_bytes(buf[:8], "little")
                got.append(pickle.loads(buf[8:8 + size]))
                buf = buf[8 + size:]
                start = time.monotonic()
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    return got


def call_with_deadline(fn, args: tuple, seconds: float):
    """``fn(*args)`` in a forked child process; its result comes back pickled through a pipe. Past
    ``seconds`` the child is killed (SIGKILL) and `Killed` raised; an exception in the child is
    re-raised here. (os.fork, not multiprocessing: dask workers are daemonic processes.)"""
    ok, value = map_with_deadlines(functools.partial(_star, fn), [args], [seconds])[0]
    if not ok:
        raise value
    return value


def _star(fn, args: tuple):
    return fn(*args)


__all__ = ["Executor", "LocalExecutor", "DaskExecutor", "connect", "run_guarded", "run_guarded_batch",
           "call_with_deadline", "map_with_deadlines",
           "Killed", "CONNECT_TIMEOUT_S"]
