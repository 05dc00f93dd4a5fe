"""Translate an `fpverify.hdl.ir.Netlist` into z3 bit-vector terms.

Semantics follow the op table in `fpverify/hdl/ir.py` (Amaranth NIR after width resolution):
divisions are guarded (``x // 0 = x % 0 = 0``) and floor-rounded, shifts accept amounts wider than
the operand, zero-width values are represented by ``None`` (z3 has no 0-bit bit-vectors), and
cells are translated iteratively in the netlist's topological order.

Flip-flops are state. ``translate(nl, cycles=L)`` unrolls by next-state substitution: state
starts at each flip-flop's ``init``, the same input terms are applied on every cycle (or one set
per cycle with ``inputs_per_cycle``), and the returned terms are the values after L clock edges,
so a latency-L pipeline's outputs are plain functions of its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import z3

from ..hdl.ir import CONST0, CONST1, Cell, Netlist, Value


class TranslationError(ValueError):
    """The netlist uses a construct the translator does not know."""


Term = z3.BitVecRef | None  # None: a zero-width value


def bv1(cond: z3.BoolRef) -> z3.BitVecRef:
    return z3.If(cond, z3.BitVecVal(1, 1), z3.BitVecVal(0, 1))


def is_one(bit: z3.BitVecRef) -> z3.BoolRef:
    return bit == z3.BitVecVal(1, 1)


@dataclass
class NetlistTerms:
    """z3 terms of one netlist: inputs, outputs, every named signal, and the final state."""

    netlist: Netlist
    inputs: dict[str, Term]
    outputs: dict[str, Term]
    state: dict[int, Term] = field(default_factory=dict)  # ff cell index -> state after the last edge
    free: list[z3.BitVecRef] = field(default_factory=list)  # anyconst / anyseq values
    _src: dict[int, tuple[int, int]] = field(default_factory=dict, repr=False)
    _terms: list[Term] = field(default_factory=list, repr=False)

    def value(self, value: Value) -> Term:
        """The term of any Value (tuple of nets, LSB first)."""
        return _value_term(value, self._src, self._terms)

    def signal(self, name: str) -> Term:
        """A named internal signal (`Netlist.signal` naming: a unique suffix is accepted)."""
        return self.value(self.netlist.signal(name))

    def cut_pairs(self, value: Value, fresh: z3.BitVecRef) -> list[tuple[z3.BitVecRef, z3.BitVecRef]]:
        """Substitution pairs that cut the nets of ``value`` (LSB first) to ``fresh``: each cell
        output driving one of them becomes a concatenation whose bits of ``value`` come from
        ``fresh`` (its other bits stay). Every later reader of those nets, whatever slice it
        takes, then reads ``fresh`` (a substitution of the signal's own term misses slices)."""
        if fresh.size() != len(value):
            raise ValueError(f"cut: {len(value)} nets, a {fresh.size()}-bit variable")
        bits: dict[int, dict[int, int]] = {}  # driver key -> {driver bit: fresh bit}
        for i, net in enumerate(value):
            if net in (CONST0, CONST1):
                continue
            key, bit = self._src[net]
            bits.setdefault(key, {})[bit] = i
        pairs = []
        for key, m in bits.items():
            t = self._terms[key]
            pieces = [z3.Extract(m[b], m[b], fresh) if b in m else z3.Extract(b, b, t) for b in range(t.size())]
            pairs.append((t, pieces[0] if len(pieces) == 1 else z3.Concat(*reversed(pieces))))
        return pairs

    def output(self, name: str) -> Term:
        if name not in self.outputs:
            raise KeyError(f"no output port {name!r} in {self.netlist.name} "
                           f"(ports: {', '.join(self.netlist.outputs)})")
        return self.outputs[name]


# ---- value assembly --------------------------------------------------------------------------

_CONST_KEY = -1  # driver index of constant nets


def _value_term(value: Value, src: dict[int, tuple[int, int]], terms: list[Term]) -> Term:
    if not value:
        return None
    pieces: list[z3.BitVecRef] = []  # LSB first
    i = 0
    n = len(value)
    while i < n:
        net = value[i]
        if net in (CONST0, CONST1):
            j = i
            bits = 0
            while j < n and value[j] in (CONST0, CONST1):
                bits |= (value[j] == CONST1) << (j - i)
                j += 1
            pieces.append(z3.BitVecVal(bits, j - i))
            i = j
            continue
        try:
            key, bit = src[net]
        except KeyError:
            raise TranslationError(f"net {net} is used before it is driven (not in topological order?)") from None
        j = i + 1
        while j < n and value[j] not in (CONST0, CONST1) and src.get(value[j]) == (key, bit + (j - i)):
            j += 1
        t = terms[key]
        width = j - i
        if bit == 0 and width == t.size():
            pieces.append(t)
        else:
            pieces.append(z3.Extract(bit + width - 1, bit, t))
        i = j
    if len(pieces) == 1:
        return pieces[0]
    return z3.Concat(*reversed(pieces))


# ---- operators -------------------------------------------------------------------------------


def _zext(t: z3.BitVecRef, width: int) -> z3.BitVecRef:
    return t if t.size() == width else z3.ZeroExt(width - t.size(), t)


def _sext(t: z3.BitVecRef, width: int) -> z3.BitVecRef:
    return t if t.size() == width else z3.SignExt(width - t.size(), t)


def _parity(t: z3.BitVecRef) -> z3.BitVecRef:
    acc = z3.Extract(0, 0, t)
    for i in range(1, t.size()):
        acc = acc ^ z3.Extract(i, i, t)
    return acc


def _shift(op: str, a: Term, amt: Term) -> Term:
    if a is None:
        return None
    if amt is None:
        return a
    w = a.size()
    k = max(w, amt.size()) + 1
    av = _sext(a, k) if op == "s>>" else _zext(a, k)
    sv = _zext(amt, k)
    if op == "<<":
        r = av << sv
    elif op == "u>>":
        r = z3.LShR(av, sv)
    else:
        r = av >> sv  # arithmetic
    return z3.Extract(w - 1, 0, r)


def _compare(op: str, a: Term, b: Term) -> z3.BitVecRef:
    if a is None:  # zero-width operands are equal
        return z3.BitVecVal(int(op in ("==", "u<=", "u>=", "s<=", "s>=")), 1)
    table = {
        "==": lambda: a == b, "!=": lambda: a != b,
        "u<": lambda: z3.ULT(a, b), "u>": lambda: z3.UGT(a, b),
        "u<=": lambda: z3.ULE(a, b), "u>=": lambda: z3.UGE(a, b),
        "s<": lambda: a < b, "s>": lambda: a > b, "s<=": lambda: a <= b, "s>=": lambda: a >= b,
    }
    return bv1(table[op]())


def _floor_sdiv(a: z3.BitVecRef, b: z3.BitVecRef) -> z3.BitVecRef:
    zero = z3.BitVecVal(0, a.size())
    q = a / b  # bvsdiv: truncating
    r = z3.SRem(a, b)
    adjust = z3.And(r != zero, (r < zero) != (b < zero))
    return z3.If(b == zero, zero, z3.If(adjust, q - 1, q))


def _binary(op: str, a: Term, b: Term) -> Term:
    if a is None:
        return None
    zero = z3.BitVecVal(0, a.size())
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "&":
        return a & b
    if op == "|":
        return a | b
    if op == "^":
        return a ^ b
    if op == "u//":
        return z3.If(b == zero, zero, z3.UDiv(a, b))
    if op == "s//":
        return _floor_sdiv(a, b)
    if op == "u%":
        return z3.If(b == zero, zero, z3.URem(a, b))
    if op == "s%":
        return z3.If(b == zero, zero, a % b)  # z3py % is bvsmod (sign of the divisor)
    raise TranslationError(f"unknown binary operator {op!r}")


_COMPARES = {"==", "!=", "u<", "u>", "u<=", "u>=", "s<", "s>", "s<=", "s>="}
_BINARY = {"+", "-", "*", "&", "|", "^", "u//", "s//", "u%", "s%"}


def _part(cell: Cell, value: Term, offset: Term) -> Term:
    width = cell.param("width")
    stride = cell.param("stride", 1)
    signed = bool(cell.param("value_signed", False))
    if width == 0:
        return None
    if value is None:
        return z3.BitVecVal(0, width)
    wv = value.size()
    wo = 0 if offset is None else offset.size()
    k = max(wv + width, wo + max(stride, 1).bit_length()) + 1
    v = _sext(value, k) if signed else _zext(value, k)
    if offset is None:
        return z3.Extract(width - 1, 0, v)
    amt = _zext(offset, k) * z3.BitVecVal(stride, k)
    r = (v >> amt) if signed else z3.LShR(v, amt)
    return z3.Extract(width - 1, 0, r)


def _matches(cell: Cell, value: Term) -> z3.BitVecRef:
    terms = []
    for pat in cell.param("patterns", ()):
        pat = pat.replace("_", "")
        mask = val = 0
        for i, ch in enumerate(reversed(pat)):
            if ch == "1":
                mask |= 1 << i
                val |= 1 << i
            elif ch == "0":
                mask |= 1 << i
        if mask == 0 or value is None:
            terms.append(z3.BoolVal(True))
        else:
            w = value.size()
            terms.append((value & z3.BitVecVal(mask, w)) == z3.BitVecVal(val, w))
    if not terms:
        return z3.BitVecVal(0, 1)
    return bv1(terms[0] if len(terms) == 1 else z3.Or(*terms))


def _priority(en: z3.BitVecRef, inputs: Term) -> Term:
    if inputs is None:
        return None
    bits = []
    none_before = is_one(en)
    for i in range(inputs.size()):
        b = is_one(z3.Extract(i, i, inputs))
        bits.append(bv1(z3.And(none_before, b)))
        none_before = z3.And(none_before, z3.Not(b))
    return bits[0] if len(bits) == 1 else z3.Concat(*reversed(bits))


def _assign(cell: Cell, args: list[Term]) -> Term:
    cur = args[0]
    if cur is None:
        return None
    w = cur.size()
    starts = cell.param("starts", ())
    for i, start in enumerate(starts):
        cond, val = args[1 + 2 * i], args[2 + 2 * i]
        if val is None or start >= w:
            continue
        n = min(val.size(), w - start)
        v = z3.Extract(n - 1, 0, val) if n < val.size() else val
        parts = []
        if start + n < w:
            parts.append(z3.Extract(w - 1, start + n, cur))
        parts.append(v)
        if start > 0:
            parts.append(z3.Extract(start - 1, 0, cur))
        new = parts[0] if len(parts) == 1 else z3.Concat(*parts)
        cur = z3.If(is_one(cond), new, cur)
    return cur


def _cell_term(cell: Cell, args: list[Term]) -> Term:
    op = cell.op
    w = len(cell.out)
    if op == "~":
        return None if args[0] is None else ~args[0]
    if op == "neg":
        return None if args[0] is None else -args[0]
    if op in ("b", "r|"):
        return z3.BitVecVal(0, 1) if args[0] is None else bv1(args[0] != 0)
    if op == "r&":
        a = args[0]
        return z3.BitVecVal(1, 1) if a is None else bv1(a == z3.BitVecVal((1 << a.size()) - 1, a.size()))
    if op == "r^":
        return z3.BitVecVal(0, 1) if args[0] is None else _parity(args[0])
    if op in _BINARY:
        return _binary(op, args[0], args[1])
    if op in _COMPARES:
        return _compare(op, args[0], args[1])
    if op in ("<<", "u>>", "s>>"):
        return _shift(op, args[0], args[1])
    if op == "m":
        if args[1] is None:
            return None
        return z3.If(is_one(args[0]), args[1], args[2])
    if op == "part":
        return _part(cell, args[0], args[1] if len(args) > 1 else None)
    if op == "matches":
        return _matches(cell, args[0])
    if op == "priority_match":
        return _priority(args[0], args[1])
    if op == "assign":
        return _assign(cell, args)
    raise TranslationError(f"cannot translate cell op {op!r} ({cell.src or 'no source'}) of width {w}")


# ---- driver ----------------------------------------------------------------------------------


def translate(
    netlist: Netlist,
    inputs: Mapping[str, z3.BitVecRef | int] | None = None,
    *,
    cycles: int = 0,
    inputs_per_cycle: Sequence[Mapping[str, z3.BitVecRef | int]] | None = None,
    prefix: str = "",
) -> NetlistTerms:
    """z3 terms for ``netlist``; missing inputs become BitVec constants named ``prefix + port``.

    For sequential netlists, ``cycles`` clock edges are applied first (state starts at ``init``);
    the returned outputs and signals are those visible after the last edge.
    """
    base = {}
    for name, val in netlist.inputs.items():
        given = (inputs or {}).get(name)
        base[name] = _input_term(name, val, given, prefix)
    if inputs is not None:
        unknown = set(inputs) - set(netlist.inputs)
        if unknown:
            raise KeyError(f"{netlist.name} has no input(s) {', '.join(sorted(unknown))} "
                           f"(inputs: {', '.join(netlist.inputs)})")

    ff_cells = [i for i, c in enumerate(netlist.cells) if c.op == "ff"]
    state: dict[int, Term] = {}
    for i in ff_cells:
        c = netlist.cells[i]
        w = len(c.out)
        state[i] = z3.BitVecVal(int(c.param("init", 0) or 0) % (1 << w), w) if w else None
    first = cycles if not ff_cells else 0  # without state only the last cycle matters
    anyconst: dict[int, z3.BitVecRef] = {}
    free: list[z3.BitVecRef] = []
    result = None
    for cyc in range(first, cycles + 1):
        ins = base
        if inputs_per_cycle is not None and cyc < len(inputs_per_cycle):
            ins = {n: _input_term(n, v, inputs_per_cycle[cyc].get(n, base[n]), prefix)
                   for n, v in netlist.inputs.items()}
        result, nxt = _comb_pass(netlist, ins, state, anyconst, free, cyc, prefix)
        if cyc < cycles:
            state = nxt
    assert result is not None
    result.state = state
    result.free = free
    return result


def _input_term(name: str, val: Value, given, prefix: str) -> Term:
    w = len(val)
    if w == 0:
        return None
    if given is None:
        return z3.BitVec(prefix + name, w)
    if isinstance(given, int):
        return z3.BitVecVal(given % (1 << w), w)
    if given.size() != w:
        raise ValueError(f"input {name!r} is {w} bits, the given term has {given.size()}")
    return given


def _comb_pass(netlist, ins, state, anyconst, free, cyc, prefix):
    src: dict[int, tuple[int, int]] = {}
    terms: list[Term] = []

    def drive(value: Value, term: Term) -> None:
        if not value:
            return
        terms.append(term)
        key = len(terms) - 1
        for bit, net in enumerate(value):
            src[net] = (key, bit)

    for name, val in netlist.inputs.items():
        drive(val, ins[name])
    for i, c in enumerate(netlist.cells):
        if c.op == "ff":
            drive(c.out, state[i])
    nxt: dict[int, Term] = {}
    for i, c in enumerate(netlist.cells):
        if c.op == "ff" or not c.out:
            continue
        if c.op == "anyconst":
            kind = c.param("kind", "anyconst")
            if kind == "anyseq" or i not in anyconst:
                v = z3.BitVec(f"{prefix}{kind}_{i}" + (f"@{cyc}" if kind == "anyseq" else ""), len(c.out))
                free.append(v)
                if kind != "anyseq":
                    anyconst[i] = v
            drive(c.out, anyconst[i] if kind != "anyseq" else v)
            continue
        args = [_value_term(a, src, terms) for a in c.args]
        t = _cell_term(c, args)
        if t is None or t.size() != len(c.out):
            raise TranslationError(
                f"cell {i} ({c.op}, {c.src or 'no source'}): result width "
                f"{None if t is None else t.size()} != {len(c.out)} output nets")
        drive(c.out, t)
    for i, c in enumerate(netlist.cells):  # next state: data may be driven after the ff cell
        if c.op == "ff":
            nxt[i] = _value_term(c.args[0], src, terms) if c.out else None
    outs = {name: _value_term(v, src, terms) for name, v in netlist.outputs.items()}
    res = NetlistTerms(netlist, dict(ins), outs)
    res._src, res._terms = src, terms
    return res, nxt


def evaluate(netlist: Netlist, inputs: Mapping[str, int], *, cycles: int = 0) -> dict[str, int]:
    """Concrete output values via the z3 translation (constant folding); anyconst values are 0."""
    t = translate(netlist, dict(inputs), cycles=cycles)
    subst = [(f, z3.BitVecVal(0, f.size())) for f in t.free]
    out = {}
    for name, term in t.outputs.items():
        if term is None:
            out[name] = 0
            continue
        v = z3.simplify(z3.substitute(term, *subst) if subst else term)
        if not z3.is_bv_value(v):
            raise TranslationError(f"output {name!r} did not fold to a constant")
        out[name] = v.as_long()
    return out


__all__ = ["NetlistTerms", "TranslationError", "translate", "evaluate", "bv1", "is_one"]
