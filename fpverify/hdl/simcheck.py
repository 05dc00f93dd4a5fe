"""Simulate an FP unit and compare it with the golden model, vector by vector.

`compare_with_golden(component)` works on any unit with the generator conventions: ports ``a``,
``b``, ``result``, ``flags`` (SoftFloat layout, 5 bits), optional ``sub`` (adder), ``rm`` (3-bit
rounding mode: RNE 0, RTZ 1, RDN 2, RUP 3, RNA 4, RTO 5) and ``rbits`` (stochastic rounding), and
attributes ``fmt`` / ``out_fmt``, ``op`` (golden name: add/mul/lmul), ``rounding``, ``overflow``,
``tininess``, ``policy`` (L-Mul) and ``latency``.

* Operand space ≤ 2^16 (every FP8/FP6/FP4 pair): exhaustive, for every ``sub`` value and every
  ``rm`` mode; the golden side comes from the cached tables of `fpverify.fast.tables`.
* Otherwise: `n` samples, edge-weighted (zeros, subnormal/normal boundaries, max finite, Inf/NaN,
  every exponent's first/last code, near-equal operands for cancellation and ties), golden calls
  per vector.

NaN results match as a class (any NaN code for a NaN result); flags are compared on the five IEEE
bits. Every reported mismatch was recomputed one vector at a time: by the golden functions and by
the netlist evaluator on that single vector.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..formats import FloatFormat, Overflow, get_format
from ..rounding import Env, Flags, Rounding, Tininess, parse_rounding
from ..fast.classes import class_indices
from ..semantics.classes import CLASSES, pair_label
from ..semantics.ops import OPS, ops_with
from ..semantics.ports import IEEE_FLAG_MASK, RM_MODES
from . import ir
from .evaluate import Evaluator, evaluate_pipelined

__all__ = ["SimReport", "Mismatch", "compare_with_golden", "describe_code", "flag_names", "RM_MODES",
           "SIM_OPS", "edge_codes", "sample_codes"]

SIM_OPS = tuple(op.name for op in ops_with("rtl") if op.arity == 2)  # two-operand generators: sim's ports
EXHAUSTIVE_LIMIT = 1 << 16
CHUNK = 1 << 16
FLAG_MASK = IEEE_FLAG_MASK


def flag_names(flags: int) -> str:
    names = [n for n, bit in (("NX", Flags.INEXACT), ("UF", Flags.UNDERFLOW), ("OF", Flags.OVERFLOW),
                              ("DZ", Flags.INFINITE), ("NV", Flags.INVALID)) if flags & int(bit)]
    return "|".join(names) if names else "-"


def describe_code(fmt: FloatFormat, code: int) -> str:
    """``0x38 (+1)``, ``0x7f (NaN)``, ``0x01 (+0.001953125 = 2^-9)``."""
    digits = (fmt.width + 3) // 4
    head = f"{code:#0{digits + 2}x}"
    try:
        v = fmt.value(code)
    except Exception:
        return f"{head} (invalid code)"
    if isinstance(v, float):
        text = "NaN" if v != v else ("+Inf" if v > 0 else "-Inf")
    else:
        neg = bool(fmt.signed and code & fmt.sign_bit)
        if v == 0:
            text = "-0" if neg else "+0"
        else:
            f = float(v)
            text = f"{f:+.10g}"
            mag = abs(v)
            if mag.numerator == 1 and mag.denominator > 1 and mag.denominator & (mag.denominator - 1) == 0:
                text += f" = {'-' if v < 0 else '+'}2^-{mag.denominator.bit_length() - 1}"
    return f"{head} ({text})"


@dataclass
class Mismatch:
    inputs: dict[str, int]
    expected: int
    expected_flags: int
    got: int
    got_flags: int
    mode: str = ""
    op: str = ""
    kind: str = "result"  # result / flags / both

    def describe(self, fmt: FloatFormat, out: FloatFormat) -> dict[str, Any]:
        d = {"op": self.op, "rounding": self.mode, "kind": self.kind,
             "a": describe_code(fmt, self.inputs["a"]), "b": describe_code(fmt, self.inputs["b"]),
             "expected": describe_code(out, self.expected), "got": describe_code(out, self.got),
             "expected_flags": flag_names(self.expected_flags), "got_flags": flag_names(self.got_flags)}
        extra = {k: v for k, v in self.inputs.items() if k not in ("a", "b")}
        if extra:
            d["controls"] = extra
        return d


@dataclass
class SimReport:
    design: str
    op: str
    fmt: str
    out_fmt: str
    rounding: str
    method: str  # "exhaustive" or "sampled"
    vectors: int = 0
    mismatches: int = 0
    result_mismatches: int = 0
    flag_mismatches: int = 0
    examples: list[Mismatch] = field(default_factory=list)
    per_mode: dict[str, dict[str, int]] = field(default_factory=dict)
    # mode label -> "class(a)×class(b)" -> {"vectors", "mismatches"} (`fpverify.semantics.classes`)
    per_class: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    seconds: float = 0.0
    vcd: str | None = None
    interrupted: bool = False
    seed: int = 0
    _fmt: FloatFormat | None = field(default=None, repr=False)
    _out: FloatFormat | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.mismatches == 0 and not self.interrupted and self.vectors > 0

    def to_json(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if not k.startswith("_") and k != "examples"}
        d["ok"] = self.ok
        d["examples"] = [m.describe(self._fmt, self._out) for m in self.examples]
        return d


# ---- unit introspection --------------------------------------------------------------------------

@dataclass
class _Unit:
    name: str
    op: str
    fmt: FloatFormat
    out: FloatFormat
    rounding: Rounding | None  # None: rm port
    overflow: Overflow | None
    tininess: Tininess
    policy: Any
    latency: int
    ports: set[str]
    nbits: int  # rbits width (stochastic)


def _unit(component: Any, netlist: ir.Netlist, op: str | None, rounding: Rounding | str | None) -> _Unit:
    from ..errors import InputError

    fmt = getattr(component, "fmt", None)
    if fmt is None:
        raise InputError(f"{type(component).__name__} has no `fmt` attribute: not an fpverify FP unit")
    fmt = get_format(fmt)
    out = get_format(getattr(component, "out_fmt", None) or fmt)
    op = op or getattr(component, "op", None)
    if op not in SIM_OPS:
        raise InputError(f"{type(component).__name__}: unknown golden op {op!r} ({', '.join(SIM_OPS)})")
    if rounding is None:  # a bare component: the unit convention's attribute
        rounding = getattr(component, "rounding", "rne")
    ports = set(netlist.inputs)
    if rounding == "port" or "rm" in ports:
        rnd = None
    else:
        rnd = parse_rounding(rounding)
    for need in ("a", "b"):
        if need not in netlist.inputs:
            raise InputError(f"{type(component).__name__} has no input port {need!r}")
    for need in ("result", "flags"):
        if need not in netlist.outputs:
            raise InputError(f"{type(component).__name__} has no output port {need!r}")
    ovf = getattr(component, "overflow", None)
    ovf = Overflow(ovf) if isinstance(ovf, str) else ovf
    tin = getattr(component, "tininess", Tininess.AFTER)
    tin = Tininess(tin) if isinstance(tin, str) else tin
    nbits = len(netlist.inputs["rbits"]) if "rbits" in netlist.inputs else 0
    return _Unit(type(component).__name__, op, fmt, out, rnd, ovf, tin, getattr(component, "policy", None),
                 int(getattr(component, "latency", 0) or 0), ports, nbits)


def _env(u: _Unit, rounding: Rounding, random_bits: int = 0) -> Env:
    return Env(rounding=rounding, overflow=u.overflow, tininess=u.tininess, random_bits=random_bits)


def _policy(u: _Unit, op: str):
    """The unit's L-Mul policy when ``op`` takes one (None: the golden default)."""
    return u.policy if OPS[op].takes_policy else None


