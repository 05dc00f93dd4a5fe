"""Decomposed vs monolithic equivalence proofs of the RTL units, per rounding mode.

    python benchmarks/bench_decompose.py                      # full table (long: monolithic timeouts)
    python benchmarks/bench_decompose.py --units bf16-mul --modes rne --mono-timeout 60
    python benchmarks/bench_decompose.py --bugs               # seeded bugs: refuted + localised
    python benchmarks/bench_decompose.py --json out.json      # rows + every obligation (prove.report)
    python benchmarks/bench_decompose.py --units mxfp8-e4m3-k4 --modes sra4,srb4,src4 --mono-timeout-other 60
    python benchmarks/bench_decompose.py --units mxint8-k4,mxint8xe4m3-k4 --modes rne,srb4 --mono-timeout 60 --mono-timeout-other 60

MX dot rows (``mx...`` units, f32 out): the sum cut `fpverify.prove.mx_dot_decompose` (one Bitwuzla
process: back end, k aligned-product lemmas, the exact-sum lemma; a monolithic fallback on the time
left) beside the monolithic miter `fpverify.prove.mx_dot.prove_mx_dot` (Bitwuzla) at the stated
timeout; "oblig" counts the sum cut's lemmas. Stochastic modes cover every value of the rbits port.

Columns: decomposed wall seconds (2 workers, staggered z3+Bitwuzla portfolio) and summed solver
seconds, the number of obligations, the monolithic time of the same miter (z3, or "> T s" when it
timed out), and the ratio monolithic / decomposed. Full IEEE semantics: subnormals, specials, all
five flags, adders with the ``sub`` port free (add and subtract in one proof), one static rounding
mode per row. Ctrl-C keeps the rows done so far (and writes the JSON).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpverify.dsl.proof_strategy import load_strategy  # noqa: E402
from fpverify.formats import get_format  # noqa: E402
from fpverify.golden.lmul import LMulPolicy  # noqa: E402
from fpverify.hdl.netlist import flatten  # noqa: E402
from fpverify.prove.api import PortMap, prove_equivalence  # noqa: E402
from fpverify.prove.decompose import prove_decomposed  # noqa: E402
from fpverify.prove.report import result_json  # noqa: E402
from fpverify.rounding import Env, parse_rounding  # noqa: E402

UNITS = {  # name: (op, format, strategy, target seconds)
    "bf16-mul": ("mul", "bf16", "decompose_multiplier", 10),
    "f16-mul": ("mul", "f16", "decompose_multiplier", 30),
    "f32-add": ("add", "f32", "decompose_adder", 60),
    "f32-mul": ("mul", "f32", "decompose_multiplier", 600),
    "bf16-lmul": ("lmul", "bf16", "decompose_lmul", 30),
    "f32-lmul": ("lmul", "f32", "decompose_lmul", 30),
    "bf16-fma": ("fma", "bf16", "decompose_fma", 20),
    "f16-fma": ("fma", "f16", "decompose_fma", 30),
    "f32-fma": ("fma", "f32", "decompose_fma", 120),
    "bf16+f32-fma": ("fma", "bf16", "decompose_fma", 60),  # bf16 x bf16 + f32 -> f32
}
ADDEND = {"bf16+f32-fma": "f32"}  # mixed FMA units: the addend's (and result's) format
MX_UNITS = {  # name: (element format, k, target seconds); f32 out, the sum cut vs the monolithic miter
    "mxfp8-e4m3-k4": ("e4m3fn", 4, 60),
    "mxfp4-e2m1-k32": ("e2m1fn", 32, 600),
    "mxint8-k4": ("mxint8", 4, 60),  # no issue goal: the FP8 k = 4 and FP4 k = 32 targets reused
    "mxint8-k32": ("mxint8", 32, 600),
    "mxint8xe4m3-k4": ("mxint8", 4, 60),  # mixed: a MXINT8, b E4M3
}
MX_ELEM_B = {"mxint8xe4m3-k4": "e4m3fn"}  # mixed MX units: b's element format (default a's)
MODES = ("rne", "rna", "rtz", "rup", "rdn", "rto", "sra4", "srb4", "src4")


def component(op: str, fmt, mode: str, addend=None):
    if op == "mul":
        from rtl.fp_mul import FPMultiplier
        return FPMultiplier(fmt, rounding=mode)
    if op == "add":
        from rtl.fp_add import FPAdder
        return FPAdder(fmt, rounding=mode)
    if op == "fma":
        from rtl.fp_fma import FPFMA
        return FPFMA(fmt, rounding=mode, addend_fmt=addend)
    from rtl.lmul import LMulUnit
    return LMulUnit(fmt)


def run_mx_row(unit: str, mode: str, mono_timeout: float, timeout_s: float | None = None) -> dict:
    """One MX dot row: the sum-cut proof (``timeout_s``, default 10 x the target) and the
    monolithic miter at ``mono_timeout`` (0 skips it)."""
    from fpverify.prove.mx_dot import prove_mx_dot
    from fpverify.prove.mx_dot_decompose import prove_mx_dot_decomposed
    from rtl.mx_dot import MXDot

    elem, k, target = MX_UNITS[unit]
    elem_b = MX_ELEM_B.get(unit, elem)
    fmt, fmt_b, f32 = get_format(elem), get_format(elem_b), get_format("f32")
    nl = flatten(MXDot(elem, k=k, out_fmt="f32", rounding=mode, elem_b=elem_b))
    env = Env(parse_rounding(mode))
    r = prove_mx_dot_decomposed(nl, fmt, k, elem_b=fmt_b, out=f32, env=env, timeout_s=timeout_s or 10 * target)
    row = {"unit": unit, "mode": mode, "status": r.status, "seconds": round(r.seconds, 2),
           "solver_seconds": round(sum(lm.seconds for lm in r.lemmas), 2), "obligations": len(r.lemmas),
           "target": target, "slowest": max(((lm.seconds, lm.name) for lm in r.lemmas), default=(0, "")),
           "strategy": r.strategy, "lemmas": [(lm.name, lm.status, round(lm.seconds, 2)) for lm in r.lemmas]}
    if r.status == "REFUTED":
        row["counterexample"] = f"inputs {r.inputs} netlist {r.netlist} golden {r.golden}"
        row["first_failing_stage"] = r.first_failing
    if mono_timeout > 0:
        m = prove_mx_dot(nl, fmt, k, elem_b=fmt_b, out=f32, env=env, timeout_s=mono_timeout)
        row["mono_status"] = m.status
        row["mono_seconds"] = round(m.seconds, 2)
    return row


def run_row(unit: str, mode: str, mono_timeout: float, workers: int, timeout_s: float | None = None) -> dict:
    if unit in MX_UNITS:
        return run_mx_row(unit, mode, mono_timeout, timeout_s)
    op, fname, strategy, target = UNITS[unit]
    fmt = get_format(fname)
    addend = get_format(ADDEND[unit]) if unit in ADDEND else None
    comp = component(op, fmt, mode, addend)
    nl = flatten(comp)
    env = Env(parse_rounding(mode))
    pol = LMulPolicy() if op == "lmul" else None
    ports = PortMap(sub="sub") if op == "add" else PortMap(c="c") if op == "fma" else PortMap()
    r = prove_decomposed(nl, op, fmt, env=env, lmul_policy=pol, strategy=load_strategy(strategy), workers=workers,
                         component=comp, ports=ports, timeout_s=timeout_s, addend_fmt=addend)
    row = {"unit": unit, "mode": mode, "status": r.status, "seconds": round(r.seconds, 2),
           "solver_seconds": round(r.cpu_seconds(), 2), "obligations": len(r.items), "target": target,
           "slowest": max(((i.outcome.seconds, i.name) for i in r.items if i.outcome), default=(0, "")),
           "report": result_json(r)}
    if r.counterexample is not None:
        row["counterexample"] = r.counterexample.decoded
        row["first_failing_stage"] = r.localisation.first_failing if r.localisation else None
    if mono_timeout > 0:
        t0 = time.perf_counter()
        m = prove_equivalence(nl, op, fmt, env=env, lmul_policy=pol, timeout_s=mono_timeout, ports=ports,
                              addend_fmt=addend)
        row["mono_status"] = m.status
        row["mono_seconds"] = round(time.perf_counter() - t0, 2)
    return row


def seeded_bugs(workers: int, vcd_dir: str | None = None) -> list[dict]:
    from fpverify.faults.semantic import apply_semantic, semantic_mutants
    rows = []
    for unit in ("f16-mul", "f32-add"):
        op, fname, strategy, _ = UNITS[unit]
        fmt = get_format(fname)
        nl = flatten(component(op, fmt, "rne"))
        for m in semantic_mutants(nl, fmt):  # every generator-level FP fault (faults.semantic)
            bad = apply_semantic(nl, m, fmt)
            ports = PortMap(sub="sub") if op == "add" else PortMap()
            r = prove_decomposed(bad, op, fmt, strategy=load_strategy(strategy), workers=workers, ports=ports,
                                 vcd_dir=Path(vcd_dir) / unit / m.id.replace(":", "_") if vcd_dir else None)
            rows.append({"unit": unit, "bug": m.id, "status": r.status, "seconds": round(r.seconds, 2),
                         "replayed": bool(r.counterexample and r.counterexample.replayed),
                         "stage": r.localisation.first_failing if r.localisation else None,
                         "vcd": r.localisation.vcd if r.localisation else None,
                         "counterexample": r.counterexample.decoded if r.counterexample else r.message})
    return rows


def ratio(row: dict) -> str:
    if "mono_seconds" not in row:
        return "-"
    if row["mono_status"] != "PROVED":
        return f"> {row['mono_seconds'] / max(row['seconds'], 1e-3):.1f}x"
    return f"{row['mono_seconds'] / max(row['seconds'], 1e-3):.1f}x"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", default=",".join([*UNITS, *MX_UNITS]))
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--mono-timeout", type=float, default=300,
                    help="monolithic z3 timeout of the rne rows (0 skips them)")
    ap.add_argument("--mono-timeout-other", type=float, default=60,
                    help="monolithic z3 timeout of the other modes' rows (0 skips them)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=None, help="per-obligation timeout of the decomposed proofs "
                    "(MX units: of the whole sum-cut run, default 10 x the target)")
    ap.add_argument("--bugs", action="store_true")
    ap.add_argument("--vcd", default=None, help="with --bugs: write each counterexample's VCD under DIR")
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    rows = []
    import platform

    import z3

    from fpverify.prove.smtlib import bitwuzla_version
    print(f"# {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} CPUs, python "
          f"{platform.python_version()}, z3 {z3.get_version_string()}, bitwuzla {bitwuzla_version()}, "
          f"{a.workers} workers", flush=True)
    print(f"{'unit':<14} {'mode':<5} {'status':<8} {'decomp s':>9} {'solver s':>9} {'oblig':>5} "
          f"{'target':>6} {'monolithic':>16} {'ratio':>8}  slowest obligation", flush=True)
    try:
        for unit in a.units.split(","):
            for mode in a.modes.split(","):
                if unit in UNITS and UNITS[unit][0] == "lmul" and mode != "rne":
                    continue  # L-Mul variant B never rounds: one row
                mono = a.mono_timeout if mode == "rne" else a.mono_timeout_other
                row = run_row(unit, mode, mono, a.workers, a.timeout)
                rows.append(row)
                mono_txt = "-" if "mono_seconds" not in row else (
                    f"{row['mono_seconds']:.1f} s" if row["mono_status"] == "PROVED"
                    else f"> {mono:.0f} s ({row['mono_status']})" if row["mono_status"] == "UNKNOWN"
                    else f"{row['mono_status']} {row['mono_seconds']:.1f} s")
                print(f"{unit:<14} {mode:<5} {row['status']:<8} {row['seconds']:>9.1f} {row['solver_seconds']:>9.1f} "
                      f"{row['obligations']:>5} {row['target']:>5}s {mono_txt:>16} {ratio(row):>8}  "
                      f"{row['slowest'][1][:40]} {row['slowest'][0]:.1f} s", flush=True)
                if row.get("counterexample"):
                    print("    counterexample (replayed):", row["counterexample"].replace("\n", "\n    "),
                          f"\n    first failing stage: {row.get('first_failing_stage')}", flush=True)
        if a.bugs:
            print("\nseeded bugs:")
            for br in seeded_bugs(a.workers, a.vcd):
                rows.append({"bug": br})
                print(f"  {br['unit']:<8} {br['bug']:<18} {br['status']:<8} {br['seconds']:>6.1f} s "
                      f"replayed: {br['replayed']} "
                      f"first failing stage: {br['stage']}" + (f" vcd: {br['vcd']}" if br["vcd"] else "") + "\n    " + str(br["counterexample"]).replace("\n", "\n    "),
                      flush=True)
    except KeyboardInterrupt:
        print("interrupted: partial results kept", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
