"""Decomposition strategies: reusable per unit family, parameterised by the format.

File format (``proofs/decompose_*.strategy``, documented in docs/strategies.md): one directive per
line, ``#`` comments.

    family mul                      # mul | add | lmul (which reference the miter uses)
    isolate product                 # multiplier isolation: cut `product`, shared with the reference
    split class a, b                # operand classes nan/inf/zero/subnormal/normal, crossed
    split class a, b grouped        # or: any NaN | any Inf | any zero | finite x finite
    split band: ..emin-p-2, emin-p-1..emin-2, emin-1..emax-1, emax..
                                    # mul: floor(log2 a)+floor(log2 b) of finite x finite cases
    split diff: 0, 1, 2..p+2 each, p+3..
                                    # add: exponent difference of finite x finite cases
    witnesses on                    # check every case is satisfiable (non-vacuous)
    timeout 120                     # seconds per obligation
    solver portfolio                # z3 | bitwuzla | portfolio
    cross-check on                  # re-check PROVED obligations with the other solver

Bounds are integer expressions over p, m, e, bias, emin, emax (`splits.format_params`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ...semantics import stages

FAMILIES = ("mul", "add", "lmul")


@dataclass
class Strategy:
    name: str
    family: str = "mul"
    isolate: list[str] = field(default_factory=list)
    class_split: list[str] = field(default_factory=list)  # operand roles, e.g. ["a", "b"]
    grouped: bool = False  # specials first (any NaN / any Inf / any zero / finite) instead of 5x5
    band: str | None = None
    diff: str | None = None
    witnesses: bool = True
    timeout_s: float = 120.0
    solver: str = "portfolio"
    cross_check: bool = False
    source: str = ""

    @property
    def solvers(self) -> tuple[str, ...]:
        return ("z3", "bitwuzla") if self.solver == "portfolio" else (self.solver,)


def proofs_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "proofs"


def find_strategy(name_or_path: str) -> Path:
    p = Path(name_or_path)
    if p.suffix == ".strategy" and p.is_file():
        return p
    cand = proofs_dir() / f"{name_or_path}.strategy"
    if cand.is_file():
        return cand
    known = sorted(q.stem for q in proofs_dir().glob("decompose_*.strategy"))
    raise InputError(f"unknown decomposition strategy {name_or_path!r} (known: {', '.join(known)})")


def load_strategy(name_or_path: str) -> Strategy:
    path = find_strategy(name_or_path)
    return parse_strategy(path.read_text(), str(path))


def parse_strategy(text: str, file: str = "<strategy>") -> Strategy:
    st = Strategy(Path(file).stem, source=file)
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        col = raw.index(line[0]) + 1
        err = lambda msg: InputError(msg, file, lineno, col)
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word == "family":
            if rest not in FAMILIES:
                raise err(f"unknown family {rest!r} (one of {', '.join(FAMILIES)})")
            st.family = rest
        elif word == "isolate":
            if rest != stages.PRODUCT:
                raise err(f"only `isolate product` is supported (got {rest!r})")
            st.isolate.append(rest)
        elif word == "split":
            head = rest.split()[0] if rest else ""
            if rest.startswith("band") or rest.startswith("diff"):
                kind, _, arg = rest.partition(":")
                kind, arg = kind.strip(), arg.strip()
                if not arg:
                    raise err(f"split {kind} needs intervals after ':'")
                _check_intervals(arg, err)
                setattr(st, kind, arg)
            elif head == "class":
                arg = rest[len("class"):]
                if arg.rstrip().endswith("grouped"):
                    st.grouped = True
                    arg = arg.rstrip()[: -len("grouped")]
                roles = [r.strip() for r in arg.split(",") if r.strip()]
                if not roles or any(r not in ("a", "b") for r in roles):
                    raise err("split class takes operand roles a and/or b (`split class a, b`)")
                st.class_split = roles
            else:
                raise err(f"unknown split {head!r} (class, band, diff)")
        elif word == "witnesses":
            st.witnesses = _onoff(rest, err)
        elif word == "cross-check":
            st.cross_check = _onoff(rest, err)
        elif word == "timeout":
            try:
                st.timeout_s = float(rest)
            except ValueError:
                raise err(f"timeout needs a number of seconds, got {rest!r}") from None
            if st.timeout_s <= 0:
                raise err("timeout must be positive")
        elif word == "solver":
            if rest not in ("z3", "bitwuzla", "portfolio"):
                raise err(f"unknown solver {rest!r} (z3, bitwuzla, portfolio)")
            st.solver = rest
        else:
            raise err(f"unknown directive {word!r} (family, isolate, split, witnesses, timeout, solver, cross-check)")
    if st.band and st.family != "mul":
        raise InputError("split band applies to the mul family", file)
    if st.diff and st.family != "add":
        raise InputError("split diff applies to the add family", file)
    if st.isolate and st.family != "mul":
        raise InputError("isolate product applies to the mul family", file)
    return st


def _onoff(rest: str, err) -> bool:
    if rest in ("on", "true", "yes", ""):
        return True
    if rest in ("off", "false", "no"):
        return False
    raise err(f"expected on or off, got {rest!r}")


def _check_intervals(arg: str, err) -> None:
    from .splits import parse_intervals

    probe = {"p": 11, "m": 10, "e": 5, "bias": 15, "emin": -14, "emax": 15}
    try:
        parse_intervals(arg, probe)
    except ValueError as e:
        raise err(str(e)) from None


__all__ = ["Strategy", "FAMILIES", "load_strategy", "parse_strategy", "find_strategy", "proofs_dir"]
