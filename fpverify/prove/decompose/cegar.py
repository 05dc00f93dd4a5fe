"""CEGAR: classify a failed obligation's model, refine spurious ones, localise real ones.

A sat model of a (possibly abstracted) case obligation gives port values. They are replayed on
the real netlist (numpy evaluator) and in the golden model (`fpverify.prove.replay`):

* netlist == golden: the model is spurious (a cut variable took a value the real signal cannot),
  so the caller refines (adds the cut signal's definition) and re-solves; never shown as a bug;
* netlist != golden, confirmed by replay: a real counterexample. `localise` evaluates the named
  stage signals of the netlist against the reference's named terms on those inputs, in pipeline
  order, and reports the first stage that disagrees (expected vs actual), plus a VCD on request
  (every named netlist signal as evaluated, and the expected stage values in scope ``expected``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import z3

from ...rounding import Flags
from ..render import IEEE_FLAG_MASK, code_text
from ..replay import complete_inputs, describe, evaluate_netlist, input_substitution, premises_hold, replay


@dataclass
class Stage:
    """A named RTL signal and the reference term it must equal (compared modulo its width)."""

    signal: str
    reference: z3.ExprRef
    signed: bool = False
    when: z3.BoolRef | None = None  # the stage is only meaningful where this holds


@dataclass(frozen=True)
class StageValue:
    """One compared stage: the expected and actual bits of a ``width``-bit signal."""

    signal: str
    expected: int  # the reference's value reduced modulo 2**width
    actual: int
    width: int
    signed: bool = False

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def stage_text(value: int, width: int, signed: bool = False) -> str:
    """A stage value as decoded number and hex: ``-3 (0x1d)``, ``1 (0x1)`` for a one-bit signal."""
    value %= 1 << width
    decoded = value - (1 << width) if signed and width > 1 and value >> (width - 1) else value
    return f"{decoded} ({value:#0{2 + (width + 3) // 4}x})"


@dataclass
class Localisation:
    first_failing: str | None
    rows: list[tuple[str, str, str, bool]] = field(default_factory=list)  # signal, expected, actual, ok
    vcd: str | None = None
    values: list[StageValue] = field(default_factory=list)  # the numbers behind ``rows``

    def text(self) -> str:
        lines = []
        for sig, exp, act, ok in self.rows:
            mark = "ok " if ok else "BAD"
            lines.append(f"    [{mark}] {sig:<14} expected {exp:<24} actual {act}")
        head = (f"  first failing stage: {self.first_failing}" if self.first_failing
                else "  every stage checked agrees (the fault is after the last named stage)")
        return "\n".join([head, *lines] + ([f"  VCD: {self.vcd}"] if self.vcd else []))


def concrete(term: z3.ExprRef, subst: list) -> int:
    v = z3.simplify(z3.substitute(term, *subst) if subst else term)
    if z3.is_true(v):
        return 1
    if z3.is_false(v):
        return 0
    if not z3.is_bv_value(v):
        raise ValueError(f"term did not fold to a constant: {v}")
    return v.as_long()


def substitution(ports: dict[str, z3.BitVecRef], values: dict[str, int]) -> list:
    """Substitution pairs for the free ports (``values`` completed by `complete_inputs`)."""
    return input_substitution(ports, complete_inputs(ports, values))


def classify(problem, model: dict[str, int]):
    """(kind, counterexample, message): kind is "real", "spurious" or "error"."""
    inputs = complete_inputs(problem.sym.ports, model)
    subst = substitution(problem.sym.ports, inputs)
    w = problem.monolithic.watch  # uncut netlist terms and the unabstracted reference
    model_net = (concrete(w["net_code"], subst), concrete(w["net_flags"], subst) if "net_flags" in w else 0)
    model_ref = (concrete(w["ref_code"], subst), concrete(w["ref_flags"], subst))
    cex, why = replay(problem.netlist, problem.op, problem.fmt, problem.out, problem.env, problem.ports, inputs,
                      model_net, model_ref, problem.flag_mask, problem.lmul_policy, problem.cycles,
                      nan_exact=problem.nan_exact, addend_fmt=getattr(problem, "addend_fmt", None))
    iso = getattr(problem, "iso", None)
    if iso is not None and not all(concrete(pm, subst) for pm in iso.exact_premises):
        # the cut product satisfied a rewritten assumption that the real product does not
        return "spurious", cex, "the input is outside the property's domain"
    if not premises_hold(problem.monolithic.premises, problem.sym.ports, inputs):
        # the uncut premises are the property's domain: a model outside it is a tool bug, never a bug
        return "error", cex, "the model is outside the property's domain (a premise is false)"
    if not why:
        return "real", cex, ""
    if why == "netlist and golden model agree on this input":
        return "spurious", cex, why
    return "error", cex, why


def localise(problem, inputs: dict[str, int], vcd_dir: str | Path | None = None) -> Localisation:
    """Compare the netlist's named stage signals with the reference's terms on ``inputs``."""
    subst = substitution(problem.sym.ports, inputs)
    stages: list[Stage] = problem.stages(inputs)
    names = []
    for st in stages:
        try:
            problem.netlist.signal(st.signal)
            names.append(st.signal)
        except KeyError:
            continue
    got = evaluate_netlist_probes(problem, inputs, names)
    loc = Localisation(None)
    for st in stages:
        if st.signal not in got:
            continue
        if st.when is not None and not concrete(st.when, subst):
            continue
        width = len(problem.netlist.signal(st.signal))
        exp = concrete(st.reference, subst)
        exp_w = exp % (1 << width)
        act = got[st.signal] % (1 << width)
        sv = StageValue(st.signal, exp_w, act, width, st.signed)
        ok = sv.ok
        loc.values.append(sv)
        show = _stage_renderer(problem, st)
        loc.rows.append((st.signal, show(exp_w), show(act), ok))
        if not ok and loc.first_failing is None:
            loc.first_failing = st.signal
    if vcd_dir is not None:
        try:  # the evaluator's values (what was just compared), so mutated netlists get one too
            from ...hdl.waveform import write_netlist_vcd

            path = Path(vcd_dir) / f"{problem.netlist.name}_{problem.op}_cex.vcd"
            path.parent.mkdir(parents=True, exist_ok=True)
            expected = {st.signal: (concrete(st.reference, subst), len(problem.netlist.signal(st.signal)))
                        for st in stages if st.signal in got
                        and (st.when is None or concrete(st.when, subst))}
            write_netlist_vcd(problem.netlist, inputs, path, expected=expected, cycles=problem.cycles)
            loc.vcd = str(path)
        except Exception as e:  # the VCD is a convenience; the localisation stands without it
            loc.vcd = f"(not written: {type(e).__name__}: {e})"
    return loc


def _stage_renderer(problem, st: Stage):
    """How a stage's value reads: the result port as a code of the output format, the flags port
    as flag names, any other stage as a number (signed where the stage is) with its hex."""
    width = len(problem.netlist.signal(st.signal))
    if st.signal == problem.ports.result and width == problem.out.width:
        return lambda v: code_text(problem.out, v)
    if problem.ports.flags and st.signal == problem.ports.flags:
        return lambda v: f"{v:#0{2 + (width + 3) // 4}x} ({Flags(v & IEEE_FLAG_MASK).names()})"
    return lambda v: stage_text(v, width, st.signed)


def evaluate_netlist_probes(problem, inputs: dict[str, int], names: list[str]) -> dict[str, int]:
    from ...hdl import evaluate as ev

    if problem.cycles or problem.ports.reset is not None:
        out = ev.evaluate_pipelined(problem.netlist, {k: [v] for k, v in inputs.items()}, problem.cycles, names,
                                    reset=problem.ports.reset)
    else:
        out = ev.evaluate(problem.netlist, {k: [v] for k, v in inputs.items()}, names)
    res = {}
    for n in names:
        for k, v in out.items():
            if k == n or k.endswith("." + n):
                res[n] = int(v[0])
                break
    return res


def describe_inputs(problem, inputs: dict[str, int]) -> str:
    roles = dict(zip(problem.operand_ports, ("a", "b", "c")))
    fmt_of = getattr(problem, "role_fmt", lambda role: problem.fmt)
    return "  ".join(f"{n}={describe(fmt_of(roles[n]), inputs[n])}" for n in problem.operand_ports)


__all__ = ["Stage", "StageValue", "stage_text", "Localisation", "classify", "localise", "concrete", "substitution",
           "describe_inputs", "evaluate_netlist", "evaluate_netlist_probes"]
