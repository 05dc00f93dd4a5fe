"""Decomposition on designs that are not fpverify's own: design × property × verdict × seconds,
monolithic and decomposed side by side.

    python benchmarks/bench_foreign.py                    # every row, monolithic limited to 60 s
    python benchmarks/bench_foreign.py --mono-timeout 300 --rows f16-5stage f32-5stage

Rows: the third-party-style five-stage f16/f32 multipliers (tests/verilog/fp_mul_5stage.v: no flags,
subnormals flushed; decomposed through `map` statements; `normal_range`: normal operands, exact
product at least the smallest normal; `normal_exponents`: normal operands whose exponent sum is at
least emin, which never reads the exact product), the hand-written
tests/verilog/fp8_mul.v (full IEEE-style E4M3 with flags; `map` to its normalised significands), and
rtl.fp_mul.FPMultiplier(fmt=f16) both as the Amaranth original and as its Verilog export (read
back through Yosys; its stage names survive, so no `map` is needed). Every proof runs through the
CLI (`fpverify prove SPEC --json -`), so the timings include elaboration. A monolithic proof that
runs out of time is UNKNOWN; its seconds are the time it was given.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERILOG = ROOT / "tests" / "verilog"


@dataclass
class Row:
    name: str
    design: str
    prop: str
    mono: Path  # spec proving `prop` monolithically
    decomposed: Path  # spec proving it with `use strategy decompose_multiplier`


def strip_strategy(spec: Path, out: Path) -> Path:
    """``spec`` without its `use strategy` and `map` lines: the monolithic miter of the same properties."""
    lines = [ln for ln in spec.read_text().splitlines() if not ln.startswith(("use strategy", "map "))]
    out.write_text("\n".join(lines) + "\n")
    return out


def rows(tmp: Path) -> list[Row]:
    export = tmp / "fp_mul_f16.v"
    subprocess.run([sys.executable, "-m", "fpverify.cli", "verilog", "rtl.fp_mul.FPMultiplier(fmt=f16)",
                    "--no-src", "-o", str(export)], cwd=ROOT, check=True, capture_output=True)
    amaranth = ROOT / "specs" / "f16_mul.spec"
    exported = tmp / "f16_mul_export.spec"
    exported.write_text(amaranth.read_text().replace("design rtl.fp_mul.FPMultiplier(fmt = f16, rounding = rne)",
                                                     f'design verilog "{export}" : FPMultiplier()'))
    assert exported.read_text() != amaranth.read_text()
    return [
        Row("f16-5stage", "fp_mul_5stage.v (f16, FTZ, 5 stages)", "normal_range",
            VERILOG / "f16_mul_5stage.spec", VERILOG / "f16_mul_5stage_mapped.spec"),
        Row("f32-5stage", "fp_mul_5stage.v (f32, FTZ, 5 stages)", "normal_range",
            VERILOG / "f32_mul_5stage.spec", VERILOG / "f32_mul_5stage_mapped.spec"),
        Row("f16-5stage-exp", "fp_mul_5stage.v (f16, FTZ, 5 stages)", "normal_exponents",
            VERILOG / "f16_mul_5stage.spec", VERILOG / "f16_mul_5stage_mapped.spec"),
        Row("f32-5stage-exp", "fp_mul_5stage.v (f32, FTZ, 5 stages)", "normal_exponents",
            VERILOG / "f32_mul_5stage.spec", VERILOG / "f32_mul_5stage_mapped.spec"),
        Row("fp8", "fp8_mul.v (e4m3fn, flags)", "eq_mul",
            VERILOG / "fp8_mul.spec", VERILOG / "fp8_mul_mapped.spec"),
        Row("f16-amaranth", "rtl.fp_mul f16 (Amaranth)", "eq_mul",
            strip_strategy(amaranth, tmp / "f16_mul_mono.spec"), amaranth),
        Row("f16-export", "rtl.fp_mul f16 (Verilog export)", "eq_mul",
            strip_strategy(exported, tmp / "f16_mul_export_mono.spec"), exported),
    ]


def prove(spec: Path, prop: str, timeout: float | None, wall: float, jobs: int) -> tuple[str, float, str]:
    """(verdict, seconds, note) of one property through the CLI; UNKNOWN when ``wall`` runs out."""
    cmd = [sys.executable, "-m", "fpverify.cli", "prove", str(spec), "-p", prop, "--json", "-", "-j", str(jobs)]
    if timeout is not None:
        cmd += ["--timeout", str(timeout)]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=wall)
    except subprocess.TimeoutExpired:
        return "UNKNOWN", time.perf_counter() - t0, f"no answer in {wall:.0f} s"
    seconds = time.perf_counter() - t0
    try:
        props = json.loads(p.stdout)["specs"][0]["properties"]
    except (ValueError, KeyError, IndexError):
        return "ERROR", seconds, (p.stderr.strip().splitlines() or ["no output"])[-1][:100]
    match = [q for q in props if q["name"] == prop]
    if not match:
        return "ERROR", seconds, f"no property {prop} (have {', '.join(q['name'] for q in props)})"
    q = match[0]
    parts = [m for c in q.get("cases", []) for m in c.get("message", "").split("; ") if m]
    if q["status"] != "PROVED":  # what failed first, not the remarks about empty witness cases
        parts = [m for m in parts if any(k in m for k in (": UNKNOWN", ": REFUTED", ": ERROR", "timeout"))] or parts
    note = "; ".join(parts)[:160]
    return q["status"], seconds, note


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mono-timeout", type=float, default=60.0, help="monolithic solver time (s); UNKNOWN after")
    ap.add_argument("--dec-timeout", type=float, default=None, help="per-obligation time of decomposed proofs "
                    "(default: the strategy's)")
    ap.add_argument("--jobs", type=int, default=2, help="decomposed proofs: worker processes")
    ap.add_argument("--rows", nargs="*", help="row names (default: all)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        table = [r for r in rows(Path(d)) if not args.rows or r.name in args.rows]
        head = f"{'design':40} {'property':16} {'monolithic':>10} {'s':>8}   {'decomposed':>10} {'s':>8}"
        print(head)
        print("-" * len(head))
        for r in table:
            mv, ms, mnote = prove(r.mono, r.prop, args.mono_timeout, args.mono_timeout + 60, 1)
            dv, ds, dnote = prove(r.decomposed, r.prop, args.dec_timeout, 3600, args.jobs)
            print(f"{r.design:40} {r.prop:16} {mv:>10} {ms:8.1f}   {dv:>10} {ds:8.1f}", flush=True)
            for side, note in (("monolithic", mnote), ("decomposed", dnote)):
                if note and (side == "monolithic" and mv != "PROVED" or side == "decomposed" and dv != "PROVED"):
                    print(f"    {side}: {note}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
