"""Process pool for proof obligations: per-obligation timeouts, a z3 + Bitwuzla portfolio, and a
cross-check of PROVED results by the other solver on request.

Obligations travel to the workers as SMT-LIB2 text (`Obligation.to_smtlib`), so each job is one
solver call in its own process (proofs.md §4: one lemma per job). In ``portfolio`` mode both
solvers start on the same obligation; the first decisive answer (sat/unsat) wins and the other
process is terminated (staggered: a second solver starts when a worker is free or the first has
run ``stagger_s``). ``unknown``/timeout is never PROVED.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from .. import cache as proof_cache

SOLVERS = ("z3", "bitwuzla")


@dataclass
class Job:
    """One satisfiability query. ``expect``: "unsat" for lemmas/cases/coverage, "sat" for witnesses."""

    name: str
    smtlib: str | None  # None: built from ``obligation`` inside the worker (fork inherits it)
    expect: str = "unsat"
    timeout_s: float = 120.0
    solvers: tuple[str, ...] = ("z3",)
    cross_check: bool = False
    tag: object = None  # caller's handle (not sent to workers)
    obligation: object = None  # an `Obligation`; z3 workers use its terms directly
    digest: object = field(default=None, repr=False)  # its proof-cache key, computed once (`cache_key`)


@dataclass
class Outcome:
    name: str
    answer: str  # "sat" | "unsat" | "unknown" | "error"
    solver: str
    seconds: float
    model: dict[str, int] | None = None
    message: str = ""
    cross: str = ""  # "bitwuzla: unsat (0.3 s)" when cross-checked
    cross_solver: str = ""  # the solver that cross-checked
    tag: object = field(default=None, repr=False)
    cached: str = ""  # "cached, <date>, <solver>": the answer came from the proof cache (`prove.cache`)
    started: float | None = None  # wall-clock (epoch) seconds when its first solver started
    ended: float | None = None  # wall-clock seconds of its answer (cross-check included)


def solver_versions() -> dict[str, str]:
    import z3

    from ..smtlib import bitwuzla_version
    return {"z3": z3.get_version_string(), "bitwuzla": bitwuzla_version()}


def solve_text(smtlib, solver: str, timeout_s: float, obligation=None) -> tuple[str, dict[str, int] | None, str]:
    """(answer, model, message) for one query (SMT-LIB2 text, or an `Obligation`); runs in the
    calling process."""
    if solver == "z3":
        import z3

        s = z3.SolverFor("QF_BV")
        s.set("timeout", max(1, int(timeout_s * 1000)))
        if obligation is not None:
            for q in obligation.query:
                s.add(q)
        else:
            s.from_string(smtlib)
        r = s.check()
        if r == z3.unsat:
            return "unsat", None, ""
        if r == z3.sat:
            m = s.model()
            model = {}
            for d in m.decls():
                v = m[d]
                if z3.is_bv_value(v):
                    model[d.name()] = v.as_long()
                elif z3.is_true(v) or z3.is_false(v):
                    model[d.name()] = int(z3.is_true(v))
            return "sat", model, ""
        return "unknown", None, s.reason_unknown()
    if solver == "bitwuzla":
        from ..obligation import Obligation
        from ..smtlib import check_bitwuzla

        if smtlib is None:
            smtlib = obligation.to_smtlib()
        class _Text(Obligation):
            def to_smtlib(self, logic: str = "QF_BV") -> str:  # already exported
                return smtlib

        status, model, _ = check_bitwuzla(_Text("q", ""), timeout_s)
        return status, model, "" if status != "unknown" else "time limit"
    raise ValueError(f"unknown solver {solver!r} (one of {', '.join(SOLVERS)})")


_JOBS: list = []  # the jobs of the current run_jobs call, inherited by forked workers


def _worker(conn, index: int, solver: str, timeout_s: float) -> None:
    t0 = time.perf_counter()
    job = _JOBS[index]
    try:
        ans, model, msg = solve_text(job.smtlib, solver, timeout_s, job.obligation)
    except Exception as e:  # a solver/parser failure is reported, never PROVED
        ans, model, msg = "error", None, f"{type(e).__name__}: {e}"
    conn.send((ans, model, msg, time.perf_counter() - t0))
    conn.close()


@dataclass
class _Running:
    job_index: int
    solver: str
    proc: mp.Process
    conn: object
    started: float
    purpose: str  # "solve" | "cross"


def cache_key(job: Job, hasher: "proof_cache.QueryHasher | None" = None):
    """The proof-cache key of a job: its obligation's digest (`cache.QueryHasher`; pass one hasher
    for the jobs of a proof, which share terms), else its SMT-LIB text."""
    if job.obligation is None:
        return job.smtlib
    if job.digest is None:
        job.digest = (hasher or proof_cache.QueryHasher()).digest(job.obligation.query)
    return job.digest


def cached_outcome(cache, job: Job, hasher=None) -> Outcome | None:
    """A trusted unsat from ``cache``, or a sat whose model satisfies the obligation (a hint the
    caller replays like a fresh model); None: solve it. A job to be cross-checked needs the other
    solver's unsat cached too."""
    if cache is None:
        return None
    key = cache_key(job, hasher)
    entries = {s: cache.get(key, s) for s in dict.fromkeys((*job.solvers, *SOLVERS[:2 if job.cross_check else 0]))}
    if len({e.answer for e in entries.values() if e is not None}) > 1:
        return None  # the solvers disagreed: solve again, so the disagreement is reported as it was
    for solver in job.solvers:
        e = entries[solver]
        if e is None:
            continue
        if e.answer == "unsat":
            out = Outcome(job.name, "unsat", solver, 0.0, tag=job.tag, cached=e.note())
            if job.cross_check and job.expect == "unsat":
                other = next(s for s in SOLVERS if s != solver)
                x = entries.get(other)
                if x is None or x.answer != "unsat":
                    continue
                out.cross, out.cross_solver = f"{other}: unsat ({x.note()})", other
            return out
        model = proof_cache.completed_model(job.obligation.query, e.model) \
            if e.model is not None and job.obligation is not None else None
        if model is not None:
            return Outcome(job.name, "sat", solver, 0.0, model, tag=job.tag, cached=f"model {e.note()}")
    return None


