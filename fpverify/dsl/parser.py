"""Spec text -> `ast.SpecFile`, proof strategy text -> its tree (`parse_strategy_tree`). Syntax
errors become one `InputError` at file:line:col."""

from __future__ import annotations

import functools
from fractions import Fraction
from pathlib import Path

import lark
from lark import Token, Transformer, v_args

from ..errors import InputError
from . import ast

GRAMMAR = Path(__file__).with_name("grammar.lark")
KEYWORDS = frozenset({
    "design", "format", "input", "output", "var", "latency", "assume", "lemma", "prove", "with",
    "flags", "assuming", "split", "on", "use", "strategy", "faults", "timeout", "solver", "implies",
    "or", "and", "not", "true", "false", "dut", "ref", "verilog", "reference",
})


@functools.lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lark.Lark(GRAMMAR.read_text(), parser="lalr", propagate_positions=True,
                     maybe_placeholders=True, start=["start", "strategy"])


@functools.lru_cache(maxsize=1)
def _terminal_text() -> dict[str, str]:
    out = {}
    for t in _parser().terminals:
        if isinstance(t.pattern, lark.lexer.PatternStr):
            out[t.name] = repr(t.pattern.value).replace("'", "`")
    out.update({"NAME": "a name", "INT": "an integer", "DECIMAL": "a number", "HEX": "a number",
                "STRING": "a string", "CMP_OP": "a comparison", "$END": "end of file"})
    return out


def _describe_expected(names: set[str]) -> str:
    text = sorted({_terminal_text().get(n, n) for n in names})
    if len(text) > 8:
        return ", ".join(text[:8]) + ", ..."
    return ", ".join(text)


