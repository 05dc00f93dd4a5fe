"""Test-case generation in the manner of Berkeley TestFloat 3e (`genCases_*.c`), for any format.

TestFloat builds operands from a sign, an *exponent class* and a *significand pattern*:

* exponent classes ``QIn`` (operands of multi-operand functions) and ``QOut`` (single operands,
  denser near the range boundaries): field 0 (zero/subnormal), emin, emin+1, -P, -4..4, P, emax-1,
  emax and the all-ones field (Inf/NaN), each with both signs (clipped to the format);
* significand patterns ``P1`` = {0, 1, all ones, all ones - 1} (level 1) and ``P2`` (level 2):
  zero, every single bit, every run of ones from the top, from the bottom, and all-ones with one
  bit clear;
* random operands: 3/8 ``QOut x (P2+P2)``, 1/8 ``QOut x random``, 3/8 ``random exponent x
  (P2+P2)``, 1/8 random exponent and significand (TestFloat's ``f32Random``); random exponents
  are weighted toward the middle of the range as TestFloat's ``f32QInfWeightMasks`` do.

Level 1 interleaves the sequential walk with random operands exactly as TestFloat does: one operand
``3 x |QOut P1|`` cases (random, random, sequential); two operands ``6 x |QIn P1|^2`` (the
six subcases of ``genCases_f32_ab_next``); three operands ``9 x |QIn P1|^3`` (the nine of
``genCases_f32_abc_next``). Level 2 uses P2 and
halves the random share. Formats of at most 8 bits get exhaustive level 2 for one and two operands, and any level is
exhaustive when that is no more cases than the structured walk.

Conversions to a narrower format also walk the destination's boundaries (its emin, min subnormal,
emax and one above) and its rounding decision points (half an ulp of the destination, +-1 ulp of the
source, on even and odd destination codes), so ties and overflow thresholds are always exercised.
"""

from __future__ import annotations

import itertools
import random as _random
from dataclasses import dataclass
from typing import Iterator

from ..formats import FloatFormat, Format, IntFormat
from ..rounding import Rounding
from ..tapered import TaperedFormat
from .function import VectorFunction


@dataclass(frozen=True)
class Patterns:
    """Operand building blocks for one format."""

    q_in: tuple[int, ...]  # codes carrying sign and exponent field, significand 0
    q_out: tuple[int, ...]
    p1: tuple[int, ...]
    p2: tuple[int, ...]
    fields: int  # number of exponent fields (for random exponents)
    man_bits: int
    sign_bit: int
    code_bits: int


def _p2(m: int) -> list[int]:
    mask = (1 << m) - 1
    out = {0}
    for i in range(m):
        out.add(1 << i)  # single bits
        out.add(mask & ~((1 << i) - 1))  # ones from the top
        out.add((1 << (i + 1)) - 1)  # ones from the bottom
        out.add(mask ^ (1 << i))  # all ones but one
    return sorted(out)


def float_patterns(fmt: FloatFormat, extra_exponents: tuple[int, ...] = (),
                   extra_sigs: tuple[int, ...] = ()) -> Patterns:
    m = fmt.man_bits
    mask = (1 << m) - 1
    top = fmt.exp_mask

    def fields(exps):
        out = {0, top}
        for e in exps:
            f = e + fmt.bias
            if 1 <= f <= top:
                out.add(f)
        return sorted(out)

    emin, p = fmt.emin, fmt.precision
    emax = fmt.finite_parts(fmt.max_code)[2] + m
    q_in_f = fields([emin, -p, -2, -1, 0, 1, 2, p, emax] + list(extra_exponents))
    q_out_f = fields([emin, emin + 1, -p, -4, -3, -2, -1, 0, 1, 2, 3, 4, p, emax - 1, emax]
                     + list(extra_exponents))
    signs = (0, fmt.sign_bit) if fmt.signed else (0,)
    q_in = tuple(s | (f << m) for s in signs for f in q_in_f)
    q_out = tuple(s | (f << m) for s in signs for f in q_out_f)
    p1 = sorted({0, 1 & mask, mask, (mask - 1) & mask} | {s & mask for s in extra_sigs})
    p2 = sorted(set(_p2(m)) | {s & mask for s in extra_sigs})
    return Patterns(q_in, q_out, tuple(p1), tuple(p2), top + 1, m, fmt.sign_bit, fmt.bits)


