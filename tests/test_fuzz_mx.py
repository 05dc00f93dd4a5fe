"""The fuzz harness's MX oracle (`fpverify.fuzz.mx_reference`, OCP FLOOR rule) agrees with gfloat's
independent block quantizer on blocks from `fpverify.strategies.mx_blocks`.

Oracle: gfloat 0.5 `quantize_block` + `compute_scale_amax` (RNE elements, saturating).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from fpverify import strategies as S
from fpverify.formats import get_format
from fpverify.fuzz.mx_reference import SCALE_NAN, quantize_block

gfloat = pytest.importorskip("gfloat")
from gfloat import formats as gf  # noqa: E402

GF = {"e2m1fn": gf.format_info_mxfp4_e2m1, "e4m3fn": gf.format_info_mxfp8_e4m3,
      "e5m2": gf.format_info_mxfp8_e5m2, "e3m2fn": gf.format_info_mxfp6_e3m2,
      "e2m3fn": gf.format_info_mxfp6_e2m3}


@pytest.mark.parametrize("elem", sorted(GF))
def test_mx_reference_matches_gfloat(elem):
    fmt = get_format(elem)

    @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(S.mx_blocks(elem, 32, min_exp=-120))
    def check(vals):
        scale, codes = quantize_block(vals, fmt)
        x = 2.0 ** (scale - 127)
        mine = [x * float(fmt.value(c)) for c in codes]
        theirs = gfloat.quantize_block(GF[elem], np.array(vals, dtype=np.float64), gfloat.compute_scale_amax)
        assert mine == list(theirs)

    check()


def test_mx_reference_policies():
    e2 = get_format("e2m1fn")
    assert quantize_block([0.0] * 32, e2) == (0, tuple([0] * 32))  # all-zero block: 2^-127
    assert quantize_block([math.nan] + [1.0] * 31, e2)[0] == SCALE_NAN
    s, c = quantize_block([7.0] + [0.0] * 31, e2)  # amax 7: X = 1, 7 clamps to 6
    assert s == 127 and c[0] == 0x7
    s, c = quantize_block([-0.0, 0.25, 0.75] + [4.0] * 29, e2)  # X = 1: 0.25 -> 0, 0.75 -> 1
    assert c[:3] == (0x8, 0x0, 0x2)
