"""The decomposition engine's jobs on a dask.distributed cluster (`fpverify.executor.DaskExecutor`).

Each job travels as SMT-LIB2 text (`Obligation.to_smtlib`). On the worker its solvers run one
after the other (the local pool races them; a cluster has workers enough to keep busy with other
jobs), each in a child process the worker kills at the solver timeout plus a margin, which is then
reported ``unknown`` (never PROVED); an unsat that must be cross-checked is re-checked by the other
solver there too. The proof cache is read and written here, in the client, as `pool.run_jobs` does.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

from .. import cache as proof_cache
from .pool import SOLVERS, Job, Outcome, cache_key, cached_outcome, solve_text

KILL_MARGIN_S = 5.0  # past the solver's own timeout, the worker kills its process


def preload(solver: str) -> None:
    """Import the solver in the worker process, so each forked child does not import it again."""
    try:
        if solver == "bitwuzla":
            import bitwuzla  # noqa: F401
        else:
            import z3  # noqa: F401
    except ImportError:  # reported by the solver call itself
        pass


def _one(smtlib: str, solver: str, timeout_s: float) -> tuple[str, dict | None, str, float]:
    """(answer, model, message, seconds) of one solver on the worker, in a killable child."""
    from ...executor import Killed, call_with_deadline

    preload(solver)
    t0 = time.perf_counter()
    try:
        ans, model, msg = call_with_deadline(solve_text, (smtlib, solver, timeout_s), timeout_s + KILL_MARGIN_S)
    except Killed:
        ans, model, msg = "unknown", None, "timeout (killed)"
    except Exception as e:  # noqa: BLE001 - a solver/parser failure is reported, never PROVED
        ans, model, msg = "error", None, f"{type(e).__name__}: {e}"
    return ans, model, msg, time.perf_counter() - t0


def solve_remote(task: tuple) -> dict:
    """Runs on a worker: the job's solvers in order until one is decisive, then the cross-check."""
    smtlib, solvers, timeout_s, expect, cross_check = task
    failures = []
    for solver in solvers:
        ans, model, msg, secs = _one(smtlib, solver, timeout_s)
        if ans in ("sat", "unsat"):
            out = {"answer": ans, "solver": solver, "seconds": secs, "model": model, "message": msg,
                   "runs": [(solver, ans, secs, model)]}
            if cross_check and ans == expect == "unsat":
                other = next(s for s in SOLVERS if s != solver)
                a2, m2, msg2, s2 = _one(smtlib, other, timeout_s)
                out["runs"].append((other, a2, s2, m2))
                out["cross"], out["cross_solver"] = f"{other}: {a2} ({s2:.2f} s)", other
                if a2 != "unsat":
                    out["message"] = (msg + "; " if msg else "") + \
                        f"cross-check by {other} did not confirm ({a2} {msg2})".strip()
                    out["answer"] = "error" if a2 == "sat" else "unknown"
            return out
        failures.append((solver, ans, secs, msg))
    why = "; ".join(f"{s}: {a} {m}".strip() for s, a, _, m in failures)
    return {"answer": "unknown" if all(a == "unknown" for _, a, _, _ in failures) else "error",
            "solver": ",".join(s for s, *_ in failures), "seconds": sum(t for _, _, t, _ in failures),
            "model": None, "message": why, "runs": []}


def run_jobs_remote(executor, jobs: Sequence[Job], on_done: Callable[[Outcome], None] | None = None,
                    on_start: Callable[[Job, str], None] | None = None,
                    should_stop: Callable[[], bool] | None = None) -> list[Outcome | None]:
    """`pool.run_jobs` on a cluster: same outcomes, same callbacks (``should_stop`` is polled after
    each answer; the jobs not finished then get None)."""
    cache = proof_cache.active()
    hasher = proof_cache.QueryHasher() if cache is not None else None
    results: dict[int, Outcome] = {}
    todo: list[int] = []
    for i, j in enumerate(jobs):
        out = cached_outcome(cache, j, hasher)
        if out is None:
            todo.append(i)
            continue
        results[i] = out
        if on_done:
            on_done(out)
    if should_stop is not None and should_stop():
        return [results.get(i) for i in range(len(jobs))]
    tasks = []
    for i in todo:
        j = jobs[i]
        text = j.smtlib if j.smtlib is not None else j.obligation.to_smtlib()
        tasks.append((text, tuple(j.solvers), j.timeout_s, j.expect, j.cross_check))
        if on_start:
            on_start(j, j.solvers[0])
    for k, got in executor.map_unordered(solve_remote, tasks):
        i = todo[k]
        j = jobs[i]
        if cache is not None:
            for solver, ans, secs, model in got["runs"]:
                cache.put(cache_key(j, hasher), solver, ans, secs, model)
        out = Outcome(j.name, got["answer"], got["solver"], got["seconds"], got["model"], got["message"],
                      got.get("cross", ""), got.get("cross_solver", ""), tag=j.tag)
        results[i] = out
        if on_done:
            on_done(out)
        if should_stop is not None and should_stop():
            break
    return [results.get(i) for i in range(len(jobs))]


__all__ = ["run_jobs_remote", "solve_remote", "KILL_MARGIN_S"]
