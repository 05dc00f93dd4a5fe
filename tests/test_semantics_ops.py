"""The operation registry `fpverify.semantics.ops`: every op resolves in every back end it claims,
arities agree with the functions' signatures, and the registry's calling conventions give what a
direct call of each back end's function gives."""

from __future__ import annotations

import inspect
import random
import subprocess
import sys

import numpy as np
import pytest
import z3

from fpverify import golden
from fpverify.fast.tables import binary_table, unary_table
from fpverify.formats import get_format
from fpverify.golden.lmul import LMulPolicy, LMulSpecials
from fpverify.rounding import RTZ, Env, Flags, Rounded
from fpverify.semantics.ops import (BACK_ENDS, OPS, Call, UnknownOp, dsl_arities, family_members, get_op,
                                    names, ops_with, resolve)
from fpverify.smt import reference as ref
from fpverify.vectors.function import parse_function

ALL = list(OPS.values())
E4M3, E5M2, FP4 = get_format("e4m3fn"), get_format("e5m2"), get_format("e2m1fn")
# parameters that are not operand codes (formats, environment, back-end extras)
NOT_OPERANDS = {"fmt", "src", "dst"}


def _operand_count(fn) -> int:
    """Required positional parameters of ``fn`` that are operand codes."""
    return sum(1 for p in inspect.signature(fn).parameters.values()
               if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD
               and p.name not in NOT_OPERANDS)


def _claims(back_end: str):
    return [pytest.param(op, id=op.name) for op in ops_with(back_end)]


@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in ALL])
def test_golden_resolves_and_arity_matches_its_signature(op):
    fn = op.golden_function()
    assert callable(fn) and fn is resolve(op.golden)
    assert _operand_count(fn) == op.arity, (op.name, inspect.signature(fn))


@pytest.mark.parametrize("op", _claims("symbolic"))
def test_symbolic_resolves_and_arity_matches_its_signature(op):
    fn = op.symbolic_function()
    assert fn.__module__.startswith("fpverify.smt.reference")
    assert _operand_count(fn) == op.arity, (op.name, inspect.signature(fn))


def test_ops_without_a_back_end_say_so():
    with pytest.raises(ValueError, match="no symbolic reference"):
        get_op("div").symbolic_function()
    with pytest.raises(ValueError, match="no RTL generator"):
        get_op("div").rtl_generator()


def _direct_golden(name: str, fmt, codes, env, out=None, policy=None) -> Rounded:
    """Each golden function called the way its module documents (no registry involved)."""
    if name == "convert":
        return golden.convert(fmt, codes[0], out, env)
    if name == "lmul":
        return golden.lmul(fmt, *codes, policy or LMulPolicy(), env)
    exact = {"min": golden.minimum, "max": golden.maximum, "minimum_number": golden.minimum_number,
             "maximum_number": golden.maximum_number, "neg": golden.neg, "abs": golden.absolute}
    if name in exact:
        r = exact[name](fmt, *codes)
        code, flags = r if isinstance(r, tuple) else (r, Flags.NONE)
        return Rounded(int(code), Flags(int(flags)))
    return getattr(golden, name)(fmt, *codes, env=env, out=out)


@pytest.mark.parametrize("op", [pytest.param(op, id=op.name) for op in ALL])
def test_run_golden_is_the_direct_call(op):
    rng = random.Random(op.name)
    out = E5M2 if op.needs_out else None
    env = Env(RTZ)
    for _ in range(40):
        codes = [rng.randrange(256) for _ in range(op.arity)]
        got = op.run_golden(E4M3, codes, env, out=out)
        want = _direct_golden(op.name, E4M3, codes, env, out)
        assert (got.code, int(got.flags)) == (want.code, int(want.flags)), (op.name, codes)
    with pytest.raises(ValueError, match="operand"):
        op.run_golden(E4M3, [0] * (op.arity + 1), env, out=out)


def test_run_golden_passes_the_lmul_policy_only_to_lmul():
    pol = LMulPolicy(specials=LMulSpecials.WRAP)
    lm = get_op("lmul")
    differs = 0
    for a in range(0, 256, 3):
        got = lm.run_golden(E4M3, (a, 0x7E), Env(), policy=pol)
        assert got == golden.lmul(E4M3, a, 0x7E, pol, Env())
        differs += got != golden.lmul(E4M3, a, 0x7E, LMulPolicy(), Env())
    assert differs  # the policy reached the golden function
    assert get_op("mul").run_golden(E4M3, (1, 2), Env(), policy=pol) == golden.mul(E4M3, 1, 2)


@pytest.mark.parametrize("op", _claims("symbolic"))
def test_run_symbolic_agrees_with_run_golden(op):
    """The registry calls both back ends in the same convention: on constant operands the symbolic
    reference folds to the golden result."""
    rng = random.Random(op.name)
    out = E5M2 if op.needs_out else None
    fmt = E4M3
    env = Env()
    for _ in range(12):
        codes = [rng.randrange(256) for _ in range(op.arity)]
        terms = [z3.BitVecVal(c, fmt.width) for c in codes]
        r = op.run_symbolic(fmt, terms, env, out=out)
        g = op.run_golden(fmt, codes, env, out=out)
        assert z3.is_true(z3.simplify(r.defined))
        code = z3.simplify(r.code).as_long()
        dst = out or fmt
        same = code == g.code or (dst.is_nan(code) and dst.is_nan(g.code))
        assert same and z3.simplify(r.flags).as_long() & 0x3F == int(g.flags) & 0x3F, (op.name, codes)


