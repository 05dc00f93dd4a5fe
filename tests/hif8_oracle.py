"""An independent HiF8 model for the tests, written from arXiv 2409.16626 §2 (Table 1, Fig. 1):
a string-level decoder and a brute-force rounding oracle over the sorted list of values.

It shares nothing with fpverify's datapath: no binade arithmetic, no floor_scaled, no
round_away; rounding picks between the two grid neighbours of x by each mode's definition
(P3109 §4.6 for round-to-odd and the stochastic modes).
"""

from __future__ import annotations

import bisect
import math
from fractions import Fraction

NAN, POS_INF, NEG_INF = "nan", "+inf", "-inf"

# dot prefix -> (exponent width D, mantissa width); "0000" is the denormal mode
DOTS = {"11": (4, 1), "10": (3, 2), "01": (2, 3), "001": (1, 3), "0001": (0, 3)}


def decode(code: int):
    """Value of a HiF8 byte: Fraction, or NAN / POS_INF / NEG_INF."""
    b = f"{code:08b}"
    if b == "10000000":
        return NAN
    if b[1:] == "1101111":
        return NEG_INF if b[0] == "1" else POS_INF
    sign = -1 if b[0] == "1" else 1
    body = b[1:]
    if body.startswith("0000"):
        m = int(body[4:], 2)
        return Fraction(0) if m == 0 else sign * Fraction(2) ** (m - 23)
    for dot, (d, mw) in DOTS.items():
        if body.startswith(dot):
            rest = body[len(dot):]
            ebits, mbits = rest[:d], rest[d:]
            assert len(mbits) == mw
            if d == 0:
                exponent = 0
            else:
                magnitude = int("1" + ebits[1:], 2)  # implicit leading magnitude bit
                exponent = -magnitude if ebits[0] == "1" else magnitude
            mant = 1 + Fraction(int(mbits, 2), 2 ** mw)
            return sign * mant * Fraction(2) ** exponent
    raise AssertionError(code)


def positive_grid() -> list[tuple[Fraction, int]]:
    """(value, code) of every non-negative finite value, ascending, then the grid continued above
    the largest finite value at the top binade's spacing (code -1: no code; its parity is the
    grid index's), far enough for any test input."""
    pts = sorted((v, c) for c in range(128) if isinstance(v := decode(c), Fraction))
    top, step = pts[-1][0], Fraction(2) ** 14  # binade 2^15 holds 1.0 and 1.5 (the Inf place)
    k = 1
    while top + k * step <= 2 ** 20:
        pts.append((top + k * step, -1))
        k += 1
    return pts


def parity(value: Fraction, code: int) -> int:
    """Last bit of the code (RNE's even, RTO's odd); beyond max, that of the grid multiple."""
    if code >= 0:
        return code & 1
    return int(value / Fraction(2) ** 14) & 1


def rnite(x: Fraction) -> int:
    fl = math.floor(x)
    r = x - fl
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and fl % 2):
        return fl + 1
    return fl


def choose(x: Fraction, mode: str, nbits: int = 0, r: int = 0, grid=None) -> tuple[Fraction, int, bool]:
    """(magnitude, code or -1, inexact) that x rounds to on the grid (by magnitude, sign aside)."""
    grid = grid or GRID
    neg = x < 0
    a = abs(x)
    values = VALUES if grid is GRID else [p[0] for p in grid]
    if a > values[-1]:  # far above max finite: every mode lands beyond it
        return a, -1, True
    i = bisect.bisect_right(values, a) - 1  # grid[i] <= a < grid[i + 1]
    lo = grid[i]
    hi = grid[i] if lo[0] == a else grid[i + 1]
    if lo[0] == a:
        return lo[0], lo[1], False
    mid = (lo[0] + hi[0]) / 2
    nu = (a - lo[0]) / (hi[0] - lo[0])
    if mode == "rne":
        up = a > mid or (a == mid and parity(*lo) == 1)
    elif mode == "rna":
        up = a >= mid
    elif mode == "rtz":
        up = False
    elif mode == "rup":
        up = not neg
    elif mode == "rdn":
        up = neg
    elif mode == "rto":
        up = parity(*lo) == 0
    elif mode == "sra":
        up = math.floor(nu * 2 ** nbits) + r >= 2 ** nbits
    elif mode == "srb":
        up = math.floor(nu * 2 ** (nbits + 1)) + 2 * r + 1 >= 2 ** (nbits + 1)
    elif mode == "src":
        up = rnite(nu * 2 ** nbits) + r >= 2 ** nbits
    else:
        raise ValueError(mode)
    v = hi if up else lo
    return v[0], v[1], True


GRID = positive_grid()
VALUES = [p[0] for p in GRID]
MAX = Fraction(2) ** 15


def expected(x: Fraction, mode: str, overflow: str = "ieee", nbits: int = 0, r: int = 0) -> tuple[int, set]:
    """(code, flag names) of x rounded into HiF8 (overflow: 'ieee' = Inf by direction, 'satfinite')."""
    neg = x < 0
    mag, code, inexact = choose(x, mode, nbits, r)
    flags = {"inexact"} if inexact else set()
    if mag > MAX:
        flags |= {"overflow", "inexact"}
        toward_zero = mode in ("rtz", "rto") or (mode == "rup" and neg) or (mode == "rdn" and not neg)
        if overflow == "satfinite" or toward_zero:
            return (0xEE if neg else 0x6E), flags | {"saturated"}
        return (0xEF if neg else 0x6F), flags
    if mag == 0:
        return 0x00, flags
    return code | (0x80 if neg else 0), flags