def run_jobs(jobs: Sequence[Job], workers=None,
             on_done: Callable[[Outcome], None] | None = None,
             on_start: Callable[[Job, str], None] | None = None,
             should_stop: Callable[[], bool] | None = None, stagger_s: float = 3.0) -> list[Outcome | None]:
    """Run every job; at most ``workers`` solver processes at once (default: CPU count), or on a
    cluster's workers when ``workers`` is a remote `fpverify.executor.Executor`.

    ``should_stop`` is polled after each answer: when it returns True the running solvers are
    stopped and the jobs not finished get None (e.g. a decomposed proof stops at its first
    replayed counterexample)."""
    if getattr(workers, "remote", False):  # a dask cluster (`fpverify.executor.DaskExecutor`)
        from .remote import run_jobs_remote

        return run_jobs_remote(workers, jobs, on_done, on_start, should_stop)
    workers = max(1, workers or os.cpu_count() or 1)
    _JOBS[:] = list(jobs)
    ctx = mp.get_context("fork")
    # staggered portfolio: every job's first solver is queued before any second solver, so with
    # few cores the portfolio does not halve throughput; a second solver starts when a worker
    # would otherwise idle, or at once for a job whose first solver has run ``stagger_s``
    queue: list[tuple[int, str, str]] = []  # (job index, solver, purpose)
    rank = max((len(j.solvers) for j in jobs), default=0)
    for k in range(rank):
        queue += [(i, j.solvers[k], "solve") for i, j in enumerate(jobs) if k < len(j.solvers)]
    results: dict[int, Outcome] = {}
    pending: dict[int, set[str]] = {i: set(j.solvers) for i, j in enumerate(jobs)}
    cache = proof_cache.active()
    failures: dict[int, list[tuple[str, str, float, str]]] = {i: [] for i in range(len(jobs))}
    running: list[_Running] = []
    t_first: dict[int, float] = {}
    wall0, perf0 = time.time(), time.perf_counter()  # to stamp outcomes in wall-clock time

    def start(i: int, solver: str, purpose: str) -> None:
        parent, child = ctx.Pipe(duplex=False)
        j = jobs[i]
        p = ctx.Process(target=_worker, args=(child, i, solver, j.timeout_s), daemon=True)
        p.start()
        child.close()
        t_first.setdefault(i, time.perf_counter())
        running.append(_Running(i, solver, p, parent, time.perf_counter(), purpose))
        if on_start and purpose == "solve":
            on_start(j, solver)

    def stop(r: _Running) -> None:
        if r.proc.is_alive():
            r.proc.terminate()
        r.proc.join(1)
        if r.proc.is_alive():
            r.proc.kill()
            r.proc.join()
        r.conn.close()

    def finish(i: int, out: Outcome) -> None:
        results[i] = out
        out.started, out.ended = wall0 + (t_first.get(i, time.perf_counter()) - perf0), time.time()
        for r in [r for r in running if r.job_index == i and r.purpose == "solve"]:
            stop(r)
            running.remove(r)
        queue[:] = [q for q in queue if not (q[0] == i and q[2] == "solve")]
        j = jobs[i]
        if j.cross_check and out.answer == j.expect == "unsat" and not out.cross:
            other = [s for s in SOLVERS if s != out.solver]
            hit = cached_answer(i, other[0])
            if hit is not None and hit.answer == "unsat":
                out.cross, out.cross_solver = f"{other[0]}: unsat ({hit.note()})", other[0]
            else:
                queue.insert(0, (i, other[0], "cross"))
                return
        if on_done:
            on_done(out)

    hasher = proof_cache.QueryHasher() if cache is not None else None

    def cached_answer(i: int, solver: str):
        return cache.get(cache_key(jobs[i], hasher), solver) if cache is not None else None

    def from_cache(i: int) -> Outcome | None:
        return cached_outcome(cache, jobs[i], hasher)

    def store(i: int, solver: str, ans: str, secs: float, model) -> None:
        if cache is not None:
            cache.put(cache_key(jobs[i], hasher), solver, ans, secs, model)

    try:
        if cache is not None:
            for i in range(len(jobs)):
                out = from_cache(i)
                if out is not None:
                    finish(i, out)
        while queue or running:
            if should_stop is not None and should_stop():
                break
            now = time.perf_counter()
            for r in running:  # a slow first solver: its job's other solvers jump the queue
                if r.purpose == "solve" and now - r.started > stagger_s:
                    late = [q for q in queue if q[0] == r.job_index and q[2] == "solve"]
                    queue[:] = late + [q for q in queue if q not in late]
            while queue and len(running) < workers:
                i, s, purpose = queue.pop(0)
                if purpose == "solve" and i in results:
                    continue
                start(i, s, purpose)
            time.sleep(0.01)
            for r in list(running):
                if r not in running:  # stopped meanwhile (its sibling answered first)
                    continue
                j = jobs[r.job_index]
                got = None
                if r.conn.poll():
                    try:
                        got = r.conn.recv()
                    except EOFError:
                        got = ("error", None, "worker died", time.perf_counter() - r.started)
                elif not r.proc.is_alive():
                    got = ("error", None, f"worker exited ({r.proc.exitcode})", time.perf_counter() - r.started)
                elif time.perf_counter() - r.started > j.timeout_s + 5:
                    got = ("unknown", None, "timeout (killed)", time.perf_counter() - r.started)
                if got is None:
                    continue
                running.remove(r)
                stop(r)
                ans, model, msg, secs = got
                i = r.job_index
                store(i, r.solver, ans, secs, model)
                if r.purpose == "cross":
                    out = results[i]
                    out.cross = f"{r.solver}: {ans} ({secs:.2f} s)"
                    out.cross_solver = r.solver
                    out.ended = time.time()
                    if ans != "unsat":
                        out.message = (out.message + "; " if out.message else "") + \
                            f"cross-check by {r.solver} did not confirm ({ans} {msg})".strip()
                        # asked for two solvers: sat is a disagreement (a tool bug), anything else
                        # leaves the obligation unconfirmed, hence UNKNOWN, not PROVED
                        out.answer = "error" if ans == "sat" else "unknown"
                    if on_done:
                        on_done(out)
                    continue
                if ans in ("sat", "unsat"):
                    finish(i, Outcome(j.name, ans, r.solver, time.perf_counter() - t_first[i], model, msg, tag=j.tag))
                else:
                    failures[i].append((r.solver, ans, secs, msg))
                    pending[i].discard(r.solver)
                    if not pending[i] and i not in results:
                        why = "; ".join(f"{s}: {a} {m}".strip() for s, a, _, m in failures[i])
                        finish(i, Outcome(j.name, "unknown" if all(a == "unknown" for _, a, _, _ in failures[i])
                                          else "error", ",".join(s for s, *_ in failures[i]),
                                          time.perf_counter() - t_first[i], None, why, tag=j.tag))
    finally:
        for r in running:
            stop(r)
    return [results.get(i) for i in range(len(jobs))]


__all__ = ["Job", "Outcome", "run_jobs", "cache_key", "cached_outcome", "solve_text", "solver_versions", "SOLVERS"]
