"""The input vectors a spec-driven simulation drives: one value set per free name of a property
(its spec inputs and the variables it mentions), exhaustive when their product is small enough,
edge-weighted samples otherwise.

Value sets: a float or integer format input takes every valid code; a `rounding` input the
values the rm port encodes (`fpverify.semantics.ports.RM_ENCODING`); a bits input every value of
its width. An input the property fixes (``assume s == 1``, ``assuming rm == rtz``) takes only that value;
the spec's `clock` is held at 0 and its `reset` sequence is applied before the outputs are read,
as in the proofs (docs/dsl.md, "Clock and reset").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..formats import FloatFormat
from ..hdl.simcheck import sample_codes
from ..semantics.ports import RM_ENCODING
from . import ast
from .check import CheckedSpec, Property, walk
from .symbolic import mode_port_code
from .types import BitsT, BoolT, FloatT, IntT, RoundT, type_width

__all__ = ["Domain", "conjuncts", "domains_of", "enumerate_vectors", "sample_vectors", "space_size", "fixed_by"]

# inputs the proofs hold at a constant when the design has them (`PortMap.fixed`, without z3)


@dataclass(frozen=True)
class Domain:
    """The values one free name ranges over: ``values`` (an explicit list) or ``0 .. size-1``."""

    size: int
    values: tuple[int, ...] | None = None
    fmt: FloatFormat | None = None  # float-typed: sampled with edge weighting
    fixed: bool = False  # a single value imposed by an assumption or a held port
    modes: bool = False  # a rounding input's modes (not counted against the exhaustive limit)

    def pick(self, index: np.ndarray) -> np.ndarray:
        """The values at positions ``index`` (0 .. size-1)."""
        if self.values is None:
            return index.astype(np.uint64)
        return np.asarray(self.values, dtype=np.uint64)[index.astype(np.int64)]


def _code_count(fmt) -> int:
    return 1 << getattr(fmt, "bits", fmt.width)


def conjuncts(e: ast.Expr) -> list[ast.Expr]:
    """The top-level ``and`` operands of ``e``."""
    if isinstance(e, ast.Binary) and e.op == "and":
        return conjuncts(e.left) + conjuncts(e.right)
    return [e]


def fixed_by(spec: CheckedSpec, assumptions: tuple[ast.Expr, ...]) -> dict[str, int]:
    """Inputs an assumption pins to a constant: top-level conjuncts ``NAME == CONST`` (bits, bool or
    rounding inputs; a rounding input may be compared with a mode name)."""
    by_port = {p.port: n for n, p in spec.inputs.items()}
    out: dict[str, int] = {}
    for a in assumptions:
        for c in conjuncts(a):
            if not (isinstance(c, ast.Compare) and c.ops == ("==",) and len(c.operands) == 2):
                continue
            for x, k in (c.operands, reversed(c.operands)):
                name = x.id if isinstance(x, ast.Name) else by_port.get(x.path) if isinstance(x, ast.Signal) else None
                if name is None or (name not in spec.inputs and name not in spec.vars):
                    continue
                t = spec.input_type(name)
                value = _constant(spec, t, k)
                if value is not None:
                    out[name] = value
                    break
    return out


def _constant(spec: CheckedSpec, t, k: ast.Expr) -> int | None:
    if isinstance(t, (BitsT, BoolT)) and isinstance(k, ast.Num) and k.value.denominator == 1 and k.value >= 0:
        return int(k.value)
    if isinstance(t, BoolT) and isinstance(k, ast.BoolLit):
        return int(k.value)
    if isinstance(t, RoundT) and isinstance(k, ast.Name) and k.id not in spec.inputs \
            and k.id not in spec.outputs and k.id not in spec.vars:
        try:
            return mode_port_code(k.id)
        except (ValueError, KeyError):
            return None
    return None


def free_names(spec: CheckedSpec, prop: Property) -> list[str]:
    """Every spec input (each drives a design port) and the variables ``prop`` mentions."""
    mentioned = {x.id for e in (prop.expr, *prop.assumptions) for x in walk(e) if isinstance(x, ast.Name)}
    return list(spec.inputs) + [v for v in spec.vars if v in mentioned]


def _domain(t) -> Domain:
    if isinstance(t, FloatT):
        return Domain(_code_count(t.fmt), fmt=t.fmt)
    if isinstance(t, IntT):
        return Domain(_code_count(t.fmt))
    if isinstance(t, RoundT):
        values = tuple(v for v, _ in RM_ENCODING)
        return Domain(len(values), values, modes=True)
    return Domain(1 << (type_width(t) or 1))


def domains_of(spec: CheckedSpec, prop: Property) -> dict[str, Domain]:
    """Name -> `Domain` for every free name of ``prop``."""
    fixed = fixed_by(spec, prop.assumptions)
    out = {}
    for n in free_names(spec, prop):
        if n in fixed:
            out[n] = Domain(1, (fixed[n],), fixed=True)
        else:
            out[n] = _domain(spec.input_type(n))
    return out


def space_size(domains: dict[str, Domain]) -> int:
    total = 1
    for d in domains.values():
        total *= d.size
    return total


def enumerate_vectors(domains: dict[str, Domain]) -> dict[str, np.ndarray]:
    """Every combination (the first name varies slowest)."""
    total = space_size(domains)
    idx = np.arange(total, dtype=np.uint64)
    out = {}
    stride = total
    for n, d in domains.items():
        stride //= d.size
        out[n] = d.pick((idx // np.uint64(stride)) % np.uint64(d.size))
    return out


def sample_vectors(domains: dict[str, Domain], n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` vectors: float inputs of one format in pairs from `simcheck.sample_codes` (edge codes,
    near-equal operands), small value sets cycled evenly in random order, wide bits uniform."""
    out: dict[str, np.ndarray] = {}
    pending: dict[str, list[str]] = {}
    for name, d in domains.items():
        if d.fmt is not None and not d.fixed:
            pending.setdefault(d.fmt.name, []).append(name)
    for names in pending.values():
        fmt = domains[names[0]].fmt
        for i in range(0, len(names), 2):
            a, b = sample_codes(fmt, n, rng)
            for name, codes in zip(names[i:i + 2], (a, b)):
                valid = codes < np.uint64(domains[name].size)
                out[name] = np.where(valid, codes, rng.integers(0, domains[name].size, size=n, dtype=np.uint64))
    for name, d in domains.items():
        if name in out:
            continue
        if d.size <= 256:
            out[name] = d.pick(rng.permutation(np.resize(np.arange(d.size), n)))
        elif d.size <= 1 << 63:
            out[name] = d.pick(rng.integers(0, d.size, size=n, dtype=np.uint64))
        else:
            nbytes = (d.size.bit_length() + 7) // 8 + 1
            out[name] = np.array([int.from_bytes(rng.bytes(nbytes), "little") % d.size for _ in range(n)],
                                 dtype=object)
    return {name: out[name] for name in domains}
