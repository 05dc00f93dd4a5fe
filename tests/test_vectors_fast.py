"""The vectorised `vectors check` path: same tallies as the line-by-line golden path.

Oracle: `check_lines(..., fast=False)` (golden model, line by line) on the same lines, including
hand-edited wrong results and flags, irregular spacing, comments and malformed lines.
"""

from __future__ import annotations

import pytest

from fpverify.errors import InputError
from fpverify.rounding import Env, parse_rounding
from fpverify.vectors import check_lines, format_case, generate, parse_function
from fpverify.vectors import fast_check


def _gen(name: str, rounding: str, count: int, seed: int = 3) -> list[str]:
    fn = parse_function(name)
    rnd = parse_rounding(rounding)
    out = []
    for ops, r in generate(fn, rnd, 1, count, seed):
        res = fn.evaluate(ops, Env(rnd, random_bits=r or 0))
        out.append(format_case(fn, rnd, ops, r, res.code, int(res.flags)))
    return out


def _edit(lines: list[str], every: int = 37) -> list[str]:
    """Flip a result bit on some lines and a flag bit on others."""
    out = list(lines)
    for i in range(5, len(out), every):
        cols = out[i].split()
        k = -2 if (i // every) % 2 else -1
        width = len(cols[k])
        cols[k] = f"{int(cols[k], 16) ^ (1 if k == -2 else 4):0{width}X}"
        out[i] = " ".join(cols)
    return out


def _summary(t):
    return (t.cases, t.errors, t.result_errors, t.flag_errors,
            [(m.case.line, m.got.code, int(m.got.flags) & 0x1F) for m in t.first_errors])


CASES = [("bf16_mul", "rne"), ("f16_div", "min"), ("e4m3fn_add", "odd"), ("f32_mulAdd", "near_maxMag"),
         ("tf32_sqrt", "max"), ("f32_to_bf16", "rne"), ("f64_to_e5m2", "minMag"), ("f64_sub", "rne"),
         ("bf16_mul", "srb6"), ("f16_to_e2m1fn", "sra4"), ("p3109_8p3se_div", "rne")]


@pytest.mark.parametrize("name,rounding", CASES)
def test_fast_path_matches_line_by_line(name, rounding):
    fn = parse_function(name)
    env = Env(parse_rounding(rounding))
    assert fast_check.evaluator(fn, env) is not None
    lines = _edit(_gen(name, rounding, 300))
    fast = check_lines(lines, fn, env, keep=50)
    slow = check_lines(lines, fn, env, keep=50, fast=False)
    assert fast.errors > 0
    assert _summary(fast) == _summary(slow)
    assert _summary(check_lines(lines, fn, env, every=7)) == _summary(check_lines(lines, fn, env, every=7,
                                                                                  fast=False))


def test_irregular_lines_fall_back_per_block():
    fn = parse_function("bf16_add")
    env = Env()
    lines = _gen("bf16_add", "rne", 120)
    lines[3] = "  " + lines[3].lower().replace(" ", "   ")  # extra blanks, lower-case hex
    lines.insert(10, "# a comment")
    lines.insert(20, "")
    fast = check_lines(lines, fn, env)
    assert _summary(fast) == _summary(check_lines(lines, fn, env, fast=False))
    assert fast.cases == 120 and fast.errors == 0


def test_malformed_line_has_the_same_location():
    fn = parse_function("f16_mul")
    lines = _gen("f16_mul", "rne", 50) + ["3C00 4000 zz00 00"]
    with pytest.raises(InputError) as fast:
        check_lines(lines, fn, Env(), file="x.tv")
    with pytest.raises(InputError) as slow:
        check_lines(lines, fn, Env(), file="x.tv", fast=False)
    assert (fast.value.line, fast.value.col, fast.value.message) == \
        (slow.value.line, slow.value.col, slow.value.message) == (51, 11, slow.value.message)


def test_out_of_range_value_is_reported_not_truncated():
    fn = parse_function("e4m3fn_mul")
    lines = _gen("e4m3fn_mul", "rne", 20) + ["1FF 38 38 00"]
    with pytest.raises(InputError, match="out of range"):
        check_lines(lines, fn, Env())


def test_uncovered_functions_use_the_golden_loop():
    assert fast_check.evaluator(parse_function("e4m3fn_lmul"), Env()) is None
    assert fast_check.evaluator(parse_function("int32_to_f16"), Env()) is None


def test_interrupt_between_blocks_keeps_the_finished_blocks(monkeypatch):
    from fpverify.vectors import check as check_mod

    fn = parse_function("e5m2_mul")
    lines = _gen("e5m2_mul", "rne", 90)
    monkeypatch.setattr(check_mod, "FAST_BLOCK", 40)
    real = fast_check.parse_block
    calls = []

    def parse_block(chunk, first_line, *a, **kw):
        calls.append(first_line)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(chunk, first_line, *a, **kw)

    monkeypatch.setattr(fast_check, "parse_block", parse_block)
    t = check_lines(lines, fn, Env())
    assert t.interrupted and t.cases == 80 and "interrupted" in t.summary()
