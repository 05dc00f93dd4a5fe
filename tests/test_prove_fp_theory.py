"""The symbolic reference PROVED equal to z3's IEEE floating-point theory (an independent oracle).

Applies to IEEE-special formats under the IEEE overflow policy and the five IEEE rounding modes.
Result codes only: the theory has no exception flags (flags are validated against the golden model
in test_smt_reference). NaN is compared as a class. z3 5.4 rejects fp.add/fp.sub when the exponent
is wider than the significand (e5m2: "ebits > sbits not supported"), so e5m2 addition is proved
with Bitwuzla's FP theory instead.
"""

import pytest

from fpverify.formats import get_format
from fpverify.rounding import Mode
from fpverify.prove.fp_theory import check, fp_theory_obligation


@pytest.mark.parametrize("op,fname,mode,out", [
    ("mul", "e5m2", Mode.RNE, None),
    ("mul", "e4m3", Mode.RUP, None),
    ("add", "e4m3", Mode.RTZ, None),
    ("sub", "e3m4", Mode.RNA, None),
    ("mul", "e3m4", Mode.RDN, None),
    ("convert", "f16", Mode.RNE, "e5m2"),
    ("convert", "e4m3", Mode.RUP, "e5m2"),
    ("convert", "bf16", Mode.RDN, "e4m3"),
])
def test_reference_equals_fp_theory(op, fname, mode, out):
    ob = fp_theory_obligation(op, get_format(fname), mode, get_format(out) if out else None)
    assert check(ob, timeout_s=120) == "PROVED"


@pytest.mark.parametrize("op,mode", [("add", Mode.RNE), ("sub", Mode.RDN)])
def test_e5m2_addition_against_bitwuzla_fp_theory(op, mode):
    ob = fp_theory_obligation(op, get_format("e5m2"), mode)
    assert check(ob, timeout_s=120, solver="bitwuzla") == "PROVED"


@pytest.mark.slow
@pytest.mark.parametrize("mode", [Mode.RNE, Mode.RNA, Mode.RTZ, Mode.RUP, Mode.RDN])
@pytest.mark.parametrize("op,fname", [("add", "e4m3"), ("mul", "e4m3"), ("add", "e3m4"), ("mul", "e3m4"),
                                      ("mul", "e5m2"), ("add", "f16"), ("fma", "e4m3")])
def test_reference_equals_fp_theory_all_modes(op, fname, mode):
    ob = fp_theory_obligation(op, get_format(fname), mode)
    assert check(ob, timeout_s=1800) == "PROVED"


def test_fp_theory_refutes_a_wrong_reference():
    """The harness can fail: compare e4m3 mul under RNE with the theory's RTZ."""
    import z3

    from fpverify.prove import fp_theory as T

    ob = fp_theory_obligation("mul", get_format("e4m3"), Mode.RNE)
    saved = T.Z3_RM[Mode.RNE]
    try:
        T.Z3_RM[Mode.RNE] = z3.RTZ
        bad = fp_theory_obligation("mul", get_format("e4m3"), Mode.RNE)
    finally:
        T.Z3_RM[Mode.RNE] = saved
    assert check(bad) == "REFUTED" and check(ob) == "PROVED"


@pytest.mark.slow
def test_bf16_addition_bounded_alignment_against_bitwuzla():
    """bf16 add uses the bounded (guard + jammed sticky) alignment; measured 63 s with Bitwuzla."""
    ob = fp_theory_obligation("add", get_format("bf16"), Mode.RNE)
    assert check(ob, timeout_s=1800, solver="bitwuzla") == "PROVED"
