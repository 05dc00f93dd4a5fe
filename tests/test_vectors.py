"""The vectors package: function names, the line format, the generator and the checker.

Oracles: TestFloat's documented case counts and line format; the golden model (whose TestFloat
agreement is tested in test_vectors_testfloat.py) for generated results; hand-edited lines that
must be flagged.
"""

from __future__ import annotations

import itertools

import pytest

from fpverify.errors import InputError
from fpverify.formats import get_format
from fpverify.rounding import RNE, Env, Flags, parse_rounding
from fpverify.vectors import (CaseGenerator, LineParser, check_lines, describe, format_case, generate,
                              parse_function)


def gen_lines(name: str, rounding: str = "rne", level: int = 1, count: int | None = None, seed: int = 1,
              env: Env | None = None) -> list[str]:
    fn = parse_function(name)
    rnd = parse_rounding(rounding)
    env = env or Env(rounding=rnd)
    out = []
    for ops, r in generate(fn, rnd, level, count, seed):
        e = Env(rnd, env.overflow, env.tininess, r or 0, env.nan_policy)
        res = fn.evaluate(ops, e)
        out.append(format_case(fn, rnd, ops, r, res.code, int(res.flags)))
    return out


# ---- function names ---------------------------------------------------------------------------------


def test_parse_function_names():
    fn = parse_function("f16_mulAdd")
    assert (fn.op, fn.arity, fn.src.name) == ("mulAdd", 3, "f16")
    fn = parse_function("float8_e4m3fn_mul")  # format names may contain underscores
    assert (fn.op, fn.src.name) == ("mul", "e4m3fn")
    fn = parse_function("p3109_8p3se_add")
    assert fn.src.name == "p3109_8p3se"
    fn = parse_function("f32_to_e4m3fn")
    assert (fn.op, fn.src.name, fn.dst.name, fn.arity) == ("to", "f32", "e4m3fn", 1)
    assert parse_function("bf16_lmul").op == "lmul"


@pytest.mark.parametrize("name,needle", [
    ("e4m3fn_frob", "unknown operation 'frob'"),
    ("e9m9_add", "unknown format 'e9m9'"),
    ("f32_to_nope", "unknown format 'nope'"),
    ("add", "malformed function"),
    ("_to_f32", "malformed conversion"),
    ("mxint8_lmul", "lmul needs a signed float format"),
])
def test_parse_function_errors(name, needle):
    with pytest.raises(InputError, match=needle):
        parse_function(name)


# ---- line format --------------------------------------------------------------------------------------


def test_line_round_trip_and_random_column():
    fn = parse_function("e4m3fn_mul")
    rnd = parse_rounding("sra5")
    line = format_case(fn, rnd, (0x3C, 0x41), 0x1F, 0x45, int(Flags.INEXACT | Flags.SATURATED))
    assert line == "3C 41 1F 45 01"  # SATURATED never written
    case = LineParser(fn, rnd).parse(line, 7)
    assert (case.operands, case.random, case.result, case.flags, case.line) == ((0x3C, 0x41), 0x1F, 0x45, 1, 7)
    assert LineParser(fn, RNE).parse("   ", 1) is None and LineParser(fn, RNE).parse("# note", 2) is None
    f = parse_function("f64_to_f16")
    assert format_case(f, RNE, (0x3FF0000000000000,), None, 0x3C00, 0) == "3FF0000000000000 3C00 00"


@pytest.mark.parametrize("line,col,needle", [
    ("3C 4G 44 00", 4, "operand 2 '4G' is not a hex number"),
    ("3C 40 44", 1, "expected 4 columns"),
    ("3C 40 44 00 00", 13, "expected 4 columns"),
    ("3C 140 44 00", 4, "operand 2 140 is out of range"),
    ("3C 40 44 20", 10, "flags 20 is out of range"),
    ("3C 0x40 44 00", 4, "not a hex number"),
    ("  3C 40 -4 00", 9, "result '-4' is not a hex number"),
])
def test_malformed_lines_name_line_and_column(line, col, needle):
    p = LineParser(parse_function("e4m3fn_mul"), RNE, "v.tv")
    with pytest.raises(InputError, match=needle) as e:
        p.parse(line, 12)
    assert (e.value.file, e.value.line, e.value.col) == ("v.tv", 12, col)
    assert str(e.value).startswith(f"v.tv:12:{col}: error: ")


def test_random_bits_column_range():
    p = LineParser(parse_function("e2m1fn_add"), parse_rounding("srb3"), "s.tv")
    assert p.parse("3 1 7 4 00", 1).random == 7
    with pytest.raises(InputError, match="random bits 8 is out of range"):
        p.parse("3 1 8 4 00", 1)


def test_describe_decodes():
    assert describe(get_format("e4m3fn"), 0x7E) == "0x7E (448)"
    assert describe(get_format("e4m3fn"), 0xFF) == "0xFF (nan)"
    assert describe(get_format("f16"), 0x8000) == "0x8000 (-0)"
    assert describe(get_format("f16"), 0xFC00) == "0xFC00 (-inf)"


# ---- generator ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,total", [("f16_add", 46464), ("f32_mul", 46464), ("f64_div", 46464),
                                        ("f16_sqrt", 408), ("f16_to_f32", 408)])
def test_level1_totals_match_testfloat(name, total):
    """TestFloat 3e's level-1 counts for these functions (the files in the shared archive)."""
    assert CaseGenerator(parse_function(name), 1).total == total


