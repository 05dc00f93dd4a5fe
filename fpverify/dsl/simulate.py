"""`fpverify sim SPEC`: simulate a spec's design through the spec's own bindings and check every
property of the spec on concrete vectors.

For each property, the free names (every spec input, and the variables the property mentions)
range over the value sets of `sim_vectors`: exhaustively when their product is at most 2^16,
otherwise as ``samples`` edge-weighted vectors. Like ``fpverify sim DESIGN``, the limit counts
every free name but rounding inputs: each mode they encode is covered in full (an rm-port E5M2
multiplier checks all 2^16 operand pairs in each of the 6 modes). The design is evaluated for all vectors at once
by `fpverify.hdl.evaluate` (pipelined designs: inputs held for the spec's latency). Then:

* ``OUTPUT == op(...)`` properties compare with the golden model as the proof's miter does
  (`fpverify.prove.replay.golden_result` and `same`: the rm port's mode, NaN as a class unless
  ``exact nan``, the flag bits the flags output has); golden values of 8-bit binary operations
  come from the cached tables of `fpverify.fast.tables`, every reported mismatch is recomputed on
  that one vector by the scalar golden model and the netlist evaluator;
* every other property (relational, error bounds, signal properties) is evaluated per vector by
  `concrete.ConcreteEvaluator`, the semantics that replays the solver's counterexamples; design
  evaluations at substituted points (``y[a := b]``) are batched.

Vectors where an assumption of the property does not hold are skipped (and counted).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..hdl.evaluate import Evaluator, evaluate_pipelined
from ..prove.render import code_text, flags_text
from ..prove.replay import golden_result, same
from ..fast.classes import class_indices
from ..semantics.classes import CLASSES
from ..rounding import Rounding
from ..semantics.ports import RM_MODES
from . import ast
from .check import CheckedSpec, Property, walk
from .concrete import ConcreteEvaluator
from .describe import describe, format_value
from .prove_equivalence import port_map
from .replay import signal_probes
from .sim_vectors import Domain, conjuncts, domains_of, enumerate_vectors, fixed_by, sample_vectors, space_size
from .types import RoundT, type_width

__all__ = ["PropertySim", "SpecSim", "simulate_spec", "EXHAUSTIVE_LIMIT"]

EXHAUSTIVE_LIMIT = 1 << 16
CHUNK = 1 << 16
FLAG_BITS = 6  # the flag bits a proof compares at most (IEEE five and SATURATED)
MISS_ROUNDS = 4  # batched rounds of substituted design evaluations before falling back to one at a time


@dataclass
class PropertySim:
    name: str
    kind: str
    line: int
    method: str  # "exhaustive" | "sampled"
    space: int  # size of the property's input space
    free: list[str] = field(default_factory=list)
    fixed: dict[str, int] = field(default_factory=dict)
    vectors: int = 0  # vectors checked (assumptions hold)
    skipped: int = 0  # vectors an assumption excludes
    mismatches: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    vcd: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    # rounding mode -> classes of the float inputs ("normal×zero") -> {"vectors", "mismatches"}
    per_class: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)

    @property
    def status(self) -> str:
        if self.error:
            return "ERROR"
        if self.mismatches:
            return "FAIL"
        return "PASS" if self.vectors else "NO VECTORS"

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "seconds"}
        d["status"] = self.status
        d["seconds"] = round(self.seconds, 3)
        return d


@dataclass
class SpecSim:
    file: str
    design: str
    seed: int
    samples: int
    properties: list[PropertySim] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.interrupted and all(p.status == "PASS" for p in self.properties)

    def exit_code(self) -> int:
        """1 any mismatch (or a property no vector satisfies), 130 interrupted, 3 a property that
        could not be evaluated, 0 all pass."""
        statuses = {p.status for p in self.properties}
        if statuses & {"FAIL", "NO VECTORS"}:
            return 1
        if self.interrupted:
            return 130
        if "ERROR" in statuses:
            return 3
        return 0

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.file, "design": self.design, "ok": self.ok, "seed": self.seed,
                "samples": self.samples, "seconds": round(self.seconds, 3), "interrupted": self.interrupted,
                "properties": [p.to_json() for p in self.properties]}


class _Miss(Exception):
    """A design evaluation not yet in the table (collected and evaluated in a batch)."""

    def __init__(self, key: tuple, table: "DesignTable") -> None:
        super().__init__(key)
        self.key = key
        self.table = table


class DesignTable:
    """Design evaluations keyed by the spec inputs' port values: batched numpy runs of the netlist.
    With ``reference`` the table of the spec's `reference` design (its ports, latency, clock and
    reset); a design table holds the reference's table in ``reference`` (None without one)."""

    def __init__(self, spec: CheckedSpec, netlist, probes: list[str], reference: bool = False) -> None:
        if reference:
            ref = spec.reference
            netlist, self.ports, self.latency = ref.netlist, list(ref.inputs), ref.latency
            self.held, self.reset = dict(ref.held), ref.reset
        else:
            self.ports = [p.port for p in spec.inputs.values()]
            self.latency = spec.latency or 0
            self.held = {p: v for p, v in spec.held_inputs.items() if p in netlist.inputs}  # clock, reset
            self.reset = spec.reset
        self.netlist = netlist
        self.probes = probes
        self.evaluator = Evaluator(netlist)
        self.rows: dict[tuple, dict[str, int]] = {}
        self.reference: DesignTable | None = None
        self._strict = True

    @property
    def strict(self) -> bool:
        """A miss raises `_Miss`; otherwise it is evaluated on the spot (the reference's table too)."""
        return self._strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self._strict = value
        if self.reference is not None:
            self.reference.strict = value

    def evaluate(self, ports: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Outputs and probes for port arrays (all the same length), in chunks."""
        n = len(next(iter(ports.values()))) if ports else 1
        parts: list[dict[str, np.ndarray]] = []
        for lo in range(0, max(n, 1), CHUNK):
            chunk = {k: v[lo:lo + CHUNK] for k, v in ports.items()}
            rows = len(next(iter(chunk.values()))) if chunk else 1
            chunk.update({p: np.full(rows, v, dtype=np.uint64) for p, v in self.held.items() if p not in chunk})
            parts.append(evaluate_pipelined(self.netlist, chunk, self.latency, self.probes,
                                            evaluator=self.evaluator, reset=self.reset))
        if len(parts) == 1:
            return parts[0]
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def fill(self, keys) -> None:
        """Evaluate the ``keys`` (port-value tuples) the table lacks, in one batch."""
        todo = [k for k in dict.fromkeys(keys) if k not in self.rows]
        if not todo:
            return
        cols = list(zip(*todo))
        arrays = {p: _array(col, len(self.netlist.inputs[p])) for p, col in zip(self.ports, cols)}
        out = self.evaluate(arrays)
        names = list(out)
        values = [out[k].tolist() for k in names]
        for key, row in zip(todo, zip(*values)):
            self.rows[key] = {k: int(v) for k, v in zip(names, row)}

    def key(self, ports: dict[str, int]) -> tuple:
        return tuple(int(ports.get(p, 0)) for p in self.ports)

    def lookup(self, ports: dict[str, int]) -> dict[str, int]:
        key = self.key(ports)
        row = self.rows.get(key)
        if row is None:
            if self.strict:
                raise _Miss(key, self)
            self.fill([key])
            row = self.rows[key]
        return row


def _array(values, width: int) -> np.ndarray:
    return np.array(values, dtype=np.uint64 if width <= 64 else object)


def simulate_spec(spec: CheckedSpec, netlist, *, samples: int = 20_000, seed: int = 0,
                  max_examples: int = 10, vcd_dir: str | Path | None = None,
                  exhaustive_limit: int = EXHAUSTIVE_LIMIT,
                  progress: Callable[[str], None] | None = None) -> SpecSim:
    """Check every property of ``spec`` (bound to ``netlist``) on simulated vectors."""
    t0 = time.perf_counter()
    report = SpecSim(spec.file, spec.design.text, seed, samples)
    probes = sorted({s for p in spec.properties for s in signal_probes(spec, netlist, p)})
    table = DesignTable(spec, netlist, probes)
    if spec.reference is not None:  # `reference`: its own table, read by `ref.` outputs and signals
        ref_probes = sorted({s for p in spec.properties
                             for s in signal_probes(spec, spec.reference.netlist, p, "ref")})
        table.reference = DesignTable(spec, None, ref_probes, reference=True)
    try:
        for i, prop in enumerate(spec.properties):
            if progress:
                progress(prop.name)
            rng = np.random.default_rng([seed, i])
            report.properties.append(_simulate_property(spec, netlist, prop, table, rng, samples,
                                                        exhaustive_limit, max_examples, vcd_dir))
    except KeyboardInterrupt:
        report.interrupted = True
    report.seconds = time.perf_counter() - t0
    return report


def _simulate_property(spec, netlist, prop: Property, table: DesignTable, rng, samples: int, limit: int,
                       max_examples: int, vcd_dir) -> PropertySim:
    t0 = time.perf_counter()
    domains = domains_of(spec, prop)
    space = space_size(domains)
    exhaustive = space_size({n: d for n, d in domains.items() if not d.modes}) <= limit
    res = PropertySim(prop.name, prop.kind, prop.pos.line, "exhaustive" if exhaustive else "sampled", space,
                      free=[n for n, d in domains.items() if not d.fixed],
                      fixed={n: d.values[0] for n, d in domains.items() if d.fixed})
    vec = enumerate_vectors(domains) if exhaustive else sample_vectors(domains, samples, rng)
    count = space if exhaustive else samples
    try:
        if prop.kind == "equivalence":
            checker = _EquivalenceCheck(spec, netlist, prop, table, domains)
        elif getattr(prop, "elementary", None) is not None:
            checker = _ElementaryCheck(spec, netlist, prop, table, domains)
        elif getattr(prop, "dot", None) is not None:
            checker = _DotCheck(spec, netlist, prop, table, domains)
        else:
            checker = _GeneralCheck(spec, netlist, prop, table, domains)
        holds, bad = checker.run(vec, count)
        res.vectors = int(holds.sum())
        res.skipped = count - res.vectors
        res.mismatches = int((holds & bad).sum())
        res.per_class = class_counts(prop, domains, vec, holds, holds & bad)
        for i in np.flatnonzero(holds & bad)[:max_examples]:
            values = {n: int(vec[n][i]) for n in domains}
            example, vcd_inputs, expected = checker.example(values)
            res.examples.append(example)
            if vcd_dir is not None:
                res.vcd.append(_write_vcd(spec, netlist, prop, len(res.examples), vcd_inputs, expected, vcd_dir))
    except (TypeError, KeyError, ValueError, ZeroDivisionError, AttributeError) as e:
        res.error = f"cannot evaluate this property in simulation: {type(e).__name__}: {e}"
    res.seconds = time.perf_counter() - t0
    return res


def class_counts(prop: Property, domains: dict[str, Domain], vec: dict[str, np.ndarray], holds: np.ndarray,
                 bad: np.ndarray) -> dict[str, dict[str, dict[str, int]]]:
    """Vectors (assumptions hold) and mismatches per rounding mode and per operand classes of the
    free float inputs (`fpverify.semantics.classes`); the mode is a rounding input's value, else
    the property's own rounding, else "-"."""
    floats = [n for n, d in domains.items() if d.fmt is not None and not d.fixed]
    modes = [n for n, d in domains.items() if d.modes]
    if not floats:
        return {}
    n = len(CLASSES)
    key = np.zeros(len(holds), dtype=np.int64)
    for name in floats:
        key = key * n + class_indices(domains[name].fmt, vec[name])
    if modes:
        mode_of = [RM_MODES.get(int(v)) for v in vec[modes[0]]]
        labels = np.array([m.value if m is not None else "?" for m in mode_of])
    else:
        e = getattr(prop, "equivalence", None) or getattr(prop, "dot", None)
        labels = np.full(len(holds), str(e.rounding) if e is not None and e.rounding is not None else "-")
    out: dict[str, dict[str, dict[str, int]]] = {}
    for label in dict.fromkeys(labels.tolist()):
        sel = labels == label
        total = np.bincount(key[sel & holds], minlength=n ** len(floats))
        wrong = np.bincount(key[sel & bad], minlength=n ** len(floats))
        for k in np.flatnonzero(total):
            parts, rest = [], int(k)
            for _ in floats:
                parts.append(CLASSES[rest % n])
                rest //= n
            out.setdefault(label, {})["×".join(reversed(parts))] = {"vectors": int(total[k]),
                                                                    "mismatches": int(wrong[k])}
    return out


class _ToolBug(RuntimeError):
    """A mismatch that does not replay on its single vector (an error in the simulator, not the design)."""


def _rows(vec: dict[str, np.ndarray], names: list[str], count: int) -> list[dict[str, int]]:
    cols = [vec[n].tolist() for n in names]
    return [dict(zip(names, row)) for row in zip(*cols)] if names else [{} for _ in range(count)]


class _GeneralCheck:
    """Per-vector evaluation with `ConcreteEvaluator`; design runs come from the `DesignTable`."""

    def __init__(self, spec: CheckedSpec, netlist, prop: Property, table: DesignTable,
                 domains: dict[str, Domain], check_expr: bool = True) -> None:
        """``check_expr`` False: evaluate the assumptions only (an equivalence's premises)."""
        self.spec, self.netlist, self.prop, self.table = spec, netlist, prop, table
        self.domains = domains
        self.assumptions = _open_assumptions(spec, prop, domains)
        self.check_expr = check_expr
        self.ev = ConcreteEvaluator(spec, table.lookup, table.probes,
                                    table.reference.lookup if table.reference is not None else None)

    def _one(self, env: dict[str, int]) -> tuple[bool, bool]:
        if not all(bool(self.ev.eval(a, env)) for a in self.assumptions):
            return False, False
        if not self.check_expr:
            return True, False
        return True, not bool(self.ev.eval(self.prop.expr, env))

    def run(self, vec: dict[str, np.ndarray], count: int) -> tuple[np.ndarray, np.ndarray]:
        """(assumptions hold, property fails) per vector."""
        holds = np.ones(count, dtype=bool)
        bad = np.zeros(count, dtype=bool)
        if not self.assumptions and not self.check_expr:
            return holds, bad
        names = list(self.domains)
        rows = _rows(vec, names, count)
        self.table.fill(tuple(r[n] for n in self.spec.inputs) for r in rows)
        if self.table.reference is not None and self._reads_reference():
            ref = self.spec.reference
            self.table.reference.fill(tuple(r[n] for n in ref.inputs.values()) for r in rows)
        pending = range(count)
        for rnd in range(MISS_ROUNDS + 1):
            self.table.strict = rnd < MISS_ROUNDS
            misses, retry = [], []
            for i in pending:
                try:
                    holds[i], bad[i] = self._one(rows[i])
                except _Miss as m:
                    misses.append((m.table, m.key))
                    retry.append(i)
            if not retry:
                break
            for table in {id(t): t for t, _ in misses}.values():
                table.fill(k for t, k in misses if t is table)
            pending = retry
        self.table.strict = True
        return holds, bad

    def _reads_reference(self) -> bool:
        ref_outputs = {n for n, p in self.spec.outputs.items() if p.design == "ref"}
        return any((isinstance(x, ast.Signal) and x.design == "ref") or (isinstance(x, ast.Name) and x.id in ref_outputs)
                   for e in (self.prop.expr, *self.prop.assumptions) for x in walk(e))

    def example(self, values: dict[str, int]) -> tuple[dict[str, Any], dict[str, int], dict]:
        self.table.strict = False
        try:
            text = describe(self.spec, self.netlist, self.prop, values, self.ev)
            outs = self.ev.design_values(values)
            shown = {n: format_value(p.type, self.ev.design_values(values, p.design).get(p.port, 0))
                     for n, p in self.spec.outputs.items()}
        finally:
            self.table.strict = True
        signals = {x.path: outs[x.path] for e in (self.prop.expr, *self.prop.assumptions) for x in walk(e)
                   if isinstance(x, ast.Signal) and x.design == "dut" and x.path in outs}
        text += "".join(f"\n  dut.{k} = {v} ({v:#x})" for k, v in sorted(signals.items()))
        ex = {"inputs": _inputs_json(self.spec, values),
              "outputs": shown, "signals": signals, "text": text}
        return ex, _port_values(self.spec, values), {}


class _ElementaryCheck(_GeneralCheck):
    """An elementary-function property (`prove_elementary.Judge`: the golden model's correctly
    rounded result, or the rigorous per-input error decision); an undecided input is a mismatch."""

    def __init__(self, spec: CheckedSpec, netlist, prop: Property, table: DesignTable,
                 domains: dict[str, Domain]) -> None:
        from .prove_elementary import Judge

        super().__init__(spec, netlist, prop, table, domains)
        self.judge = Judge(prop.elementary)

    def _result(self, env: dict[str, int]) -> tuple[int, int, int | None]:
        el = self.prop.elementary
        got = self.ev.design_values(env)
        fl = got[self.spec.outputs[el.flags].port] if el.flags else None
        return env[el.operand], got[self.spec.outputs[el.output].port], fl

    def _one(self, env: dict[str, int]) -> tuple[bool, bool]:
        if not all(bool(self.ev.eval(a, env)) for a in self.assumptions):
            return False, False
        return True, self.judge(*self._result(env)) is not True

    def example(self, values: dict[str, int]) -> tuple[dict[str, Any], dict[str, int], dict]:
        self.table.strict = False
        try:
            code, y, _ = self._result(values)
        finally:
            self.table.strict = True
        el = self.prop.elementary
        text = f"{el.operand} = {code:#x}, {el.output} = {y:#x}: {self.judge.describe(code, y)}"
        ex = {"inputs": _inputs_json(self.spec, values),
              "outputs": {el.output: format_value(self.spec.outputs[el.output].type, y)}, "signals": {},
              "text": text}
        return ex, _port_values(self.spec, values), {}


class _DotCheck(_GeneralCheck):
    """``y == mx_dot(a, b, sa, sb, MODE)``: the design's result (and flags) against golden
    `mx_dot_exact` on each vector (NaN as a class); ``mx_dot_tosa(...)`` against `mx_dot_tosa_rounded`."""

    def _codes(self, env: dict[str, int]) -> tuple[tuple[int, int], tuple[int, int]]:
        """((design code, flags), (golden code, flags)); flags 0 without ``with flags``."""
        from ..prove.mx_dot import FLAG_MASK, golden_dot

        d = self.prop.dot
        got = self.ev.design_values(env)
        net = (got[self.spec.outputs[d.output].port],
               got[self.spec.outputs[d.flags].port] & FLAG_MASK if d.flags else 0)
        roles = dict(zip(("a", "b", "scale_a", "scale_b"), (env[n] for n in d.operands)))
        if d.random_input:
            roles["rbits"] = env[d.random_input]  # R of the stochastic mode (golden_dot reads it)
        if d.semantics == "tosa":  # `mx_dot_tosa(...)`: golden mx_dot_tosa_rounded
            from ..prove.mx_dot_tosa import golden_tosa

            gold = golden_tosa(d.elem_a, d.elem_b, d.k, roles)
            return net, (gold[0], gold[1] if d.flags else 0)
        mode = d.env if d.rounding_input is None else replace(d.env, rounding=Rounding(RM_MODES[env[d.rounding_input]]))
        gold = golden_dot(d.elem_a, d.elem_b, d.k, d.out_fmt, mode, roles)
        return net, (gold[0], gold[1] if d.flags else 0)

    def _one(self, env: dict[str, int]) -> tuple[bool, bool]:
        (y, fl), (g, gfl) = self._codes(env)
        out = self.prop.dot.out_fmt
        same = (y == g or (_nan_code(out, y) and _nan_code(out, g))) and fl == gfl
        return True, not same

    def example(self, values: dict[str, int]) -> tuple[dict[str, Any], dict[str, int], dict]:
        from .prove_mx_dot import elements

        self.table.strict = False
        try:
            (y, fl), (g, gfl) = self._codes(values)
        finally:
            self.table.strict = True
        d = self.prop.dot
        vecs = ", ".join(f"{n} = {elements(values[n], f, d.k)}" for n, f in ((d.a, d.elem_a), (d.b, d.elem_b)))
        rnd = f", {d.random_input} = {values[d.random_input]}" if d.random_input else ""
        text = (f"{vecs}, {d.scale_a} = {values[d.scale_a]:#x}, {d.scale_b} = {values[d.scale_b]:#x}{rnd}: "
                f"netlist {d.output} = {format_value(self.spec.outputs[d.output].type, y)}"
                f"{f' flags {fl:#x}' if d.flags else ''}, golden {'mx_dot_tosa' if d.semantics == 'tosa' else 'mx_dot'} = "
                f"{format_value(self.spec.outputs[d.output].type, g)}{f' flags {gfl:#x}' if d.flags else ''}")
        ex = {"inputs": _inputs_json(self.spec, values),
              "outputs": {d.output: format_value(self.spec.outputs[d.output].type, y)}, "signals": {},
              "text": text}
        return ex, _port_values(self.spec, values), {}


def _open_assumptions(spec: CheckedSpec, prop: Property, domains: dict[str, Domain]) -> list:
    """The assumptions left to evaluate per vector: one whose every conjunct only pins an input the
    vector set already holds at that value is true on every vector."""
    out = []
    for a in prop.assumptions:
        pinned = fixed_by(spec, (a,))
        if pinned and len(pinned) == len(conjuncts(a)) and all(
                domains.get(n) is not None and domains[n].fixed and domains[n].values == (v,)
                for n, v in pinned.items()):
            continue
        out.append(a)
    return out


def _inputs_json(spec: CheckedSpec, values: dict[str, int]) -> dict[str, str]:
    return {n: _value_text(spec.input_type(n), v) for n, v in values.items()}


def _value_text(t, v: int) -> str:
    """`describe.format_value`, and a rounding input's mode name (``5 (rto)``)."""
    if isinstance(t, RoundT):
        mode = RM_MODES.get(v)
        return f"{v} ({mode.value if mode is not None else 'not a mode'})"
    return format_value(t, v)


def _port_values(spec: CheckedSpec, values: dict[str, int]) -> dict[str, int]:
    return {p.port: values[n] for n, p in spec.inputs.items() if n in values}


class _EquivalenceCheck:
    """``OUTPUT == op(...)``: the netlist's outputs against the golden model, vectorised."""

    def __init__(self, spec: CheckedSpec, netlist, prop: Property, table: DesignTable,
                 domains: dict[str, Domain]) -> None:
        self.spec, self.netlist, self.prop, self.table = spec, netlist, prop, table
        self.eq = eq = prop.equivalence
        ports = port_map(spec, prop)
        if ports.rand is not None and ports.rand not in netlist.inputs:
            ports = replace(ports, rand=None)  # the default `rbits` of a unit without one
        self.ports = ports.resolve(eq.env) if ports.rm is not None else ports
        self.result = spec.outputs[eq.output].port
        self.flags = spec.outputs[eq.flags].port if eq.flags else None
        width = type_width(spec.outputs[eq.flags].type) if eq.flags else 0
        self.flag_mask = (1 << min(width or 0, FLAG_BITS)) - 1
        self.assume = _GeneralCheck(spec, netlist, prop, table, domains, check_expr=False)

    def _inputs(self, values: dict[str, int]) -> dict[str, int]:
        return {p.port: values[n] for n, p in self.spec.inputs.items()}

    def run(self, vec: dict[str, np.ndarray], count: int) -> tuple[np.ndarray, np.ndarray]:
        holds, _ = self.assume.run(vec, count)
        ports = {p.port: vec[n] for n, p in self.spec.inputs.items()}
        if self.ports.rm is not None:
            encoded = np.isin(ports[self.ports.rm].astype(np.uint64),
                              np.array([v for v, _ in self.ports.rm_encoding], dtype=np.uint64))
            holds &= encoded  # the proof's premise: rm within its encoding
        got = self.table.evaluate(ports)
        g_code = got[self.result]
        g_flags = got[self.flags] if self.flags else np.zeros(count, dtype=np.uint64)
        e_code, e_flags = self._golden(ports, holds, count)
        bad = ~self._same(g_code, g_flags, e_code, e_flags)
        return holds, bad

    def _golden(self, ports, holds, count) -> tuple[np.ndarray, np.ndarray]:
        eq = self.eq
        fast = self._table_golden(ports, holds, count)
        if fast is not None:
            return fast
        e_code = np.zeros(count, dtype=object)
        e_flags = np.zeros(count, dtype=object)
        roles = [p for p in (self.ports.a, self.ports.b, self.ports.c, self.ports.rm, self.ports.rand,
                             self.ports.sub) if p is not None and p in ports]
        cols = {p: ports[p].tolist() for p in roles}
        for i in np.flatnonzero(holds):
            r = golden_result(eq.op, eq.fmt, eq.out_fmt, eq.env, self.ports, {p: cols[p][i] for p in roles},
                              eq.lmul_policy, eq.addend_fmt)
            e_code[i], e_flags[i] = r.code, int(r.flags)
        return e_code, e_flags

    def _table_golden(self, ports, holds, count):
        """Golden codes and flags from `fast.tables` (8-bit binary deterministic ops), else None."""
        from ..fast.tables import BINARY_OPS, MAX_BINARY_WIDTH, INVALID_INPUT, binary_table
        from ..semantics.ops import get_op

        eq = self.eq
        op = get_op(eq.op)
        if (eq.op not in BINARY_OPS or op.arity != 2 or eq.fmt.width > MAX_BINARY_WIDTH
                or (eq.rounding is not None and eq.rounding.mode.stochastic)):
            return None
        a = ports[self.ports.a].astype(np.int64)
        b = ports[self.ports.b].astype(np.int64)
        idx = (a << eq.fmt.width) | b
        e_code = np.zeros(count, dtype=np.uint64)
        e_flags = np.zeros(count, dtype=np.uint64)
        groups = [(None, np.ones(count, dtype=bool))]
        if self.ports.rm is not None:
            rm = ports[self.ports.rm].astype(np.int64)
            groups = [(v, rm == v) for v, _ in self.ports.rm_encoding]
        for value, sel in groups:
            env = eq.env if value is None else replace(eq.env, rounding=self.ports.rm_rounding(value))
            codes, flags = binary_table(eq.op, eq.fmt, env, out=eq.out_fmt, policy=eq.lmul_policy)
            e_code[sel] = codes[idx[sel]]
            e_flags[sel] = flags[idx[sel]]
        holds &= e_flags != INVALID_INPUT  # an operand that is not a code of the format
        return e_code, e_flags

    def _same(self, g_code, g_flags, e_code, e_flags) -> np.ndarray:
        out = self.eq.out_fmt
        g_code = np.asarray(g_code, dtype=object) if g_code.dtype == object else g_code.astype(np.uint64)
        e_code = e_code.astype(g_code.dtype)
        code_ok = g_code == e_code
        if not self.eq.nan_exact and out.has_nan:
            code_ok |= _is_nan(out, g_code) & _is_nan(out, e_code)
        mask = self.flag_mask
        if mask:
            gf = np.asarray([int(x) & mask for x in g_flags.tolist()]) if g_flags.dtype == object \
                else g_flags.astype(np.uint64) & np.uint64(mask)
            ef = np.asarray([int(x) & mask for x in e_flags.tolist()]) if e_flags.dtype == object \
                else e_flags.astype(np.uint64) & np.uint64(mask)
            code_ok &= np.asarray(gf == ef, dtype=bool)
        return np.asarray(code_ok, dtype=bool)

    def example(self, values: dict[str, int]) -> tuple[dict[str, Any], dict[str, int], dict]:
        """One mismatch, recomputed alone: the netlist on this vector and the scalar golden model."""
        eq = self.eq
        inputs = self._inputs(values)
        arrays = {p: _array([v], len(self.netlist.inputs[p])) for p, v in {**self.table.held, **inputs}.items()}
        outs = evaluate_pipelined(self.netlist, arrays, self.spec.latency or 0, self.table.probes,
                                  reset=self.table.reset)
        net = (int(outs[self.result][0]), int(outs[self.flags][0]) if self.flags else 0)
        g = golden_result(eq.op, eq.fmt, eq.out_fmt, eq.env, self.ports, inputs, eq.lmul_policy, eq.addend_fmt)
        gold = (int(g.code), int(g.flags))
        if same(eq.out_fmt, gold, net, self.flag_mask, eq.nan_exact):
            raise _ToolBug(f"{self.prop.name}: the mismatch at {inputs} does not replay "
                           f"(netlist {net}, golden {gold})")
        out = eq.out_fmt
        ex = {"inputs": _inputs_json(self.spec, values),
              "outputs": {n: format_value(p.type, int(outs[p.port][0]) if p.port in outs else 0)
                          for n, p in self.spec.outputs.items()},
              "expected": _with_flags(code_text(out, gold[0]), flags_text(gold[1], self.flag_mask)),
              "got": _with_flags(code_text(out, net[0]), flags_text(net[1], self.flag_mask)),
              "kind": _kind(out, gold, net, self.flag_mask, eq.nan_exact)}
        expected = {self.result: (gold[0], out.width)}
        if self.flags:
            expected[self.flags] = (gold[1] & self.flag_mask, len(self.netlist.outputs.get(self.flags, ())) or 5)
        return ex, inputs, expected


def _with_flags(code: str, flags: str) -> str:
    return f"{code}  {flags}" if flags else code


def _kind(out, gold, net, mask, nan_exact) -> str:
    code_bad = not same(out, (gold[0], 0), (net[0], 0), 0, nan_exact)
    flags_bad = (gold[1] & mask) != (net[1] & mask)
    return "both" if code_bad and flags_bad else ("result" if code_bad else "flags")


def _is_nan(fmt, codes: np.ndarray) -> np.ndarray:
    if fmt.width <= 16 and codes.dtype != object:
        table = np.array([_nan_code(fmt, c) for c in range(1 << fmt.width)], dtype=bool)
        return table[codes.astype(np.int64)]
    return np.array([_nan_code(fmt, int(c)) for c in codes], dtype=bool)


def _nan_code(fmt, code: int) -> bool:
    try:
        return bool(fmt.is_nan(code))
    except Exception:  # noqa: BLE001 - a pattern outside the format's codes is not a NaN
        return False


def _write_vcd(spec: CheckedSpec, netlist, prop: Property, k: int, inputs: dict[str, int],
               expected: dict, vcd_dir) -> str:
    from ..hdl.waveform import write_netlist_vcd

    d = Path(vcd_dir)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{Path(spec.file).stem}.{prop.name}.{k}.vcd"
    write_netlist_vcd(netlist, inputs, path, expected=expected or None, cycles=spec.latency or 0)
    return str(path)
