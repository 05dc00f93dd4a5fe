"""The seeded-bug table: one `Entry` per bug (design, proof set-up, expected first failing stage).

Small formats are proved monolithically (`fpverify.prove.api.prove_equivalence`, then localised on
the same stage list), wide ones by a decomposition strategy (`prove_decomposed`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from fpverify.golden.lmul import LMulPolicy, LMulVariant

from . import designs as D
from . import fma as FMA
from .adder import StagedAdder
from .multiplier import StagedMultiplier

LMUL_A = LMulPolicy(variant=LMulVariant.REAL)
LMUL_B = LMulPolicy()  # bit-add, IEEE-like specials, saturating

MONOLITHIC = "monolithic"


@dataclass(frozen=True)
class Entry:
    id: str
    description: str
    make: Callable[[], object]  # a fresh instance of the buggy component
    op: str  # add (sub port free) | mul | lmul | fma
    fmt: str
    rounding: str = "rne"  # the proof's mode; "port": every rm value (rm port free)
    strategy: str = MONOLITHIC  # or a decomposition strategy name
    # the first failing stage localisation must name; "x|y" where the bug's first visible stage
    # depends on the operands (said in the entry's comment)
    expected: str = ""
    lmul_policy: LMulPolicy | None = None
    latency: int = 0
    nan_exact: bool = False
    lemma_only: bool = False  # a decomposition lemma must fail (the bug hides behind a cut point)
    fast: bool = False  # part of the default test run
    tags: tuple[str, ...] = field(default_factory=tuple)

    def expects(self, stage: str | None) -> bool:
        return stage in self.expected.split("|")

    @property
    def design(self) -> str:
        return self.make.__name__


def _e(id, description, make, op, fmt, **kw) -> Entry:
    return Entry(id, description, make, op, fmt, **kw)


def _ctor(cls, fmt, **kw):
    def make():
        return cls(fmt, **kw)
    args = ", ".join([repr(fmt)] + [f"{k}={v!r}" for k, v in kw.items()])
    make.__name__ = f"{cls.__name__}({args})"
    return make


ENTRIES: list[Entry] = [
    # ---- adder
    _e("add-align-sticky-lsb-e5m2", "alignment sticky misses the small operand's LSB",
       _ctor(D.AlignStickyMissesLsbAdder, "e5m2"), "add", "e5m2", expected="align_sticky", fast=True),
    _e("add-align-sticky-lsb-f32", "alignment sticky misses the small operand's LSB",
       _ctor(D.AlignStickyMissesLsbAdder, "f32"), "add", "f32", strategy="decompose_adder",
       expected="align_sticky"),
    _e("add-swap-exp-only-e2m3fn", "swap compares exponents only: the cancellation path wraps",
       _ctor(D.ExponentOnlySwapAdder, "e2m3fn"), "add", "e2m3fn", expected="norm_exp", fast=True),
    _e("add-swap-exp-only-f16", "swap compares exponents only: the cancellation path wraps",
       _ctor(D.ExponentOnlySwapAdder, "f16"), "add", "f16", strategy="decompose_adder", expected="norm_exp"),
    _e("add-lzc-top-stage-e4m3", "leading-zero counter's first stage tests one bit too few",
       _ctor(D.LzcShortTopStageAdder, "e4m3"), "add", "e4m3", expected="norm_exp", fast=True),
    _e("add-lzc-top-stage-bf16", "leading-zero counter's first stage tests one bit too few",
       _ctor(D.LzcShortTopStageAdder, "bf16"), "add", "bf16", strategy="decompose_adder", expected="norm_exp"),
    _e("add-rdn-zero-sign-e4m3fn", "x - x is +0 under RDN",
       _ctor(D.RdnZeroSignAdder, "e4m3fn", rounding="rdn"), "add", "e4m3fn", rounding="rdn",
       expected="result", fast=True),
    _e("add-rdn-zero-sign-f16", "x - x is +0 under RDN",
       _ctor(D.RdnZeroSignAdder, "f16", rounding="rdn"), "add", "f16", rounding="rdn",
       strategy="decompose_adder", expected="result", fast=True),
    _e("add-rm-swap-up-down-e4m3", "rm decode swaps RUP and RDN",
       _ctor(D.SwappedUpDownAdder, "e4m3"), "add", "e4m3", rounding="port", expected="round_up", fast=True),
    _e("add-rm-rna-as-rne-e2m1fn", "rm decode maps RNA to RNE",
       _ctor(D.RnaAsRneAdder, "e2m1fn"), "add", "e2m1fn", rounding="port", expected="round_up", fast=True),
    _e("add-rm-rna-as-rne-bf16", "rm decode maps RNA to RNE",
       _ctor(D.RnaAsRneAdder, "bf16"), "add", "bf16", rounding="port", strategy="decompose_adder",
       expected="round_up"),
    _e("add-src-exactness-e5m2", "SR-C exactness test ignores the sticky",
       _ctor(D.SrcExactnessAdder, "e5m2", rounding="src4"), "add", "e5m2", rounding="src4",
       expected="round_up", fast=True),
    _e("add-src-exactness-bf16", "SR-C exactness test ignores the sticky",
       _ctor(D.SrcExactnessAdder, "bf16", rounding="src4"), "add", "bf16", rounding="src4",
       strategy="decompose_adder", expected="round_up"),
    _e("add-subnormal-exp-a-e3m2fn", "operand a's subnormal exponent from the raw field",
       _ctor(D.SubnormalExpAdder, "e3m2fn"), "add", "e3m2fn", expected="unpack_a_exp", fast=True),
    _e("add-late-special-path-e4m3", "pipelined: special-result path registered one cycle late",
       _ctor(D.LateSpecialPathAdder, "e4m3", latency=2), "add", "e4m3", latency=2, expected="result",
       fast=True),
    _e("add-late-special-path-f16", "pipelined: special-result path registered one cycle late",
       _ctor(D.LateSpecialPathAdder, "f16", latency=2), "add", "f16", latency=2, strategy="decompose_adder",
       expected="result"),
    # ---- multiplier
    _e("mul-ones-normaliser-a-e4m3", "operand a's normaliser shifts in ones",
       _ctor(D.OnesNormaliserMul, "e4m3"), "mul", "e4m3", expected="unpack_a_sig", fast=True),
    _e("mul-ones-normaliser-a-f16", "operand a's normaliser shifts in ones (only a lemma sees it)",
       _ctor(D.OnesNormaliserMul, "f16"), "mul", "f16", strategy="decompose_multiplier",
       expected="unpack_a_sig", lemma_only=True),
    _e("mul-ones-normaliser-a-bf16", "operand a's normaliser shifts in ones (only a lemma sees it)",
       _ctor(D.OnesNormaliserMul, "bf16"), "mul", "bf16", strategy="decompose_multiplier",
       expected="unpack_a_sig", lemma_only=True, fast=True),
    _e("mul-subnormal-exp-a-e2m1fn", "operand a's subnormal exponent from the raw field",
       _ctor(D.SubnormalExpMul, "e2m1fn"), "mul", "e2m1fn", expected="unpack_a_exp", fast=True),
    _e("mul-overflow-ge-e5m2", "overflow compare >= at the max-finite boundary",
       _ctor(D.OverflowGeMul, "e5m2"), "mul", "e5m2", expected="round_overflow", fast=True),
    _e("mul-overflow-ge-bf16", "overflow compare >= at the max-finite boundary",
       _ctor(D.OverflowGeMul, "bf16"), "mul", "bf16", strategy="decompose_multiplier",
       expected="round_overflow"),
    _e("mul-of-flag-before-carry-e4m3", "OVERFLOW flag misses rounding carries",
       _ctor(D.OverflowFlagBeforeCarryMul, "e4m3"), "mul", "e4m3", expected="flags", fast=True),
    _e("mul-of-flag-before-carry-f16", "OVERFLOW flag misses rounding carries",
       _ctor(D.OverflowFlagBeforeCarryMul, "f16"), "mul", "f16", strategy="decompose_multiplier",
       expected="flags"),
    _e("mul-tininess-before-e2m3fn", "UNDERFLOW with tininess before rounding",
       _ctor(D.TininessBeforeMul, "e2m3fn"), "mul", "e2m3fn", expected="flags", fast=True),
    _e("mul-tininess-before-f16", "UNDERFLOW with tininess before rounding",
       _ctor(D.TininessBeforeMul, "f16"), "mul", "f16", strategy="decompose_multiplier", expected="flags"),
    _e("mul-tininess-before-f32", "UNDERFLOW with tininess before rounding",
       _ctor(D.TininessBeforeMul, "f32"), "mul", "f32", strategy="decompose_multiplier", expected="flags"),
    _e("mul-inexact-subnormal-e5m2", "INEXACT missing on subnormal results",
       _ctor(D.InexactBeforeDenormMul, "e5m2"), "mul", "e5m2", expected="flags", fast=True),
    _e("mul-inexact-subnormal-bf16", "INEXACT missing on subnormal results",
       _ctor(D.InexactBeforeDenormMul, "bf16"), "mul", "bf16", strategy="decompose_multiplier",
       expected="flags"),
    _e("mul-fit-sticky-e2m3fn", "rounder sticky skips the top bit below its frame",
       _ctor(D.FitStickyMissesBitMul, "e2m3fn"), "mul", "e2m3fn", expected="round_sticky", fast=True),
    _e("mul-fit-sticky-f16", "rounder sticky skips the top bit below its frame",
       _ctor(D.FitStickyMissesBitMul, "f16"), "mul", "f16", strategy="decompose_multiplier",
       expected="round_sticky"),
    _e("mul-fit-sticky-f32", "rounder sticky skips the top bit below its frame",
       _ctor(D.FitStickyMissesBitMul, "f32"), "mul", "f32", strategy="decompose_multiplier",
       expected="round_sticky"),
    _e("mul-nan-sign-e5m2", "default NaN carries the product's sign",
       _ctor(D.NanSignMul, "e5m2"), "mul", "e5m2", nan_exact=True, expected="result", fast=True),
    _e("mul-nan-quiet-bit-bf16", "default NaN with the quiet bit clear",
       _ctor(D.NanQuietBitMul, "bf16"), "mul", "bf16", strategy="decompose_multiplier", nan_exact=True,
       expected="result"),
    _e("mul-max-times-one-e4m3", "ECO: a = max finite, b = 1.0 raises OVERFLOW (one operand pair)",
       _ctor(D.MaxTimesOneEcoMul, "e4m3"), "mul", "e4m3", expected="flags", fast=True),
    _e("mul-max-times-one-bf16", "ECO: a = max finite, b = 1.0 raises OVERFLOW (one operand pair)",
       _ctor(D.MaxTimesOneEcoMul, "bf16"), "mul", "bf16", strategy="decompose_multiplier", expected="flags"),
    _e("mul-sra-short-random-e4m3", "SR-A compares N-1 random bits",
       _ctor(D.ShortRandomMul, "e4m3", rounding="sra4"), "mul", "e4m3", rounding="sra4",
       expected="round_up", fast=True),
    _e("mul-srb-missing-half-bf16", "SR-B's 2R + 1 loses the + 1",
       _ctor(D.SrbMissingHalfMul, "bf16", rounding="srb4"), "mul", "bf16", rounding="srb4",
       strategy="decompose_multiplier", expected="round_up"),
    _e("mul-late-flags-bf16", "pipelined: flags register one cycle late",
       _ctor(D.LateFlagsMul, "bf16", latency=2), "mul", "bf16", latency=2, strategy="decompose_multiplier",
       expected="flags"),
    # ---- FMA (a*b + c)
    # a lost sticky shows as round_sticky when the addend is added, and already as round_guard when
    # it is subtracted (a*b - tiny sits just below a*b: the bits above the jam position borrow), and
    # already as norm_exp when a*b is a power of two (a*b - tiny is one binade lower: the lost
    # borrow keeps the sum's leading one; seen on E5M2 a=32768 b=-0.25 c=8)
    _e("fma-far-addend-sticky-e5m2", "alignment sticky lost when the addend is far below the product",
       _ctor(FMA.FarAddendStickyLostFMA, "e5m2"), "fma", "e5m2", expected="norm_exp|round_guard|round_sticky", fast=True),
    _e("fma-far-addend-sticky-e4m3fn", "alignment sticky lost when the addend is far below the product",
       _ctor(FMA.FarAddendStickyLostFMA, "e4m3fn"), "fma", "e4m3fn", expected="norm_exp|round_guard|round_sticky"),
    _e("fma-far-addend-sticky-bf16", "alignment sticky lost when the addend is far below the product",
       _ctor(FMA.FarAddendStickyLostFMA, "bf16"), "fma", "bf16", strategy="decompose_fma",
       expected="norm_exp|round_guard|round_sticky"),
    _e("fma-cancellation-lzc-e5m2", "leading-zero count one short after a cancellation",
       _ctor(FMA.CancellationLzcFMA, "e5m2"), "fma", "e5m2", expected="norm_exp", fast=True),
    _e("fma-cancellation-lzc-bf16", "leading-zero count one short after a cancellation",
       _ctor(FMA.CancellationLzcFMA, "bf16"), "fma", "bf16", strategy="decompose_fma", expected="norm_exp"),
    # ---- L-Mul
    _e("lmul-paper-constant-bf16", "offset constant C with l(m) = m for every m",
       _ctor(D.PaperRuleConstantLMul, "bf16"), "lmul", "bf16", strategy="decompose_lmul", lmul_policy=LMUL_B,
       expected="result", fast=True),
    # the offset moves from the kept LSB (l = 3 = m) to the guard bit: round_guard differs, unless
    # the operands' mantissas sum to 7/8, where the true offset carries into the next binade and the
    # halved one does not, so the normalised exponent (compared first) differs
    _e("lmul-offset-off-by-one-e4m3", "variant A offset 2^-(l+1)",
       _ctor(D.OffsetOffByOneLMul, "e4m3", policy=LMUL_A), "lmul", "e4m3", lmul_policy=LMUL_A,
       expected="round_guard|norm_exp", fast=True),
    _e("lmul-paper-constant-f32", "offset constant C with l(m) = m for every m",
       _ctor(D.PaperRuleConstantLMul, "f32"), "lmul", "f32", strategy="decompose_lmul", lmul_policy=LMUL_B,
       expected="result"),
    _e("lmul-no-inexact-e5m2", "L-Mul never raises INEXACT",
       _ctor(D.NoInexactLMul, "e5m2"), "lmul", "e5m2", lmul_policy=LMUL_B, expected="flags", fast=True),
]

# the unmodified stage copies the bugs are written against: each must be PROVED, so every bug
# above is exactly its one override
REFERENCE_COPIES: list[Entry] = [
    _e("copy-staged-adder-e5m2", "no bug", _ctor(StagedAdder, "e5m2"), "add", "e5m2"),
    _e("copy-staged-adder-e4m3-lat2", "no bug", _ctor(StagedAdder, "e4m3", latency=2), "add", "e4m3", latency=2),
    _e("copy-staged-multiplier-e5m2", "no bug", _ctor(StagedMultiplier, "e5m2"), "mul", "e5m2", nan_exact=True),
    _e("copy-fma-e2m3fn", "no bug", _ctor(FMA.FPFMA, "e2m3fn"), "fma", "e2m3fn"),
    _e("copy-rounder-mul-e4m3", "no bug", _ctor(D.CopiedRounderMul, "e4m3"), "mul", "e4m3"),
    _e("copy-rounder-adder-e5m2-src4", "no bug", _ctor(D.CopiedRounderAdder, "e5m2", rounding="src4"), "add",
       "e5m2", rounding="src4"),
]


def entry(bug_id: str) -> Entry:
    for e in ENTRIES:
        if e.id == bug_id:
            return e
    raise KeyError(bug_id)


__all__ = ["Entry", "ENTRIES", "REFERENCE_COPIES", "entry", "MONOLITHIC", "LMUL_A", "LMUL_B"]