def test_generator_structure_and_seed():
    fn = parse_function("f32_add")
    g = CaseGenerator(fn, 1, seed=5)
    first = list(itertools.islice(iter(g), 12))
    a, b = g.seq_in[0], g.seq_in[0]
    assert first[5] == (a, b) and first[1][0] == a and first[3][1] == b  # subcases 1, 3, 5
    assert first[11] == (g.seq_in[0], g.seq_in[1])
    assert list(itertools.islice(iter(CaseGenerator(fn, 1, seed=5)), 12)) == first
    assert list(itertools.islice(iter(CaseGenerator(fn, 1, seed=6)), 12)) != first
    # exponent classes include zero/subnormal, emin, 1.0, emax and Inf/NaN, both signs
    fields = {q >> 23 for q in g.pat.q_in}
    assert {0, 1, 127, 254, 255, 256, 256 + 255} <= fields


def test_level2_exhaustive_for_8bit():
    fn = parse_function("e5m2_div")
    cases = [ops for ops, _ in generate(fn, RNE, level=2)]
    assert len(cases) == 65536 and len(set(cases)) == 65536


def test_conversion_walks_ties_and_thresholds():
    ops = {o[0] for o, _ in generate(parse_function("f32_to_e4m3fn"), RNE, 1)}
    assert {0x43E80000, 0x43E00000, 0x43E7FFFF, 0x43E80001} <= ops  # 464 (tie to 448), 448, +-1 ulp
    ops = {o[0] for o, _ in generate(parse_function("f32_to_e5m2"), RNE, 1)}
    assert 0x47700000 in ops  # 61440: the E5M2 overflow tie


def test_random_operands_hit_every_exponent_class():
    g = CaseGenerator(parse_function("bf16_mul"), 1, seed=3)
    seen = {g.random_operand() >> 7 & 0xFF for _ in range(4000)}
    assert len(seen) > 100 and 0 in seen and 0xFF in seen


def test_count_limits_and_stochastic_r():
    rnd = parse_rounding("sra4")
    cases = list(generate(parse_function("e2m1fn_mul"), rnd, 1, count=50, seed=2))
    assert len(cases) == 50 and all(0 <= r < 16 for _, r in cases)
    assert {0, 15} <= {r for _, r in cases}


# ---- checker ------------------------------------------------------------------------------------------------


def test_generated_vectors_check_clean_and_edits_are_caught():
    fn = parse_function("e4m3fn_add")
    lines = gen_lines("e4m3fn_add", "rne", count=400)
    env = Env()
    assert check_lines(lines, fn, env).errors == 0
    bad = list(lines)
    ops = bad[10].split()
    ops[2] = f"{int(ops[2], 16) ^ 1:02X}"  # wrong result
    bad[10] = " ".join(ops)
    ops = bad[20].split()
    ops[3] = f"{int(ops[3], 16) ^ 0x04:02X}"  # wrong flags only
    bad[20] = " ".join(ops)
    t = check_lines(bad, fn, env)
    assert (t.cases, t.errors, t.result_errors, t.flag_errors) == (400, 2, 1, 1)
    assert [m.case.line for m in t.first_errors] == [11, 21]
    text = t.first_errors[0].render(fn)
    assert "line 11" in text and "expected" in text and "got" in text


def test_nan_results_compare_as_a_class():
    fn = parse_function("f16_add")
    lines = ["7E00 3C00 7E00 00", "7E00 3C00 7C01 00", "7C01 3C00 FFFF 10"]  # any NaN matches
    assert check_lines(lines, fn, Env()).errors == 0
    assert check_lines(["7E00 3C00 7C00 00"], fn, Env()).errors == 1  # Inf is not NaN


def test_stochastic_vectors_round_trip_and_r_matters():
    rnd = parse_rounding("srb6")
    fn = parse_function("bf16_mul")
    lines = gen_lines("bf16_mul", "srb6", count=300, seed=9)
    assert check_lines(lines, fn, Env(rounding=rnd)).errors == 0
    # changing R changes some results: the column is really used
    moved = []
    for ln in lines:
        c = ln.split()
        c[2] = f"{(int(c[2], 16) + 32) % 64:02X}"
        moved.append(" ".join(c))
    assert check_lines(moved, fn, Env(rounding=rnd)).errors > 0


def test_checker_sampling_every_k():
    fn = parse_function("e5m2_mul")
    lines = gen_lines("e5m2_mul", count=100)
    assert check_lines(lines, fn, Env(), every=10).cases == 10


def test_malformed_line_in_checker_raises_with_location():
    fn = parse_function("e5m2_mul")
    lines = gen_lines("e5m2_mul", count=5) + ["3C 40 zz 00"]
    with pytest.raises(InputError) as e:
        check_lines(lines, fn, Env(), file="x.tv")
    assert (e.value.line, e.value.col) == (6, 7)


@pytest.mark.parametrize("name", ["e4m3fn_lmul", "mxint8_add", "f32_to_mxint8", "e8m0_to_f32",
                                  "p3109_8p3se_mulAdd", "ue4m3_to_e4m3fn", "e3m2fn_sqrt"])
def test_any_format_generates_and_checks(name):
    lines = gen_lines(name, count=200)
    fn = parse_function(name)
    assert check_lines(lines, fn, Env()).errors == 0


def test_interrupt_keeps_partial_tally():
    fn = parse_function("e4m3fn_mul")
    lines = gen_lines("e4m3fn_mul", count=20)

    def feed():
        for i, ln in enumerate(lines):
            if i == 12:
                raise KeyboardInterrupt
            yield ln

    t = check_lines(feed(), fn, Env())
    assert t.interrupted and t.cases == 12 and not t.ok and "interrupted" in t.summary()