def _golden_one(u: _Unit, op: str, a: int, b: int, env: Env) -> tuple[int, int]:
    r = OPS[op].run_golden(u.fmt, (a, b), env, out=u.out, policy=_policy(u, op))
    return int(r.code), int(r.flags) & FLAG_MASK


def _golden_batch(u: _Unit, op: str, a: np.ndarray, b: np.ndarray, env: Env,
                  rbits: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if u.fmt.width <= 8 and rbits is None:
        try:
            from ..fast.tables import binary_table

            codes, flags = binary_table(op, u.fmt, env, out=u.out, policy=_policy(u, op))
            idx = (a.astype(np.int64) << u.fmt.width) | b.astype(np.int64)
            return codes[idx].astype(np.uint64), (flags[idx].astype(np.uint64) & np.uint64(FLAG_MASK))
        except ImportError:  # pragma: no cover - tables module missing
            pass
    codes = np.empty(len(a), dtype=np.uint64)
    flags = np.empty(len(a), dtype=np.uint64)
    for i in range(len(a)):
        e = env if rbits is None else _env(u, env.rounding, int(rbits[i]))
        codes[i], flags[i] = _golden_one(u, op, int(a[i]), int(b[i]), e)
    return codes, flags


# ---- operand generation --------------------------------------------------------------------------

def edge_codes(fmt: FloatFormat) -> list[int]:
    """Codes where FP bugs live: zeros, subnormal/normal boundaries, every exponent's ends, max
    finite, Inf, NaN, ±1."""
    m = fmt.man_bits
    mags = {0, 1, 2, (1 << m) - 1 if m else 0, 1 << m, (1 << m) + 1}
    top_e = (fmt.mag_mask >> m) if m < fmt.width else 0
    for e in range(top_e + 1):
        mags.add(e << m)
        mags.add((e << m) | ((1 << m) - 1))
        mags.add((e << m) | (1 << (m - 1)) if m else e << m)
    mags.add(fmt.bias << m)  # 1.0
    codes = set()
    for mag in mags:
        if mag > fmt.mag_mask:
            continue
        codes.add(mag)
        if fmt.signed:
            codes.add(mag | fmt.sign_bit)
    extra = [fmt.max_code, fmt.min_code, fmt.max_code - 1]
    for s in (0, 1):
        for f in (fmt.nan_code, fmt.inf_code):
            try:
                extra.append(f(s))
            except Exception:  # the format has no such code
                pass
    codes.update(c for c in extra if c is not None and 0 <= c < (1 << fmt.width))
    return sorted(codes)


def sample_codes(fmt: FloatFormat, n: int, rng: np.random.Generator, op: str = "mul"
                 ) -> tuple[np.ndarray, np.ndarray]:
    """`n` operand pairs: ~55% uniform, ~25% edge codes on one or both sides, ~20% near-equal
    operands (same or adjacent exponents, a few low bits apart: cancellation, ties, carries)."""
    w = fmt.width
    edges = np.array(edge_codes(fmt), dtype=np.uint64)
    a = rng.integers(0, 1 << w, size=n, dtype=np.uint64)
    b = rng.integers(0, 1 << w, size=n, dtype=np.uint64)
    kind = rng.random(n)
    e1 = kind < 0.10
    a[e1] = rng.choice(edges, size=int(e1.sum()))
    e2 = (kind >= 0.10) & (kind < 0.18)
    b[e2] = rng.choice(edges, size=int(e2.sum()))
    e3 = (kind >= 0.18) & (kind < 0.25)
    a[e3] = rng.choice(edges, size=int(e3.sum()))
    b[e3] = rng.choice(edges, size=int(e3.sum()))
    near = (kind >= 0.25) & (kind < 0.45)
    k = int(near.sum())
    if k:
        delta = rng.integers(0, 1 << min(4, max(fmt.man_bits, 1)), size=k, dtype=np.uint64)
        shift = rng.integers(0, min(fmt.precision + 3, 16), size=k, dtype=np.uint64)
        bb = a[near] ^ delta
        # move b's exponent by a few binades (aligned-shift ties and sticky bits)
        bb = np.where(rng.random(k) < 0.5, bb, (bb + (shift << np.uint64(fmt.man_bits))) & np.uint64((1 << w) - 1))
        if fmt.signed:
            flip = rng.random(k) < 0.5
            bb = np.where(flip, bb ^ np.uint64(fmt.sign_bit), bb)
        b[near] = bb
    return a, b


# ---- the comparison ----------------------------------------------------------------------------

def _is_nan_vec(fmt: FloatFormat, codes: np.ndarray) -> np.ndarray:
    if not fmt.has_nan:
        return np.zeros(len(codes), dtype=bool)
    if fmt.width <= 16:
        table = np.array([fmt.is_nan(c) for c in range(1 << fmt.width)], dtype=bool)
        return table[codes.astype(np.int64)]
    return np.array([fmt.is_nan(int(c)) for c in codes], dtype=bool)


def _controls(u: _Unit) -> list[tuple[str, dict[str, int], Rounding | None]]:
    """(label, fixed control inputs, rounding) for each control setting to cover."""
    subs = [0, 1] if "sub" in u.ports else [None]
    modes = list(RM_MODES.items()) if u.rounding is None else [(None, None)]
    out = []
    for s in subs:
        for code, mode in modes:
            ctl = {}
            if s is not None:
                ctl["sub"] = s
            if code is not None:
                ctl["rm"] = code
            rnd = u.rounding if mode is None else Rounding(mode)
            op = "sub" if s == 1 else u.op
            label = f"{op}/{rnd}"
            out.append((label, ctl, rnd))
    return out


def compare_with_golden(component: Any, *, netlist: ir.Netlist | None = None, n: int | None = None,
                        seed: int = 0, exhaustive_limit: int = EXHAUSTIVE_LIMIT, vcd_dir: str | Path | None = None,
                        max_examples: int = 20, op: str | None = None, design_name: str | None = None,
                        progress: Callable[[int, int], None] | None = None,
                        component_factory: Callable[[], Any] | None = None,
                        rounding: Rounding | str | None = None) -> SimReport:
    """Compare `component` (netlist from `flatten` unless given) with the golden model.

    `rounding`: the design's resolved rounding (`fpverify.hdl.design.Design.rounding`: a `Rounding`
    or ``"port"``); without it, the component's ``rounding`` attribute (RNE when it has none).

    `n` samples are drawn when the operand space exceeds `exhaustive_limit` (default 20,000).
    `vcd_dir`: write ``mismatches.vcd`` there (Amaranth's simulator, all named signals) when any
    vector mismatches. `progress(done, total)` is called between chunks; Ctrl-C stops early and
    returns the partial report with ``interrupted=True``.
    """
    from .netlist import flatten

    t0 = time.perf_counter()
    nl = netlist if netlist is not None else flatten(component)
    u = _unit(component, nl, op, rounding)
    rng = np.random.default_rng(seed)
    controls = _controls(u)
    space = 1 << (2 * u.fmt.width)
    exhaustive = space <= exhaustive_limit and u.nbits == 0
    report = SimReport(design=design_name or u.name, op=u.op, fmt=u.fmt.name, out_fmt=u.out.name,
                       rounding="port (all modes)" if u.rounding is None else str(u.rounding),
                       method="exhaustive" if exhaustive else "sampled", seed=seed, _fmt=u.fmt, _out=u.out)
    ev = Evaluator(nl)
    out_nan = u.out
    if exhaustive:
        idx = np.arange(space, dtype=np.uint64)
        all_a, all_b = idx >> np.uint64(u.fmt.width), idx & np.uint64((1 << u.fmt.width) - 1)
        per_control = space
    else:
        per_control = max(1, (n or 20_000) // len(controls))
    total = per_control * len(controls)
    done = 0
    bad_vectors: list[dict[str, int]] = []
    try:
        for label, ctl, rnd in controls:
            stats = report.per_mode.setdefault(label, {"vectors": 0, "mismatches": 0})
            env = _env(u, rnd)
            gop = "sub" if ctl.get("sub") == 1 else u.op
            for start in range(0, per_control, CHUNK):
                cnt = min(CHUNK, per_control - start)
                if exhaustive:
                    a, b = all_a[start:start + cnt], all_b[start:start + cnt]
                else:
                    a, b = sample_codes(u.fmt, cnt, rng, u.op)
                rbits = rng.integers(0, 1 << u.nbits, size=cnt, dtype=np.uint64) if u.nbits else None
                vec = {"a": a, "b": b}
                vec.update({k: np.full(cnt, v, dtype=np.uint64) for k, v in ctl.items()})
                if rbits is not None:
                    vec["rbits"] = rbits
                got = evaluate_pipelined(nl, vec, u.latency, evaluator=ev)
                g_res, g_flags = got["result"], got["flags"] & np.uint64(FLAG_MASK)
                e_res, e_flags = _golden_batch(u, gop, a, b, env, rbits)
                e_nan = _is_nan_vec(out_nan, e_res)
                res_bad = np.where(e_nan, ~_is_nan_vec(out_nan, g_res), g_res != e_res)
                flag_bad = g_flags != e_flags
                bad = res_bad | flag_bad
                nbad = int(bad.sum())
                report.result_mismatches += int(res_bad.sum())
                report.flag_mismatches += int(flag_bad.sum())
                report.mismatches += nbad
                report.vectors += cnt
                stats["vectors"] += cnt
                stats["mismatches"] += nbad
                _count_classes(report.per_class.setdefault(label, {}), u.fmt, a, b, bad)
                for i in np.flatnonzero(bad)[: max(0, max_examples - len(report.examples))]:
                    inputs = {"a": int(a[i]), "b": int(b[i]), **ctl}
                    if rbits is not None:
                        inputs["rbits"] = int(rbits[i])
                    m = _replayed(u, nl, ev, inputs, gop, rnd, label,
                                  int(g_res[i]), int(g_flags[i]), int(e_res[i]), int(e_flags[i]),
                                  bool(res_bad[i]), bool(flag_bad[i]))
                    report.examples.append(m)
                    bad_vectors.append(inputs)
                done += cnt
                if progress:
                    progress(done, total)
    except KeyboardInterrupt:
        report.interrupted = True
    report.seconds = time.perf_counter() - t0
    if vcd_dir is not None and bad_vectors:
        path = Path(vcd_dir) / f"{report.design}_mismatches.vcd"
        from .pysim import write_vcd

        target = component_factory() if component_factory else component
        write_vcd(target, bad_vectors, path, latency=u.latency)
        report.vcd = str(path)
    return report


def _count_classes(into: dict[str, dict[str, int]], fmt: FloatFormat, a, b, bad) -> None:
    """Add the vectors and mismatches of one chunk per operand-class pair."""
    n = len(CLASSES)
    pair = class_indices(fmt, a) * n + class_indices(fmt, b)
    total = np.bincount(pair, minlength=n * n)
    wrong = np.bincount(pair[bad], minlength=n * n)
    for k in np.flatnonzero(total):
        st = into.setdefault(pair_label(k // n, k % n), {"vectors": 0, "mismatches": 0})
        st["vectors"] += int(total[k])
        st["mismatches"] += int(wrong[k])


def _replayed(u: _Unit, nl: ir.Netlist, ev: Evaluator, inputs: dict[str, int], gop: str, rnd: Rounding,
              label: str, got: int, got_flags: int, exp: int, exp_flags: int, res_bad: bool,
              flag_bad: bool) -> Mismatch:
    """Recompute one mismatch independently (single-vector netlist run, scalar golden call)."""
    vec = {k: np.array([v], dtype=np.uint64) for k, v in inputs.items()}
    again = evaluate_pipelined(nl, vec, u.latency, evaluator=ev)
    g2, f2 = int(again["result"][0]), int(again["flags"][0]) & FLAG_MASK
    e2, ef2 = _golden_one(u, gop, inputs["a"], inputs["b"], _env(u, rnd, inputs.get("rbits", 0)))
    if (g2, f2) != (got, got_flags) or (e2, ef2) != (exp, exp_flags):
        raise RuntimeError(f"mismatch replay disagrees for {inputs}: netlist {got:#x}/{got_flags} vs "
                           f"{g2:#x}/{f2}, golden {exp:#x}/{exp_flags} vs {e2:#x}/{ef2}")
    kind = "both" if res_bad and flag_bad else ("result" if res_bad else "flags")
    return Mismatch(inputs, exp, exp_flags, got, got_flags, mode=str(rnd), op=gop, kind=kind)
