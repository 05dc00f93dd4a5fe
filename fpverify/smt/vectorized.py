"""Evaluate z3 bit-vector terms on many input vectors at once with numpy.

`compile_terms(outputs, inputs)` walks the z3 DAG once (iteratively, shared subterms once) and
returns a function mapping arrays of input values to arrays of output values. Values up to 64 bits
live in uint64 arrays; wider ones in Python-int object arrays. This is the fast path that checks the
symbolic reference against the golden model exhaustively (a z3 ``simplify`` per vector would take
milliseconds each).

Supported: the QF_BV operators the reference and the netlist translation emit (arithmetic,
bitwise, shifts, guarded divisions, concat/extract/extend, comparisons, ite, Boolean connectives).
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import z3

_U64 = np.uint64


def _mask(w: int) -> int:
    return (1 << w) - 1


class _Eval:
    def __init__(self, env: Mapping[str, np.ndarray], n: int):
        self.env = env
        self.n = n
        self.memo: dict[int, np.ndarray] = {}

    # ---- representation helpers
    @staticmethod
    def obj(a: np.ndarray) -> np.ndarray:
        if a.dtype == object:
            return a
        if a.dtype == bool:
            return a.astype(object)
        return np.array([int(v) for v in a], dtype=object) if a.size else a.astype(object)

    def fit(self, a: np.ndarray, w: int) -> np.ndarray:
        """Normalise an unbounded result to w bits, uint64 if w <= 64."""
        if a.dtype == object:
            a = a & _mask(w)
            return a.astype(_U64) if w <= 64 else a
        if w < 64:
            return a & _U64(_mask(w))
        return a

    def signed(self, a: np.ndarray, w: int) -> np.ndarray:
        if a.dtype == object or w > 64:
            a = self.obj(a)
            return np.where(a >> (w - 1) & 1, a - (1 << w), a)
        if w == 64:
            return a.view(np.int64)
        s = np.int64(1 << (w - 1))
        return (a.astype(np.int64) ^ s) - s

    def const(self, v: int, w: int) -> np.ndarray:
        if w <= 64:
            return np.full(self.n, v, dtype=_U64)
        out = np.empty(self.n, dtype=object)
        out[:] = v
        return out

    # ---- evaluation
    def run(self, roots: Sequence[z3.ExprRef]) -> list[np.ndarray]:
        stack = list(roots)
        while stack:
            e = stack[-1]
            key = e.get_id()
            if key in self.memo:
                stack.pop()
                continue
            pending = [c for c in e.children() if c.get_id() not in self.memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            self.memo[key] = self.node(e)
        return [self.memo[r.get_id()] for r in roots]

    def node(self, e: z3.ExprRef) -> np.ndarray:
        k = e.decl().kind()
        args = [self.memo[c.get_id()] for c in e.children()]
        K = z3
        if k == K.Z3_OP_BNUM:
            return self.const(e.as_long(), e.size())
        if k == K.Z3_OP_TRUE:
            return np.ones(self.n, dtype=bool)
        if k == K.Z3_OP_FALSE:
            return np.zeros(self.n, dtype=bool)
        if k == K.Z3_OP_UNINTERPRETED and not args:
            name = e.decl().name()
            if name not in self.env:
                raise KeyError(f"no values for {name!r}")
            v = np.asarray(self.env[name])
            if z3.is_bool(e):
                return v.astype(bool)
            w = e.size()
            return self.fit(v.astype(_U64) if w <= 64 and v.dtype != object else self.obj(v), w)
        # Boolean
        if k == K.Z3_OP_NOT:
            return ~args[0]
        if k == K.Z3_OP_AND:
            r = args[0]
            for a in args[1:]:
                r = r & a
            return r
        if k == K.Z3_OP_OR:
            r = args[0]
            for a in args[1:]:
                r = r | a
            return r
        if k == K.Z3_OP_XOR:
            return args[0] ^ args[1]
        if k == K.Z3_OP_IMPLIES:
            return ~args[0] | args[1]
        if k == K.Z3_OP_EQ:
            a, b = args
            if a.dtype == object or b.dtype == object:
                return np.array(self.obj(a) == self.obj(b), dtype=bool)
            return a == b
        if k == K.Z3_OP_DISTINCT:
            a, b = args
            if a.dtype == object or b.dtype == object:
                return np.array(self.obj(a) != self.obj(b), dtype=bool)
            return a != b
        if k == K.Z3_OP_ITE:
            c, a, b = args
            if a.dtype != b.dtype:
                a, b = self.obj(a), self.obj(b)
                return np.where(c, a, b).astype(object)
            return np.where(c, a, b)
        w = e.size() if z3.is_bv(e) else None
        ws = [c.size() for c in e.children()] if e.children() and z3.is_bv(e.children()[0]) else []
        wide = (w is not None and w > 64) or any(x > 64 for x in ws) or any(a.dtype == object for a in args)
        if k in (K.Z3_OP_ULT, K.Z3_OP_ULEQ, K.Z3_OP_UGT, K.Z3_OP_UGEQ):
            a, b = (self.obj(args[0]), self.obj(args[1])) if wide else args
            r = {K.Z3_OP_ULT: a < b, K.Z3_OP_ULEQ: a <= b, K.Z3_OP_UGT: a > b, K.Z3_OP_UGEQ: a >= b}[k]
            return np.asarray(r, dtype=bool)
        if k in (K.Z3_OP_SLT, K.Z3_OP_SLEQ, K.Z3_OP_SGT, K.Z3_OP_SGEQ):
            a, b = self.signed(args[0], ws[0]), self.signed(args[1], ws[0])
            r = {K.Z3_OP_SLT: a < b, K.Z3_OP_SLEQ: a <= b, K.Z3_OP_SGT: a > b, K.Z3_OP_SGEQ: a >= b}[k]
            return np.asarray(r, dtype=bool)
        if wide:
            args = [self.obj(a) for a in args]
        if k == K.Z3_OP_BADD:
            r = args[0]
            for a in args[1:]:
                r = r + a
            return self.fit(r, w)
        if k == K.Z3_OP_BSUB:
            return self.fit(args[0] - args[1] if wide else args[0] - args[1], w)
        if k == K.Z3_OP_BMUL:
            r = args[0]
            for a in args[1:]:
                r = r * a
            return self.fit(r, w)
        if k == K.Z3_OP_BNEG:
            return self.fit((0 - args[0]) if wide else (_U64(0) - args[0]), w)
        if k == K.Z3_OP_BNOT:
            return self.fit(~args[0] if not wide else (args[0] ^ _mask(w)), w)
        if k in (K.Z3_OP_BAND, K.Z3_OP_BOR, K.Z3_OP_BXOR):
            r = args[0]
            for a in args[1:]:
                r = (r & a) if k == K.Z3_OP_BAND else (r | a) if k == K.Z3_OP_BOR else (r ^ a)
            return self.fit(r, w)
        if k == K.Z3_OP_CONCAT:
            r = self.obj(args[0]) if w > 64 else args[0]
            for c, a in zip(e.children()[1:], args[1:]):
                r = (r << (c.size() if w > 64 else _U64(c.size()))) | (self.obj(a) if w > 64 else a)
            return self.fit(r, w)
        if k == K.Z3_OP_EXTRACT:
            hi, lo = e.params()
            a = args[0]
            r = a >> (lo if a.dtype == object else _U64(lo))
            return self.fit(r, w)
        if k == K.Z3_OP_ZERO_EXT:
            return self.fit(self.obj(args[0]) if w > 64 else args[0], w)
        if k == K.Z3_OP_SIGN_EXT:
            s = self.signed(args[0], ws[0])
            return self.fit(self.obj(s) if w > 64 or s.dtype == object else s.astype(_U64), w)
        if k in (K.Z3_OP_BSHL, K.Z3_OP_BLSHR, K.Z3_OP_BASHR):
            a, b = args
            if wide:
                big = b >= w
                bb = np.where(big, 0, b)
                if k == K.Z3_OP_BSHL:
                    r = np.where(big, 0, a << bb)
                elif k == K.Z3_OP_BLSHR:
                    r = np.where(big, 0, a >> bb)
                else:
                    sa = self.signed(a, w)
                    r = sa >> np.where(big, w - 1, b)
                return self.fit(np.asarray(r, dtype=object), w)
            big = b >= _U64(w)
            bb = np.where(big, _U64(0), b)
            if k == K.Z3_OP_BSHL:
                r = np.where(big, _U64(0), a << bb)
            elif k == K.Z3_OP_BLSHR:
                r = np.where(big, _U64(0), a >> bb)
            else:
                sa = self.signed(a, w)
                r = (sa >> np.where(big, w - 1, b).astype(np.int64)).astype(_U64)
            return self.fit(r, w)
        if k in (K.Z3_OP_BUDIV, K.Z3_OP_BUDIV_I, K.Z3_OP_BUREM, K.Z3_OP_BUREM_I):
            a, b = self.obj(args[0]), self.obj(args[1])
            div = k in (K.Z3_OP_BUDIV, K.Z3_OP_BUDIV_I)
            r = np.array([(x // y if div else x % y) if y else (_mask(w) if div else x) for x, y in zip(a, b)],
                         dtype=object)
            return self.fit(r, w)
        if k in (K.Z3_OP_BSDIV, K.Z3_OP_BSDIV_I, K.Z3_OP_BSREM, K.Z3_OP_BSREM_I, K.Z3_OP_BSMOD, K.Z3_OP_BSMOD_I):
            a, b = self.obj(self.signed(args[0], w)), self.obj(self.signed(args[1], w))
            out = []
            for x, y in zip(a, b):
                x, y = int(x), int(y)
                if k in (K.Z3_OP_BSDIV, K.Z3_OP_BSDIV_I):
                    out.append((1 if x < 0 else _mask(w)) if y == 0 else int(abs(x) // abs(y)) * (1 if (x < 0) == (y < 0) else -1))
                elif k in (K.Z3_OP_BSREM, K.Z3_OP_BSREM_I):
                    out.append(x if y == 0 else x - y * (int(abs(x) // abs(y)) * (1 if (x < 0) == (y < 0) else -1)))
                else:
                    out.append(x if y == 0 else x % y)
            return self.fit(np.array(out, dtype=object), w)
        raise NotImplementedError(f"vectorized evaluation of {e.decl()} is not supported")


def compile_terms(outputs: Sequence[z3.ExprRef]) -> Callable[[Mapping[str, np.ndarray]], list[np.ndarray]]:
    """A function from {variable name: array} to the arrays of ``outputs`` (bool or int values)."""
    outs = list(outputs)

    def run(env: Mapping[str, np.ndarray]) -> list[np.ndarray]:
        n = len(next(iter(env.values()))) if env else 1
        return _Eval(env, n).run(outs)

    return run


def evaluate_terms(outputs: Sequence[z3.ExprRef], env: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    return compile_terms(outputs)(env)


__all__ = ["compile_terms", "evaluate_terms"]