def _token_text(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    return f"`{tok}`"


def parse_text(text: str, file: str = "<spec>") -> ast.SpecFile:
    """Parse spec source text; raises `InputError` with the position of the first syntax error."""
    return build_spec_file(_tree(text, file, "start"), text, file)


def parse_strategy_tree(text: str, file: str) -> lark.Tree:
    """Parse a proof strategy file: a tree rooted at `decomposition` (a decomposition strategy)
    or `split_strategy` (spec statements; `build_spec_file` turns it into an `ast.SpecFile`)."""
    return _tree(text, file, "strategy")


def build_spec_file(tree: lark.Tree, text: str, file: str) -> ast.SpecFile:
    """A `start` or `split_strategy` tree -> `ast.SpecFile`."""
    builder = _Builder(file, text)
    try:
        stmts = builder.transform(tree)
    except lark.exceptions.VisitError as e:
        if isinstance(e.orig_exc, InputError):
            raise e.orig_exc from None
        raise
    return ast.SpecFile(file, tuple(stmts.children if isinstance(stmts, lark.Tree) else stmts), text)


def _tree(text: str, file: str, start: str) -> lark.Tree:
    try:
        return _parser().parse(text, start=start)
    except lark.UnexpectedToken as e:
        tok = e.token
        line, col = (e.line, e.column) if e.line not in (None, -1) else _end_position(text)
        if tok.type == "$END":
            line, col = _end_position(text)
        raise InputError(f"unexpected {_token_text(tok)}; expected {_describe_expected(e.expected)}",
                         file, line, col) from None
    except lark.UnexpectedCharacters as e:
        ch = text[e.pos_in_stream] if e.pos_in_stream is not None and e.pos_in_stream < len(text) else "?"
        raise InputError(f"unexpected character {ch!r}", file, e.line, e.column) from None
    except lark.UnexpectedEOF as e:
        line, col = _end_position(text)
        raise InputError(f"unexpected end of file; expected {_describe_expected(set(e.expected))}",
                         file, line, col) from None
    except lark.LarkError as e:  # any other parser failure is still the input's fault
        raise InputError(f"cannot parse: {e}", file, 1, 1) from None


def read_source(path: str | Path, what: str = "spec file") -> str:
    """The UTF-8 text of ``path``; an `InputError` naming ``what`` when it cannot be read."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no such {what}: {p}") from None
    except IsADirectoryError:
        raise InputError(f"{p} is a directory, not a {what}") from None
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text: {e.reason} at byte {e.start}", str(p), 1, 1) from None
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror}") from None


def parse_file(path: str | Path) -> ast.SpecFile:
    return parse_text(read_source(path), str(path))


def _end_position(text: str) -> tuple[int, int]:
    """Just after the last non-blank character (where a missing token belongs)."""
    body = text.rstrip()
    lines = body.split("\n")
    return len(lines), len(lines[-1]) + 1


def _number(tok: Token, file: str) -> Fraction:
    s = str(tok).replace("_", "")
    if s.startswith(("0x", "0X")):
        return Fraction(int(s, 16))
    if s.startswith(("0b", "0B")):
        return Fraction(int(s, 2))
    return Fraction(s)


class _Builder(Transformer):
    """lark tree -> ast nodes (bottom-up)."""

    def __init__(self, file: str, text: str) -> None:
        super().__init__()
        self.file = file
        self.text = text

    def _pos(self, meta) -> ast.Pos:
        if getattr(meta, "empty", True):
            return ast.Pos(self.file, 1, 1)
        return ast.Pos(self.file, meta.line, meta.column)

    def _tpos(self, tok: Token) -> ast.Pos:
        return ast.Pos(self.file, tok.line, tok.column)

    def _src(self, meta) -> str:
        return self.text[meta.start_pos:meta.end_pos]

    # ---- top level ------------------------------------------------------------------------
    def start(self, children):
        return list(children)

    @v_args(meta=True)
    def design(self, meta, children):
        ref, params = children
        module, file, cls, *verilog = ref
        return ast.Design(module, file, cls, tuple(params or ()), " ".join(self._src(meta).split()[1:]),
                          self._pos(meta), tuple(verilog[0]) if verilog else ())

    @v_args(meta=True)
    def reference(self, meta, children):
        return ast.Reference(self.design(meta, children), self._pos(meta))

    @v_args(meta=True)
    def ref_latency(self, meta, children):
        return ast.ReferenceLatency(int(children[0]), self._pos(meta))

    def module_ref(self, children):
        parts = children[0]
        if len(parts) < 2:
            tok = parts[0]
            raise InputError(f"design `{tok}` needs a module path, e.g. rtl.fp_mul.FPMultiplier",
                             self.file, tok.line, tok.column)
        return ".".join(parts[:-1]), None, str(parts[-1])

    def file_ref(self, children):
        path, cls = children
        return None, str(path)[1:-1], str(cls)

    def verilog_ref(self, children):
        *files, top = children
        return None, None, str(top), [str(f)[1:-1] for f in files]

    def dotted(self, children):
        return list(children)

    def params(self, children):
        return list(children)

    @v_args(meta=True)
    def param(self, meta, children):
        name, value = children
        return ast.Param(str(name), value, self._pos(meta))

    @v_args(meta=True)
    def pname(self, meta, children):
        return ast.PValue("name", str(children[0]), str(children[0]), self._pos(meta))

    @v_args(meta=True)
    def number(self, meta, children):
        tok = children[0]
        return ast.PValue("number", _number(tok, self.file), str(tok), self._tpos(tok))

    @v_args(meta=True)
    def pneg(self, meta, children):
        v = children[0]
        return ast.PValue("number", -v.value, "-" + v.text, self._pos(meta))

    @v_args(meta=True)
    def pstring(self, meta, children):
        s = str(children[0])
        return ast.PValue("string", s[1:-1], s, self._pos(meta))

    @v_args(meta=True)
    def pcall(self, meta, children):
        name, params = children
        return ast.PValue("call", (str(name), tuple(params or ())), self._src(meta), self._pos(meta))

    @v_args(meta=True)
    def format_def(self, meta, children):
        name, kind, params = children
        return ast.FormatDef(str(name), str(kind), tuple(params or ()), self._tpos(name))

    @v_args(meta=True)
    def input_decl(self, meta, children):
        *bindings, typ = children
        return ast.InputDecl(tuple(bindings), typ, self._pos(meta))

    @v_args(meta=True)
    def binding(self, meta, children):
        name, sig = children
        return ast.PortBinding(str(name), sig, self._tpos(name))

    @v_args(meta=True)
    def output_decl(self, meta, children):
        name, sig, typ = children
        return ast.OutputDecl(str(name), sig, typ, self._tpos(name))

    @v_args(meta=True)
    def var_decl(self, meta, children):
        *names, typ = children
        return ast.VarDecl(tuple((str(n), self._tpos(n)) for n in names), typ, self._pos(meta))

    @v_args(meta=True)
    def type(self, meta, children):
        tok = children[0]
        return ast.TypeRef(str(tok), None, self._tpos(tok))

    @v_args(meta=True)
    def bits_type(self, meta, children):
        tok, width = children
        return ast.TypeRef(str(tok), int(width), self._tpos(tok))

    @v_args(meta=True)
    def sigref(self, meta, children):
        return ast.Signal(".".join(str(c) for c in children), self._pos(meta))

    @v_args(meta=True)
    def ref_sigref(self, meta, children):
        return ast.Signal(".".join(str(c) for c in children), self._pos(meta), "ref")

    @v_args(meta=True)
    def latency(self, meta, children):
        return ast.Latency(int(children[0]), self._pos(meta))

    @v_args(meta=True)
    def reset(self, meta, children):
        name, value, cycles, _ = children
        return ast.Reset(str(name), int(value), int(cycles), self._pos(meta))

    @v_args(meta=True)
    def clock(self, meta, children):
        return ast.Clock(str(children[0]), self._pos(meta))

    @v_args(meta=True)
    def map_stmt(self, meta, children):
        stage, sig = children
        return ast.Map(str(stage), sig.path, self._pos(meta))

    @v_args(meta=True)
    def assume(self, meta, children):
        return ast.Assume(self._expr(children[0]), self._pos(meta))

    @v_args(meta=True)
    def lemma(self, meta, children):
        name, expr, assuming = children
        return ast.Lemma(str(name), self._expr(expr), self._expr(assuming), self._tpos(name))

    @v_args(meta=True)
    def prove(self, meta, children):
        name, expr, with_items, assuming, splits = children
        flags = exact_nan = None
        for item in with_items or ():
            if isinstance(item, ast.Pos):  # `exact nan`
                if exact_nan is not None:
                    raise InputError("`exact nan` given twice", item.file, item.line, item.col)
                exact_nan = item
            else:
                if flags is not None:
                    raise InputError("`with flags` given twice", item.pos.file, item.pos.line, item.pos.col)
                flags = item
        return ast.Prove(str(name) if name is not None else None, self._expr(expr), flags, self._expr(assuming),
                         tuple(splits or ()), self._pos(meta), exact_nan)

    def with_clause(self, children):
        return list(children)

    def with_flags(self, children):
        tok = children[0]
        return ast.Name(str(tok), self._tpos(tok))

    def exact_nan(self, children):
        return self._tpos(children[0])  # position of `exact`

    def assuming(self, children):
        return children[0]

    def split_clause(self, children):
        return list(children)

    @v_args(meta=True)
    def splitter(self, meta, children):
        kind, target = children
        return ast.Splitter(str(kind), str(target), self._pos(meta))

    @v_args(meta=True)
    def split_stmt(self, meta, children):
        return ast.SplitStmt(tuple(children[0]), self._pos(meta))

    @v_args(meta=True)
    def use(self, meta, children):
        tok = children[0]
        return ast.Use(str(tok), self._tpos(tok))

    @v_args(meta=True)
    def timeout_opt(self, meta, children):
        return ast.Option("timeout", children[0], self._pos(meta))

    @v_args(meta=True)
    def solver_opt(self, meta, children):
        tok = children[0]
        return ast.Option("solver", ast.PValue("name", str(tok), str(tok), self._tpos(tok)), self._pos(meta))

    @v_args(meta=True)
    def faults(self, meta, children):
        return ast.Faults(tuple(c for c in children if c is not None), self._pos(meta))

    @v_args(meta=True)
    def fault_item(self, meta, children):
        key, *values = children
        return ast.FaultItem(str(key), tuple(values), self._tpos(key))

    @v_args(meta=True)
    def fname(self, meta, children):
        tok = children[0]
        return ast.PValue("name", str(tok), str(tok), self._tpos(tok))

    # ---- expressions ----------------------------------------------------------------------
    @v_args(meta=True)
    def implies(self, meta, children):
        return ast.Binary("implies", self._expr(children[0]), self._expr(children[1]), self._pos(meta))

    @v_args(meta=True)
    def or_(self, meta, children):
        return ast.Binary("or", self._expr(children[0]), self._expr(children[1]), self._pos(meta))

    @v_args(meta=True)
    def and_(self, meta, children):
        return ast.Binary("and", self._expr(children[0]), self._expr(children[1]), self._pos(meta))

    @v_args(meta=True)
    def not_(self, meta, children):
        return ast.Unary("not", self._expr(children[0]), self._pos(meta))

    @v_args(meta=True)
    def compare(self, meta, children):
        operands = tuple(self._expr(c) for c in children[0::2])
        ops = tuple(str(c) for c in children[1::2])
        return ast.Compare(ops, operands, self._pos(meta))

    def _binop(op):  # noqa: N805 - a rule factory
        @v_args(meta=True)
        def rule(self, meta, children):
            return ast.Binary(op, self._expr(children[0]), self._expr(children[1]), self._pos(meta))
        return rule

    add = _binop("+")
    sub = _binop("-")
    mul = _binop("*")
    div = _binop("/")
    pow = _binop("^")

    @v_args(meta=True)
    def negate(self, meta, children):
        return ast.Unary("neg", self._expr(children[0]), self._pos(meta))

    @v_args(meta=True)
    def substitute(self, meta, children):
        target, *binds = children
        return ast.Substitute(self._expr(target), tuple(binds), self._pos(meta))

    def subst(self, children):
        name, value = children
        return ast.Binding(str(name), self._expr(value), self._tpos(name))

    @v_args(meta=True)
    def slice(self, meta, children):
        target, hi, lo = children
        return ast.Slice(self._expr(target), int(hi), int(lo), self._pos(meta))

    @v_args(meta=True)
    def bit(self, meta, children):
        target, i = children
        return ast.Slice(self._expr(target), int(i), int(i), self._pos(meta))

    @v_args(meta=True)
    def name(self, meta, children):
        tok = children[0]
        return ast.Name(str(tok), self._tpos(tok))

    @v_args(meta=True)
    def call(self, meta, children):
        name, args = children
        pos, kw = [], []
        for a in args or ():
            if isinstance(a, ast.KwArg):
                kw.append(a)
            elif kw:
                raise InputError("positional argument after a keyword argument",
                                 self.file, *self._expr_pos(a))
            else:
                pos.append(self._expr(a))
        return ast.Call(str(name), tuple(pos), tuple(kw), self._tpos(name))

    def args(self, children):
        return list(children)

    @v_args(meta=True)
    def kwarg(self, meta, children):
        name, value = children
        return ast.KwArg(str(name), self._expr(value), self._tpos(name))

    @v_args(meta=True)
    def true(self, meta, children):
        return ast.BoolLit(True, self._pos(meta))

    @v_args(meta=True)
    def false(self, meta, children):
        return ast.BoolLit(False, self._pos(meta))

    def _expr(self, node):
        """Numbers inside expressions arrive as PValue (shared `number` rule): convert."""
        if isinstance(node, ast.PValue) and node.kind == "number":
            return ast.Num(node.value, node.text, node.pos)
        return node

    def _expr_pos(self, node) -> tuple[int, int]:
        p = getattr(node, "pos", None)
        return (p.line, p.col) if p else (1, 1)
