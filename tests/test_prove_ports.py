"""The rm port's encoding is parsed once (`PortMap.resolve`) and the resolved `Rounding` objects
travel down to replay; the proof types import without the API module (no import circle)."""

import subprocess
import sys

import pytest

from fpverify.formats import get_format
from fpverify.hdl.netlist import flatten
from fpverify.prove.api import PortMap, prove_equivalence
from fpverify.prove.monolithic import build_obligation
from fpverify.prove.replay import env_for
from fpverify.rounding import RNE, RTZ, Env, Mode, Rounding, parse_rounding
from rtl import fp_mul

FP4 = get_format("e2m1fn")


def test_resolve_parses_names_once_and_is_idempotent():
    ports = PortMap(rm="rm", rm_encoding=((0, "near_even"), (1, "minMag"), (2, "sra")))
    env = Env(Rounding(Mode.SR_A, 5))
    resolved = ports.resolve(env)
    assert [(v, r.mode) for v, r in resolved.rm_encoding] == [(0, Mode.RNE), (1, Mode.RTZ), (2, Mode.SR_A)]
    assert resolved.rm_rounding(2) == Rounding(Mode.SR_A, 5)  # a bare stochastic name takes env's N
    assert resolved.resolve(env) == resolved
    assert PortMap(rm="rm").resolve(Env()).rm_rounding(1) == RTZ
    with pytest.raises(TypeError, match="not resolved"):
        ports.rm_rounding(1)


def test_env_for_reads_the_resolved_rounding():
    ports = PortMap(rm="rm").resolve(Env())
    e = env_for(Env(), ports, {"a": 1, "b": 2, "rm": 1})
    assert e.rounding == RTZ


def test_build_obligation_returns_resolved_ports_and_keeps_the_names_in_the_obligation():
    nl = flatten(fp_mul.FPMultiplier(FP4, rounding="port"))
    enc = ((0, "near_even"), (1, "rtz"))
    ob, *_, ports = build_obligation(nl, "mul", FP4, ports=PortMap(rm="rm", rm_encoding=enc))
    assert ports.rm_encoding == ((0, RNE), (1, RTZ))
    assert "0=near_even, 1=rtz" in ob.name


def test_swapped_encoding_is_refuted_and_replays_with_the_encoded_mode():
    """The unit rounds RTZ on rm=1; an encoding that calls 1 "rup" gives a counterexample whose
    replay (golden model under the resolved rounding) must agree with the symbolic reference."""
    nl = flatten(fp_mul.FPMultiplier(FP4, rounding="port"))
    enc = ((0, "rne"), (1, "rup"))
    r = prove_equivalence(nl, "mul", FP4, ports=PortMap(rm="rm", rm_encoding=enc), timeout_s=60)
    assert r.status == "REFUTED", str(r)
    cex = r.counterexample
    assert cex.replayed and cex.inputs["rm"] == 1
    assert f"rounding={parse_rounding('rup')}" in cex.decoded


def test_prove_modules_below_the_api_import_without_it():
    """types, replay and monolithic load with the package __init__ (which imports the API) stubbed
    out, and never import the API themselves: the old api <-> monolithic <-> replay circle is gone."""
    code = ("import importlib, sys, types, fpverify; pkg = types.ModuleType('fpverify.prove'); "
            "pkg.__path__ = [fpverify.__path__[0] + '/prove']; sys.modules['fpverify.prove'] = pkg; "
            "[importlib.import_module('fpverify.prove.' + m) for m in ('types', 'replay', 'monolithic')]; "
            "sys.exit(1 if 'fpverify.prove.api' in sys.modules else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
