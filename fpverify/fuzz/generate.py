"""Cheap case generation for the harness: 64-bit words decoded into cases.

Hypothesis draws plain ``st.integers(0, 2**64 - 1)`` words (fast to generate, and integer
shrinking is excellent); `CaseDecoder` turns each word into an example with the same
distributions as `fpverify.strategies` (specials, target boundary points +- source ulps,
double-rounding traps, structured and raw codes, tie-seeking operands, SR thresholds, MX blocks).
Fields are taken from the most significant bits first, so shrinking a word minimises the case
*kind* first (specials, then boundaries, ...), then the sign, then the offsets, then magnitudes:
the all-zero word is the simplest case (+0).
"""

from __future__ import annotations

import math
from fractions import Fraction

from .. import strategies as S
from ..formats import FloatFormat, Format, IntFormat, get_format
from ..rounding import Env
from ..tapered import TaperedFormat
from .semantics import IntSource, Semantics
from .types import Case

WORD = 1 << 64
PART = 1 << 24  # words are drawn as three parts: hypothesis draws ranges <= 2^24 uniformly
_VIAS = ("f32", "f16", "bf16")
_RNE = Env()


def join_words(parts) -> list[int]:
    """Words from consecutive (24, 24, 16)-bit parts (the last part is taken mod 2^16)."""
    return [(parts[i] << 40) | (parts[i + 1] << 16) | (parts[i + 2] & 0xFFFF)
            for i in range(0, len(parts) - 2, 3)]


def word_strategy():
    """One 64-bit word whose bits are all (nearly) uniform, shrinking towards 0."""
    from hypothesis import strategies as st

    p = st.integers(0, PART - 1)
    return st.tuples(p, p, p).map(lambda t: join_words(t)[0])


class _Bits:
    """Take fields from a 64-bit word, most significant first."""

    def __init__(self, w: int) -> None:
        self.w = w
        self.left = 64

    def take(self, n: int) -> int:
        self.left -= n
        return (self.w >> self.left) & ((1 << n) - 1)

    def rest(self) -> int:
        return self.w & ((1 << self.left) - 1)


def _offset(v: int, max_ulps: int = 3) -> int:
    """0, 1, -1, 2, -2, ... from a small field."""
    v %= 2 * max_ulps + 1
    return (v + 1) // 2 * (1 if v % 2 else -1)


def _pick_target_code(t: FloatFormat, b: _Bits) -> int:
    """A positive finite target code (or -1: below the smallest), weighted to the extremes."""
    top = t.max_code
    m = t.man_bits
    if b.take(1) == 0:
        key = [-1, 0, top, top - 1, 1, (1 << m) - 1, 1 << m, t.bias << m]
        key = [c for c in dict.fromkeys(key) if -1 <= c <= top and (c < 0 or not t.is_special(c))]
        return key[b.take(4) % len(key)]
    c = b.rest() % (top + 2) - 1
    while c >= 0 and t.is_special(c):
        c -= 1
    return c


_tapered_grids: dict = {}


def _tapered_grid(t: TaperedFormat) -> list[Fraction]:
    """Non-negative finite values ascending, then the Inf code's grid place (overflow threshold)."""
    g = _tapered_grids.get(t.name)
    if g is None:
        g = sorted(Fraction(t.value(c)) for c in range(t.sign_bit) if not t.is_special(c))
        _, sig, exp = t.finite_parts(t.inf_code(0))
        g.append(Fraction(sig) * Fraction(2) ** exp)
        _tapered_grids[t.name] = g
    return g


def _target_point(t: Format, b: _Bits, tie: bool) -> Fraction:
    """A value of the target format, or the midpoint above it (tapered formats: by value order)."""
    if isinstance(t, TaperedFormat):
        g = _tapered_grid(t)
        i = b.rest() % (len(g) - 1) if b.take(1) else [0, 1, len(g) - 2, len(g) - 3][b.take(2)]
        return (g[i] + g[i + 1]) / 2 if tie else g[i]
    return S._point(t, _pick_target_code(t, b), tie)


_TAPERED_INTERESTING = (0x00, 0x80, 0x6F, 0xEF, 0x6E, 0xEE, 0x01, 0x81, 0x7E, 0x07, 0x08, 0x88, 0x0F, 0x10)


