"""Vectorized numpy evaluator of the netlist IR (`fpverify.hdl.ir`).

One numpy array per cell output ("slot"), one element per test vector. Values of width ≤ 64 are
``uint64`` arrays (all arithmetic is done mod 2^64 and masked, shifts are clamped so numpy never
shifts by ≥ 64); wider values fall back to object arrays of Python ints, per cell, so one wide
intermediate does not slow the rest of the design down.

Values are raw bit patterns (unsigned); signed ports are not reinterpreted. Inputs may be given as
any integer arrays or scalars (negative numbers are taken mod 2^w); missing inputs are 0.

Sequential designs: flip-flops are state (one implicit clock for all domains). `Evaluator.step`
computes the outputs seen before a clock edge and the state after it; `run_cycles` drives several
cycles and `evaluate_pipelined` holds inputs for ``latency`` edges and reads the settled outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from . import ir
from .reset import ResetSequence

__all__ = ["Evaluator", "EvaluationError", "evaluate", "run_cycles", "evaluate_pipelined"]

U64 = np.uint64
_ALL64 = (1 << 64) - 1


class EvaluationError(Exception):
    """The netlist cannot be evaluated (unknown op, net without a driver, bad input...)."""


def _mask(w: int) -> int:
    return (1 << w) - 1


# ---- array helpers -------------------------------------------------------------------------------

def _u64(a: np.ndarray) -> np.ndarray:
    return a if a.dtype == U64 else a.astype(U64)


def _obj(a: np.ndarray) -> np.ndarray:
    return a if a.dtype == object else a.astype(object)


def _signed64(x: np.ndarray, w: int) -> np.ndarray:
    """uint64 bit pattern of width w (≤ 64) → int64 two's-complement value."""
    if w == 0:
        return np.zeros(x.shape, dtype=np.int64)
    if w == 64:
        return x.view(np.int64)
    sb = U64(1 << (w - 1))
    return ((x ^ sb) - sb).view(np.int64)


def _signed_obj(x: np.ndarray, w: int) -> np.ndarray:
    if w == 0:
        return np.zeros(x.shape, dtype=object)
    x = _obj(x)
    return np.where(x >= (1 << (w - 1)), x - (1 << w), x).astype(object)


def _bool(b: np.ndarray) -> np.ndarray:
    return np.asarray(b, dtype=bool).astype(U64)


def _clamp_u64(amt: np.ndarray, limit: int) -> np.ndarray:
    """min(amt, limit) as uint64, for an amount of any width."""
    if amt.dtype == object:
        return np.minimum(amt, limit).astype(U64)
    return np.minimum(amt, U64(limit))


# ---- compiled value access ------------------------------------------------------------------------

@dataclass(frozen=True)
class _ValueSpec:
    width: int
    whole: int  # slot index when the value is exactly one slot, else -1
    const: int  # constant bits (used when pieces is empty, OR-ed in otherwise)
    pieces: tuple[tuple[int, int, int, int], ...]  # (slot, src_bit, length, dst_bit)


_COMB2 = {"+", "-", "*", "&", "|", "^", "u//", "s//", "u%", "s%"}
_CMP = {"==", "!=", "u<", "u>", "u<=", "u>=", "s<", "s>", "s<=", "s>="}
_KNOWN = (_COMB2 | _CMP | {"~", "neg", "b", "r|", "r&", "r^", "<<", "u>>", "s>>", "m", "part",
                           "matches", "priority_match", "assign", "ff", "anyconst", "initial",
                           "property"})


