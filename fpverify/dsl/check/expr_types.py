"""Expression types: what each expression denotes (condition, float, bits, real, rounding mode,
error measure) and which operators and functions apply to it."""

from __future__ import annotations


from ...rounding import parse_rounding
from ...semantics.ports import RM_CODES
from .. import ast
from ..types import BitsT, BoolT, ErrT, FloatT, IntT, RealT, RoundT, Type, VecT, type_width
from .binding import signal_width
from .constants import const_value, is_nat
from .elementary import elementary_functions, form_error
from .located import err
from .scope import Scope
from .vocabulary import CLASS_PREDICATES, FUNCTIONS, GOLDEN_OPS


class TypeChecker:
    """Types expressions in ``scope``; with ``netlist`` (``ref_netlist``), `dut.` (`ref.`) signals
    get their widths."""

    def __init__(self, scope: Scope, netlist=None, ref_netlist=None, has_reference: bool = False) -> None:
        self.scope = scope
        self.netlist = netlist
        self.ref_netlist = ref_netlist  # the elaborated `reference` design (`ref.` signals)
        self.has_reference = has_reference

    def expect_bool(self, e: ast.Expr) -> None:
        t = self.type_of(e)
        if not isinstance(t, BoolT):
            raise err(f"expected a condition, got a value of type {t}", e.pos)

    def type_of(self, e: ast.Expr) -> Type:
        if isinstance(e, ast.Num):
            return RealT(const=True)
        if isinstance(e, ast.BoolLit):
            return BoolT()
        if isinstance(e, ast.Name):
            if e.id in self.scope.inputs:
                t = self.scope.inputs[e.id].type
                if isinstance(t, VecT):
                    raise err(f"`{e.id}` is a vector ({t}); a vector is only an operand of "
                              f"`mx_dot(a, b, scale_a, scale_b, MODE)`", e.pos)
                return t
            if e.id in self.scope.outputs:
                return self.scope.outputs[e.id].type
            if e.id in self.scope.vars:
                return self.scope.vars[e.id]
            if e.id in self.scope.formats:
                raise err(f"`{e.id}` is a format, not a value", e.pos)
            raise err(f"unknown name `{e.id}`", e.pos)
        if isinstance(e, ast.Signal):
            if e.design == "ref" and not self.has_reference:
                raise err(f"`ref.{e.path}`: the spec has no `reference` design to read it from", e.pos)
            netlist = self.ref_netlist if e.design == "ref" else self.netlist
            if netlist is None:
                return BitsT(None)
            return BitsT(signal_width(netlist, e.path, e.pos, e.design))
        if isinstance(e, ast.Unary):
            t = self.type_of(e.operand)
            if e.op == "not":
                if not isinstance(t, BoolT):
                    raise err(f"`not` needs a condition, got {t}", e.operand.pos)
                return BoolT()
            if isinstance(t, RealT):
                const_value(e)
                return t
            if isinstance(t, FloatT):
                raise err("use `neg(x)` to negate a float", e.pos)
            raise err(f"cannot negate a value of type {t}", e.pos)
        if isinstance(e, ast.Binary):
            return self.binary_type(e)
        if isinstance(e, ast.Compare):
            return self.compare_type(e)
        if isinstance(e, ast.Call):
            return self.call_type(e)
        if isinstance(e, ast.Substitute):
            for b in e.bindings:
                if b.name not in self.scope.inputs and b.name not in self.scope.vars:
                    if b.name in self.scope.outputs:
                        raise err(f"`{b.name}` is an output; only inputs can be substituted", b.pos)
                    raise err(f"unknown input `{b.name}` in substitution", b.pos)
                want = self.scope.inputs[b.name].type if b.name in self.scope.inputs else self.scope.vars[b.name]
                got = self.type_of(b.value)
                if got != want and not (isinstance(want, BitsT) and isinstance(got, RealT) and got.const):
                    raise err(f"`{b.name}` has type {want}, the substituted value has type {got}", b.value.pos)
            if len({b.name for b in e.bindings}) != len(e.bindings):
                raise err("an input is substituted twice", e.pos)
            return self.type_of(e.target)
        if isinstance(e, ast.Slice):
            t = self.type_of(e.target)
            w = type_width(t)
            if not isinstance(t, BitsT):
                raise err(f"slicing needs bits, not {t} (use bits(x)[hi:lo])", e.pos)
            if e.hi < e.lo:
                raise err(f"slice [{e.hi}:{e.lo}] is reversed; write [hi:lo]", e.pos)
            if w is not None and e.hi >= w:
                raise err(f"bit {e.hi} is out of range for a {w}-bit value", e.pos)
            return BitsT(e.hi - e.lo + 1)
        raise err("unsupported expression", getattr(e, "pos", None))

    def binary_type(self, e: ast.Binary) -> Type:
        if e.op in ("and", "or", "implies"):
            for side in (e.left, e.right):
                t = self.type_of(side)
                if not isinstance(t, BoolT):
                    raise err(f"`{e.op}` needs conditions on both sides, got {t}", side.pos)
            return BoolT()
        lt, rt = self.type_of(e.left), self.type_of(e.right)
        if isinstance(lt, RealT) and lt.const and isinstance(rt, RealT) and rt.const:
            const_value(e)
            return RealT(const=True)
        if e.op in ("^", "/"):
            if e.op == "/" and isinstance(rt, RealT) and rt.const and isinstance(lt, RealT):
                if const_value(e.right) == 0:
                    raise err("division by zero", e.right.pos)
                return RealT()
            raise err(f"`{e.op}` is only defined on constants" + (" (and real / constant)" if e.op == "/" else ""),
                      e.pos)
        if isinstance(lt, BitsT) or isinstance(rt, BitsT):
            for side, t in ((e.left, lt), (e.right, rt)):
                if not (isinstance(t, BitsT) or (isinstance(t, RealT) and t.const
                                                  and is_nat(const_value(side)))):
                    raise err(f"cannot mix bits and {t} in `{e.op}`", side.pos)
            return BitsT(None)
        for side, t in ((e.left, lt), (e.right, rt)):
            if not isinstance(t, (RealT, FloatT)):
                raise err(f"`{e.op}` needs numbers, got {t}", side.pos)
        if e.op in "+-":
            raise err(f"`{e.op}` of real values is not supported (products and constants are; "
                      "compare a product with relerr)", e.pos)
        return RealT()

    def compare_type(self, e: ast.Compare) -> Type:
        # a rounding-mode name (`rm == rtz`) has no type of its own: `compatible` checks it against
        # the rounding input on the other side, and reports it as an unknown name otherwise
        types = [None if self.is_mode_name(x) else self.type_of(x) for x in e.operands]
        for i, op in enumerate(e.ops):
            a, b = e.operands[i], e.operands[i + 1]
            ta, tb = types[i], types[i + 1]
            if (ta is None and not isinstance(tb, RoundT)) or (tb is None and not isinstance(ta, RoundT)):
                self.type_of(a if ta is None else b)  # raises: unknown name
            self.compatible(op, a, ta, b, tb)
        return BoolT()

    def is_mode_name(self, x) -> bool:
        """A bare name that is no spec name but spells a rounding mode (``rtz``, ``near_even``)."""
        if not isinstance(x, ast.Name) or x.id in self.scope.names:
            return False
        try:
            parse_rounding(x.id)
        except ValueError:
            return False
        return True

    def compatible(self, op: str, a, ta: Type, b, tb: Type) -> None:
        where = b.pos
        if isinstance(ta, ErrT) or isinstance(tb, ErrT):
            ok = (isinstance(ta, ErrT) and op in ("<", "<=") and isinstance(tb, RealT) and tb.const) or \
                 (isinstance(tb, ErrT) and op in (">", ">=") and isinstance(ta, RealT) and ta.const)
            if not ok:
                raise err("an error bound reads `relerr(x, exact) <= CONSTANT`", a.pos)
            bound = const_value(b if isinstance(ta, ErrT) else a)
            if bound < 0:
                raise err("an error bound must be non-negative", where)
            return
        if isinstance(ta, BoolT) or isinstance(tb, BoolT):
            raise err("conditions cannot be compared; use `and`, `or`, `implies`", a.pos)
        if isinstance(ta, RoundT) or isinstance(tb, RoundT):
            other, ot = (b, tb) if isinstance(ta, RoundT) else (a, ta)
            if op not in ("==", "!="):
                raise err("rounding modes can only be compared with == and !=", a.pos)
            if isinstance(ot, RoundT):
                return
            if isinstance(other, ast.Name) and other.id not in self.scope.names:
                try:
                    r = parse_rounding(other.id)
                except ValueError as ex:
                    raise err(str(ex), other.pos) from None
                if r.mode not in RM_CODES:  # the modes an rm port can encode
                    raise err("a rounding port carries a deterministic mode", other.pos)
                return
            raise err("compare a rounding input with a mode name, e.g. `rm == rne`", other.pos)
        if isinstance(ta, FloatT) and isinstance(tb, FloatT):
            if ta.fmt != tb.fmt:
                raise err(f"cannot compare {ta.fmt.name} with {tb.fmt.name}", where)
            return
        if isinstance(ta, IntT) or isinstance(tb, IntT):
            if ta == tb:
                return
            raise err(f"cannot compare {ta} with {tb}", where)
        if isinstance(ta, BitsT) or isinstance(tb, BitsT):
            for side, t in ((a, ta), (b, tb)):
                if isinstance(t, BitsT):
                    continue
                if isinstance(t, RealT) and t.const and is_nat(const_value(side)):
                    continue
                raise err(f"cannot compare bits with {t} (use bits(x) for a float's code)", side.pos)
            return
        if op in ("==", "!=") and (isinstance(ta, RealT) and not ta.const or isinstance(tb, RealT) and not tb.const):
            pass
        return  # real/float/constant comparisons are exact

    def call_type(self, e: ast.Call) -> Type:
        f = e.func
        if f in GOLDEN_OPS:
            raise err(f"golden operation `{f}` can only be used as `OUTPUT == {f}(...)`", e.pos)
        if f in elementary_functions() or f == "ulp":
            raise form_error(e.pos)
        if f not in FUNCTIONS:
            raise err(f"unknown function `{f}` (known: {', '.join(FUNCTIONS + tuple(GOLDEN_OPS))}, ulp, "
                      f"{', '.join(elementary_functions())})", e.pos)
        if e.kwargs:
            raise err(f"`{f}` takes no keyword arguments", e.kwargs[0].pos)
        want = 2 if f in ("relerr", "abserr") else 1
        if len(e.args) != want:
            raise err(f"`{f}` takes {want} argument(s), got {len(e.args)}", e.pos)
        types = [self.type_of(a) for a in e.args]
        t = types[0]
        if f in CLASS_PREDICATES:
            if not isinstance(t, FloatT):
                raise err(f"`{f}` needs a float value, got {t}", e.args[0].pos)
            return BoolT()
        if f == "bits":
            if not isinstance(t, (FloatT, IntT)):
                raise err(f"`bits` needs a float or integer-format value, got {t}", e.args[0].pos)
            return BitsT(t.fmt.width)
        if f == "value":
            if not isinstance(t, (FloatT, IntT)):
                raise err(f"`value` needs a float value, got {t}", e.args[0].pos)
            return RealT()
        if f == "neg":
            if not isinstance(t, FloatT) or not t.fmt.signed:
                raise err(f"`neg` needs a signed float value, got {t}", e.args[0].pos)
            return t
        if f == "abs":
            if isinstance(t, FloatT):
                return t
            if isinstance(t, RealT):
                return t
            raise err(f"`abs` needs a number, got {t}", e.args[0].pos)
        # relerr / abserr
        for a, ta in zip(e.args, types):
            if not isinstance(ta, (FloatT, RealT)):
                raise err(f"`{f}` compares numbers, got {ta}", a.pos)
        if not isinstance(types[0], FloatT):
            raise err(f"the first argument of `{f}` is the approximate float result", e.args[0].pos)
        if f == "abserr":
            raise err("`abserr` is not supported yet; use `relerr`", e.pos)
        return ErrT(f)
