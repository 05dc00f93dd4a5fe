"""The report's JSON → page model (pure data) and its HTML rendering, without a browser.

Oracles: hand-built run documents with known trees, intervals and stage rows; the golden model
itself (`golden.lmul`, exact products as fractions) for the error maps; plotly's own figure
validation for every figure the builders emit."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import pytest

from cli_util import run_cli
from fpverify.errors import InputError
from fpverify.formats import get_format
from fpverify.report import build_page, kind_of, load_json, render_html
from fpverify.report.figures import lanes, waveform
from fpverify.report.html import script_json
from fpverify.report.model import Figure, Page, Section, Table, Text
from fpverify.report.pages.error_map import histogram_bins
from fpverify.report.pages.faults import kill_matrix
from fpverify.report.pages.prove import timeline_items, tree_nodes, waveform_rows
from fpverify.report.vcd_read import read_vcd

DESIGNS = Path(__file__).parent / "spec_designs"


def obligation(name, kind, status, started=None, ended=None, seconds=0.1):
    return {"name": name, "kind": kind, "status": status, "solver": "z3", "seconds": seconds,
            "cross_check": None, "message": None, "refinements": None, "started": started, "ended": ended}


def prove_doc() -> dict:
    decomposed = {"status": "PROVED", "seconds": 2.0, "solver": "z3", "lemmas": ["L1"],
                  "obligations": {"lemma": 1, "case": 2}, "strategy": "decompose_multiplier",
                  "decomposition": {"obligations": [
                      obligation("L1 normaliser", "lemma", "PROVED", 100.0, 101.0),
                      obligation("case[a]", "case", "PROVED", 100.0, 100.5),
                      obligation("case[b]", "case", "PROVED", 100.5, 102.0)]}}
    refuted = {"case": "", "status": "REFUTED", "seconds": 0.3, "solver": "z3", "inputs": {"a": 3, "b": 5},
               "decoded": {"a": "0x3 (1.5)", "b": "0x5 (3)"}, "started": 102.0, "ended": 102.3,
               "counterexample": "a=0x3 b=0x5",
               "localisation": {"first_failing": "round_up", "vcd": None, "stages": [
                   {"signal": "product", "ok": True, "expected_text": "9", "actual_text": "9", "expected": 9,
                    "actual": 9, "width": 4},
                   {"signal": "round_up", "ok": False, "expected_text": "0", "actual_text": "1", "expected": 0,
                    "actual": 1, "width": 1},
                   {"signal": "result", "ok": False, "expected_text": "0x6 (4)", "actual_text": "0x7 (6)",
                    "expected": 6, "actual": 7, "width": 4}]}}
    return {"exit_code": 1, "interrupted": False, "specs": [{"spec": "x.spec", "design": "d", "seconds": 2.3,
            "properties": [{"name": "eq", "kind": "equivalence", "status": "PROVED", "seconds": 2.0,
                            "solver": "z3", "line": 5, "cases": [decomposed]},
                           {"name": "bad", "kind": "equivalence", "status": "REFUTED", "seconds": 0.3,
                            "solver": "z3", "line": 6, "cases": [refuted]}]}]}


# ---- kinds and bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("doc, kind", [
    ({"specs": []}, "prove"), ({"mutants": []}, "faults"), ({"kind": "fuzz"}, "fuzz"),
    ({"per_mode": {}}, "sim"), ({"properties": [], "samples": 10}, "sim-spec"), ({"kind": "vectors"}, "vectors"),
    ({"kind": "error-map"}, "error-map")])
def test_kind_of_each_command(doc, kind):
    assert kind_of(doc) == kind


@pytest.mark.parametrize("doc", [[], {"kind": "nonsense"}, {"a": 1}, 3])
def test_unknown_documents_are_input_errors(doc):
    with pytest.raises(InputError):
        kind_of(doc)


def test_malformed_document_is_an_input_error():
    with pytest.raises(InputError, match="malformed prove JSON"):
        build_page({"specs": [{"no": "spec key"}]})


def test_unreadable_json_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  'single': quotes\n}")
    with pytest.raises(InputError) as e:
        load_json(bad)
    assert e.value.line == 2
    with pytest.raises(InputError, match="cannot read"):
        load_json(tmp_path / "missing.json")


def test_report_cli_bad_input_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "weather"}')
    code, out, err = run_cli(["report", str(bad), "-o", str(tmp_path / "r.html")], capsys)
    assert code == 2 and "unknown report kind 'weather'" in err and "Traceback" not in err
    code, _, err = run_cli(["report", "-o", str(tmp_path / "r.html")], capsys)
    assert code == 2 and "RUN_JSON" in err
    code, _, err = run_cli(["report", "--error-map", "lmul", "bf16", "-o", str(tmp_path / "r.html")], capsys)
    assert code == 2 and "at most 8 bits" in err
    assert not (tmp_path / "r.html").exists()


# ---- prove ---------------------------------------------------------------------------------------


def test_obligation_tree_links_property_kind_and_obligation():
    nodes = tree_nodes(prove_doc()["specs"])
    by_id = {n["id"]: n for n in nodes}
    assert all(n["parent"] == "" or n["parent"] in by_id for n in nodes)
    leaves = [n for n in nodes if n["leaf"]]
    assert sorted(n["label"] for n in leaves) == ["L1 normaliser", "bad", "case[a]", "case[b]"]
    # an obligation hangs under its kind group, which hangs under the property
    case_a = next(n for n in leaves if n["label"] == "case[a]")
    group = by_id[case_a["parent"]]
    assert group["label"] == "case (2)" and by_id[group["parent"]]["label"] == "eq"
    assert by_id["s0"]["status"] == "REFUTED"  # the spec takes its worst property's status


def test_timeline_uses_the_stamps_and_separates_overlapping_work():
    items = timeline_items(prove_doc()["specs"])
    assert {i["name"] for i in items} == {"eq: L1 normaliser", "eq: case[a]", "eq: case[b]", "bad"}
    assert min(i["start"] for i in items) == 0.0
    lane = lanes([(i["start"], i["end"]) for i in items])
    # L1 (0..1) and case[a] (0..0.5) overlap: two workers; case[b] starts when case[a] ended
    by = {i["name"]: lane[k] for k, i in enumerate(items)}
    assert by["eq: L1 normaliser"] != by["eq: case[a]"]
    assert by["eq: case[b]"] == by["eq: case[a]"]
    assert lanes([(0, 1), (0.2, 0.4), (0.3, 0.9), (1.0, 2.0)]) == [0, 1, 2, 0]


def test_prove_page_marks_the_first_failing_stage():
    page = build_page(prove_doc())
    assert page.kind == "prove" and page.status == "REFUTED"
    cex = page.section("bad: REFUTED")
    stages = next(b for b in cex.blocks if isinstance(b, Table) and b.id.startswith("cex-stages"))
    assert stages.row_marks == ["", "first", "bad"]
    values = next(b for b in cex.blocks if isinstance(b, Table) and b.id.startswith("cex-values"))
    assert ["a", "0x3", "0x3 (1.5)"] in values.rows
    assert ["result (actual)", "", "0x7 (6)"] in values.rows
    assert any(isinstance(b, Text) and b.text == "first failing stage: round_up" for b in cex.blocks)
    ids = [f.id for f in page.figures()]
    assert ids == ["fig-tree", "fig-timeline"]  # no VCD in this document: no waveform


VCD = """$timescale 1 ns $end
$scope module bench $end
$scope module top $end
$var wire 4 ! result $end
$var wire 1 " round_up $end
$scope module inner $end
$var wire 4 # result $end
$upscope $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
b0 !
0"
b1111 #
#1
b111 !
1"
#2
"""


def test_vcd_reader_holds_values_between_changes_and_prefers_the_top():
    wave = read_vcd(VCD)
    assert wave.steps == [0, 1]  # "#2" closes the dump: no change, no step
    assert wave.find("result") == "bench.top.result"  # not the submodule's namesake
    assert wave.values("result") == [0, 7]
    assert wave.values("inner.result") == [15, 15]  # held between changes
    assert wave.values("round_up") == [0, 1]
    with pytest.raises(InputError):
        read_vcd("$var wire nonsense")


def test_waveform_rows_follow_the_localisation():
    loc = prove_doc()["specs"][0]["properties"][1]["cases"][0]["localisation"]
    labels, rows = waveform_rows(VCD, loc)
    assert labels == ["t0", "t1"]
    assert [r["signal"] for r in rows] == ["round_up", "result"]  # product is not in the VCD
    assert rows[0] == {"signal": "round_up", "actual": [0, 1], "expected": 0, "ok": False, "first": True,
                       "width": 1}
    fig = waveform(labels, rows)
    assert len(fig["layout"]["shapes"]) == 1  # one box: the first failing stage


def test_prove_page_embeds_the_counterexample_vcd(tmp_path):
    doc = prove_doc()
    vcd = tmp_path / "cex.vcd"
    vcd.write_text(VCD)
    doc["specs"][0]["properties"][1]["cases"][0]["vcd"] = str(vcd)
    page = build_page(doc)
    assert [f.id for f in page.figures()][-1] == "fig-wave-1"
    html = render_html(page)
    assert 'download="cex.vcd"' in html


# ---- faults --------------------------------------------------------------------------------------


def faults_doc() -> dict:
    def check(status):
        return {"status": status, "seconds": 0.1, "method": "exhaustive-sim"}

    return {"design": "d", "spec": "s.spec", "seed": 0, "properties": ["p", "q"], "completed": 3, "seconds": 1.0,
            "counts": {"KILLED": 1, "SURVIVED": 1, "NOCHANGE": 1, "UNKNOWN": 0, "EQGAP": 0}, "kill_rate": 0.5,
            "eqgap": 0, "per_property": {"p": 1, "q": 0}, "per_kind": {"inv": {"KILLED": 1, "SURVIVED": 1}},
            "mutants": [
                {"id": "m1", "kind": "inv", "description": "flip", "status": "KILLED", "src": "rtl/x.py:10",
                 "checks": {"p": check("FAIL")}},
                {"id": "m2", "kind": "inv", "description": "flop", "status": "SURVIVED", "src": "rtl/x.py:20",
                 "signal": "round_up", "checks": {"p": check("PASS"), "q": check("PASS"),
                                                  "q [smt]": check("PASS")}},
                {"id": "m3", "kind": "const", "description": "nothing", "status": "NOCHANGE", "checks": {}}]}


def test_kill_matrix_rows_are_mutants_columns_are_checks():
    m = kill_matrix(faults_doc())
    assert m["mutants"] == ["m1", "m2"]  # NOCHANGE left out
    assert m["checks"] == ["p", "q", "q [smt]"]
    assert m["cells"] == [["FAIL", None, None], ["PASS", "PASS", "PASS"]]


def test_faults_page_lists_survivors_with_their_source():
    page = build_page(faults_doc())
    assert page.status == "SURVIVED"
    surv = next(t for t in page.tables() if t.id == "survivors")
    assert surv.rows == [["m2", "SURVIVED", "flop", "rtl/x.py:20", "round_up", ""]]
    fig = next(f for f in page.figures() if f.id == "fig-kill-matrix").figure
    assert fig["data"][0]["z"] == [[1.0, None, None], [0.0, 0.0, 0.0]]


# ---- sim / vectors / fuzz -------------------------------------------------------------------------


def test_vectors_page_counts_by_class():
    doc = {"kind": "vectors", "function": "e4m3fn_mul", "file": "v.txt", "rounding": "rtz", "cases": 10,
           "errors": 3, "result_errors": 3, "flag_errors": 0, "examples": ["line 1: ..."],
           "per_class": {"normal×normal": {"cases": 8, "errors": 3}, "zero×normal": {"cases": 2, "errors": 0}}}
    page = build_page(doc)
    heat = next(f for f in page.figures() if f.id == "fig-class-heatmap").figure["data"][0]
    assert heat["y"] == ["rtz"] and heat["x"] == ["normal×normal", "zero×normal"] and heat["z"] == [[3, 0]]
    assert heat["customdata"][0][0] == [8, 37.5]


def test_fuzz_page_histogram_is_categorical():
    doc = {"kind": "fuzz", "target": "k:f", "semantics": "mul e4m3fn rne", "examples": 10, "seed": 0, "ok": False,
           "mismatches": [{"lines": ["input a 0x1"]}], "errors": {
               "examples": 10, "labels": ["0", "1", "zero sign", "NaN vs number", "not representable"],
               "counts": [7, 2, 0, 1, 0], "max_ulp": 1, "exact": 7, "note": ""}}
    page = build_page(doc)
    fig = next(f for f in page.figures() if f.id == "fig-fuzz-hist").figure
    assert fig["layout"]["xaxis"]["type"] == "category" and fig["data"][0]["y"] == [7, 2, 0, 1, 0]
    assert page.status == "MISMATCH"


# ---- error maps ----------------------------------------------------------------------------------


def test_error_map_of_lmul_matches_the_golden_model_cell_by_cell():
    from fpverify.golden.lmul import lmul
    from fpverify.report.error_map import error_map

    fmt = get_format("e2m1fn")
    doc = error_map("lmul", "e2m1fn", "rel")
    codes = doc["codes"]
    assert [fmt.value(c) for c in codes] == sorted(fmt.value(c) for c in codes)  # sorted by value
    for i, a in enumerate(codes):
        for j, b in enumerate(codes):
            exact = fmt.value(a) * fmt.value(b)
            got = fmt.value(lmul(fmt, a, b).code)
            want = (0.0 if got == 0 else math.inf) if exact == 0 else float(abs(got - exact) / abs(exact))
            cell = doc["z"][i][j]
            assert (cell is None and math.isinf(want)) or cell == pytest.approx(want), (a, b)
    assert doc["max"] == max(v for row in doc["z"] for v in row if v is not None)


@pytest.mark.parametrize("fmt", ["e2m1fn", "e3m2fn"])
def test_correctly_rounded_mul_is_within_half_an_ulp(fmt):
    """RNE multiplication is correctly rounded: within the finite range every cell's error is at
    most 0.5 ULP, and a pair whose product is representable has error 0 (beyond the range these
    formats saturate, so the error there is larger)."""
    from fpverify.report.error_map import error_map

    f = get_format(fmt)
    doc = error_map("mul", fmt, "ulp")
    values = {f.value(c) for c in doc["codes"]}
    in_range = []
    for i, a in enumerate(doc["codes"]):
        for j, b in enumerate(doc["codes"]):
            exact = f.value(a) * f.value(b)
            if exact in values:
                assert doc["z"][i][j] == 0
            if abs(exact) <= f.max_value:
                in_range.append(doc["z"][i][j])
    assert 0 < max(in_range) <= 0.5
    assert doc["max"] > 0.5  # saturation: 6 x 6 -> 6 is far from 36


def test_ulp_spacing():
    from fpverify.report.error_map import ulp

    e4 = get_format("e4m3fn")  # emin -6, 3 fraction bits
    assert ulp(e4, Fraction(1)) == Fraction(1, 8)
    assert ulp(e4, Fraction(-3, 2)) == Fraction(1, 8)
    assert ulp(e4, Fraction(2)) == Fraction(1, 4)
    assert ulp(e4, Fraction(1, 1024)) == Fraction(1, 512)  # below the normal range: subnormal spacing
    assert ulp(e4, Fraction(0)) == Fraction(1, 512)


def test_histogram_bins_count_everything():
    edges, counts = histogram_bins([0.0, 0.1, 0.5, 1.0, 1.0], "rel", bins=4)
    assert sum(counts) == 5 and len(edges) == 5 and counts[-1] == 2
    assert histogram_bins([0.0, 0.0], "ulp") == ([0.0, 1.0], [2])


# ---- HTML ----------------------------------------------------------------------------------------


def test_html_escapes_text_and_scripts():
    evil = "</script><script>alert(1)</script>"
    page = Page(evil, "prove", "PROVED", [("k", evil)], [Section(evil, [
        Table(["a"], [[evil]]), Text(evil), Figure("f1", {"data": [{"type": "bar", "x": [evil], "y": [1]}],
                                                          "layout": {}})])])
    html = render_html(page)
    assert "<script>alert(1)" not in html
    assert "&lt;/script&gt;" in html
    assert json.loads(script_json([evil])) == [evil] and "<" not in script_json([evil])


def test_html_is_self_contained_and_tables_need_no_script(tmp_path):
    html = render_html(build_page(faults_doc()))
    assert html.count("<script") == 3  # error trap, plotly.js, the figures; nothing loaded from elsewhere
    assert "<script src" not in html and "<link" not in html and "@import" not in html
    # the tables are in the markup itself
    assert '<table id="survivors" class="data">' in html and "rtl/x.py:20" in html
    without_figures = render_html(Page("t", "prove", sections=[Section("s", [Table(["a"], [[1]])])]))
    assert len(without_figures) < 10_000  # no plotly.js when nothing is drawn


def test_every_figure_is_valid_plotly():
    go = pytest.importorskip("plotly.graph_objects")
    from fpverify.report.error_map import error_map

    docs = [prove_doc(), faults_doc(), error_map("lmul", "e2m1fn")]
    doc = prove_doc()
    figs = [f for d in docs for f in build_page(d).figures()]
    labels, rows = waveform_rows(VCD, doc["specs"][0]["properties"][1]["cases"][0]["localisation"])
    figs.append(Figure("w", waveform(labels, rows)))
    assert len(figs) == 6
    for f in figs:
        go.Figure(f.figure)  # raises on an unknown property or a bad value
        json.dumps(f.figure, allow_nan=False)


def test_operand_classes():
    import numpy as np

    from fpverify.fast.classes import class_indices
    from fpverify.semantics.classes import CLASSES, class_of

    e4, e5 = get_format("e4m3fn"), get_format("e5m2")
    assert [class_of(e4, c) for c in (0x00, 0x80, 0x01, 0x08, 0x7e, 0x7f, 0xff)] == \
        ["zero", "zero", "subnormal", "normal", "normal", "nan", "nan"]
    assert [class_of(e5, c) for c in (0x7c, 0xfc, 0x7d)] == ["inf", "inf", "nan"]
    codes = np.arange(256)
    assert [CLASSES[i] for i in class_indices(e5, codes)] == [class_of(e5, c) for c in range(256)]
