"""Spec expressions on concrete values: the replay side of every counterexample.

Same semantics as `symbolic.py`, written independently with Python integers and `Fraction`s, the
format methods of `fpverify.formats` and `fpverify.golden.neg/absolute`; the design is evaluated by
`fpverify.hdl.evaluate` (not by the z3 translation the solver used).
"""

from __future__ import annotations

from fractions import Fraction

from ..formats import FloatFormat, IntFormat
from . import ast
from .check import CheckedSpec, const_value
from .symbolic import mode_port_code
from .types import FloatT, IntT

INVALID = None  # a real that involves a non-finite float


class Float:
    __slots__ = ("code", "fmt")

    def __init__(self, code: int, fmt) -> None:
        self.code = code
        self.fmt = fmt


class Bits:
    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value


class Round:
    __slots__ = ("code",)

    def __init__(self, code: int) -> None:
        self.code = code


class Err:
    __slots__ = ("approx", "exact")

    def __init__(self, approx, exact) -> None:
        self.approx = approx
        self.exact = exact


class Real:
    __slots__ = ("value",)

    def __init__(self, value: Fraction | None) -> None:
        self.value = value


def is_class(name: str, fmt, code: int) -> bool:
    if isinstance(fmt, IntFormat):
        return {"zero": code == 0, "normal": code != 0, "finite": True, "nan": False, "inf": False,
                "subnormal": False, "negative": fmt.to_int(code) < 0}[name]
    nan, inf = fmt.is_nan(code), fmt.is_inf(code)
    if name == "nan":
        return nan
    if name == "inf":
        return inf
    if name == "finite":
        return not nan and not inf
    if name == "negative":
        return fmt.signed and bool(code & fmt.sign_bit) and not nan
    if nan or inf:
        return False
    v = fmt.value(code)
    if name == "zero":
        return v == 0
    sub = fmt.subnormals and v != 0 and abs(v) < fmt.min_normal
    if name == "subnormal":
        return sub
    if name == "normal":
        return v != 0 and not sub
    raise KeyError(name)


def real_of(f: Float) -> Fraction | None:
    if isinstance(f.fmt, IntFormat):
        return f.fmt.value(f.code)
    if f.fmt.is_nan(f.code) or f.fmt.is_inf(f.code):
        return INVALID
    return Fraction(f.fmt.value(f.code))


