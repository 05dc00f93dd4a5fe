"""A proof obligation: premises plus one goal, checked by asking whether premises ∧ ¬goal is sat.

`Obligation.to_smtlib()` exports the query as plain SMT-LIB2 (QF_BV): declarations, one assert
per premise, the negated goal, ``(check-sat)``. The exporter never emits 1-ary ``and``/``or``
(Bitwuzla rejects them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import z3


def conj(terms) -> z3.BoolRef:
    """And of a list without 1-ary or 0-ary applications."""
    terms = [t for t in terms if not z3.is_true(t)]
    if not terms:
        return z3.BoolVal(True)
    return terms[0] if len(terms) == 1 else z3.And(*terms)


def disj(terms) -> z3.BoolRef:
    terms = [t for t in terms if not z3.is_false(t)]
    if not terms:
        return z3.BoolVal(False)
    return terms[0] if len(terms) == 1 else z3.Or(*terms)


@dataclass
class Obligation:
    """``premises ⊨ goal``: PROVED iff ``premises ∧ ¬goal`` is unsat."""

    name: str
    description: str
    premises: list[z3.BoolRef] = field(default_factory=list)
    goal: z3.BoolRef = field(default_factory=lambda: z3.BoolVal(True))
    # terms whose model values explain a counterexample (port values, reference terms...)
    watch: dict[str, z3.ExprRef] = field(default_factory=dict, repr=False)

    @property
    def query(self) -> list[z3.BoolRef]:
        """The assertions of the satisfiability query."""
        return [*self.premises, z3.Not(self.goal)]

    def to_smtlib(self, logic: str = "QF_BV") -> str:
        """SMT-LIB2 text of the query (sat = a counterexample exists)."""
        s = z3.Solver()
        for a in self.query:
            s.add(a)
        body = s.to_smt2()
        body = strip_unary_connectives(body)
        lines = [f"; fpverify obligation: {self.name}",
                 *(f"; {line}" for line in self.description.splitlines()),
                 "(set-info :smt-lib-version 2.6)",
                 f"(set-logic {logic})"]
        # z3 adds its own (check-sat); drop z3-only preamble lines it may add
        keep = [ln for ln in body.splitlines() if not ln.startswith("(set-info :status")]
        return "\n".join(lines + keep) + "\n"


def strip_unary_connectives(text: str) -> str:
    """Rewrite ``(and X)``/``(or X)`` to ``X`` and ``(and)``/``(or)`` to true/false."""
    tokens = _tokenize(text)
    out: list[str] = []
    stack: list[tuple[int, str | None]] = []  # (index in out where the '(' is, head)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "(":
            stack.append((len(out), None))
            out.append(tok)
        elif tok == ")":
            start, _ = stack.pop()
            inner = out[start + 1:]
            head = inner[0] if inner else None
            if head in ("and", "or"):
                args = _split_args(inner[1:])
                if len(args) == 0:
                    del out[start:]
                    out.append("true" if head == "and" else "false")
                    i += 1
                    continue
                if len(args) == 1:
                    del out[start:]
                    out.extend(args[0])
                    i += 1
                    continue
            out.append(tok)
        else:
            out.append(tok)
        i += 1
    return _detokenize(out)


def _tokenize(text: str) -> list[str]:
    toks: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "()":
            toks.append(c)
            i += 1
        elif c.isspace():
            if c == "\n":
                toks.append("\n")
            i += 1
        elif c == ";":
            j = text.find("\n", i)
            j = n if j < 0 else j
            toks.append(text[i:j])
            i = j
        elif c == "|":
            j = text.index("|", i + 1) + 1
            toks.append(text[i:j])
            i = j
        elif c == '"':
            j = i + 1
            while True:
                j = text.index('"', j) + 1
                if j < n and text[j] == '"':
                    j += 1
                    continue
                break
            toks.append(text[i:j])
            i = j
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in "()|;":
                j += 1
            toks.append(text[i:j])
            i = j
    return toks


def _split_args(tokens: list[str]) -> list[list[str]]:
    args: list[list[str]] = []
    depth = 0
    cur: list[str] = []
    for t in tokens:
        if t == "\n" or t.startswith(";"):
            continue
        cur.append(t)
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        if depth == 0:
            args.append(cur)
            cur = []
    return args


def _detokenize(tokens: list[str]) -> str:
    out = []
    prev = "("
    for t in tokens:
        if t == "\n":
            out.append("\n")
            prev = "("
            continue
        if t != ")" and prev != "(" and out and out[-1] != "\n":
            out.append(" ")
        out.append(t)
        prev = t
    return "".join(out)


__all__ = ["Obligation", "conj", "disj", "strip_unary_connectives"]