class Evaluator:
    """A netlist compiled for repeated vectorized evaluation."""

    def __init__(self, netlist: ir.Netlist):
        self.netlist = netlist
        self._slot_width: list[int] = []
        self._net_loc: dict[int, tuple[int, int]] = {}
        self._input_slots: dict[str, int] = {}
        for name, v in netlist.inputs.items():
            self._input_slots[name] = self._new_slot(v)
        cells = self._ordered_cells(netlist)
        self._cells: list[tuple[ir.Cell, int, tuple[int, ...]]] = []
        self._ff: list[tuple[int, int, int, int]] = []  # (slot, data value id, arst value id|-1, init)
        self._specs: list[_ValueSpec] = []
        self._spec_ids: dict[ir.Value, int] = {}
        for cell in cells:
            if cell.op not in _KNOWN:
                raise EvaluationError(f"{netlist.name}: unknown cell op {cell.op!r} ({cell.src})")
            slot = self._new_slot(cell.out) if cell.op != "property" else -1
            self._cells.append((cell, slot, ()))
        # value specs after all slots exist (flip-flop outputs may be read before their cell)
        compiled = []
        for cell, slot, _ in self._cells:
            arg_ids = tuple(self._spec(a, cell) for a in cell.args)
            if cell.op == "ff":
                arst = arg_ids[1] if len(arg_ids) > 1 else -1
                self._ff.append((slot, arg_ids[0], arst, int(cell.param("init", 0))))
            compiled.append((cell, slot, arg_ids))
        self._cells = compiled
        self._outputs = {name: self._spec(v, None) for name, v in netlist.outputs.items()}
        self._probe_cache: dict[str, int] = {}

    # -- compilation --
    def _new_slot(self, value: ir.Value) -> int:
        slot = len(self._slot_width)
        self._slot_width.append(len(value))
        for bit, net in enumerate(value):
            if net in (ir.CONST0, ir.CONST1):
                raise EvaluationError(f"{self.netlist.name}: constant net {net} used as an output")
            if net in self._net_loc:
                raise EvaluationError(f"{self.netlist.name}: net {net} has two drivers")
            self._net_loc[net] = (slot, bit)
        return slot

    @staticmethod
    def _ordered_cells(nl: ir.Netlist) -> list[ir.Cell]:
        """The cells in an order where every combinational read follows its driver."""
        driver: dict[int, int] = {}
        for i, c in enumerate(nl.cells):
            for n in c.out:
                driver[n] = i
        ok = True
        for i, c in enumerate(nl.cells):
            if c.op == "ff":
                continue
            for a in c.args:
                for n in a:
                    d = driver.get(n)
                    if d is not None and d >= i and nl.cells[d].op != "ff":
                        ok = False
                        break
        if ok:
            return list(nl.cells)
        return _kahn_stable(nl, driver)

    def _spec(self, value: ir.Value, cell: ir.Cell | None) -> int:
        sid = self._spec_ids.get(value)
        if sid is not None:
            return sid
        const = 0
        pieces: list[list[int]] = []
        for pos, net in enumerate(value):
            if net == ir.CONST0:
                continue
            if net == ir.CONST1:
                const |= 1 << pos
                continue
            loc = self._net_loc.get(net)
            if loc is None:
                where = f" (read by {cell.op} at {cell.src or '?'})" if cell else ""
                raise EvaluationError(f"{self.netlist.name}: net {net} has no driver{where}")
            slot, bit = loc
            if pieces:
                p = pieces[-1]
                if p[0] == slot and p[1] + p[2] == bit and p[3] + p[2] == pos:
                    p[2] += 1
                    continue
            pieces.append([slot, bit, 1, pos])
        whole = -1
        if (len(pieces) == 1 and const == 0 and pieces[0][1] == 0 and pieces[0][3] == 0
                and pieces[0][2] == len(value) == self._slot_width[pieces[0][0]]):
            whole = pieces[0][0]
        spec = _ValueSpec(len(value), whole, const, tuple(tuple(p) for p in pieces))
        sid = len(self._specs)
        self._specs.append(spec)
        self._spec_ids[value] = sid
        return sid

    def _probe_spec(self, name: str) -> int:
        sid = self._probe_cache.get(name)
        if sid is None:
            if name in self.netlist.outputs:
                sid = self._outputs[name]
            elif name in self.netlist.inputs:
                sid = self._spec(self.netlist.inputs[name], None)
            else:
                try:
                    sid = self._spec(self.netlist.signal(name), None)
                except KeyError as e:
                    raise EvaluationError(str(e.args[0])) from None
            self._probe_cache[name] = sid
        return sid

    # -- runtime --
    def _vector_count(self, inputs: Mapping[str, Any], state: Mapping[int, np.ndarray] | None) -> int:
        n = None
        for name, v in inputs.items():
            a = np.asarray(v) if not isinstance(v, np.ndarray) else v
            if a.ndim > 1:
                raise EvaluationError(f"input {name!r}: expected a 1-D array, got shape {a.shape}")
            if a.ndim == 1:
                if n is not None and len(a) != n and n != 1 and len(a) != 1:
                    raise EvaluationError(f"input {name!r} has {len(a)} vectors, others have {n}")
                n = len(a) if n is None or n == 1 else n
        if state:
            for a in state.values():
                if n is None or n == 1:
                    n = len(a)
        return 1 if n is None else n

    def _load_input(self, name: str, v: Any, n: int) -> np.ndarray:
        w = self._slot_width[self._input_slots[name]]
        a = np.asarray(v)
        if a.dtype == object or w > 64 or a.dtype.kind not in "iub":
            if a.dtype.kind == "f":
                raise EvaluationError(f"input {name!r}: expected integers, got {a.dtype}")
            flat = np.array([int(x) & _mask(w) for x in np.atleast_1d(a).ravel()], dtype=object)
            a = flat if w > 64 else flat.astype(U64)
        else:
            a = np.atleast_1d(a).astype(np.int64 if a.dtype.kind == "i" else U64, copy=False)
            a = a.astype(U64) & U64(_mask(w))
        if len(a) == 1 and n != 1:
            a = np.repeat(a, n)
        return a

    def initial_state(self, n: int) -> dict[int, np.ndarray]:
        """Flip-flop state (slot -> array) at their init values, for `n` vectors."""
        return {slot: self._const(init, self._slot_width[slot], n) for slot, _, _, init in self._ff}

    @staticmethod
    def _const(c: int, w: int, n: int) -> np.ndarray:
        if w <= 64:
            return np.full(n, c, dtype=U64)
        return np.array([c] * n, dtype=object)

    def _get(self, sid: int, slots: list, cache: list, n: int) -> np.ndarray:
        a = cache[sid]
        if a is not None:
            return a
        spec = self._specs[sid]
        if spec.whole >= 0:
            a = slots[spec.whole]
        else:
            wide = spec.width > 64
            a = None if spec.pieces and not spec.const else self._const(spec.const, spec.width, n)
            for slot, sb, length, db in spec.pieces:
                src = slots[slot]
                if src is None:
                    raise EvaluationError(f"{self.netlist.name}: slot {slot} read before it is computed")
                if src.dtype == object:
                    part = (src >> sb) & _mask(length)
                    part = part if wide else part.astype(U64)
                else:
                    part = src >> U64(sb) if sb else src
                    if sb + length < 64:
                        part = part & U64(_mask(length))
                    if wide:
                        part = part.astype(object)
                if db:
                    part = (part << db) if wide else (part << U64(db))
                a = part if a is None else a | part
        cache[sid] = a
        return a

    def _run(self, inputs: Mapping[str, Any], state: Mapping[int, np.ndarray] | None, probes: Sequence[str],
             cycle: int = 0):
        unknown = [k for k in inputs if k not in self._input_slots]
        if unknown:
            raise EvaluationError(f"{self.netlist.name}: unknown input(s) {', '.join(map(repr, unknown))};"
                                  f" inputs are {', '.join(self._input_slots) or 'none'}")
        n = self._vector_count(inputs, state)
        slots: list[Any] = [None] * len(self._slot_width)
        for name, slot in self._input_slots.items():
            slots[slot] = (self._load_input(name, inputs[name], n) if name in inputs
                           else self._const(0, self._slot_width[slot], n))
        st = state if state is not None else self.initial_state(n)
        for slot, _, _, _ in self._ff:
            slots[slot] = st[slot]
        probe_ids = [self._probe_spec(p) for p in probes]
        cache: list[Any] = [None] * len(self._specs)
        get = self._get
        with np.errstate(all="ignore"):
            for cell, slot, arg_ids in self._cells:
                op = cell.op
                if op == "ff" or op == "property":
                    continue
                args = [get(i, slots, cache, n) for i in arg_ids]
                widths = [self._specs[i].width for i in arg_ids]
                slots[slot] = _apply(op, cell, args, widths, self._slot_width[slot], n, cycle)
            outputs = {name: get(sid, slots, cache, n) for name, sid in self._outputs.items()}
            for p, sid in zip(probes, probe_ids):
                outputs[p] = get(sid, slots, cache, n)
            next_state = {}
            for slot, data_id, arst_id, init in self._ff:
                nxt = get(data_id, slots, cache, n)
                if arst_id >= 0:
                    rst = get(arst_id, slots, cache, n)
                    nxt = np.where(rst != 0, self._const(init, self._slot_width[slot], n), nxt)
                next_state[slot] = nxt
        return outputs, next_state

    def evaluate(self, inputs: Mapping[str, Any], probes: Sequence[str] = (),
                 state: Mapping[int, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Outputs (and probed signals) for every vector; flip-flops hold `state` (default: init)."""
        return self._run(inputs, state, list(probes))[0]

    def step(self, state: Mapping[int, np.ndarray] | None, inputs: Mapping[str, Any],
             probes: Sequence[str] = (), cycle: int = 0):
        """One clock cycle: ``(outputs before the edge, state after the edge)``."""
        return self._run(inputs, state, list(probes), cycle)

    def run_cycles(self, inputs: Mapping[str, Any] | Sequence[Mapping[str, Any]], cycles: int | None = None,
                   probes: Sequence[str] = ()) -> list[dict[str, np.ndarray]]:
        """Outputs at each cycle (before that cycle's edge). `inputs` is one mapping held for
        `cycles` cycles, or a list with one mapping per cycle."""
        if isinstance(inputs, Mapping):
            if cycles is None:
                raise EvaluationError("run_cycles needs `cycles` when inputs are held constant")
            per_cycle = [inputs] * cycles
        else:
            per_cycle = list(inputs)
        state = None
        trace = []
        for k, vec in enumerate(per_cycle):
            out, state = self._run(vec, state, list(probes), k)
            trace.append(out)
        return trace


def _kahn_stable(nl: ir.Netlist, driver: dict[int, int]) -> list[ir.Cell]:
    """Topological order that keeps the original order wherever it is already valid."""
    import heapq

    deps = []
    users: list[list[int]] = [[] for _ in nl.cells]
    for i, c in enumerate(nl.cells):
        ds = set()
        if c.op != "ff":
            for a in c.args:
                for n in a:
                    d = driver.get(n)
                    if d is not None and nl.cells[d].op != "ff" and d != i:
                        ds.add(d)
        deps.append(len(ds))
        for d in ds:
            users[d].append(i)
    heap = [i for i, k in enumerate(deps) if k == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        i = heapq.heappop(heap)
        order.append(i)
        for u in users[i]:
            deps[u] -= 1
            if deps[u] == 0:
                heapq.heappush(heap, u)
    if len(order) != len(nl.cells):
        raise EvaluationError(f"{nl.name}: combinational cycle in the netlist")
    return [nl.cells[i] for i in order]


# ---- cell semantics -----------------------------------------------------------------------------

def _apply(op: str, cell: ir.Cell, a: list, widths: list[int], w: int, n: int, cycle: int) -> np.ndarray:
    wide = w > 64 or any(x > 64 for x in widths)
    if wide:
        r = _apply_obj(op, cell, [_obj(x) for x in a], widths, w, n, cycle)
        if w <= 64:
            return np.asarray(r).astype(U64)
        return np.asarray(r, dtype=object)
    return _apply_u64(op, cell, [_u64(x) for x in a], widths, w, n, cycle)


def _apply_u64(op, cell, a, widths, w, n, cycle):
    m = U64(_mask(w))
    if op in ("+", "-", "*", "&", "|", "^"):
        x, y = a
        if op == "+":
            return (x + y) & m
        if op == "-":
            return (x - y) & m
        if op == "*":
            return (x * y) & m
        if op == "&":
            return x & y
        if op == "|":
            return x | y
        return x ^ y
    if op == "~":
        return ~a[0] & m
    if op == "neg":
        return (U64(0) - a[0]) & m
    if op in ("b", "r|"):
        return _bool(a[0] != 0)
    if op == "r&":
        return _bool(a[0] == U64(_mask(widths[0])))
    if op == "r^":
        return (np.bitwise_count(a[0]) & 1).astype(U64)
    if op == "m":
        return np.where(a[0] != 0, a[1], a[2])
    if op in _CMP:
        x, y = a
        if op[0] == "s":
            x, y = _signed64(x, widths[0]), _signed64(y, widths[1])
            op = op[1:]
        elif op[0] == "u":
            op = op[1:]
        if op == "==":
            return _bool(x == y)
        if op == "!=":
            return _bool(x != y)
        if op == "<":
            return _bool(x < y)
        if op == ">":
            return _bool(x > y)
        if op == "<=":
            return _bool(x <= y)
        return _bool(x >= y)
    if op in ("<<", "u>>", "s>>"):
        x, amt = a
        if op == "s>>":
            sx = _signed64(x, w)
            sh = _clamp_u64(amt, 63).astype(np.int64)
            return (sx >> sh).view(U64) & m
        big = _clamp_u64(amt, 64)
        sh = np.minimum(big, U64(63))
        r = (x << sh) & m if op == "<<" else (x >> sh)
        return np.where(big >= U64(w), U64(0), r)
    if op in ("u//", "u%"):
        x, y = a
        zero = y == 0
        safe = np.where(zero, U64(1), y)
        r = x // safe if op == "u//" else x % safe
        return np.where(zero, U64(0), r)
    if op in ("s//", "s%"):
        x, y = _signed64(a[0], w), _signed64(a[1], w)
        zero = y == 0
        safe = np.where(zero, np.int64(1), y)
        r = np.floor_divide(x, safe) if op == "s//" else np.remainder(x, safe)
        return np.where(zero, np.int64(0), r).view(U64) & m
    if op == "part":
        return _part_u64(cell, a, widths, w)
    if op == "matches":
        return _matches(cell, a[0], widths[0], n, wide=False)
    if op == "priority_match":
        en, x = a
        low = x & (~x + U64(1))
        return np.where(en != 0, low, U64(0)) & m
    if op == "assign":
        return _assign(cell, a, widths, w, wide=False)
    if op == "anyconst":
        return np.zeros(n, dtype=U64)
    if op == "initial":
        return np.full(n, 1 if cycle == 0 else 0, dtype=U64)
    raise EvaluationError(f"unknown op {op!r}")


def _part_u64(cell, a, widths, w):
    value, offset = a
    vw = widths[0]
    stride = int(cell.param("stride", 1))
    off = _clamp_u64(offset, vw)  # any offset ≥ vw selects only fill bits (stride ≥ 1)
    s = np.minimum(off * U64(stride), U64(vw)) if stride else np.zeros_like(off)
    m = U64(_mask(w))
    if cell.param("value_signed", False) and vw:
        sv = _signed64(value, vw)
        return (sv >> np.minimum(s, U64(63)).astype(np.int64)).view(U64) & m
    r = value >> np.minimum(s, U64(63))
    return np.where(s >= U64(vw), U64(0), r) & m


def _matches(cell, x, vw, n, wide):
    r = np.zeros(n, dtype=bool)
    for pat in cell.param("patterns", ()):
        care = 0
        bits = 0
        for i, ch in enumerate(reversed(pat)):
            if ch != "-":
                care |= 1 << i
                if ch == "1":
                    bits |= 1 << i
        if wide:
            r |= np.asarray((x & care) == bits, dtype=bool)
        else:
            r |= (x & U64(care)) == U64(bits)
    return r.astype(U64)


def _assign(cell, a, widths, w, wide):
    r = a[0]
    starts = cell.param("starts", ())
    for k, start in enumerate(starts):
        cond, v = a[1 + 2 * k], a[2 + 2 * k]
        vlen = widths[2 + 2 * k]
        if start >= w or vlen == 0:
            continue
        length = min(vlen, w - start)
        field = _mask(length) << start
        keep = _mask(w) & ~field
        if wide:
            new = (r & keep) | ((v & _mask(length)) << start)
            r = np.where(np.asarray(cond != 0, dtype=bool), new, r)
        else:
            new = (r & U64(keep)) | ((v & U64(_mask(length))) << U64(start))
            r = np.where(cond != 0, new, r)
    return r


def _apply_obj(op, cell, a, widths, w, n, cycle):
    """Python-int semantics on object arrays (any width)."""
    m = _mask(w)

    def b(x):
        return np.asarray(x, dtype=bool).astype(object) * 1

    if op == "+":
        return (a[0] + a[1]) & m
    if op == "-":
        return (a[0] - a[1]) & m
    if op == "*":
        return (a[0] * a[1]) & m
    if op == "&":
        return a[0] & a[1]
    if op == "|":
        return a[0] | a[1]
    if op == "^":
        return a[0] ^ a[1]
    if op == "~":
        return a[0] ^ m
    if op == "neg":
        return (-a[0]) & m
    if op in ("b", "r|"):
        return b(a[0] != 0)
    if op == "r&":
        return b(a[0] == _mask(widths[0]))
    if op == "r^":
        return np.array([int(x).bit_count() & 1 for x in a[0]], dtype=object)
    if op == "m":
        return np.where(np.asarray(a[0] != 0, dtype=bool), a[1], a[2])
    if op in _CMP:
        x, y = a
        if op[0] == "s":
            x, y = _signed_obj(x, widths[0]), _signed_obj(y, widths[1])
        o = op.lstrip("us")
        r = {"==": x == y, "!=": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[o]
        return b(r)
    if op in ("<<", "u>>", "s>>"):
        x, amt = a
        sh = np.minimum(amt, w)
        if op == "<<":
            return (x << sh) & m
        if op == "u>>":
            return x >> sh
        return (_signed_obj(x, w) >> sh) & m
    if op in ("u//", "u%", "s//", "s%"):
        x, y = a
        if op[0] == "s":
            x, y = _signed_obj(x, w), _signed_obj(y, w)
        zero = np.asarray(y == 0, dtype=bool)
        safe = np.where(zero, 1, y)
        r = x // safe if op.endswith("//") else x % safe
        return np.where(zero, 0, r).astype(object) & m
    if op == "part":
        value, offset = a
        vw = widths[0]
        stride = int(cell.param("stride", 1))
        v = _signed_obj(value, vw) if cell.param("value_signed", False) else value
        s = np.minimum(offset, vw + 1) * stride
        return (v >> s) & m
    if op == "matches":
        return _matches(cell, a[0], widths[0], n, wide=True).astype(object)
    if op == "priority_match":
        en, x = a
        return np.where(np.asarray(en != 0, dtype=bool), x & (-x), 0).astype(object) & m
    if op == "assign":
        return _assign(cell, a, widths, w, wide=True)
    if op == "anyconst":
        return np.zeros(n, dtype=object)
    if op == "initial":
        return np.full(n, 1 if cycle == 0 else 0, dtype=object)
    raise EvaluationError(f"unknown op {op!r}")


# ---- convenience functions ----------------------------------------------------------------------

def evaluate(netlist: ir.Netlist, inputs: Mapping[str, Any], probes: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Evaluate a (combinational, or sequential at its initial state) netlist on many vectors.

    Returns every output and every probed signal (by name, suffix match allowed) as an array of raw
    bit patterns: ``uint64`` for widths ≤ 64, object (Python ints) above.
    """
    return Evaluator(netlist).evaluate(inputs, list(probes))


def run_cycles(netlist: ir.Netlist, inputs: Mapping[str, Any] | Sequence[Mapping[str, Any]],
               cycles: int | None = None, probes: Iterable[str] = ()) -> list[dict[str, np.ndarray]]:
    """Outputs at each clock cycle (see `Evaluator.run_cycles`)."""
    return Evaluator(netlist).run_cycles(inputs, cycles, list(probes))


def evaluate_pipelined(netlist: ir.Netlist, inputs: Mapping[str, Any], latency: int,
                       probes: Iterable[str] = (), evaluator: Evaluator | None = None,
                       reset: ResetSequence | None = None) -> dict[str, np.ndarray]:
    """Outputs of a pipeline of `latency` register stages: inputs are held for `latency` edges and
    the outputs are read after them (for a combinational design, latency 0, this is `evaluate`).
    With ``reset`` (`fpverify.hdl.reset`) its port is active for the reset cycles first, then
    released for the `latency` edges; the data inputs are held throughout."""
    ev = evaluator or Evaluator(netlist)
    if reset is not None:
        per_cycle = [{**inputs, **over} for over in reset.prefix()]
        per_cycle += [{**inputs, reset.port: reset.released}] * (latency + 1)
        return ev.run_cycles(per_cycle, None, list(probes))[-1]
    if latency <= 0 and not netlist.is_sequential:
        return ev.evaluate(inputs, list(probes))
    return ev.run_cycles(inputs, latency + 1, list(probes))[-1]
