"""Unroll a pipeline into a combinational netlist: the outputs after its reset and latency edges.

The same cycle semantics as `evaluate.evaluate_pipelined` and the z3 translator's unrolling: the
flip-flops start at ``init``; the held inputs (clock at 0, a released reset) keep one value, the
reset port is active for the reset cycles first; the data inputs are held throughout; after
``edges`` clock edges the outputs (and named signals) of the last cycle are read. An async reset
loads ``init`` at the next edge, as in the evaluator. ``initial`` is 1 in cycle 0 only; ``anyseq``
values are fresh per cycle, ``anyconst`` shared; ``property`` cells are dropped.

Back ends that only understand combinational netlists (fault campaigns: vectors, equivalence
miters, mutant grading) see a pipeline through this view; mutations are applied to the pipeline
first and unrolled after, so a mutated register is a mutated register in every cycle.
"""

from __future__ import annotations

from typing import Mapping

from . import ir
from .reset import ResetSequence, unrolled_edges

__all__ = ["unroll"]


def unroll(netlist: ir.Netlist, latency: int, held: Mapping[str, int] = (), reset: ResetSequence | None = None,
           name: str | None = None) -> ir.Netlist:
    """The combinational netlist computing ``netlist``'s outputs after the edges of one evaluation."""
    held = dict(held)
    if reset is not None:
        held.pop(reset.port, None)
    edges = unrolled_edges(latency, reset)
    per_cycle = [{**held, **over} for over in (reset.prefix() if reset is not None else [])]
    released = {**held, **({reset.port: reset.released} if reset is not None else {})}
    per_cycle += [released] * (edges + 1 - len(per_cycle))

    out = ir.Netlist(name=name or netlist.name)
    next_net = 2
    fixed_ports = set(held) | ({reset.port} if reset is not None else set())
    inputs: dict[int, int] = {}  # original input net -> unrolled input net
    for pname, nets in netlist.inputs.items():
        if pname in fixed_ports:
            continue
        new = tuple(range(next_net, next_net + len(nets)))
        next_net += len(nets)
        out.inputs[pname] = new
        inputs.update(zip(nets, new))
        if pname in netlist.signed:
            out.signed[pname] = netlist.signed[pname]

    def fresh(width: int) -> tuple[int, ...]:
        nonlocal next_net
        v = tuple(range(next_net, next_net + width))
        next_net += width
        return v

    ffs = [c for c in netlist.cells if c.op == "ff"]
    state: dict[int, int] = {}  # ff output net -> net holding it this cycle
    for c in ffs:
        init = int(c.param("init", 0))
        state.update((n, ir.CONST1 if (init >> k) & 1 else ir.CONST0) for k, n in enumerate(c.out))
    shared: dict[int, tuple[int, ...]] = {}  # anyconst cells: one value for every cycle
    last: dict[int, int] = {}
    for k, vec in enumerate(per_cycle):
        net: dict[int, int] = {ir.CONST0: ir.CONST0, ir.CONST1: ir.CONST1, **inputs, **state}
        for pname, value in vec.items():
            if pname in netlist.inputs:
                net.update((n, ir.CONST1 if (value >> b) & 1 else ir.CONST0)
                           for b, n in enumerate(netlist.inputs[pname]))
        m = lambda v: tuple(net[n] for n in v)
        for i, c in enumerate(netlist.cells):
            if c.op in ("ff", "property"):
                continue
            if c.op == "initial":
                net[c.out[0]] = ir.CONST1 if k == 0 else ir.CONST0
                continue
            if c.op == "anyconst" and c.param("kind", "anyconst") != "anyseq" and i in shared:
                net.update(zip(c.out, shared[i]))
                continue
            new_out = fresh(len(c.out))
            net.update(zip(c.out, new_out))
            out.cells.append(ir.Cell(c.op, new_out, tuple(m(a) for a in c.args), c.params, c.src))
            if c.op == "anyconst":
                shared.setdefault(i, new_out)
        last = net
        if k == len(per_cycle) - 1:
            break
        nxt: dict[int, int] = {}
        for c in ffs:
            data = m(c.args[0])
            if len(c.args) > 1:  # async reset: init at the next edge
                init = int(c.param("init", 0))
                init_v = tuple(ir.CONST1 if (init >> b) & 1 else ir.CONST0 for b in range(len(data)))
                sel = fresh(1)
                out.cells.append(ir.Cell("b", sel, (m(c.args[1]),), (), c.src))
                data_v = fresh(len(data))
                out.cells.append(ir.Cell("m", data_v, (sel, init_v, data), (), c.src))
                data = data_v
            nxt.update(zip(c.out, data))
        state = nxt
    for pname, nets in netlist.outputs.items():
        out.outputs[pname] = tuple(last[n] for n in nets)
    for sname, nets in netlist.signals.items():
        if all(n in last for n in nets):
            out.signals[sname] = tuple(last[n] for n in nets)
    for k, v in netlist.signed.items():
        if k in out.outputs or k in out.signals:
            out.signed[k] = v
    return out