def int_patterns(fmt: IntFormat) -> Patterns:
    b = fmt.bits
    codes = set(_p2(b)) | {fmt.from_int(v) for v in (0, 1, -1, 2, -2, fmt.max_int, fmt.min_int,
                                                      fmt.max_int - 1, fmt.min_int + 1)}
    codes = tuple(sorted(codes))
    return Patterns((0,), (0,), codes, codes, 1, b, 0, b)


def tapered_patterns(fmt: TaperedFormat) -> Patterns:
    """A tapered format has no fixed exponent/significand split: every code is a pattern."""
    codes = tuple(fmt.codes())
    return Patterns((0,), (0,), codes, codes, 1, fmt.bits, 0, fmt.bits)


def patterns_for(fmt: Format, extra_exponents=(), extra_sigs=()) -> Patterns:
    if isinstance(fmt, IntFormat):
        return int_patterns(fmt)
    if isinstance(fmt, TaperedFormat):
        return tapered_patterns(fmt)
    return float_patterns(fmt, tuple(extra_exponents), tuple(extra_sigs))


def conversion_extras(src: Format, dst: Format) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Exponents and significand patterns of ``src`` that hit ``dst``'s boundaries and ties."""
    if not isinstance(src, FloatFormat):
        return (), ()
    exps: list[int] = []
    sigs: list[int] = []
    if isinstance(dst, TaperedFormat):
        return _tapered_extras(src, dst)
    if isinstance(dst, FloatFormat):
        d_emax = dst.finite_parts(dst.max_code)[2] + dst.man_bits
        exps = [dst.emin - 1, dst.emin, dst.emin - dst.man_bits - 1, dst.emin - dst.man_bits,
                d_emax, d_emax + 1]
        keep = dst.man_bits
    else:
        exps = [dst.scale_exp - 1, dst.scale_exp, dst.bits - 2 + dst.scale_exp,
                dst.bits - 1 + dst.scale_exp]
        keep = 0
    drop = src.man_bits - keep
    if drop >= 1:
        half = 1 << (drop - 1)
        lsb = 1 << drop
        bases = {0, lsb, (1 << src.man_bits) - lsb}  # even code, odd code, top of the binade
        if isinstance(dst, FloatFormat):  # the overflow threshold: max finite + half an ulp
            bases.add((dst.max_code & ((1 << dst.man_bits) - 1)) << drop)
        for base in sorted(bases):
            for s in (0, half - 1, half, half + 1):
                if 0 <= base + s < (1 << src.man_bits):
                    sigs.append(base + s)
    return tuple(exps), tuple(sigs)


