"""lark tree of a decomposition strategy (the `decomposition` rule of grammar.lark) -> the
`fpverify.prove.decompose.strategy.Strategy` the engine runs. Every problem is an `InputError`
at the file:line:col of the offending directive or word."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lark import Token, Transformer, v_args

from ..errors import InputError
from ..prove.decompose.splits import parse_intervals
from ..prove.decompose.strategy import FAMILIES, SOLVERS, Strategy
from ..prove.smtlib import missing_solver

# format parameters of f16 (`splits.format_params`): bounds are evaluated once with them, so a
# malformed interval list fails when the file is read, not when a format is proved
PROBE_PARAMS = {"p": 11, "m": 10, "e": 5, "bias": 15, "emin": -14, "emax": 15, "pc": 11}
ONLY_FAMILY = {"band": ("mul",), "diff": ("add", "fma"), "isolate": ("mul", "fma")}


@dataclass(frozen=True)
class Directive:
    """One parsed directive: which `Strategy` field it sets, to what, and where."""

    key: str
    value: object
    line: int
    col: int


class DecompositionBuilder(Transformer):
    """Bottom-up: bounds become text (`splits.parse_intervals` evaluates it per format),
    directives become `Directive`s, the `decomposition` root a `Strategy`."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file

    def _err(self, msg: str, line: int, col: int) -> InputError:
        return InputError(msg, self.file, line, col)

    def _tok_err(self, msg: str, tok: Token) -> InputError:
        return self._err(msg, tok.line, tok.column)

    # ---- the file ----------------------------------------------------------------------------
    @v_args(meta=True)
    def decomposition(self, meta, children) -> Strategy:
        st = Strategy(Path(self.file).stem, source=self.file)
        seen: dict[str, Directive] = {}
        for d in children:
            if d.key in seen:
                raise self._err(f"`{_directive_word(d.key)}` is given twice (first at line {seen[d.key].line})",
                                d.line, d.col)
            seen[d.key] = d
        for d in children:
            if d.key == "isolate":  # `isolate sum` (fma): the product cut and the sum cut
                st.isolate = ["product", "sum"] if d.value == "sum" else [d.value]
            elif d.key == "class_split":
                st.class_split, st.grouped, _ = d.value
            else:
                setattr(st, d.key, d.value)
        for d in children:
            fams = ONLY_FAMILY.get(d.key)
            if fams is not None and st.family not in fams:
                raise self._err(f"`{_directive_word(d.key)}` applies to the {' and '.join(fams)} "
                                f"famil{'ies' if len(fams) > 1 else 'y'}, not {st.family}", d.line, d.col)
            if d.key == "isolate" and d.value == "sum" and st.family != "fma":
                raise self._err(f"`isolate sum` applies to the fma family, not {st.family}", d.line, d.col)
            if d.key == "class_split" and st.family != "fma" and d.value[2] is not None:
                line, col = d.value[2]  # the addend role c: an fma operand only
                raise self._err("split class takes operand roles a and/or b, not `c`", line, col)
        return st

    def family(self, children) -> Directive:
        tok = children[0]
        if str(tok) not in FAMILIES:
            raise self._tok_err(f"unknown family `{tok}` (one of {', '.join(FAMILIES)})", tok)
        return Directive("family", str(tok), tok.line, tok.column)

    @v_args(meta=True)
    def isolate(self, meta, children) -> Directive:
        tok = children[0]
        if str(tok) not in ("product", "sum"):
            raise self._tok_err(f"only `isolate product` (and `isolate sum` for fma) is supported, not `{tok}`", tok)
        return Directive("isolate", str(tok), meta.line, meta.column)

    @v_args(meta=True)
    def class_split(self, meta, children) -> Directive:
        *roles, grouped = children
        for r in roles:
            if str(r) not in ("a", "b", "c"):
                raise self._tok_err(f"split class takes operand roles a, b (and c for fma), not `{r}`", r)
            if roles.count(r) > 1:
                raise self._tok_err(f"operand `{r}` is listed twice", r)
        addend = next(((r.line, r.column) for r in roles if str(r) == "c"), None)
        return Directive("class_split", ([str(r) for r in roles], grouped is not None, addend), meta.line, meta.column)

    @v_args(meta=True)
    def interval_split(self, meta, children) -> Directive:
        kind, text = children
        try:
            parse_intervals(text, PROBE_PARAMS)
        except (ValueError, ZeroDivisionError) as e:
            raise self._err(f"split {kind}: {e}", meta.line, meta.column) from None
        return Directive(str(kind), text, meta.line, meta.column)

    @v_args(meta=True)
    def witnesses(self, meta, children) -> Directive:
        return Directive("witnesses", children[0] is not False, meta.line, meta.column)

    @v_args(meta=True)
    def cross_check(self, meta, children) -> Directive:
        return Directive("cross_check", children[0] is not False, meta.line, meta.column)

    def switch_on(self, children) -> bool:
        return True

    def switch_off(self, children) -> bool:
        return False

    @v_args(meta=True)
    def strategy_timeout(self, meta, children) -> Directive:
        seconds = children[0]
        if seconds <= 0:
            raise self._err("timeout must be positive", meta.line, meta.column)
        return Directive("timeout_s", seconds, meta.line, meta.column)

    @v_args(meta=True)
    def strategy_solver(self, meta, children) -> Directive:
        tok = children[0]
        if str(tok) not in SOLVERS:
            raise self._tok_err(f"unknown solver `{tok}` (one of {', '.join(SOLVERS)})", tok)
        why = missing_solver(str(tok))
        if why:
            raise self._tok_err(why, tok)
        return Directive("solver", str(tok), meta.line, meta.column)

    def number(self, children) -> float:
        s = str(children[0]).replace("_", "")
        if s.startswith(("0x", "0X", "0b", "0B")):
            return float(int(s, 0))
        return float(s)

    # ---- intervals: canonical text, one item per interval --------------------------------------
    def intervals(self, children) -> str:
        return ", ".join(children)

    def range(self, children) -> str:
        lo, hi, each = children
        text = f"{lo or ''}..{hi or ''}"
        if each is not None:
            if lo is None or hi is None:
                raise self._tok_err("`each` needs a bounded interval (lo..hi each)", each)
            text += " each"
        return text

    def point(self, children) -> str:
        bound, each = children
        return f"{bound} each" if each is not None else bound

    def b_int(self, children) -> str:
        return str(children[0])

    def b_name(self, children) -> str:
        tok = children[0]
        if str(tok) not in PROBE_PARAMS:
            raise self._tok_err(f"unknown name '{tok}' in a bound (known: {', '.join(PROBE_PARAMS)})", tok)
        return str(tok)

    def b_neg(self, children) -> str:
        return f"-{children[0]}"

    def b_paren(self, children) -> str:
        return f"({children[0]})"

    def b_add(self, children) -> str:
        return f"{children[0]}+{children[1]}"

    def b_sub(self, children) -> str:
        return f"{children[0]}-{children[1]}"

    def b_mul(self, children) -> str:
        return f"{children[0]}*{children[1]}"

    def b_floordiv(self, children) -> str:
        return f"{children[0]}//{children[1]}"


def _directive_word(key: str) -> str:
    return {"class_split": "split class", "band": "split band", "diff": "split diff", "timeout_s": "timeout",
            "cross_check": "cross-check", "isolate": "isolate product"}.get(key, key)
