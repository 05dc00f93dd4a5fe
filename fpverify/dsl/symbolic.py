"""Spec expressions as z3 terms (the solver side). `concrete.py` is the same semantics on Python
integers; counterexamples found here are replayed there (and on the netlist evaluator).

Values: floats are codes (`FloatV`), bits are integers (`BitsV`, wide enough never to wrap),
reals are exact monomials ``c * S * 2^E`` (`RealV`, S a signed bit-vector, E a signed exponent)
that carry a validity condition (every float factor finite). Comparisons of reals are exact:
exponents are aligned with a clamped shift whose clamp provably preserves the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import z3

from ..formats import FloatFormat, IntFormat
from ..smt import classify
from ..smt.exact_product import significand_product
from ..smt.reference.tapered import SIG_BITS, unpack_tapered
from ..tapered import TaperedFormat
from . import ast
from .check import CheckedSpec, const_value
from .types import ROUNDING_PORT_CODES, FloatT, IntT, RoundT

EXP_WIDTH = 32  # signed exponent terms; |exponent| of any product stays far below 2^31


@dataclass(frozen=True)
class FloatV:
    term: z3.BitVecRef
    fmt: FloatFormat | IntFormat


@dataclass(frozen=True)
class BitsV:
    term: z3.BitVecRef
    signed: bool = False


@dataclass(frozen=True)
class RealV:
    valid: z3.BoolRef
    sig: z3.BitVecRef  # signed
    exp: z3.BitVecRef  # signed, EXP_WIDTH bits
    coef: Fraction = Fraction(1)


@dataclass(frozen=True)
class ConstV:
    value: Fraction


@dataclass(frozen=True)
class ErrV:
    kind: str
    approx: RealV
    exact: RealV
    approx_float: FloatV


@dataclass(frozen=True)
class RoundV:
    term: z3.BitVecRef


# ---- float classes on codes ---------------------------------------------------------------------


def _val(x: int, w: int) -> z3.BitVecRef:
    return z3.BitVecVal(x % (1 << w), w)


def f_is_nan(fmt, x: z3.BitVecRef) -> z3.BoolRef:
    return classify.is_nan(fmt, x)


def f_is_inf(fmt, x) -> z3.BoolRef:
    return classify.is_inf(fmt, x)


def f_is_zero(fmt, x) -> z3.BoolRef:
    if isinstance(fmt, IntFormat):
        return x == 0
    if not fmt.has_zero:
        return z3.BoolVal(False)
    w = x.size()
    if fmt.has_neg_zero:
        return x & _val(fmt.mag_mask, w) == 0
    return x == 0


def f_is_subnormal(fmt, x) -> z3.BoolRef:
    if isinstance(fmt, TaperedFormat):  # the denormal codes S 0000 mmm, m != 0
        mag = z3.Extract(6, 0, x)
        return z3.And(z3.Extract(6, 3, mag) == 0, mag != 0)
    if isinstance(fmt, IntFormat) or not fmt.subnormals or fmt.man_bits == 0:
        return z3.BoolVal(False)
    w = x.size()
    mag = x & _val(fmt.mag_mask, w)
    return z3.And(z3.LShR(mag, fmt.man_bits) == 0, mag != 0, z3.Not(f_is_nan(fmt, x)))


def f_is_finite(fmt, x) -> z3.BoolRef:
    return z3.And(z3.Not(f_is_nan(fmt, x)), z3.Not(f_is_inf(fmt, x)))


def f_is_normal(fmt, x) -> z3.BoolRef:
    if isinstance(fmt, IntFormat):
        return x != 0
    return z3.And(f_is_finite(fmt, x), z3.Not(f_is_zero(fmt, x)), z3.Not(f_is_subnormal(fmt, x)))


def f_sign(fmt, x) -> z3.BoolRef:
    if isinstance(fmt, IntFormat):
        return z3.Extract(fmt.bits - 1, fmt.bits - 1, x) == 1
    if not fmt.signed:
        return z3.BoolVal(False)
    return x & _val(fmt.sign_bit, x.size()) != 0


def f_negative(fmt, x) -> z3.BoolRef:
    return z3.And(f_sign(fmt, x), z3.Not(f_is_nan(fmt, x)))


CLASSES: dict[str, Callable] = {
    "nan": f_is_nan, "inf": f_is_inf, "zero": f_is_zero, "subnormal": f_is_subnormal,
    "normal": f_is_normal, "finite": f_is_finite, "negative": f_negative,
}


def class_names(fmt) -> list[str]:
    """The operand classes a format actually has (the cases of `split on class(x)`)."""
    names = []
    if isinstance(fmt, IntFormat):
        return ["zero", "normal"]
    if isinstance(fmt, TaperedFormat):
        return ["zero", "subnormal", "normal", "inf", "nan"]
    if fmt.has_zero:
        names.append("zero")
    if fmt.subnormals and fmt.man_bits > 0:
        names.append("subnormal")
    names.append("normal")
    if fmt.has_inf:
        names.append("inf")
    if fmt.has_nan:
        names.append("nan")
    return names


def f_neg(fmt: FloatFormat, x) -> z3.BitVecRef:
    flipped = x ^ _val(fmt.sign_bit, x.size())
    keep = f_is_nan(fmt, x)
    if not fmt.has_neg_zero:
        keep = z3.Or(keep, z3.And(x & _val(fmt.mag_mask, x.size()) == 0, z3.Not(f_is_inf(fmt, x))))
    return z3.If(keep, x, flipped)


def f_abs(fmt: FloatFormat, x) -> z3.BitVecRef:
    if not fmt.signed:
        return x
    return z3.If(z3.Or(f_is_nan(fmt, x), z3.Not(f_sign(fmt, x))), x, f_neg(fmt, x))


def f_order_key(fmt: FloatFormat, x) -> z3.BitVecRef:
    """A signed key whose order is the numeric order of non-NaN codes (zeros share key 0)."""
    if isinstance(fmt, TaperedFormat):
        return _tapered_order_key(fmt, x)
    mag = z3.ZeroExt(1, x & _val(fmt.mag_mask, x.size()))
    if not fmt.signed:
        return mag
    return z3.If(f_sign(fmt, x), -mag, mag)


def _tapered_order_key(fmt: TaperedFormat, x) -> z3.BitVecRef:
    """Tapered codes are not ordered like their values: key = (E + offset) * 2^3 + mantissa + 1
    from the decoded exponent and 3-bit mantissa (0 for zero, above every finite for Inf)."""
    w = 12
    u = unpack_tapered(fmt, x, w)
    e = u.exp + _val(SIG_BITS - 1 - fmt.emin_binade + 1, w)  # E - emin_binade + 1 >= 1
    mag = (e << 3) | z3.ZeroExt(w - 3, z3.Extract(2, 0, u.sig))
    mag = z3.If(u.is_zero, _val(0, w), z3.If(u.is_inf, _val((1 << (w - 1)) - 1, w), mag))
    return z3.If(u.sign, -mag, mag)


def f_real(fmt, x) -> RealV:
    """The exact value of a code: valid iff finite."""
    if isinstance(fmt, IntFormat):
        sig = z3.SignExt(1, x)
        return RealV(z3.BoolVal(True), sig, _val(fmt.scale_exp, EXP_WIDTH))
    if isinstance(fmt, TaperedFormat):  # the tapered decoder of the symbolic reference
        u = unpack_tapered(fmt, x, EXP_WIDTH)
        sig = z3.ZeroExt(2, u.sig)
        return RealV(f_is_finite(fmt, x), z3.If(u.sign, -sig, sig), u.exp)
    m = fmt.man_bits
    e_field = z3.Extract(fmt.exp_bits + m - 1, m, x) if fmt.exp_bits else None
    t = z3.ZeroExt(2, z3.Extract(m - 1, 0, x)) if m > 0 else z3.BitVecVal(0, 2)
    hidden = _val(1 << m, m + 2)
    ef = z3.ZeroExt(EXP_WIDTH - fmt.exp_bits, e_field)
    if fmt.subnormals:
        sub = e_field == 0
        sig = z3.If(sub, t, t | hidden)
        exp = z3.If(sub, _val(1 - fmt.bias - m, EXP_WIDTH), ef - _val(fmt.bias + m, EXP_WIDTH))
    else:
        sig = t | hidden
        exp = ef - _val(fmt.bias + m, EXP_WIDTH)
    sig = z3.If(f_sign(fmt, x), -sig, sig) if fmt.signed else sig
    return RealV(f_is_finite(fmt, x), sig, exp)


# ---- exact comparison of monomials ----------------------------------------------------------------


def _bits(n: int) -> int:
    return max(1, abs(n).bit_length())


def _scale(v: RealV, k: Fraction) -> tuple[z3.BitVecRef, int]:
    """v.sig * (v.coef numerator) * k as a signed bit-vector (k a positive integer)."""
    c = v.coef * k
    assert c.denominator == 1
    n = int(c)
    w = v.sig.size() + _bits(n) + 1
    return z3.SignExt(w - v.sig.size(), v.sig) * _val(n, w), w


def _widen(t: z3.BitVecRef, w: int) -> z3.BitVecRef:
    return z3.SignExt(w - t.size(), t) if t.size() < w else t


def _shl_clamped(x: z3.BitVecRef, amount: z3.BitVecRef, clamp: int, width: int) -> z3.BitVecRef:
    """x << min(amount, clamp) for amount >= 0, at ``width`` bits (signed)."""
    amt = z3.If(amount > clamp, _val(clamp, EXP_WIDTH), amount)
    return _widen(x, width) << _widen(amt, width) if width >= EXP_WIDTH else \
        _widen(x, width) << z3.Extract(width - 1, 0, amt)


def real_compare(op: str, a: RealV, b: RealV) -> z3.BoolRef:
    """Exact ``a op b`` (False when either is invalid)."""
    # clear denominators: a.coef = pa/qa, b.coef = pb/qb -> compare pa*qb*Sa*2^Ea with pb*qa*Sb*2^Eb
    xa, wa = _scale(a, Fraction(a.coef.denominator * b.coef.denominator))
    xb, wb = _scale(b, Fraction(a.coef.denominator * b.coef.denominator))
    width = wa + wb + 4
    d = a.exp - b.exp  # EXP_WIDTH is wide enough not to overflow
    left = z3.If(d >= 0, _shl_clamped(xa, d, wb + 1, width), _widen(xa, width))
    right = z3.If(d >= 0, _widen(xb, width), _shl_clamped(xb, -d, wa + 1, width))
    rel = {"==": left == right, "!=": left != right, "<": left < right, "<=": left <= right,
           ">": left > right, ">=": left >= right}[op]
    return z3.And(a.valid, b.valid, rel)


def relerr_le(err: ErrV, bound: Fraction, strict: bool) -> z3.BoolRef:
    """|approx - exact| <= bound * |exact| (or <), exactly; False unless both are finite."""
    y, r = err.approx, err.exact
    p, q = bound.numerator, bound.denominator
    # Y = approx significand * denominators; R = exact significand * numerators
    ky = Fraction(y.coef.denominator * r.coef.denominator)
    Y, wy = _scale(y, ky)
    R, wr = _scale(r, ky)
    D = wr + _bits(p) + _bits(q) + 2  # clamp for d = Ey - Er >= 0
    K = wy + _bits(q) + 2  # clamp for d < 0
    width = max(wy, wr) + max(D, K) + _bits(p) + _bits(q) + 6
    d = y.exp - r.exp
    Yw, Rw = _widen(Y, width), _widen(R, width)
    # d >= 0: q*|Y*2^d - R| <= p*|R|
    y_sh = _shl_clamped(Y, d, D, width)
    lhs_pos = _abs(y_sh - Rw) * _val(q, width)
    rhs_pos = _abs(Rw) * _val(p, width)
    # d < 0 (k = -d): q*|Y - R*2^k| <= p*|R|*2^k
    r_sh = _shl_clamped(R, -d, K, width)
    lhs_neg = _abs(Yw - r_sh) * _val(q, width)
    rhs_neg = _abs(r_sh) * _val(p, width)
    lhs = z3.If(d >= 0, lhs_pos, lhs_neg)
    rhs = z3.If(d >= 0, rhs_pos, rhs_neg)
    # magnitudes are non-negative and far below 2^(width-1): unsigned compare is exact
    rel = z3.ULT(lhs, rhs) if strict else z3.ULE(lhs, rhs)
    return z3.And(y.valid, r.valid, rel)


def _abs(t: z3.BitVecRef) -> z3.BitVecRef:
    return z3.If(t < 0, -t, t)


def real_mul(a: RealV, b: RealV) -> RealV:
    w = a.sig.size() + b.sig.size()
    return RealV(z3.And(a.valid, b.valid), _widen(a.sig, w) * _widen(b.sig, w), a.exp + b.exp,
                 a.coef * b.coef)


def float_product(fa: FloatFormat, a: z3.BitVecRef, fb: FloatFormat, b: z3.BitVecRef) -> RealV:
    """The exact ``a * b`` of two float codes, its significand the shared `significand_product` term
    (a multiplier decomposition recognises and cuts it)."""
    ra, rb = f_real(fa, a), f_real(fb, b)
    mag = z3.ZeroExt(1, significand_product(fa, a, fb, b))
    neg = z3.Xor(f_sign(fa, a), f_sign(fb, b))
    return RealV(z3.And(ra.valid, rb.valid), z3.If(neg, -mag, mag), ra.exp + rb.exp)


def const_real(c: Fraction) -> RealV:
    return RealV(z3.BoolVal(True), _val(1, 2), _val(0, EXP_WIDTH), c)


# ---- the expression compiler ----------------------------------------------------------------------


class SymbolicEvaluator:
    """Compiles expressions of one checked spec over one netlist.

    ``base`` maps input/var names to their symbolic values; outputs and ``dut.`` signals are
    translated netlist instances, one per distinct input assignment (substitutions make more).
    """

    def __init__(self, spec: CheckedSpec, netlist, base: dict[str, z3.BitVecRef], cycles: int = 0):
        self.spec = spec
        self.nl = netlist
        self.cycles = cycles
        self.base = dict(base)
        self.instances: dict[tuple, object] = {}

    def value_of_input(self, name: str, term: z3.BitVecRef):
        t = self.spec.input_type(name)
        if isinstance(t, (FloatT, IntT)):
            return FloatV(term, t.fmt)
        if isinstance(t, RoundT):
            return RoundV(term)
        return BitsV(term)

    def instance(self, env: dict[str, z3.BitVecRef], design: str = "dut"):
        """The translated netlist of the design (or, with ``design="ref"``, of the spec's
        `reference`, with its own latency and reset) over the inputs ``env``."""
        from ..hdl.reset import unrolled_edges
        from ..smt.netlist_z3 import translate

        key = (design,) + tuple(sorted((k, v.get_id()) for k, v in env.items() if k in self.spec.inputs))
        inst = self.instances.get(key)
        if inst is None:
            if design == "ref":
                ref = self.spec.reference
                nl, cycles, reset = ref.netlist, ref.latency, ref.reset
                ports = {q: env[n] for q, n in ref.inputs.items() if n in env}
                ports.update(ref.held)
            else:
                nl, cycles, reset = self.nl, self.cycles, self.spec.reset
                ports = {self.spec.inputs[k].port: v for k, v in env.items() if k in self.spec.inputs}
                ports.update(self.spec.held_inputs)  # clock and released reset (`fpverify.hdl.reset`)
            inst = translate(nl, ports, cycles=unrolled_edges(cycles, reset),
                             inputs_per_cycle=reset.prefix() if reset is not None else None,
                             prefix=f"{'r' if design == 'ref' else 'i'}{len(self.instances)}_")
            self.instances[key] = inst
        return inst

    def compile(self, e: ast.Expr, env: dict | None = None):
        return self._c(e, self.base if env is None else env)

    def boolean(self, e: ast.Expr, env: dict | None = None) -> z3.BoolRef:
        v = self.compile(e, env)
        assert isinstance(v, z3.BoolRef), v
        return v

    def _c(self, e, env):
        if isinstance(e, ast.Num):
            return ConstV(e.value)
        if isinstance(e, ast.BoolLit):
            return z3.BoolVal(e.value)
        if isinstance(e, ast.Name):
            if e.id in env:
                return self.value_of_input(e.id, env[e.id])
            if e.id not in self.spec.outputs:  # a rounding-mode name compared with a rounding input
                return RoundV(_val(mode_port_code(e.id), 3))
            port = self.spec.outputs[e.id]
            inst = self.instance(env, port.design)
            term = inst.outputs[port.port] if port.port in inst.outputs else inst.signal(port.port)
            if isinstance(port.type, (FloatT, IntT)):
                return FloatV(term, port.type.fmt)
            return BitsV(term)
        if isinstance(e, ast.Signal):
            inst = self.instance(env, e.design)
            if e.path in inst.inputs:
                return BitsV(inst.inputs[e.path])
            if e.path in inst.outputs:
                return BitsV(inst.outputs[e.path])
            return BitsV(inst.signal(e.path))
        if isinstance(e, ast.Unary):
            if e.op == "not":
                return z3.Not(self._c(e.operand, env))
            v = self._c(e.operand, env)
            if isinstance(v, ConstV):
                return ConstV(-v.value)
            if isinstance(v, RealV):
                return RealV(v.valid, v.sig, v.exp, -v.coef)
            raise TypeError(v)
        if isinstance(e, ast.Binary):
            return self._binary(e, env)
        if isinstance(e, ast.Compare):
            parts = []
            vals = [self._c(x, env) for x in e.operands]
            for i, op in enumerate(e.ops):
                parts.append(self._compare(op, vals[i], vals[i + 1]))
            return parts[0] if len(parts) == 1 else z3.And(*parts)
        if isinstance(e, ast.Call):
            return self._call(e, env)
        if isinstance(e, ast.Substitute):
            new = dict(env)
            for b in e.bindings:
                v = self._c(b.value, env)
                new[b.name] = self._as_term(v, self.spec.input_type(b.name))
            return self._c(e.target, new)
        if isinstance(e, ast.Slice):
            v = self._c(e.target, env)
            t = v.term
            if e.hi >= t.size():
                t = z3.SignExt(e.hi + 1 - t.size(), t) if v.signed else z3.ZeroExt(e.hi + 1 - t.size(), t)
            return BitsV(z3.Extract(e.hi, e.lo, t))
        raise TypeError(f"cannot compile {type(e).__name__}")

    def _as_term(self, v, want) -> z3.BitVecRef:
        if isinstance(v, (FloatV, RoundV)):
            return v.term
        w = self.width_of(want)
        if isinstance(v, ConstV):
            return _val(int(v.value), w)
        t = v.term
        if t.size() > w:
            return z3.Extract(w - 1, 0, t)
        return (z3.SignExt if v.signed else z3.ZeroExt)(w - t.size(), t) if t.size() < w else t

    def width_of(self, t) -> int:
        if isinstance(t, (FloatT, IntT)):
            return t.fmt.width
        if isinstance(t, RoundT):
            return 3
        return t.width

    def _binary(self, e, env):
        if e.op in ("and", "or", "implies"):
            a, b = self._c(e.left, env), self._c(e.right, env)
            return {"and": z3.And, "or": z3.Or, "implies": z3.Implies}[e.op](a, b)
        c = const_value(e) if e.op in "+-*/^" else None
        if c is not None:
            return ConstV(c)
        a, b = self._c(e.left, env), self._c(e.right, env)
        if isinstance(a, BitsV) or isinstance(b, BitsV):
            return self._bits_arith(e.op, a, b)
        if e.op == "/":
            return self._real_scale(self._to_real(a), 1 / b.value)
        if e.op == "*":
            if isinstance(a, ConstV):
                return self._real_scale(self._to_real(b), a.value)
            if isinstance(b, ConstV):
                return self._real_scale(self._to_real(a), b.value)
            if all(isinstance(v, FloatV) and isinstance(v.fmt, FloatFormat) for v in (a, b)):
                return float_product(a.fmt, a.term, b.fmt, b.term)
            return real_mul(self._to_real(a), self._to_real(b))
        raise TypeError(f"unsupported real operator {e.op}")

    def _real_scale(self, v: RealV, c: Fraction) -> RealV:
        return RealV(v.valid, v.sig, v.exp, v.coef * c)

    def _to_real(self, v) -> RealV:
        if isinstance(v, RealV):
            return v
        if isinstance(v, FloatV):
            return f_real(v.fmt, v.term)
        if isinstance(v, ConstV):
            return const_real(v.value)
        raise TypeError(v)

    def _bits_int(self, v) -> BitsV:
        if isinstance(v, ConstV):
            n = int(v.value)
            return BitsV(_val(n, _bits(n) + 1), True)
        if v.signed:
            return v
        return BitsV(z3.ZeroExt(1, v.term), True)

    def _bits_arith(self, op, a, b) -> BitsV:
        x, y = self._bits_int(a), self._bits_int(b)
        wx, wy = x.term.size(), y.term.size()
        w = wx + wy + 1 if op == "*" else max(wx, wy) + 1
        tx, ty = _widen(x.term, w), _widen(y.term, w)
        return BitsV({"+": tx + ty, "-": tx - ty, "*": tx * ty}[op], True)

    def _compare(self, op, a, b) -> z3.BoolRef:
        if isinstance(a, ErrV) or isinstance(b, ErrV):
            if isinstance(b, ErrV):
                a, b, op = b, a, {">": "<", ">=": "<="}[op]
            return relerr_le(a, b.value, strict=op == "<")
        if isinstance(a, RoundV) or isinstance(b, RoundV):
            x, y = (a, b) if isinstance(a, RoundV) else (b, a)
            other = y.term if isinstance(y, RoundV) else None
            if other is None:
                raise TypeError("rounding compare")
            rel = x.term == other
            return rel if op == "==" else z3.Not(rel)
        if isinstance(a, FloatV) and isinstance(b, FloatV):
            fmt = a.fmt
            if op in ("==", "!="):
                both_nan = z3.And(f_is_nan(fmt, a.term), f_is_nan(fmt, b.term))
                same = z3.Or(both_nan, a.term == b.term)
                return same if op == "==" else z3.Not(same)
            ka, kb = f_order_key(fmt, a.term), f_order_key(fmt, b.term)
            rel = {"<": ka < kb, "<=": ka <= kb, ">": ka > kb, ">=": ka >= kb}[op]
            return z3.And(z3.Not(f_is_nan(fmt, a.term)), z3.Not(f_is_nan(fmt, b.term)), rel)
        if isinstance(a, BitsV) or isinstance(b, BitsV):
            x, y = self._bits_int(a), self._bits_int(b)
            w = max(x.term.size(), y.term.size())
            tx, ty = _widen(x.term, w), _widen(y.term, w)
            return {"==": tx == ty, "!=": tx != ty, "<": tx < ty, "<=": tx <= ty, ">": tx > ty,
                    ">=": tx >= ty}[op]
        # exact real comparisons; a float against a constant also orders its infinities
        if isinstance(a, ConstV) and isinstance(b, ConstV):
            return z3.BoolVal(_py_compare(op, a.value, b.value))
        rel = real_compare(op, self._to_real(a), self._to_real(b))
        for v, first in ((a, True), (b, False)):
            if isinstance(v, FloatV) and isinstance(v.fmt, FloatFormat) and v.fmt.has_inf:
                pos_inf = z3.And(f_is_inf(v.fmt, v.term), z3.Not(f_sign(v.fmt, v.term)))
                # +Inf is greater than any finite value, -Inf smaller
                other_valid = self._to_real(b if first else a).valid
                gt = op in (">", ">=", "!=") if first else op in ("<", "<=", "!=")
                lt = op in ("<", "<=", "!=") if first else op in (">", ">=", "!=")
                inf_rel = z3.If(pos_inf, z3.BoolVal(gt), z3.BoolVal(lt))
                rel = z3.If(z3.And(f_is_inf(v.fmt, v.term), other_valid), inf_rel, rel)
        return rel

    def _call(self, e: ast.Call, env):
        f = e.func
        args = [self._c(a, env) for a in e.args]
        x = args[0]
        if f in CLASSES:
            return CLASSES[f](x.fmt, x.term)
        if f == "bits":
            return BitsV(x.term)
        if f == "value":
            return f_real(x.fmt, x.term)
        if f == "neg":
            return FloatV(f_neg(x.fmt, x.term), x.fmt)
        if f == "abs":
            if isinstance(x, FloatV):
                return FloatV(f_abs(x.fmt, x.term), x.fmt)
            if isinstance(x, ConstV):
                return ConstV(abs(x.value))
            r = self._to_real(x)
            return RealV(r.valid, _abs(_widen(r.sig, r.sig.size() + 1)), r.exp, abs(r.coef))
        if f in ("relerr", "abserr"):
            return ErrV(f, self._to_real(args[0]), self._to_real(args[1]), args[0])
        raise TypeError(f"unknown function {f}")


def _py_compare(op: str, a, b) -> bool:
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def mode_port_code(name: str) -> int:
    """The rounding-port value of a mode name (RNE 0, RTZ 1, RDN 2, RUP 3, RNA 4, RTO 5)."""
    from ..rounding import parse_rounding

    return ROUNDING_PORT_CODES[parse_rounding(name).mode.value]
