"""`fpverify eval` / `vectors` with integer sources (`int64_to_bf16`, `uint8_to_e4m3fn`), and
`fpverify --version`.

Oracles: ml_dtypes' bfloat16 cast of values that float32 holds exactly (ml_dtypes casts float64
through float32, so only then is it a single rounding),
hand-computed codes (2^64 in f32 is 0x5f800000; uint8 255 in e4m3fn rounds to 256 = 0x78), and
pyproject.toml read with tomllib."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from cli_util import run_cli
from fpverify.vectors.function import integer_source, parse_function


def _eval(capsys, *args) -> dict:
    code, out, err = run_cli(["eval", *args, "--json"], capsys)
    assert code == 0, out + err
    return json.loads(out)


@pytest.mark.parametrize("v", [0, 1, -1, 257, 385, -(2 ** 40) - 3 * 2 ** 17, 2 ** 52 + 2 ** 44 + 2 ** 29,
                               -(2 ** 62) - 2 ** 54, 2 ** 63 - 2 ** 39])
def test_int64_to_bf16_matches_ml_dtypes(capsys, v):
    code = v & (2 ** 64 - 1)
    doc = _eval(capsys, "int64_to_bf16", f"{code:#x}")
    want = int(np.array([float(v)], dtype=np.float64).astype(ml_dtypes.bfloat16).view(np.uint16)[0])
    assert int(doc["result"]["code"], 16) == want
    assert doc["exact"] == str(v)


@pytest.mark.parametrize("fn,operand,code,flags", [
    ("uint64_to_f32", "0xffffffffffffffff", 0x5F800000, ["inexact"]),
    # 2^52 + 2^44 + 1: 1/2 + 2^-45 ulp above 0x5980, so up (a cast through f32 would tie to even)
    ("int64_to_bf16", "0x0010100000000001", 0x5981, ["inexact"]),
    ("uint8_to_e4m3fn", "0xff", 0x78, ["inexact"]),
    ("int8_to_e4m3fn", "0xff", 0xB8, []),  # -1
    ("uint16_to_bf16", "0x8001", 0x4700, ["inexact"]),  # 32769 -> 32768
    ("int32_to_int8", "0x000003e8", 0x7F, ["inexact", "overflow"]),  # 1000 saturates
])
def test_integer_sources(capsys, fn, operand, code, flags):
    doc = _eval(capsys, fn, operand)
    assert int(doc["result"]["code"], 16) == code
    assert [f for f in doc["flag_names"].split(",") if f != "-"] == flags


def test_integer_source_ranges():
    assert (integer_source("uint64").min_int, integer_source("uint64").max_int) == (0, 2 ** 64 - 1)
    assert (integer_source("int16").min_int, integer_source("int16").max_int) == (-(2 ** 15), 2 ** 15 - 1)
    assert integer_source("uint8").value(0xFF) == 255 and integer_source("int8").value(0xFF) == -1
    assert integer_source("e4m3fn") is None
    assert parse_function("uint32_to_e5m2").src.width == 32


def test_integer_names_are_sources_only(capsys):
    code, out, err = run_cli(["eval", "f32_to_int64", "0x3f800000"], capsys)
    assert code == 2 and "conversion sources only" in err
    code, out, err = run_cli(["eval", "uint8_to_bf16", "0x100"], capsys)
    assert code == 2 and "out of range for uint8" in err


def test_vectors_gen_and_check_with_an_integer_source(tmp_path, capsys):
    code, out, err = run_cli(["vectors", "gen", "int64_to_bf16", "-n", "300"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 300 and all(len(ln.split()[0]) == 16 for ln in lines)
    path = tmp_path / "v.txt"
    path.write_text(out)
    code, out, err = run_cli(["vectors", "check", "int64_to_bf16", str(path)], capsys)
    assert code == 0 and "0 errors" in out + err
    bad = lines[0].split()
    bad[1] = f"{int(bad[1], 16) ^ 1:04X}"
    path.write_text(" ".join(bad) + "\n")
    code, out, err = run_cli(["vectors", "check", "int64_to_bf16", str(path)], capsys)
    assert code == 1


def test_version(capsys):
    import fpverify

    want = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]["version"]
    assert fpverify.__version__ == want == fpverify.pyproject_version()
    code, out, err = run_cli(["--version"], capsys)
    assert code == 0 and out.strip() == f"fpverify, version {want}"


def test_bare_integer_type_encodes_and_decodes(capsys):
    doc = _eval(capsys, "uint64", "0xffffffffffffffff")
    assert doc["result"]["value"] == str(2 ** 64 - 1)
    doc = _eval(capsys, "int16", "--value", "-2")
    assert doc["result"]["code"] == "0xfffe"
