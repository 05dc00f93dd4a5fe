"""`fpverify vectors check` on a cluster: the file's lines in shards, each checked on a worker
(`fpverify.executor`), the tallies merged as one local run would have counted them."""

from __future__ import annotations

import time
from typing import Callable, Sequence

from ..rounding import Env
from .check import Tally, check_lines
from .function import VectorFunction

SHARD_LINES = 20000


def _check_shard(task) -> Tally:
    lines, first, fn, env, file, keep, every = task
    return check_lines(lines, fn, env, file=file, keep=keep, every=every, first_line=first)


def check_sharded(executor, lines: Sequence[bytes | str], fn: VectorFunction, env: Env, *, file: str | None = None,
                  keep: int = 10, every: int = 1, shard_lines: int = SHARD_LINES,
                  progress: Callable[[int], None] | None = None) -> Tally:
    """`check_lines` over ``executor``'s workers; Ctrl-C returns the shards finished so far
    (``interrupted``). Malformed lines raise the same `InputError` (file:line:col) as locally."""
    t0 = time.perf_counter()
    tasks = [(list(lines[i:i + shard_lines]), i + 1, fn, env, file, keep, every)
             for i in range(0, len(lines), shard_lines)]
    tally = Tally(name=fn.name)
    parts: list[Tally] = []
    done = 0
    try:
        for k, part in executor.map_unordered(_check_shard, tasks):
            parts.append(part)
            done += len(tasks[k][0])
            if progress is not None:
                progress(done)
    except KeyboardInterrupt:
        tally.interrupted = True
    for part in parts:
        tally.merge(part)
    tally.first_errors = sorted((m for p in parts for m in p.first_errors), key=lambda m: m.case.line)[:keep]
    tally.seconds = time.perf_counter() - t0
    return tally


__all__ = ["check_sharded", "SHARD_LINES"]
