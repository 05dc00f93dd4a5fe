"""The MX block dot product as a campaign property: ``result``/``flags`` of a `rtl.mx_dot.MXDot`-style
unit (ports ``a``, ``b``: k element codes each, ``scale_a``, ``scale_b``: E8M0) equal golden
`mx_dot_exact` (exact sum rounded once, OCP specials), NaN as a class. In a stochastic mode the
unit's ``rbits`` port (role ``rbits``) is R: golden rounds each vector with its own R.

* ``concrete``: the simulated vectors against golden, each mismatch re-computed in golden;
* ``prove``: the sum-cut proof `fpverify.prove.mx_dot_decompose.prove_mx_dot_decomposed` on the
  generator's ports (lemmas proved in the run, monolithic fallback), else the monolithic miter
  `fpverify.prove.mx_dot.prove_mx_dot`; a REFUTED model is replayed on the evaluator and in golden.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..formats import FloatFormat, get_format
from ..rounding import Env
from ..semantics.ports import IEEE_FLAG_MASK
from .properties import Outcome

PORTS = ("a", "b", "scale_a", "scale_b")


@dataclass
class MXDotEquivalence:
    """``result == mx_dot(a, b, scale_a, scale_b)`` with flags, for ``k`` elements of ``elem``."""

    elem: FloatFormat
    k: int
    out_fmt: FloatFormat
    env: Env = field(default_factory=Env)
    elem_b: FloatFormat | None = None
    solver: str = "bitwuzla"
    name: str = ""
    ports: dict[str, str | None] | None = None  # role -> netlist port (a spec's binding); None: the generator's

    def port(self, role: str) -> str | None:
        """The netlist port playing ``role`` (a, b, scale_a, scale_b, result, flags)."""
        return (self.ports or {}).get(role, role)

    def __post_init__(self):
        self.elem = get_format(self.elem)
        self.elem_b = get_format(self.elem_b) if self.elem_b is not None else self.elem
        self.out_fmt = get_format(self.out_fmt)
        if not self.name:
            self.name = f"result == mx_dot(a, b, scale_a, scale_b, {self.env.rounding}) with flags " \
                        f"[{self.elem.name} x {self.k} -> {self.out_fmt.name}]"

    @property
    def fmt(self) -> FloatFormat:  # what campaigns read to pick semantic mutants
        return self.out_fmt

    def _golden(self, inputs: dict[str, int]) -> tuple[int, int]:
        from ..prove.mx_dot import golden_dot

        return golden_dot(self.elem, self.elem_b, self.k, self.out_fmt, self.env, inputs)

    def _roles(self, inputs: dict[str, int]) -> dict[str, int]:
        """Netlist port values -> role values (``rbits`` too in a stochastic mode)."""
        from ..prove.mx_dot import RAND, role_values

        return role_values(inputs, {r: self.port(r) for r in (*PORTS, RAND)}, self.env)

    def expected(self, vectors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from ..prove.mx_dot import RAND

        roles = [*PORTS, RAND] if self.env.rounding.mode.stochastic and self.port(RAND) in vectors else list(PORTS)
        cols = [np.asarray(vectors[self.port(p)]).astype(object) for p in roles]
        n = len(cols[0])
        codes = np.zeros(n, dtype=np.int64)
        flags = np.zeros(n, dtype=np.int64)
        for i in range(n):
            codes[i], flags[i] = self._golden({p: int(c[i]) for p, c in zip(roles, cols)})
        if not self.port("flags"):
            flags[:] = 0
        nan = np.array([self.out_fmt.is_nan(int(c)) for c in codes], dtype=bool)
        return {"codes": codes, "flags": flags, "valid": np.ones(n, dtype=bool), "nan": nan}

    def concrete(self, vectors, outputs, expected, method: str) -> Outcome:
        t0 = time.perf_counter()
        got = np.asarray(outputs[self.port("result")]).astype(np.int64)
        got_nan = np.array([self.out_fmt.is_nan(int(c)) for c in got], dtype=bool)
        flags_port = self.port("flags")
        got_flags = np.asarray(outputs[flags_port]).astype(np.int64) & IEEE_FLAG_MASK if flags_port \
            else np.zeros(len(got), dtype=np.int64)
        if not flags_port:
            expected = {**expected, "flags": np.zeros(len(got), dtype=np.int64)}
        bad = ((got != expected["codes"]) & ~(got_nan & expected["nan"])) | (got_flags != expected["flags"])
        if not bad.any():
            return Outcome("PASS", time.perf_counter() - t0, method)
        i = int(np.flatnonzero(bad)[0])
        inputs = {k: int(v[i]) for k, v in vectors.items()}
        gold = self._golden(self._roles(inputs))  # recomputed, not read back from the expected arrays
        if not flags_port:
            gold = (gold[0], 0)
        actual = (int(got[i]), int(got_flags[i]))
        cex = {"inputs": inputs, "expected": {"code": gold[0], "flags": gold[1]},
               "actual": {"code": actual[0], "flags": actual[1]},
               "replayed": gold == (int(expected["codes"][i]), int(expected["flags"][i])),
               "decoded": self.decode(inputs, gold, actual)}
        return Outcome("FAIL", time.perf_counter() - t0, method, lemma=f"{method} vs golden", counterexample=cex)

    def decode(self, inputs: dict[str, int], expected, actual) -> str:
        """``inputs``: netlist port values."""
        inputs = self._roles(inputs)
        w = self.elem.width
        elems = [(inputs["a"] >> (i * w)) & ((1 << w) - 1) for i in range(self.k)]
        elems_b = [(inputs["b"] >> (i * self.elem_b.width)) & ((1 << self.elem_b.width) - 1) for i in range(self.k)]
        o = self.out_fmt
        rnd = f", rbits={inputs['rbits']}" if "rbits" in inputs else ""

        def show(c):
            return f"{c:#x} ({'nan' if o.is_nan(c) else o.value(c)})"
        return (f"mx_dot(a={[hex(e) for e in elems]}, b={[hex(e) for e in elems_b]}, scale_a={inputs['scale_a']:#x}, "
                f"scale_b={inputs['scale_b']:#x}{rnd}): golden {show(expected[0])} flags {expected[1]:#x}, "
                f"netlist {show(actual[0])} flags {actual[1]:#x}")

    def prove(self, netlist, timeout_s: float) -> Outcome:
        from ..prove.mx_dot import port_binding, prove_mx_dot
        from ..prove.mx_dot_decompose import prove_mx_dot_decomposed

        if port_binding(self.ports) == port_binding(None):  # the generator's ports: the sum cut
            res = prove_mx_dot_decomposed(netlist, self.elem, self.k, elem_b=self.elem_b, out=self.out_fmt,
                                          env=self.env, solver=self.solver, timeout_s=timeout_s)
        else:
            res = prove_mx_dot(netlist, self.elem, self.k, elem_b=self.elem_b, out=self.out_fmt, env=self.env,
                               solver=self.solver, timeout_s=timeout_s, ports=self.ports)
        method = f"smt:{res.solver}"
        if res.status == "PROVED":
            return Outcome("PASS", res.seconds, method)
        if res.status == "REFUTED":
            cex = {"inputs": res.inputs, "expected": {"code": res.golden[0], "flags": res.golden[1]},
                   "actual": {"code": res.netlist[0], "flags": res.netlist[1]}, "replayed": True,
                   "decoded": self.decode(res.inputs, res.golden, res.netlist),
                   "first_failing_stage": res.first_failing}
            return Outcome("FAIL", res.seconds, method, lemma=res.first_failing or "", counterexample=cex)
        return Outcome("UNKNOWN", res.seconds, method, detail=f"{res.status}: {res.message}")


__all__ = ["MXDotEquivalence"]
