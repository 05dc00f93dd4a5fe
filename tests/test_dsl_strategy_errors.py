"""Malformed proof strategy files: `use strategy NAME` of a bad file gives ONE
`file:line:col: error: ...` message, at the strategy file's position, and exit code 2.

Oracle: the header of every file in tests/strategies_bad/ (`# expect: LINE:COL: FRAGMENT`),
written by hand from the file's content. Also: every shipped proofs/*.strategy parses, each kind
to its own type, and the decomposition files to the fields their text states.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli_util import run_cli  # noqa: E402
from fpverify.dsl import ast
from fpverify.dsl.proof_strategy import STRATEGY_DIRS_ENV, load_proof_strategy, load_strategy, parse_strategy
from fpverify.errors import InputError
from fpverify.prove.decompose import Strategy

BAD = Path(__file__).parent / "strategies_bad"
PROOFS = Path(__file__).resolve().parents[1] / "proofs"
EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$", re.M)
BAD_FILES = sorted(BAD.glob("*.strategy"))
SPEC = """design rtl.fp_mul.FPMultiplier(fmt = e2m1fn, rounding = rne)
input a, b : e2m1fn
output y = dut.result : e2m1fn
prove y == mul(a, b, rne)
use strategy {name}
"""


def expectation(path: Path) -> tuple[int, int, str]:
    m = EXPECT.search(path.read_text())
    assert m, f"{path.name} has no `# expect: LINE:COL: fragment` header"
    return int(m.group(1)), int(m.group(2)), m.group(3).strip()


def test_corpus_covers_several_kinds_of_error():
    assert len(BAD_FILES) >= 12


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_malformed_strategy_gives_one_located_error(path: Path, tmp_path, monkeypatch, capsys):
    line, col, fragment = expectation(path)
    monkeypatch.setenv(STRATEGY_DIRS_ENV, str(BAD))
    spec = tmp_path / "uses.spec"
    spec.write_text(SPEC.format(name=path.stem))
    code, out, err = run_cli(["prove", "--check-only", str(spec)], capsys)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    errors = [ln for ln in err.splitlines() if ": error: " in ln]
    assert len(errors) == 1, err
    assert errors[0].startswith(f"{path}:{line}:{col}: error: "), errors[0]
    assert fragment in errors[0], errors[0]


def test_shipped_strategies_parse_to_their_kind():
    kinds = {}
    for p in sorted(PROOFS.glob("*.strategy")):
        loaded = load_proof_strategy(p.stem, ast.Pos("x.spec", 1, 1), str(PROOFS / "x.spec"))
        kinds[p.stem] = type(loaded)
    assert kinds == {"adder": ast.SpecFile, "monolithic": ast.SpecFile, "multiplier": ast.SpecFile,
                     "decompose_adder": Strategy, "decompose_lmul": Strategy, "decompose_multiplier": Strategy,
                     "decompose_fma": Strategy}


def test_decomposition_fields_follow_the_text():
    mul = load_strategy("decompose_multiplier")
    assert (mul.family, mul.isolate, mul.class_split, mul.grouped) == ("mul", ["product"], ["a", "b"], True)
    assert mul.band == "..emin-p-2, emin-p-1..emin-2, emin-1..-1, 0..emax-1, emax.."
    assert (mul.diff, mul.witnesses, mul.timeout_s, mul.solver, mul.cross_check) == (None, True, 300.0,
                                                                                    "portfolio", False)
    add = load_strategy("decompose_adder")
    assert (add.family, add.isolate, add.band, add.diff) == ("add", [], None, "0, 1, 2..p+2 each, p+3..")
    st = parse_strategy("family add # c\nsplit diff: (p + 1) // 2 .. p*2 each,\n  -1\nwitnesses off\n"
                        "cross-check\ntimeout 2.5\n", "t.strategy")
    assert st.diff == "(p+1)//2..p*2 each, -1" and not st.witnesses and st.cross_check and st.timeout_s == 2.5


def test_a_split_strategy_is_not_a_decomposition():
    with pytest.raises(InputError) as e:
        parse_strategy("split on class(a)\n", "s.strategy")
    assert "first directive must be `family`" in str(e.value)