def test_symbolic_functions_are_the_reference_package():
    assert get_op("add").symbolic_function() is ref.add
    assert get_op("convert").symbolic_function() is ref.convert


@pytest.mark.parametrize("op", _claims("table"))
def test_fast_table_of_every_op_matches_the_golden_function(op):
    env = Env(RTZ)
    if op.table == "binary":
        codes, flags = binary_table(op.name, FP4, env)
        pairs = [(a, b) for a in range(16) for b in range(16)]
        for a, b in pairs:
            want = _direct_golden(op.name, FP4, (a, b), env)
            assert (codes[a << 4 | b], flags[a << 4 | b]) == (want.code, int(want.flags)), (op.name, a, b)
    else:
        out = E4M3 if op.needs_out else None
        codes, flags = unary_table(op.name, FP4, env, out=out)
        for a in range(16):
            want = _direct_golden(op.name, FP4, (a,), env, out)
            assert (codes[a], flags[a]) == (want.code, int(want.flags)), (op.name, a)


@pytest.mark.parametrize("op", _claims("rtl"))
def test_rtl_generator_resolves_to_a_unit_of_the_op(op):
    cls = op.rtl_generator()
    assert isinstance(cls, type)
    # an adder computes sub through its sub select
    assert cls.op in (op.name, op.sub_select)
    unit = cls(fmt=E4M3)
    assert unit.op == cls.op


@pytest.mark.parametrize("op", _claims("vector"))
def test_vector_spelling_parses_to_the_op(op):
    fn = parse_function(f"e4m3fn_{op.vector}")
    assert (fn.op, fn.arity) == (op.vector, op.arity)
    codes = tuple(range(0x30, 0x30 + op.arity))
    assert fn.evaluate(codes, Env()) == _direct_golden(op.name, E4M3, codes, Env())
    assert parse_function(f"e4m3fn_{op.name}").op == op.vector


@pytest.mark.parametrize("op", _claims("ufunc"))
def test_ufunc_is_a_numpy_ufunc_of_the_arity(op):
    fn = resolve(op.ufunc)
    assert isinstance(fn, np.ufunc) and fn.nin == op.arity
    x = np.array([1.5, 4.0], dtype=np.float64)
    args = [x, np.array([2.0, 0.5])][:op.arity]
    # the ufunc computes what the golden op computes, on values exact in f64
    f64 = get_format("f64")
    for i in range(2):
        codes = [int(np.asarray(a[i]).view(np.uint64)) for a in args]
        g = op.run_golden(f64, codes, Env())
        want, got = float(np.uint64(g.code).view(np.float64)), float(fn(*[a[i] for a in args]))
        if "elementary" in op.golden:  # libm is not correctly rounded (numpy tanh(1.5) is 1 ulp off)
            assert abs(got - want) <= abs(np.spacing(want)), (op.name, got, want)
        else:
            assert want == got


def test_dsl_names_and_arities():
    dsl = dsl_arities()
    assert dsl == {op.dsl: op.arity for op in ops_with("dsl")}
    assert len(dsl) == len(ops_with("dsl"))
    for name, arity in dsl.items():
        assert _operand_count(get_op(name).golden_function()) == arity


def test_every_back_end_is_listed_and_names_are_unique():
    spellings = [s for op in ALL for s in (op.name, *op.aliases)]
    assert len(spellings) == len(set(spellings))
    for be in BACK_ENDS:
        assert names(be) == tuple(op.name for op in ALL if getattr(op, be) is not None)
    with pytest.raises(ValueError, match="unknown back end"):
        get_op("add").path("verilator")


def test_get_op_lists_the_known_ops():
    assert get_op("mulAdd") is get_op("fma")
    with pytest.raises(UnknownOp, match=r"unknown operation 'frobnicate' \(known: add, sub, mul"):
        get_op("frobnicate")


def test_sub_select_pairs_add_and_sub():
    for op in ALL:
        if op.sub_select is not None:
            assert get_op(op.sub_select).sub_select == op.name


def test_families_are_the_decomposition_strategy_families():
    from fpverify.prove.decompose.strategy import FAMILIES

    assert {op.family for op in ALL if op.family} == set(FAMILIES)
    assert family_members("add") == ("add", "sub")
    for fam in FAMILIES:
        for name in family_members(fam):
            assert get_op(name).rtl is not None and get_op(name).symbolic is not None


def test_calling_conventions_cover_every_op():
    assert {op.call for op in ALL} == set(Call)


def test_importing_the_registry_imports_no_back_end():
    code = ("import sys, fpverify.semantics.ops as o; o.OPS; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('z3', 'amaranth', 'numpy', 'rtl')"
            " or m.startswith(('fpverify.golden', 'fpverify.smt', 'fpverify.fast', 'fpverify.prove')));"
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
