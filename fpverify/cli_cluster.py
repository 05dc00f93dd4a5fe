"""Options shared by `prove`, `faults` and `vectors check`: the proof cache and the cluster.

``--no-cache`` bypasses the proof cache (`fpverify.prove.cache`) for the command and the workers it
starts; ``--scheduler tcp://HOST:PORT`` (or ``$FPVERIFY_SCHEDULER``) sends the work to a
dask.distributed cluster (`fpverify.executor`); an unreachable scheduler is bad input (exit 2)
before any work starts.
"""

from __future__ import annotations

from contextlib import contextmanager

import click

SCHEDULER_ENV = "FPVERIFY_SCHEDULER"


def cache_option(f):
    return click.option("--no-cache", "no_cache", is_flag=True,
                        help="Do not read or write the proof cache ($FPVERIFY_PROOF_CACHE, default "
                             "$FPVERIFY_CACHE/proofs), nor the mutant verdicts kept beside it.")(f)


def scheduler_option(f):
    return click.option("--scheduler", metavar="tcp://HOST:PORT", envvar=SCHEDULER_ENV, default=None,
                        help="Run on this dask.distributed scheduler's workers (env FPVERIFY_SCHEDULER); "
                             "default: local worker processes.")(f)


@contextmanager
def proof_cache_setting(no_cache: bool):
    """The proof cache as the command line asks, restored afterwards (in-process CLI runs)."""
    from .prove import cache

    with cache.override(False if no_cache else None):
        yield


@contextmanager
def engine(scheduler: str | None, jobs: int = 1):
    """The executor of a command: the cluster at ``scheduler`` (connected before any work, else an
    `InputError`), or the local pool of ``jobs`` processes."""
    from .executor import connect

    ex = connect(scheduler, jobs)
    try:
        yield ex
    finally:
        ex.close()


__all__ = ["cache_option", "scheduler_option", "proof_cache_setting", "engine", "SCHEDULER_ENV"]