class ConcreteEvaluator:
    """Evaluates expressions of a checked spec for one input point.

    ``run_design(port_values) -> {port_or_signal: int}`` evaluates the design once (outputs and
    the probed signals ``self.probes``); ``run_reference`` likewise the spec's `reference` design
    (its evaluations are kept in ``ref_cache``).
    """

    def __init__(self, spec: CheckedSpec, run_design, probes: list[str], run_reference=None) -> None:
        self.spec = spec
        self.run_design = run_design
        self.run_reference = run_reference
        self.probes = probes
        self.cache: dict[tuple, dict[str, int]] = {}
        self.ref_cache: dict[tuple, dict[str, int]] = {}

    def design_values(self, env: dict[str, int], design: str = "dut") -> dict[str, int]:
        """Outputs and probes of the design (``design="ref"``: of the reference) at ``env``."""
        if design == "ref":
            ref = self.spec.reference
            ports = {q: env[n] for q, n in ref.inputs.items() if n in env}
            key = tuple(sorted(ports.items()))
            if key not in self.ref_cache:
                self.ref_cache[key] = self.run_reference(ports)
            return self.ref_cache[key]
        ports = {self.spec.inputs[k].port: v for k, v in env.items() if k in self.spec.inputs}
        key = tuple(sorted(ports.items()))
        if key not in self.cache:
            self.cache[key] = self.run_design(ports)
        return self.cache[key]

    def value_of_input(self, name: str, v: int):
        t = self.spec.input_type(name)
        if isinstance(t, (FloatT, IntT)):
            return Float(v, t.fmt)
        if t.__class__.__name__ == "RoundT":
            return Round(v)
        return Bits(v)

    def eval(self, e: ast.Expr, env: dict[str, int]):
        if isinstance(e, ast.Num):
            return e.value
        if isinstance(e, ast.BoolLit):
            return e.value
        if isinstance(e, ast.Name):
            if e.id in env:
                return self.value_of_input(e.id, env[e.id])
            if e.id not in self.spec.outputs:
                return Round(mode_port_code(e.id))
            port = self.spec.outputs[e.id]
            v = self.design_values(env, port.design)[port.port]
            return Float(v, port.type.fmt) if isinstance(port.type, (FloatT, IntT)) else Bits(v)
        if isinstance(e, ast.Signal):
            if e.design == "ref":
                ref = self.spec.reference
                if e.path in ref.inputs:
                    return Bits(env[ref.inputs[e.path]])
                if e.path in ref.held:
                    return Bits(ref.held[e.path])
                return Bits(self.design_values(env, "ref")[e.path])
            if e.path in self.spec_ports_in():
                return Bits(env[self.spec_ports_in()[e.path]])
            return Bits(self.design_values(env)[e.path])
        if isinstance(e, ast.Unary):
            v = self.eval(e.operand, env)
            if e.op == "not":
                return not v
            if isinstance(v, Real):
                return Real(None if v.value is None else -v.value)
            return -v
        if isinstance(e, ast.Binary):
            return self._binary(e, env)
        if isinstance(e, ast.Compare):
            vals = [self.eval(x, env) for x in e.operands]
            return all(self._compare(op, vals[i], vals[i + 1]) for i, op in enumerate(e.ops))
        if isinstance(e, ast.Call):
            return self._call(e, env)
        if isinstance(e, ast.Substitute):
            new = dict(env)
            for b in e.bindings:
                new[b.name] = self.as_int(self.eval(b.value, env), b.name)
            return self.eval(e.target, new)
        if isinstance(e, ast.Slice):
            v = self.eval(e.target, env)
            x = v.value
            return Bits((x >> e.lo) & ((1 << (e.hi - e.lo + 1)) - 1))
        raise TypeError(type(e).__name__)

    def spec_ports_in(self) -> dict[str, str]:
        return {p.port: n for n, p in self.spec.inputs.items()}

    def as_int(self, v, name: str) -> int:
        """The code of a value bound to input ``name`` (a float, rounding mode or bits)."""
        if isinstance(v, Float):
            return v.code
        if isinstance(v, Round):
            return v.code
        t = self.spec.input_type(name)
        w = t.width if hasattr(t, "width") else 64
        x = v.value if isinstance(v, Bits) else int(v)
        return x % (1 << w)

    def _binary(self, e, env):
        if e.op == "and":
            return bool(self.eval(e.left, env)) and bool(self.eval(e.right, env))
        if e.op == "or":
            return bool(self.eval(e.left, env)) or bool(self.eval(e.right, env))
        if e.op == "implies":
            return (not self.eval(e.left, env)) or bool(self.eval(e.right, env))
        c = const_value(e)
        if c is not None:
            return c
        a, b = self.eval(e.left, env), self.eval(e.right, env)
        if isinstance(a, Bits) or isinstance(b, Bits):
            x = a.value if isinstance(a, Bits) else int(a)
            y = b.value if isinstance(b, Bits) else int(b)
            return Bits({"+": x + y, "-": x - y, "*": x * y}[e.op])
        x, y = self._real(a), self._real(b)
        if x is None or y is None:
            return Real(None)
        return Real(x * y if e.op == "*" else x / y)

    def _real(self, v) -> Fraction | None:
        if isinstance(v, Float):
            return real_of(v)
        if isinstance(v, Real):
            return v.value
        return Fraction(v)

    def _compare(self, op, a, b) -> bool:
        if isinstance(a, Err) or isinstance(b, Err):
            if isinstance(b, Err):
                a, b, op = b, a, {">": "<", ">=": "<="}[op]
            y, r = a.approx, a.exact
            if y is None or r is None:
                return False
            err, lim = abs(y - r), Fraction(b) * abs(r)
            return err < lim if op == "<" else err <= lim
        if isinstance(a, Round) or isinstance(b, Round):
            same = a.code == b.code
            return same if op == "==" else not same
        if isinstance(a, Float) and isinstance(b, Float):
            fmt = a.fmt
            an, bn = fmt.is_nan(a.code), fmt.is_nan(b.code)
            if op in ("==", "!="):
                same = (an and bn) or a.code == b.code
                return same if op == "==" else not same
            if an or bn:
                return False
            return _cmp(op, _ordered(fmt, a.code), _ordered(fmt, b.code))
        if isinstance(a, Bits) or isinstance(b, Bits):
            x = a.value if isinstance(a, Bits) else int(a)
            y = b.value if isinstance(b, Bits) else int(b)
            return _cmp(op, x, y)
        x, y = self._inf_aware(a), self._inf_aware(b)
        if x is None or y is None:
            return False
        return _cmp(op, x, y)

    def _inf_aware(self, v):
        """Reals for comparison; a float's infinities stay infinite (floats only)."""
        if isinstance(v, Float) and isinstance(v.fmt, FloatFormat) and v.fmt.is_inf(v.code):
            return float("-inf") if v.fmt.signed and v.code & v.fmt.sign_bit else float("inf")
        return self._real(v)

    def _call(self, e, env):
        from ..golden import absolute, neg

        f = e.func
        args = [self.eval(a, env) for a in e.args]
        x = args[0]
        if f in ("nan", "inf", "zero", "subnormal", "normal", "finite", "negative"):
            return is_class(f, x.fmt, x.code)
        if f == "bits":
            return Bits(x.code)
        if f == "value":
            return Real(real_of(x))
        if f == "neg":
            return Float(neg(x.fmt, x.code), x.fmt)
        if f == "abs":
            if isinstance(x, Float):
                if x.fmt.is_nan(x.code):
                    return x
                return Float(absolute(x.fmt, x.code), x.fmt)
            r = self._real(x)
            return Real(None if r is None else abs(r)) if isinstance(x, Real) else abs(x)
        if f in ("relerr", "abserr"):
            return Err(self._real(args[0]), self._real(args[1]))
        raise TypeError(f)


def _ordered(fmt: FloatFormat, code: int):
    if fmt.is_inf(code):
        return float("-inf") if fmt.signed and code & fmt.sign_bit else float("inf")
    return fmt.value(code)


def _cmp(op: str, a, b) -> bool:
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
