"""Amaranth's own simulator on the same component: a cross-check for the numpy evaluator and the
way to get waveforms (VCD) of any list of input vectors.

Values in and out are raw bit patterns (signed ports are masked to their width), so results compare
directly with `fpverify.hdl.evaluate`. Every named signal of the design hierarchy is traced in the
VCD; time advances by one `period` per vector (combinational) or per clock cycle (sequential).

Known Amaranth divergence (amaranth.md §9.1): pysim mis-evaluates a variable ``bit_select`` /
``word_select`` whose operand is an *expression* such as ``x.as_signed()``; NIR and the numpy
evaluator follow the language reference. Designs should assign such operands to a Signal first.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["simulate", "simulate_cycles", "write_vcd", "port_values"]


def port_values(component: Any, ports=None) -> dict[str, Any]:
    """name -> Amaranth value for the component's ports (signature, or an explicit list/dict)."""
    from .netlist import component_ports

    if ports is None:
        return {name: value for name, value, _ in component_ports(component)}
    if isinstance(ports, Mapping):
        return dict(ports)
    out = {}
    for p in ports:
        if isinstance(p, tuple):
            out[p[0]] = p[1]
        else:
            out[p.name] = p
    return out


def _input_names(component: Any, ports) -> tuple[dict[str, Any], set[str]]:
    from amaranth.lib import wiring

    values = port_values(component, ports)
    inputs = set()
    sig = getattr(component, "signature", None)
    if ports is None and isinstance(sig, wiring.Signature):
        for path, member, _value in sig.flatten(component):
            if member.flow == wiring.In:
                inputs.add("__".join(map(str, path)))
    return values, inputs


def _as_columns(vectors: Mapping[str, Any] | Sequence[Mapping[str, int]]) -> tuple[dict[str, list[int]], int]:
    if isinstance(vectors, Mapping):
        cols = {k: [int(x) for x in np.atleast_1d(np.asarray(v, dtype=object))] for k, v in vectors.items()}
    else:
        rows = list(vectors)
        keys = sorted({k for r in rows for k in r})
        cols = {k: [int(r.get(k, 0)) for r in rows] for k in keys}
    n = max((len(c) for c in cols.values()), default=0)
    for k, c in cols.items():
        if len(c) == 1 and n > 1:
            cols[k] = c * n
        elif len(c) != n:
            raise ValueError(f"input {k!r} has {len(c)} vectors, expected {n}")
    return cols, n


def _run(component: Any, vectors, *, outputs: Sequence[str] | None, probes: Sequence[Any], latency: int,
         ports, vcd: str | os.PathLike | None, period: float, clocked: bool | None):
    from amaranth.hdl import Value
    from amaranth.sim import Simulator

    values, declared_inputs = _input_names(component, ports)
    cols, n = _as_columns(vectors)
    unknown = [k for k in cols if k not in values]
    if unknown:
        raise ValueError(f"unknown input port(s): {', '.join(unknown)}")
    in_names = [k for k in cols]
    out_names = list(outputs) if outputs is not None else [k for k in values if k not in declared_inputs
                                                          and k not in cols]
    probe_values = {}
    for p in probes:
        if isinstance(p, str):
            raise ValueError("pysim probes are Amaranth values (use the evaluator for names)")
        probe_values[getattr(p, "name", repr(p))] = p
    reads = {k: Value.cast(values[k]) for k in out_names}
    reads.update({k: Value.cast(v) for k, v in probe_values.items()})
    results = {k: [0] * n for k in reads}

    sim = Simulator(component)
    seq = latency > 0 if clocked is None else clocked
    if seq:
        try:
            sim.add_clock(period)
        except NameError:  # no "sync" domain: nothing to clock
            seq = False

    async def bench(ctx):
        for i in range(n):
            for k in in_names:
                ctx.set(values[k], cols[k][i])
            if seq:
                for _ in range(latency):
                    await ctx.tick()
            for k, v in reads.items():
                results[k][i] = int(ctx.get(v)) & ((1 << len(v)) - 1)
            if not seq:
                await ctx.delay(period)

    sim.add_testbench(bench)
    if vcd is not None:
        Path(vcd).parent.mkdir(parents=True, exist_ok=True)
        traces = [values[k] for k in values]
        with sim.write_vcd(str(vcd), traces=traces):
            sim.run()
    else:
        sim.run()
    out = {}
    for k, v in results.items():
        w = len(reads[k])
        out[k] = np.array(v, dtype=np.uint64) if w <= 64 else np.array(v, dtype=object)
    return out


def simulate(component: Any, vectors: Mapping[str, Any] | Sequence[Mapping[str, int]], *,
             outputs: Sequence[str] | None = None, probes: Sequence[Any] = (), latency: int = 0,
             ports=None, clocked: bool | None = None) -> dict[str, np.ndarray]:
    """Run Amaranth's simulator vector by vector; returns outputs as raw-bit arrays.

    For ``latency > 0`` a clock is added and each vector is held for `latency` clock edges before
    the outputs are read (the same convention as `evaluate.evaluate_pipelined`).
    """
    return _run(component, vectors, outputs=outputs, probes=probes, latency=latency, ports=ports,
                vcd=None, period=1e-9, clocked=clocked)


def write_vcd(component: Any, vectors: Mapping[str, Any] | Sequence[Mapping[str, int]],
              path: str | os.PathLike, *, latency: int = 0, ports=None, period: float = 1e-9
              ) -> dict[str, np.ndarray]:
    """Simulate `vectors` and write a VCD with every named signal of the hierarchy (time advances
    one `period` per vector, or per clock cycle for a pipelined design). Returns the outputs."""
    return _run(component, vectors, outputs=None, probes=(), latency=latency, ports=ports, vcd=path,
                period=period, clocked=None)


def simulate_cycles(component: Any, cycles: Sequence[Mapping[str, int]], *, outputs: Sequence[str] | None = None,
                    ports=None, vcd: str | os.PathLike | None = None, period: float = 1e-9
                    ) -> dict[str, np.ndarray]:
    """Drive one input mapping per clock cycle (state carries over) and read the outputs of each
    cycle before its clock edge — the convention of `evaluate.Evaluator.run_cycles`."""
    from amaranth.hdl import Value
    from amaranth.sim import Simulator

    values, declared_inputs = _input_names(component, ports)
    rows = [dict(r) for r in cycles]
    names = sorted({k for r in rows for k in r})
    unknown = [k for k in names if k not in values]
    if unknown:
        raise ValueError(f"unknown input port(s): {', '.join(unknown)}")
    out_names = list(outputs) if outputs is not None else [k for k in values if k not in declared_inputs
                                                          and k not in names]
    reads = {k: Value.cast(values[k]) for k in out_names}
    results = {k: [] for k in reads}
    sim = Simulator(component)
    try:
        sim.add_clock(period)
        clocked = True
    except NameError:
        clocked = False

    async def bench(ctx):
        for row in rows:
            for k, v in row.items():
                ctx.set(values[k], int(v))
            for k, v in reads.items():
                results[k].append(int(ctx.get(v)) & ((1 << len(v)) - 1))
            if clocked:
                await ctx.tick()
            else:
                await ctx.delay(period)

    sim.add_testbench(bench)
    if vcd is not None:
        Path(vcd).parent.mkdir(parents=True, exist_ok=True)
        with sim.write_vcd(str(vcd), traces=[values[k] for k in values]):
            sim.run()
    else:
        sim.run()
    return {k: np.array(v, dtype=np.uint64 if len(reads[k]) <= 64 else object) for k, v in results.items()}
