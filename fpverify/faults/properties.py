"""Properties a campaign grades, each with two checks:

* ``concrete``: a fast numpy check on simulated vectors (exhaustive for FP8 and smaller), giving a
  concrete counterexample that is then re-checked in the golden model itself (not the table);
* ``prove``: the SMT check the spec would run (`fpverify.prove.api.prove_equivalence`), which
  attributes a kill to a property and its obligation/lemma, and catches what simulation can't reach.

`GoldenEquivalence` is "the unit equals golden op X" (result with NaN as a class, plus flags),
optionally restricted by operand-class assumptions (`OperandClass`); ``nan_exact=True`` compares the
result bit for bit (a NaN result must be the golden model's canonical NaN code).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..formats import FloatFormat, get_format
from ..rounding import DETERMINISTIC, Env, Rounding
from ..semantics.ops import get_op
from ..semantics.ports import IEEE_FLAG_MASK, RM_MODES
CLASSES = ("normal", "subnormal", "zero", "inf", "nan", "finite", "nonzero")


@dataclass
class Outcome:
    """A property checked on one netlist."""

    status: str  # "PASS" | "FAIL" | "UNKNOWN"
    seconds: float = 0.0
    method: str = ""  # "exhaustive-sim" | "random-sim" | "smt:<solver>"
    lemma: str = ""  # obligation / lemma that failed
    counterexample: dict | None = None
    detail: str = ""

    def to_json(self) -> dict:
        d = {"status": self.status, "seconds": round(self.seconds, 4), "method": self.method}
        for k in ("lemma", "counterexample", "detail"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        return d


def _class_of(fmt: FloatFormat, code: int) -> str:
    if fmt.is_nan(code):
        return "nan"
    if fmt.is_inf(code):
        return "inf"
    man = code & ((1 << fmt.man_bits) - 1)
    exp = (code >> fmt.man_bits) & ((1 << fmt.exp_bits) - 1)
    if exp == 0:
        return "zero" if man == 0 else "subnormal"
    return "normal"


@dataclass(frozen=True)
class OperandClass:
    """Assumption: operand ``port`` is in class ``cls`` (normal/subnormal/zero/inf/nan/finite/nonzero)."""

    cls: str
    port: str

    def __post_init__(self):
        if self.cls not in CLASSES:
            raise ValueError(f"unknown operand class {self.cls!r} (one of {', '.join(CLASSES)})")

    def __str__(self) -> str:
        return f"{self.cls}({self.port})"

    def holds(self, fmt: FloatFormat, code: int) -> bool:
        c = _class_of(fmt, code)
        if self.cls == "finite":
            return c in ("normal", "subnormal", "zero")
        if self.cls == "nonzero":
            return c != "zero"
        return c == self.cls

    def mask(self, fmt: FloatFormat, codes: np.ndarray) -> np.ndarray:
        if fmt.width <= 16:
            table = np.array([self.holds(fmt, c) for c in range(1 << fmt.width)], dtype=bool)
            return table[codes.astype(np.intp)]
        return np.array([self.holds(fmt, int(c)) for c in codes], dtype=bool)

    def z3(self, fmt: FloatFormat, bv) -> Any:
        """The same predicate over a z3 bit-vector of the operand (cross-checked in the tests)."""
        import z3

        from ..smt import classify

        codes = [c for c in range(1 << fmt.width) if self.holds(fmt, c)] if fmt.width <= 10 else None
        if codes is not None and len(codes) <= 64:
            return z3.Or(*[bv == c for c in codes]) if len(codes) > 1 else (bv == codes[0] if codes else z3.BoolVal(False))
        man = z3.Extract(fmt.man_bits - 1, 0, bv) if fmt.man_bits else None
        exp = z3.Extract(fmt.man_bits + fmt.exp_bits - 1, fmt.man_bits, bv)
        nan = classify.is_nan(fmt, bv)
        inf = classify.is_inf(fmt, bv)
        special = z3.Or(nan, inf)
        zero = z3.And(exp == 0, man == 0) if man is not None else exp == 0
        sub = z3.And(exp == 0, man != 0) if man is not None else z3.BoolVal(False)
        normal = z3.And(exp != 0, z3.Not(special))
        return {"normal": normal, "subnormal": z3.And(sub, z3.Not(special)), "zero": z3.And(zero, z3.Not(special)),
                "inf": inf, "nan": nan, "finite": z3.Not(special), "nonzero": z3.Not(z3.And(zero, z3.Not(special)))}[self.cls]


@dataclass(frozen=True)
class PortValue:
    """Assumption: input ``port`` (bits, e.g. an adder's ``sub`` select) equals ``value``."""

    port: str
    value: int
    cls: str = "=="  # read by property names / reports like OperandClass.cls

    def __str__(self) -> str:
        return f"{self.port} == {self.value}"

    def holds(self, fmt: FloatFormat, code: int) -> bool:
        return int(code) == self.value

    def mask(self, fmt: FloatFormat, codes: np.ndarray) -> np.ndarray:
        return np.asarray(codes).astype(np.int64) == self.value

    def z3(self, fmt: FloatFormat, bv) -> Any:
        import z3

        return bv == z3.BitVecVal(self.value, bv.size())


def _nan_mask(fmt, codes: np.ndarray) -> np.ndarray:
    if fmt.width <= 16:
        table = np.array([fmt.is_nan(c) for c in range(1 << fmt.width)], dtype=bool)
        return table[codes.astype(np.intp)]
    return np.array([fmt.is_nan(int(c)) for c in codes], dtype=bool)


@dataclass
class GoldenEquivalence:
    """``result``/``flags`` ports equal golden ``op`` on ``a``, ``b`` (NaN as a class)."""

    op: str
    fmt: FloatFormat
    env: Env = field(default_factory=Env)
    out_fmt: FloatFormat | None = None
    lmul_policy: Any = None
    ports: dict[str, str | None] = field(default_factory=lambda: {"a": "a", "b": "b", "result": "result",
                                                                  "flags": "flags", "rm": None, "sub": None})
    check_flags: bool = True
    assume: Sequence[OperandClass | PortValue] = ()
    name: str = ""
    solver: str = "z3"
    nan_exact: bool = False  # compare result bits exactly (pins the canonical NaN encoding)
    addend_fmt: FloatFormat | None = None  # a mixed FMA's c format (None: ``fmt``)

    def __post_init__(self):
        self.fmt = get_format(self.fmt)
        self.addend_fmt = get_format(self.addend_fmt) if self.addend_fmt is not None else None
        self.out_fmt = get_format(self.out_fmt) if self.out_fmt is not None else self.fmt
        if not self.name:
            extra = f" assuming {', '.join(str(a) for a in self.assume)}" if self.assume else ""
            self.name = f"{self.ports['result']} == {self.op}({self.ports['a']}, {self.ports['b']}, " \
                        f"{self.env.rounding.mode.value if not self.ports.get('rm') else 'rm'})" \
                        f"{' with flags' if self.check_flags else ''}" \
                        f"{', exact nan' if self.nan_exact else ''}{extra}"

    # -- golden side ------------------------------------------------------------------------------

    def _env_for(self, rm_code: int | None) -> Env:
        if rm_code is None:
            return self.env
        mode = RM_MODES[rm_code]
        return Env(Rounding(mode), self.env.overflow, self.env.tininess, self.env.random_bits, self.env.nan_policy)

    def _policy(self, op: str):
        """The L-Mul policy when ``op`` takes one (None: the golden default)."""
        return self.lmul_policy if get_op(op).takes_policy else None

    def _golden_one(self, a: int, b: int, rm: int | None, sub: int | None, c: int | None = None) -> tuple[int, int]:
        env = self._env_for(rm)
        op = "sub" if (self.op == "add" and sub) else self.op
        operands = (a, b) if c is None else (a, b, c)
        r = get_op(op).run_golden(self.fmt, operands, env, out=self.out_fmt, policy=self._policy(op),
                                  addend=self.addend_fmt if c is not None else None)
        return r.code, int(r.flags) & IEEE_FLAG_MASK

    def expected(self, vectors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Golden codes/flags and the assumption mask for every vector (computed once per campaign)."""
        p = self.ports
        a = np.asarray(vectors[p["a"]]).astype(np.int64)
        b = np.asarray(vectors[p["b"]]).astype(np.int64)
        rm = np.asarray(vectors[p["rm"]]).astype(np.int64) if p.get("rm") else None
        sub = np.asarray(vectors[p["sub"]]).astype(np.int64) if p.get("sub") else None
        c = np.asarray(vectors[p["c"]]).astype(np.int64) if p.get("c") else None  # an FMA's addend
        n = len(a)
        codes = np.zeros(n, dtype=np.int64)
        flags = np.zeros(n, dtype=np.int64)
        valid = np.ones(n, dtype=bool)
        if rm is not None:
            valid &= np.isin(rm, list(RM_MODES))
        for cls in self.assume:
            valid &= cls.mask(self._port_fmt(cls.port), np.asarray(vectors[cls.port]).astype(np.int64))
        if self.fmt.width <= 8 and c is None:
            from ..fast.tables import INVALID_INPUT, binary_table

            for rmv in (sorted(RM_MODES) if rm is not None else [None]):
                for sv in ((0, 1) if sub is not None else (None,)):
                    sel = np.ones(n, dtype=bool)
                    if rmv is not None:
                        sel &= rm == rmv
                    if sv is not None:
                        sel &= sub == sv
                    op = "sub" if (self.op == "add" and sv) else self.op
                    tc, tf = binary_table(op, self.fmt, self._env_for(rmv), self.out_fmt, self._policy(op))
                    idx = (a[sel] << self.fmt.width) | b[sel]
                    codes[sel] = tc[idx]
                    flags[sel] = tf[idx]
                    bad = np.zeros(n, dtype=bool)
                    bad[sel] = tf[idx] == INVALID_INPUT
                    valid &= ~bad
        else:
            for i in np.flatnonzero(valid):
                codes[i], flags[i] = self._golden_one(int(a[i]), int(b[i]), None if rm is None else int(rm[i]),
                                                      None if sub is None else int(sub[i]),
                                                      None if c is None else int(c[i]))
        return {"codes": codes, "flags": flags & IEEE_FLAG_MASK, "valid": valid,
                "nan": _nan_mask(self.out_fmt, codes)}

    def _port_fmt(self, port: str) -> FloatFormat:
        """The format of the operand on ``port`` (a mixed FMA's c port: the addend format)."""
        return self.addend_fmt if self.addend_fmt is not None and port == self.ports.get("c") else self.fmt

    # -- checks -----------------------------------------------------------------------------------

    def concrete(self, vectors: dict[str, np.ndarray], outputs: dict[str, np.ndarray],
                 expected: dict[str, np.ndarray], method: str) -> Outcome:
        t0 = time.perf_counter()
        p = self.ports
        got = np.asarray(outputs[p["result"]]).astype(np.int64)
        bad = got != expected["codes"]
        if not self.nan_exact:
            bad &= ~(_nan_mask(self.out_fmt, got) & expected["nan"])
        if self.check_flags and p.get("flags"):
            bad |= (np.asarray(outputs[p["flags"]]).astype(np.int64) & IEEE_FLAG_MASK) != expected["flags"]
        bad &= expected["valid"]
        if not bad.any():
            return Outcome("PASS", time.perf_counter() - t0, method)
        i = int(np.flatnonzero(bad)[0])
        inputs = {k: int(v[i]) for k, v in vectors.items()}
        actual = (int(got[i]), int(outputs[p["flags"]][i]) & IEEE_FLAG_MASK if p.get("flags") else None)
        # replay in the golden model itself (not the table)
        g = self._golden_one(inputs[p["a"]], inputs[p["b"]], inputs.get(p["rm"]) if p.get("rm") else None,
                             inputs.get(p["sub"]) if p.get("sub") else None,
                             inputs[p["c"]] if p.get("c") else None)
        table = (int(expected["codes"][i]), int(expected["flags"][i]))
        cex = {"inputs": inputs, "expected": {"code": g[0], "flags": g[1]},
               "actual": {"code": actual[0], "flags": actual[1]}, "replayed": g == table,
               "decoded": self.decode(inputs, g, actual)}
        if g != table:
            return Outcome("UNKNOWN", time.perf_counter() - t0, method, counterexample=cex,
                           detail="golden table disagrees with the golden model (stale cache?)")
        return Outcome("FAIL", time.perf_counter() - t0, method, lemma=f"{method} vs golden", counterexample=cex)

    def decode(self, inputs: dict[str, int], expected, actual) -> str:
        f, o = self.fmt, self.out_fmt

        def show(fmt, c):
            try:
                return f"{c:#x} ({fmt.value(c)})"
            except Exception:  # NaN and friends
                return f"{c:#x} ({'nan' if fmt.is_nan(c) else '?'})"
        p = self.ports
        addend = f", {show(self.addend_fmt or f, inputs[p['c']])}" if p.get("c") else ""
        s = f"{self.op}({show(f, inputs[p['a']])}, {show(f, inputs[p['b']])}{addend})"
        if p.get("rm"):
            s += f" rm={RM_MODES.get(inputs[p['rm']], inputs[p['rm']])}"
        if p.get("sub"):
            s += f" sub={inputs[p['sub']]}"
        return f"{s}: golden {show(o, expected[0])} flags {expected[1]:#x}, netlist {show(o, actual[0])} " \
               f"flags {actual[1] if actual[1] is not None else '-'}"

    def prove(self, netlist, timeout_s: float) -> Outcome:
        from ..prove.api import PortMap, prove_equivalence

        t0 = time.perf_counter()
        fmt = self.fmt
        assumptions = [(lambda sym, c=c: c.z3(self._port_fmt(c.port), _sym_input(sym, c.port))) for c in self.assume]
        res = prove_equivalence(netlist, self.op, fmt, out_fmt=self.out_fmt, env=self.env,
                                lmul_policy=self.lmul_policy, ports=PortMap(**self.ports),
                                assumptions=assumptions, check_flags=self.check_flags,
                                timeout_s=timeout_s, solver=self.solver, nan_exact=self.nan_exact,
                                addend_fmt=self.addend_fmt)
        dt = time.perf_counter() - t0
        method = f"smt:{getattr(res, 'solver', self.solver)}"
        lemma = getattr(getattr(res, "obligation", None), "name", "") or ""
        if res.status == "PROVED":
            return Outcome("PASS", dt, method, lemma)
        if res.status == "REFUTED":
            cex = res.counterexample
            d = _cex_json(cex)
            if cex is None or not getattr(cex, "replayed", False):
                return Outcome("UNKNOWN", dt, method, lemma, d, detail="counterexample did not replay")
            return Outcome("FAIL", dt, method, lemma, d)
        return Outcome("UNKNOWN", dt, method, lemma, detail=f"{res.status} after {dt:.2f} s")


def _sym_input(sym, port: str):
    for getter in (lambda: sym.ports[port], lambda: getattr(sym, port), lambda: sym[port]):
        try:
            return getter()
        except (KeyError, AttributeError, TypeError):
            continue
    raise KeyError(f"symbolic inputs have no port {port!r}")


def _cex_json(cex) -> dict | None:
    if cex is None:
        return None
    out = {}
    for k in ("inputs", "expected", "actual_netlist", "actual_golden", "replayed", "decoded"):
        v = getattr(cex, k, None)
        if v is not None:
            out[k] = list(v) if isinstance(v, tuple) else v
    return out


def all_deterministic_modes() -> list[Rounding]:
    return list(DETERMINISTIC)