class CaseDecoder:
    """Maps words to `Case`s for one `Semantics` (with a memo: shrinking revisits words)."""

    def __init__(self, sem: Semantics) -> None:
        self.sem = sem
        self.memo: dict[tuple, object] = {}
        src = sem.sources[0]
        self.src = src
        self.vias = []
        if isinstance(src, FloatFormat) and isinstance(sem.dst, (FloatFormat, TaperedFormat)):
            for via in _VIAS:
                v = get_format(via)
                if sem.dst.precision < v.precision < src.precision and v.exp_bits <= src.exp_bits:
                    self.vias.append(v)
        if sem.op == "mx":
            self.words_per_case = sem.block + 1
            self.parts_per_case = 3 + sem.block  # one 24-bit part per element word
        else:
            self.words_per_case = sem.arity + (1 if sem.stochastic else 0)
            self.parts_per_case = 3 * self.words_per_case

    def words(self, parts) -> list[int]:
        """The words of one case from its ``parts_per_case`` hypothesis parts."""
        if self.sem.op == "mx":
            return join_words(parts[:3]) + [p << 40 for p in parts[3:]]
        return join_words(parts)

    # ---- public --------------------------------------------------------------------------
    def decode(self, words) -> Case:
        key = tuple(words)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        sem = self.sem
        if sem.op == "mx":
            case = Case(self._mx_block(key))
        elif sem.op == "convert":
            x = self._convert_input(key[0])
            r = self._random_bits(key[1], x) if sem.stochastic else 0
            case = Case((x,), r)
        else:
            args = [self._operand(key[0], None)]
            for w in key[1:sem.arity]:
                args.append(self._operand(w, args))
            r = self._random_bits(key[sem.arity], None) if sem.stochastic else 0
            case = Case(tuple(args), r)
        self.memo[key] = case
        return case

    # ---- conversions ---------------------------------------------------------------------
    def _convert_input(self, w: int):
        src, dst = self.src, self.sem.dst
        if isinstance(src, IntSource):
            return self._int_input(w)
        if isinstance(src, (IntFormat, TaperedFormat)) or not isinstance(dst, (FloatFormat, IntFormat, TaperedFormat)):
            return self._code(src, w)
        b = _Bits(w)
        kind = b.take(3)
        if kind in (1, 2, 5):
            return self._boundary_code(src, dst, b)
        if kind in (3, 6) and self.vias:
            return self._trap_code(src, dst, b)
        return self._code(src, w, kind_bits=False, b=b, kind=kind)

    def _code(self, fmt: Format, w: int, kind_bits: bool = True, b: _Bits | None = None,
              kind: int | None = None) -> int:
        """A code of ``fmt``: specials, structured (sign/exponent/mantissa) or raw."""
        if b is None:
            b = _Bits(w)
        if kind is None:
            kind = b.take(3)
        if isinstance(fmt, TaperedFormat):  # no field structure to follow: specials or any code
            return _TAPERED_INTERESTING[b.take(8) % len(_TAPERED_INTERESTING)] if kind == 0 else b.rest() % 256
        specials = S.interesting_codes(fmt)
        if kind == 0:
            return specials[b.take(8) % len(specials)]
        if isinstance(fmt, IntFormat) or kind == 7:
            return b.rest() % (1 << fmt.bits)
        sign = b.take(1) if fmt.signed else 0
        if kind == 4 and fmt.subnormals and fmt.man_bits:
            return (sign * fmt.sign_bit) | (b.rest() % ((1 << fmt.man_bits) - 1) + 1)
        e = b.take(16) % (fmt.exp_mask + 1)
        t = b.rest() % (1 << fmt.man_bits) if fmt.man_bits else 0
        return (sign * fmt.sign_bit) | (e << fmt.man_bits) | t

    def _boundary_code(self, src: FloatFormat, dst: Format, b: _Bits) -> int:
        sign = b.take(1) if src.signed else 0
        tie = b.take(1)
        j = _offset(b.take(4))
        up = b.take(1)
        if isinstance(dst, IntFormat):
            step = Fraction(2) ** dst.scale_exp
            x = (b.rest() % (dst.max_int + 2) + Fraction(tie, 2)) * step
        else:
            x = _target_point(dst, b, bool(tie))
        c = S._codes_around(src, x, j, bool(up))
        return c | (src.sign_bit if sign and (c or src.has_neg_zero) else 0)

    def _trap_code(self, src: FloatFormat, dst: FloatFormat, b: _Bits) -> int:
        sign = b.take(1)
        via = self.vias[b.take(2) % len(self.vias)]
        down = b.take(1)
        gap = src.precision - via.precision
        half = 1 << (gap - 1)
        sel = b.take(3)
        k = [1, half - 1 or 1, half, half + 1][sel] if sel < 4 else b.take(24) % half + 1
        m = _target_point(dst, b, True)
        lo, hi = S._nearest_codes(src, m)
        c = S._step_code(src, lo if down else hi, -k if down else k)
        return c | (src.sign_bit if sign else 0)

    def _int_input(self, w: int) -> int:
        src: IntSource = self.src
        dst = self.sem.dst
        b = _Bits(w)
        kind = b.take(3)
        sign = b.take(1) if src.signed else 0

        def clip(v: int) -> int:
            v = -v if sign else v
            return max(src.min, min(src.max, v))

        if kind == 0:
            vals = [0, 1, src.max, src.min, 2]
            return clip(vals[b.take(4) % len(vals)])
        if kind in (1, 2, 3) and isinstance(dst, FloatFormat):
            tie = b.take(1)
            j = _offset(b.take(4))
            x = S._point(dst, _pick_target_code(dst, b), bool(tie))
            if kind == 3 and x >= 1 << 25:  # a trap: collapses onto the midpoint in f32
                e = math.floor(x).bit_length() - 24
                k = (b.take(24) % max(1, (1 << e) // 2)) + 1
                v = math.floor(x) - k if j < 0 else math.ceil(x) + k
            else:
                v = (math.floor(x) if j <= 0 else math.ceil(x)) + j
            return clip(v)
        if kind in (4, 5):  # a random magnitude with a uniformly chosen bit length
            nb = b.take(7) % src.bits
            return clip(b.rest() % (1 << nb) if nb else 0)
        return clip(b.rest() % (src.max + 1))

    # ---- arithmetic operands -------------------------------------------------------------
    def _operand(self, w: int, previous: list | None) -> int:
        fmt = self.src
        b = _Bits(w)
        kind = b.take(3)
        if previous and kind == 6 and isinstance(fmt, (FloatFormat, TaperedFormat)):
            c = self._tie_seeking(previous[0], b)
            if c is not None:
                return c
        return self._code(fmt, w, b=b, kind=kind)

    def _tie_seeking(self, a: int, b: _Bits) -> int | None:
        """An operand that puts ``a op this`` on or next to a midpoint of the result format."""
        fmt, dst, op = self.src, self.sem.dst, self.sem.op
        if fmt.is_special(a) or not isinstance(dst, (FloatFormat, TaperedFormat)):
            return None
        av = Fraction(fmt.value(a))
        tie = b.take(1)
        j = _offset(b.take(4), 2)
        up = b.take(1)
        sign = b.take(1)
        m = _target_point(dst, b, bool(tie))
        m = -m if sign else m
        if op == "add":
            want = m - av
        elif op == "sub":
            want = av - m
        elif op in ("mul", "fma") and av != 0:
            want = m / av
        elif op == "div" and m != 0:
            want = av / m
        else:
            return None
        neg = want < 0
        c = S._codes_around(fmt, abs(want), j, bool(up))
        return c | (fmt.sign_bit if neg and (c or fmt.has_neg_zero) else 0)

    # ---- stochastic rounding bits --------------------------------------------------------
    def _random_bits(self, w: int, x_code) -> int:
        n = self.sem.nbits
        top = (1 << n) - 1
        b = _Bits(w)
        kind = b.take(2)
        if kind == 0:
            vals = list(dict.fromkeys([0, top, 1 << (n - 1), 1]))
            return vals[b.take(3) % len(vals)]
        if kind in (1, 2) and x_code is not None and isinstance(self.sem.dst, FloatFormat):
            x = Fraction(x_code) if isinstance(self.src, IntSource) else self.src.value(x_code)
            x = x if isinstance(x, (int, Fraction)) else None
            if x is not None:
                frac = S._residual_bits(x, self.sem.dst, n)
                if frac is not None:
                    return max(0, min(top, (1 << n) - frac + _offset(b.take(2), 1)))
        return b.rest() % (top + 1)

    # ---- MX blocks -----------------------------------------------------------------------
    def _mx_block(self, words: tuple) -> tuple:
        sem = self.sem
        src, elem = self.src, sem.dst
        b = _Bits(words[0])
        exps = [0, -1, 1, 8, -6, -130, 127]
        e = exps[b.take(3) % len(exps)] if b.take(1) == 0 else b.take(8) % 258 - 130
        mants = [Fraction(1), 2 - Fraction(1, 1 << 23), Fraction(3, 2), Fraction(7, 4), Fraction(15, 8)]
        mant = mants[b.take(3) % len(mants)] if b.take(1) == 0 else 1 + Fraction(b.take(23), 1 << 23)
        pos = b.take(6) % sem.block
        amax_neg = b.take(1)
        amax = mant * Fraction(2) ** e
        scale_of = S._mx_scale(elem)
        scale = scale_of(amax)
        vals: list[float] = []
        for w in words[1:]:
            eb = _Bits(w)
            kind = eb.take(3)
            sign = eb.take(1)
            if kind == 0:
                v = 0.0
            elif kind in (1, 2, 3):
                tie = eb.take(1)
                if isinstance(elem, FloatFormat):
                    p = S._point(elem, _pick_target_code(elem, eb), bool(tie))
                else:
                    p = (eb.rest() % (elem.max_int + 2) + Fraction(tie, 2)) * Fraction(2) ** elem.scale_exp
                v = S._f32_round(min(p * scale, amax))
            elif kind == 4:
                v = S._f32_round(amax * Fraction(eb.take(20), 1 << 20))
            elif kind == 5:
                v = S._f32_round(Fraction(eb.take(10) + 1, 1 << 149))
            elif kind == 6 and eb.take(3) == 0:
                v = [math.nan, math.inf, -math.inf][eb.take(2) % 3]
            else:
                v = S._f32_round(amax * Fraction(eb.take(20), 1 << 20))
            vals.append(-v if sign else v)
        a = S._f32_round(amax)
        vals[pos] = -a if amax_neg else a
        from .arrays import float_code

        return tuple(float_code(src, v) for v in vals)


__all__ = ["CaseDecoder", "WORD", "PART", "join_words", "word_strategy"]