def _tapered_extras(src: FloatFormat, dst: TaperedFormat) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Every binade of a tapered destination (and one beyond each end), with the half-ulp
    decision points of each of its precisions."""
    exps = tuple(range(dst.emin_binade - 2, dst.emax_binade + 2))
    sigs: set[int] = set()
    for p in {dst.binade_precision(e) for e in range(dst.emin_binade, dst.emax_binade + 1)}:
        drop = src.man_bits - (p - 1)
        if drop < 1:
            continue
        half, lsb = 1 << (drop - 1), 1 << drop
        for base in (0, lsb, (1 << src.man_bits) - lsb, 1 << (src.man_bits - 1)):
            for d in (0, half - 1, half, half + 1):
                if 0 <= base + d < (1 << src.man_bits):
                    sigs.add(base + d)
    return exps, tuple(sorted(sigs))


class CaseGenerator:
    """Endless operand tuples for ``fn`` in TestFloat's order; ``total`` is one full level."""

    def __init__(self, fn: VectorFunction, level: int = 1, seed: int = 1) -> None:
        if level not in (1, 2):
            raise ValueError("level must be 1 or 2")
        self.fn = fn
        self.level = level
        self.rng = _random.Random(seed)
        ex, sg = conversion_extras(fn.src, fn.dst) if fn.is_conversion else ((), ())
        self.pat = patterns_for(fn.src, ex, sg)
        pat = self.pat
        self.exhaustive = level == 2 and fn.src.bits <= 8 and fn.arity <= 2
        p = pat.p1 if level == 1 else pat.p2
        self.seq_one = [q | s for q in pat.q_out for s in p]
        self.seq_in = [q | s for q in pat.q_in for s in p]
        if self.exhaustive:
            self.total = (1 << fn.src.bits) ** fn.arity
        if fn.arity == 1:
            self.total = (3 if level == 1 else 2) * len(self.seq_one)
        elif fn.arity == 2:
            self.total = (6 if level == 1 else 2) * len(self.seq_in) ** 2
        else:
            self.total = (9 if level == 1 else 2) * len(self.seq_in) ** 3
        space = (1 << fn.src.bits) ** fn.arity
        if self.exhaustive or space <= self.total:  # cheaper to try every input
            self.exhaustive, self.total = True, space

    # ---- random operands (TestFloat's f32Random) ----------------------------------------------
    def random_operand(self) -> int:
        pat, r = self.pat, self.rng
        mask = (1 << pat.man_bits) - 1
        kind = r.randrange(8)
        if kind <= 3:  # QOut exponent class
            q = r.choice(pat.q_out)
        else:  # random exponent, weighted toward the middle of the range like f32QInfWeightMasks
            sign = pat.sign_bit if (pat.sign_bit and r.randrange(2)) else 0
            q = sign | (self._random_field() << pat.man_bits)
        if kind in (3, 7):  # random significand
            sig = r.getrandbits(pat.man_bits) if pat.man_bits else 0
        else:  # P2 + P2
            sig = (r.choice(pat.p2) + r.choice(pat.p2)) & mask
        return (q | sig) & ((1 << pat.code_bits) - 1)

    def _random_field(self) -> int:
        r, nfields = self.rng, self.pat.fields
        if nfields <= 1:
            return 0
        e = (nfields - 1).bit_length()
        k = r.randrange(7)
        if k < 2:
            return r.randrange(nfields)
        w = max(1, e - k + 1)
        f = (1 << (e - 1)) - (1 << (w - 1)) + r.getrandbits(w)
        return min(max(f, 0), nfields - 1)

    def __iter__(self) -> Iterator[tuple[int, ...]]:
        fn = self.fn
        if self.exhaustive:
            codes = range(1 << fn.src.bits)
            while True:
                yield from itertools.product(codes, repeat=fn.arity)
        rand = self.random_operand
        if fn.arity == 1:
            while True:
                for a in self.seq_one:
                    if self.level == 1:
                        yield (rand(),)
                    yield (rand(),)
                    yield (a,)
        elif fn.arity == 2:
            while True:
                for a, b in itertools.product(self.seq_in, repeat=2):
                    if self.level == 1:  # genCases_f32_ab_next subcases 0..5
                        yield (rand(), rand())
                        yield (a, rand())
                        yield (rand(), rand())
                        yield (rand(), b)
                        yield (rand(), rand())
                        yield (a, b)
                    else:
                        yield (rand(), rand())
                        yield (a, b)
        else:
            while True:
                for a, b, c in itertools.product(self.seq_in, repeat=3):
                    if self.level == 1:  # genCases_f32_abc_next subcases 0..8
                        yield (rand(), rand(), c)
                        yield (a, b, rand())
                        yield (rand(), rand(), rand())
                        yield (rand(), b, c)
                        yield (a, rand(), rand())
                        yield (rand(), b, rand())
                        yield (a, rand(), c)
                        yield (rand(), rand(), rand())
                        yield (a, b, c)
                    else:
                        yield (rand(), rand(), rand())
                        yield (a, b, c)


def generate(fn: VectorFunction, rounding: Rounding, level: int = 1, count: int | None = None,
             seed: int = 1) -> Iterator[tuple[tuple[int, ...], int | None]]:
    """``count`` (default: one full level) operand tuples with the random bits R for SR modes."""
    gen = CaseGenerator(fn, level, seed)
    n = gen.total if count is None else count
    rbits = _random.Random(seed ^ 0x5EED)
    nb = rounding.nbits
    edges = (0, (1 << nb) - 1, 1 << (nb - 1)) if rounding.mode.stochastic else ()
    for i, ops in enumerate(itertools.islice(iter(gen), n)):
        if not rounding.mode.stochastic:
            yield ops, None
        else:  # mostly uniform R, with the extremes and the midpoint now and then
            r = edges[i % 3] if i % 16 == 0 else rbits.getrandbits(nb)
            yield ops, r
