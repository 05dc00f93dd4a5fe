"""The one design resolver: the command line (`fpverify sim 'file.py:Cls(...)'`) and a spec's
`design` line give the same arguments, and every failure is one located input error (exit 2).

Oracles: hand-written expected argument values; the line numbers of the `raise` statements in the
user file below (found by searching its text); the golden model for the rounding the simulation
uses (an RTZ unit only passes against RTZ)."""

from __future__ import annotations

import textwrap

import pytest

from cli_util import run_cli  # noqa: E402
from fpverify.dsl import load_spec_text
from fpverify.dsl.design import resolve_spec_design
from fpverify.formats import Overflow, get_format
from fpverify.golden import LMulPolicy, LMulSpecials, LMulVariant
from fpverify.hdl.design import PORT, resolve_design
from fpverify.rounding import RNE, RTZ, Rounding, Mode

UNIT = textwrap.dedent('''
    import enum

    from amaranth.hdl import Module
    from amaranth.lib import wiring
    from amaranth.lib.wiring import In, Out

    from fpverify.rounding import Rounding
    from rtl.fp_mul import FPMultiplier


    class Shade(enum.Enum):
        LIGHT = "light"
        DARK = "dark"


    class Wrapped(wiring.Component):
        """An FPMultiplier with no `rounding` attribute (the resolver's value is what counts)."""
        op = "mul"

        def __init__(self, fmt, rounding: Rounding = "rne", shade: Shade = Shade.LIGHT, fail: bool = False,
                     fail_elab: bool = False):
            if fail:
                raise ValueError("width must be even")  # CONSTRUCTOR
            self.shade = shade
            self.inner = FPMultiplier(fmt, rounding=rounding)
            self.fmt = self.inner.fmt
            self.fail_elab = fail_elab
            w = self.fmt.width
            super().__init__({"a": In(w), "b": In(w), "result": Out(w), "flags": Out(5)})

        def elaborate(self, platform):
            if self.fail_elab:
                self.inner._MustUse__silence = True  # never elaborated
                raise RuntimeError("no elaboration today")  # ELABORATE
            m = Module()
            m.submodules.inner = inner = self.inner
            m.d.comb += [inner.a.eq(self.a), inner.b.eq(self.b), self.result.eq(inner.result),
                         self.flags.eq(inner.flags)]
            return m
''')
LINE = {tag: i + 1 for i, ln in enumerate(UNIT.splitlines()) for tag in ("CONSTRUCTOR", "ELABORATE") if tag in ln}

SPEC_BODY = ("input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\n"
             "prove y == mul(a, b, rne) with flags fl\n")


@pytest.fixture
def unit(tmp_path):
    p = tmp_path / "unit.py"
    p.write_text(UNIT)
    return p


def _spec(tmp_path, design_line: str):
    p = tmp_path / "t.spec"
    p.write_text(design_line + "\n" + SPEC_BODY)
    return p


def _sim(capsys, text):
    return run_cli(["sim", text], capsys)


def _prove(capsys, spec):
    return run_cli(["prove", "--check-only", str(spec)], capsys)


def _one_error(code, err) -> str:
    assert code == 2 and "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ": error: " in ln]
    assert len(lines) == 1, err
    return lines[0]


# ---- the same text means the same thing ------------------------------------------------------

SAME = [
    ("rtl.fp_mul.FPMultiplier(fmt = e4m3fn, rounding = rtz, latency = 2)",
     {"fmt": get_format("e4m3fn"), "rounding": RTZ, "latency": 2}, RTZ),
    ("rtl.lmul.LMulUnit(fmt = e4m3fn, policy = LMulPolicy(variant = A, specials = IEEE_LIKE, overflow = satfinite))",
     {"fmt": get_format("e4m3fn"),
      "policy": LMulPolicy(LMulVariant.REAL, LMulSpecials.IEEE_LIKE, Overflow.SATFINITE)}, RNE),
    ("rtl.fp_add.FPAdder(fmt = e5m2, rounding = port, overflow = SatFinite, tininess = before)",
     {"fmt": get_format("e5m2"), "rounding": PORT, "overflow": Overflow.SATFINITE,
      "tininess": __import__("fpverify.rounding", fromlist=["Tininess"]).Tininess.BEFORE}, PORT),
    ("rtl.fp_mul.FPMultiplier(fmt = e4m3fn, rounding = \"sra4\")",
     {"fmt": get_format("e4m3fn"), "rounding": Rounding(Mode.SR_A, 4)}, Rounding(Mode.SR_A, 4)),
]


@pytest.mark.parametrize("text, kwargs, rounding", SAME, ids=[t.split("(")[0] + str(i) for i, (t, _, _) in enumerate(SAME)])
def test_cli_text_and_spec_design_give_equal_arguments(tmp_path, text, kwargs, rounding):
    cli = resolve_design(text.replace(" = ", "="), build=False)
    dsl = resolve_spec_design(load_spec_text(f"design {text}\n{SPEC_BODY}", str(tmp_path / "x.spec")), build=False)
    assert cli.cls is dsl.cls
    assert cli.args == dsl.args == ()
    assert cli.kwargs == dsl.kwargs == kwargs
    assert cli.rounding == dsl.rounding == rounding


