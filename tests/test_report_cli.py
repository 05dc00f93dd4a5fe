"""`--html FILE` on prove, faults, fuzz, sim and vectors check, and `fpverify report`: each writes one
page whose key elements are there, and the command's exit code and JSON are what they were.

Oracles: the hand-placed fault of spec_designs/broken_mul.py (result 0x7 instead of 0x6 at
a = 0x3, b = 0x5, first failing stage `result`) and spec_designs/faulty_rounding.py's RtzNegAdder
(wrong only under RTZ)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from cli_util import run_cli

pytest.importorskip("plotly")

ROOT = Path(__file__).resolve().parent.parent
DESIGNS = Path(__file__).parent / "spec_designs"


def broken_spec(tmp_path) -> Path:
    spec = tmp_path / "broken.spec"
    spec.write_text(f'design "{DESIGNS / "broken_mul.py"}" : BrokenMul(fmt = e2m1fn)\n'
                    "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\n"
                    "prove eq: y == mul(a, b, rne) with flags fl\n")
    return spec


def test_prove_html_shows_the_counterexample_and_its_waveform(tmp_path, capsys):
    html, js = tmp_path / "run.html", tmp_path / "run.json"
    code, out, err = run_cli(["prove", str(broken_spec(tmp_path)), "--html", str(html), "--json", str(js)], capsys)
    assert code == 1, err
    page = html.read_text()
    for key in ('id="fig-tree"', 'id="fig-timeline"', 'id="fig-wave-1"', 'id="cex-stages-1"',
                "first failing stage: result", "0x7 (6)", 'download="broken.eq.vcd"'):
        assert key in page, key
    case = json.loads(js.read_text())["specs"][0]["properties"][0]["cases"][0]
    assert case["localisation"]["first_failing"] == "result"
    assert case["decoded"] == {"a": "0x3 (1.5)", "b": "0x5 (3)"}
    assert case["started"] <= case["ended"]
    assert Path(case["vcd"]).parent == tmp_path / "run_vcd"  # beside the page, so the JSON's path is real
    # the saved JSON renders the same page
    code, _, err = run_cli(["report", str(js), "-o", str(tmp_path / "again.html")], capsys)
    assert code == 0 and 'id="fig-wave-1"' in (tmp_path / "again.html").read_text()


def test_prove_html_of_a_proof_has_no_waveform_dir(tmp_path, capsys):
    html = tmp_path / "ok.html"
    code, _, err = run_cli(["prove", str(ROOT / "specs" / "fp4_mul.spec"), "--html", str(html)], capsys)
    assert code == 0, err
    assert 'id="fig-tree"' in html.read_text() and "cex-stages" not in html.read_text()
    assert not (tmp_path / "ok_vcd").exists()


def test_faults_html_has_the_kill_matrix(tmp_path, capsys):
    html = tmp_path / "faults.html"
    code, _, err = run_cli(["faults", str(ROOT / "specs" / "fp4_mul.spec"), "-n", "8", "--no-smt",
                            "--html", str(html)], capsys)
    assert code == 0, err
    page = html.read_text()
    assert 'id="fig-kill-matrix"' in page and 'id="kill-matrix"' in page and "eq_mul" in page


def test_sim_html_counts_mismatches_by_class_and_mode(tmp_path, capsys):
    html = tmp_path / "sim.html"
    code, out, err = run_cli(["sim", f"{DESIGNS / 'faulty_rounding.py'}:RtzNegAdder(fmt=e2m1fn)", "--json",
                              "--html", str(html)], capsys)
    assert code == 1, err
    doc = json.loads(out)
    for mode, st in doc["per_mode"].items():  # the class breakdown adds up to the per-mode totals
        assert sum(c["vectors"] for c in doc["per_class"][mode].values()) == st["vectors"]
        assert sum(c["mismatches"] for c in doc["per_class"][mode].values()) == st["mismatches"]
    assert {m for m, st in doc["per_mode"].items() if st["mismatches"]} == {"add/rtz", "sub/rtz"}
    assert 'id="fig-class-heatmap"' in html.read_text()


def test_sim_spec_html(tmp_path, capsys):
    html = tmp_path / "simspec.html"
    code, _, err = run_cli(["sim", str(broken_spec(tmp_path)), "--html", str(html)], capsys)
    assert code == 1, err
    assert 'id="properties"' in html.read_text()


def test_sim_spec_counts_by_class_and_rounding_input(tmp_path, capsys):
    spec = tmp_path / "rtz.spec"
    spec.write_text(f'design "{DESIGNS / "faulty_rounding.py"}" : RtzNegAdder(fmt = e2m1fn)\n'
                    "input a, b : e2m1fn\ninput r = dut.rm : rounding\ninput s = dut.sub : bits[1]\n"
                    "output y = dut.result : e2m1fn\noutput fl = dut.flags\n"
                    "prove add: y == add(a, b, r) with flags fl assuming s == 0\n")
    html = tmp_path / "rtz.html"
    code, out, err = run_cli(["sim", str(spec), "--json", "--html", str(html)], capsys)
    assert code == 1, err
    prop = json.loads(out)["properties"][0]
    per = prop["per_class"]
    assert sum(c["vectors"] for m in per.values() for c in m.values()) == prop["vectors"]
    assert sum(c["mismatches"] for m in per.values() for c in m.values()) == prop["mismatches"] > 0
    assert {m for m, v in per.items() if any(c["mismatches"] for c in v.values())} == {"rtz"}  # only RTZ is wrong
    assert 'id="fig-class-heatmap"' in html.read_text()


def test_vectors_check_json_and_html(tmp_path, capsys):
    vec = tmp_path / "v.txt"
    code, _, _ = run_cli(["vectors", "gen", "e2m1fn_mul", "--level", "2", "-o", str(vec)], capsys)
    assert code == 0
    lines = vec.read_text().splitlines()
    a, b, r, f = lines[9].split()
    lines[9] = f"{a} {b} {int(r, 16) ^ 1:X} {f}"  # one wrong result
    vec.write_text("\n".join(lines) + "\n")
    html = tmp_path / "v.html"
    code, out, err = run_cli(["vectors", "check", "e2m1fn_mul", str(vec), "--json", "-", "--html", str(html)],
                             capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["kind"] == "vectors" and doc["errors"] == 1 and doc["cases"] == len(lines)
    assert sum(c["cases"] for c in doc["per_class"].values()) == doc["cases"]
    assert sum(c["errors"] for c in doc["per_class"].values()) == 1
    assert 'id="fig-class-heatmap"' in html.read_text()


def test_fuzz_json_error_histogram(tmp_path, capsys):
    kern = tmp_path / "kern.py"
    kern.write_text(f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                    "from test_fuzz_catches import ties_away_mul_e4m3_codes, ok_mul_e4m3_codes\n")
    sem = "mul e4m3fn rne in=codes"
    code, out, err = run_cli(["fuzz", f"{kern}:ties_away_mul_e4m3_codes", "-s", sem, "-n", "2000", "--json", "-",
                              "--html", str(tmp_path / "f.html"), "--no-shrink"], capsys)
    assert code == 1, err
    doc = json.loads(out)
    hist = dict(zip(doc["errors"]["labels"], doc["errors"]["counts"]))
    assert doc["errors"]["examples"] == 2000 == sum(hist.values())
    assert hist["1"] > 0 and doc["errors"]["max_ulp"] == 1  # ties away: one ULP off at ties only
    assert 'id="fig-fuzz-hist"' in (tmp_path / "f.html").read_text()
    code, out, _ = run_cli(["fuzz", f"{kern}:ok_mul_e4m3_codes", "-s", sem, "-n", "500", "--json", "-"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["errors"]["exact"] == 500 == doc["errors"]["examples"]
    sys.modules.pop("_fpverify_target_kern", None)


def test_error_map_cli(tmp_path, capsys):
    html, js = tmp_path / "m.html", tmp_path / "m.json"
    code, _, err = run_cli(["report", "--error-map", "lmul", "e2m1fn", "--metric", "ulp", "-o", str(html),
                            "--json", str(js)], capsys)
    assert code == 0, err
    doc = json.loads(js.read_text())
    assert doc["kind"] == "error-map" and doc["metric"] == "ulp" and doc["pairs"] == len(doc["codes"]) ** 2
    assert 'id="fig-error-map"' in html.read_text()
