"""A VCD of one counterexample as the numpy evaluator computes it: every named signal of the
netlist (so it works for mutated netlists too, which have no Amaranth component to simulate),
plus optional expected values (e.g. the reference's stage terms) in a second scope.

    write_netlist_vcd(netlist, {"a": 0x21, "b": 0x1c62}, "cex.vcd",
                      expected={"round_sticky": (1, 1)}, cycles=0)
"""

from __future__ import annotations

import os
from typing import Mapping

from . import evaluate as ev


def _scope_and_name(name: str, top: str) -> tuple[str, str]:
    parts = name.split(".")
    return ".".join([top, *parts[:-1]]), parts[-1]


def write_netlist_vcd(netlist, inputs: Mapping[str, int], path: str | os.PathLike, *,
                      expected: Mapping[str, tuple[int, int]] | None = None, cycles: int = 0,
                      period_ns: int = 1) -> None:
    """Write ``path``: scope ``dut`` holds every input and named signal, scope ``expected`` holds
    ``expected`` (name -> (value, width)). A pipelined netlist (``cycles`` > 0) gets one time step
    per clock cycle with the inputs held; the expected values sit at the last step."""
    from vcd import VCDWriter

    names = sorted(netlist.signals)
    widths = {n: len(netlist.signals[n]) for n in names}
    ins = {k: [int(v)] for k, v in inputs.items() if k in netlist.inputs}
    if cycles:
        steps = ev.run_cycles(netlist, ins, cycles + 1, names)
    else:
        steps = [ev.evaluate(netlist, ins, names)]
    with open(path, "w") as fh, VCDWriter(fh, timescale=f"{period_ns} ns", date="fpverify") as w:
        regs = {}
        for k, v in ins.items():
            regs[("in", k)] = w.register_var("dut", k, "wire", size=max(len(netlist.inputs[k]), 1))
        for n in names:
            if n in ins:
                continue
            scope, leaf = _scope_and_name(n, "dut")
            regs[("sig", n)] = w.register_var(scope, leaf, "wire", size=max(widths[n], 1))
        for n, (_, width) in (expected or {}).items():
            regs[("exp", n)] = w.register_var("expected", n, "wire", size=max(width, 1))
        for t, out in enumerate(steps):
            for (kind, n), var in regs.items():
                if kind == "in":
                    w.change(var, t, ins[n][0])
                elif kind == "sig":  # the evaluator returns every probe asked for, by its name
                    w.change(var, t, int(out[n][0]))
                elif t == len(steps) - 1:
                    w.change(var, t, int(expected[n][0]) % (1 << max(expected[n][1], 1)))
        w.flush(len(steps))


__all__ = ["write_netlist_vcd"]