def test_user_file_enum_and_bool_same_both_ways(tmp_path, unit):
    cli = resolve_design(f"{unit}:Wrapped(fmt=e2m1fn, shade=Dark, fail=false)")
    spec = _spec(tmp_path, f'design "{unit.name}" : Wrapped(fmt = e2m1fn, shade = dark, fail = False)')
    from fpverify.dsl import load_spec

    dsl = resolve_spec_design(load_spec(spec), build=False)
    assert type(cli.kwargs["shade"]).__name__ == "Shade" and cli.kwargs["shade"].name == "DARK"
    assert dsl.kwargs["shade"].name == "DARK" and cli.kwargs["fail"] is dsl.kwargs["fail"] is False
    assert cli.rounding == dsl.rounding == RNE  # the constructor's default, resolved once
    assert cli.component.shade.name == "DARK"
    cli.component._MustUse__silence = cli.component.inner._MustUse__silence = True  # never elaborated here


def test_inline_spec_format_reaches_the_constructor(tmp_path):
    spec = load_spec_text("format my6 = float(e = 3, m = 2)\ndesign rtl.fp_add.FPAdder(fmt = my6, rounding = rna)\n"
                          "input a, b : my6\noutput y = dut.result : my6\nprove y == add(a, b, rna)\n",
                          str(tmp_path / "x.spec"))
    d = resolve_spec_design(spec, build=False)
    assert d.kwargs["fmt"] is spec.formats["my6"] and d.rounding == Rounding(Mode.RNA)


def test_sim_uses_the_resolved_rounding_not_an_attribute(capsys, unit):
    """`Wrapped` has no `rounding` attribute: an RTZ unit passes only if sim checks against RTZ."""
    code, out, err = _sim(capsys, f"{unit}:Wrapped(fmt=e2m1fn, rounding=rtz)")
    assert code == 0 and out.startswith("PASS") and "rounding rtz" in out, out + err


# ---- errors: one located message, exit 2 -------------------------------------------------------

def test_constructor_that_raises(capsys, tmp_path, unit):
    line = _one_error(*_sim(capsys, f"{unit}:Wrapped(fmt=e2m1fn, fail=True)")[::2])
    assert line.startswith(f"{unit}:{LINE['CONSTRUCTOR']}: error: ") and "ValueError: width must be even" in line
    spec = _spec(tmp_path, 'design "unit.py" : Wrapped(fmt = e2m1fn, fail = true)')
    line = _one_error(*_prove(capsys, spec)[::2])
    assert line.startswith(f"{unit}:{LINE['CONSTRUCTOR']}: error: ") and "width must be even" in line
    assert f"(design at {spec}:1)" in line


def test_elaboration_that_raises(capsys, tmp_path, unit):
    line = _one_error(*_sim(capsys, f"{unit}:Wrapped(fmt=e2m1fn, fail_elab=true)")[::2])
    assert line.startswith(f"{unit}:{LINE['ELABORATE']}: error: ") and "no elaboration today" in line
    spec = _spec(tmp_path, 'design "unit.py" : Wrapped(fmt = e2m1fn, fail_elab = true)')
    line = _one_error(*_prove(capsys, spec)[::2])
    assert line.startswith(f"{unit}:{LINE['ELABORATE']}: error: ") and "RuntimeError: no elaboration today" in line


def test_unknown_parameter(capsys, tmp_path, unit):
    line = _one_error(*_sim(capsys, f"{unit}:Wrapped(fmt=e2m1fn, colour=red)")[::2])
    assert line.startswith("<design>:1:") and "bad parameters for Wrapped: no parameter 'colour'" in line
    spec = _spec(tmp_path, 'design "unit.py" : Wrapped(fmt = e2m1fn, colour = red)')
    line = _one_error(*_prove(capsys, spec)[::2])
    assert line.startswith(f"{spec}:1:1: error: ") and "no parameter `colour`" in line


def test_unknown_enum_member(capsys, tmp_path, unit):
    text = f"{unit}:Wrapped(fmt=e2m1fn, shade=purple)"
    line = _one_error(*_sim(capsys, text)[::2])
    assert line.startswith(f"<design>:1:{text.index('purple') + 1}: error: ")
    assert "unknown Shade 'purple'" in line and "(choose light, dark)" in line
    spec = _spec(tmp_path, 'design "unit.py" : Wrapped(fmt = e2m1fn, shade = purple)')
    line = _one_error(*_prove(capsys, spec)[::2])
    assert line.startswith(f"{spec}:1:1: error: ") and "unknown Shade `purple`" in line
    design = "design rtl.lmul.LMulUnit(fmt = e4m3fn, policy = LMulPolicy(variant = Z))"
    spec = _spec(tmp_path, design)
    line = _one_error(*_prove(capsys, spec)[::2])
    assert line.startswith(f"{spec}:1:{design.index('Z)') + 1}: error: ") and "unknown LMulVariant `Z`" in line


def test_missing_design_file(capsys, tmp_path):
    line = _one_error(*_sim(capsys, f"{tmp_path}/nope.py:Unit(fmt=e2m1fn)")[::2])
    assert line.startswith("<design>:1:1: error: design file not found:") and "nope.py" in line
    spec = _spec(tmp_path, 'design "nope.py" : Unit(fmt = e2m1fn)')
    line = _one_error(*_prove(capsys, spec)[::2])
    assert line.startswith(f"{spec}:1:1: error: design file not found:") and "nope.py" in line


def test_broken_user_module_is_located(capsys, tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("x = 1\ny = undefined_name\n")
    line = _one_error(*_sim(capsys, f"{bad}:Unit()")[::2])
    assert line.startswith(f"{bad}:2: error: ") and "NameError" in line
