"""Proof and mutation campaigns beyond one process: local pool vs a dask.distributed cluster vs the
warm proof cache.

    python benchmarks/bench_scale.py                                  # f32 add + mul x 9 modes, 1,000 FP8 mutants
    python benchmarks/bench_scale.py --units f32-mul --modes rne,rtz --mutants 200
    python benchmarks/bench_scale.py --scheduler tcp://HOST:8786      # an existing cluster instead of a LocalCluster

Three runs of each campaign:

* ``local``: the local pool (``--workers`` processes), proof cache on, in a fresh directory (cold);
* ``dask``: a `LocalCluster` of ``--workers`` worker processes (or ``--scheduler``), cache off, so
  every obligation is solved on a worker;
* ``warm``: the local pool again, every answer now in the cache (unsat trusted, sat models replayed).

Columns: wall seconds, tasks (obligations or mutants), tasks per second, the tasks' own seconds
(``work``), the workers' time per task not spent on a task's own work (``idle/task``: scheduling,
transfer, process start-up, waiting on a proof's slowest obligation), and the wall as a share of
the local run's (the dask row: the cluster's cost, goal <= 10 % more; the warm row: the cache's
goal, <= 5 %). On a shared machine every number is an upper bound.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UNITS = {"f32-add": ("add", "f32", "decompose_adder"), "f32-mul": ("mul", "f32", "decompose_multiplier")}
MODES = ("rne", "rna", "rtz", "rup", "rdn", "rto", "sra4", "srb4", "src4")


def matrix(units, modes, workers) -> dict:
    """Every (unit, mode) proof, one after the other; each fans its obligations out to ``workers``
    (a process count, or a remote executor)."""
    from fpverify.dsl.proof_strategy import load_strategy
    from fpverify.formats import get_format
    from fpverify.hdl.netlist import flatten
    from fpverify.prove.api import PortMap
    from fpverify.prove.decompose import prove_decomposed
    from fpverify.rounding import Env, parse_rounding

    rows, t0 = [], time.perf_counter()
    for unit in units:
        op, fname, strategy = UNITS[unit]
        fmt = get_format(fname)
        for mode in modes:
            if op == "mul":
                from rtl.fp_mul import FPMultiplier as Unit
            else:
                from rtl.fp_add import FPAdder as Unit
            comp = Unit(fmt, rounding=mode)
            r = prove_decomposed(flatten(comp), op, fmt, env=Env(parse_rounding(mode)), strategy=load_strategy(strategy),
                                 workers=workers, component=comp, ports=PortMap(sub="sub") if op == "add" else PortMap())
            times = [i.outcome.seconds for i in r.items if i.outcome is not None and not i.outcome.cached]
            rows.append({"unit": unit, "mode": mode, "status": r.status, "seconds": round(r.seconds, 2),
                         "obligations": len(r.items), "solved": len(times), "solver_seconds": round(sum(times), 2),
                         "max_obligation": round(max(times, default=0.0), 2),
                         "cached": sum(bool(i.outcome and i.outcome.cached) for i in r.items)})
            print(f"  {unit} {mode}: {r.status} {r.seconds:.1f} s, {len(r.items)} obligations "
                  f"({rows[-1]['cached']} cached)", flush=True)
    return {"wall": time.perf_counter() - t0, "tasks": sum(r["obligations"] for r in rows),
            "solver_seconds": sum(r["solver_seconds"] for r in rows), "rows": rows,
            "statuses": sorted({r["status"] for r in rows})}


def campaign(fmt_name: str, n: int, seed: int, jobs: int, executor) -> dict:
    from fpverify.faults.campaign import run_campaign
    from fpverify.faults.properties import GoldenEquivalence
    from fpverify.formats import get_format
    from fpverify.hdl.netlist import flatten
    from rtl.fp_mul import FPMultiplier

    fmt = get_format(fmt_name)
    t0 = time.perf_counter()
    rep = run_campaign(flatten(FPMultiplier(fmt)), [GoldenEquivalence("mul", fmt, nan_exact=True)], n=n, seed=seed,
                       jobs=jobs, fmt=fmt, executor=executor)
    return {"wall": time.perf_counter() - t0, "tasks": rep.total, "counts": dict(rep.counts),
            "solver_seconds": sum(r.seconds for r in rep.results),
            "kill_rate": rep.kill_rate, "statuses": sorted({r.status for r in rep.results})}


def warm_up(ex, units, fmt_name: str) -> None:
    """One-time costs out of the measured runs: imports here and on the workers, the designs'
    elaboration, the FP8 golden table (cached on disk)."""
    import importlib

    from fpverify.faults.properties import GoldenEquivalence
    from fpverify.formats import get_format
    from fpverify.hdl.netlist import flatten
    from rtl.fp_add import FPAdder
    from rtl.fp_mul import FPMultiplier

    for mod in ("fpverify.prove.decompose.remote", "fpverify.faults.campaign", "fpverify.dsl.run"):
        importlib.import_module(mod)
        ex.client.run(importlib.import_module, mod)
    for unit in units:
        op, fname, _ = UNITS[unit]
        flatten((FPMultiplier if op == "mul" else FPAdder)(get_format(fname), rounding="rne"))
    fmt = get_format(fmt_name)
    from fpverify.faults.equivalence import exhaustive_vectors
    nl = flatten(FPMultiplier(fmt))
    GoldenEquivalence("mul", fmt, nan_exact=True).expected(exhaustive_vectors(nl))


def table(title: str, runs: dict, workers: int) -> str:
    """``work s``: the tasks' own seconds (solver seconds of the obligations; grading seconds of
    the mutants). ``idle/task``: (wall x workers - work) / tasks, what the workers spent not on a
    task's own work (scheduling, transfer, start-up, waiting on the slowest task of a proof)."""
    local = runs["local"]
    lines = [title, f"{'run':<6} {'wall s':>8} {'tasks':>6} {'tasks/s':>8} {'work s':>8} {'idle/task':>10} "
                    f"{'vs local':>9}"]
    for name, r in runs.items():
        idle = (r["wall"] * workers - r["solver_seconds"]) / max(r["tasks"], 1)
        share = "-" if name == "local" else f"{100 * r['wall'] / local['wall']:.1f} %"
        lines.append(f"{name:<6} {r['wall']:>8.1f} {r['tasks']:>6} {r['tasks'] / r['wall']:>8.2f} "
                     f"{r['solver_seconds']:>8.1f} {idle * 1000:>7.0f} ms {share:>9}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", default=",".join(UNITS))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--mutants", type=int, default=1000, help="FP8 campaign size (0 skips it)")
    ap.add_argument("--format", default="e4m3fn", help="the FP8 format of the campaign's multiplier")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler", default=None, help="tcp://HOST:PORT of a running cluster (default: a LocalCluster)")
    ap.add_argument("--skip-matrix", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    from fpverify.executor import DaskExecutor
    from fpverify.prove import cache

    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    cluster = None
    if args.scheduler is None:
        from distributed import LocalCluster
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=40)
    ex = DaskExecutor(args.scheduler or cluster)
    out: dict = {"workers": args.workers, "cluster_workers": ex.workers}
    warm_up(ex, args.units.split(","), args.format)
    cache_dir = tempfile.mkdtemp(prefix="bench-scale-cache-")
    try:
        if not args.skip_matrix:
            units, modes = args.units.split(","), args.modes.split(",")
            runs = {}
            for name, workers, enabled in (("local", args.workers, True), ("dask", ex, False),
                                           ("warm", args.workers, True)):
                print(f"matrix, {name}:", flush=True)
                with cache.override(enabled, Path(cache_dir) / "matrix"):
                    runs[name] = matrix(units, modes, workers)
            out["matrix"] = runs
            print(table(f"matrix: {'+'.join(units)} x {len(modes)} modes", runs, args.workers))
        if args.mutants:
            runs = {}
            for name, jobs, executor, enabled in (("local", args.workers, None, True), ("dask", 1, ex, False),
                                                  ("warm", args.workers, None, True)):
                print(f"campaign, {name}:", flush=True)
                with cache.override(enabled, Path(cache_dir) / "campaign"):
                    runs[name] = campaign(args.format, args.mutants, args.seed, jobs, executor)
                print(f"  {runs[name]['tasks']} mutants {runs[name]['counts']} in {runs[name]['wall']:.1f} s", flush=True)
            out["campaign"] = runs
            print(table(f"campaign: {args.mutants} mutants of the {args.format} multiplier", runs, args.workers))
    finally:
        ex.close()
        if cluster is not None:
            cluster.close()
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
