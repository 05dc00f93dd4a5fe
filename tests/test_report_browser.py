"""The HTML report in a real browser: Debian's headless Chromium opens each page from disk (no
network), runs its scripts, and the test checks that every figure was drawn, that the page logged
nothing to the console, and that the key elements exist; it also takes a screenshot.

Skipped, with the reason, when /usr/bin/chromium is absent (`.ci/run` installs it as root with apt)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_util import chromium, render, screenshot
from cli_util import run_cli

pytest.importorskip("plotly")
pytestmark = pytest.mark.skipif(chromium() is None, reason=(
    "Debian's chromium is not installed (.ci/run installs it with apt-get when it runs as root; "
    "install it with `apt-get install -y chromium` to run this test)"))

DESIGNS = Path(__file__).parent / "spec_designs"


def check_rendered(html: Path, ids: list[str]) -> str:
    """The DOM after the scripts ran: no console message, every figure drawn, ``ids`` present."""
    r = render(html)
    assert r.dom.strip(), r.stderr[-2000:]
    assert r.console == [], f"console messages: {r.console}"
    html_tag = re.search(r"<html[^>]*>", r.dom).group(0)
    assert "data-js-errors" not in html_tag, "the page's error trap caught a script error"
    figures = len(re.findall(r'class="plot[ "]', r.dom))
    drawn = re.search(r'data-plots-rendered="(\d+)"', html_tag)
    assert drawn and int(drawn.group(1)) == figures > 0, "not every figure was drawn"
    assert r.dom.count('class="main-svg"') >= figures  # plotly's SVG inside each figure
    for key in ids:
        assert f'id="{key}"' in r.dom, key
    return r.dom


def test_prove_report_renders_in_chromium(tmp_path, capsys):
    spec = tmp_path / "broken.spec"
    spec.write_text(f'design "{DESIGNS / "broken_mul.py"}" : BrokenMul(fmt = e2m1fn)\n'
                    "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\n"
                    "prove eq: y == mul(a, b, rne) with flags fl\nprove comm: y == y[a := b, b := a]\n")
    html = tmp_path / "prove.html"
    code, _, err = run_cli(["prove", str(spec), "--html", str(html)], capsys)
    assert code == 1, err
    dom = check_rendered(html, ["title", "fig-tree", "fig-timeline", "fig-wave-1", "cex-stages-1", "obligations"])
    assert 'class="first"' in dom  # the first failing stage's row is marked
    png = screenshot(html, tmp_path / "prove.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_error_map_renders_in_chromium(tmp_path, capsys):
    html = tmp_path / "map.html"
    code, _, err = run_cli(["report", "--error-map", "lmul", "e3m2fn", "-o", str(html)], capsys)
    assert code == 0, err
    dom = check_rendered(html, ["fig-error-map", "fig-error-hist", "histogram"])
    assert dom.count('class="hm"') + dom.count("heatmaplayer") >= 1  # the heatmap layer was drawn


def test_faults_report_renders_in_chromium(tmp_path, capsys):
    spec = tmp_path / "weak.spec"
    spec.write_text("design rtl.fp_mul.FPMultiplier(fmt = e2m1fn, rounding = rne)\n"
                    "input a, b : e2m1fn\noutput y = dut.result : e2m1fn\noutput fl = dut.flags\n"
                    "prove normals: y == mul(a, b, rne) assuming normal(a) and normal(b)\n")
    html = tmp_path / "faults.html"
    code, _, err = run_cli(["faults", str(spec), "-n", "12", "--no-smt", "--html", str(html)], capsys)
    assert code == 1, err  # the weak spec lets mutants survive
    dom = check_rendered(html, ["fig-kill-matrix", "kill-matrix", "survivors"])
    assert "SURVIVED" in dom


def test_the_browser_check_sees_script_errors(tmp_path):
    """The harness itself: a page whose script fails is caught (console and the page's error trap)."""
    from fpverify.report.html import ERROR_TRAP

    bad = tmp_path / "bad.html"
    bad.write_text(f"<!DOCTYPE html><html><head><script>{ERROR_TRAP}</script></head><body>"
                   "<div id='x'>x</div><script>notDefinedAnywhere();</script></body></html>")
    r = render(bad)
    assert any("notDefinedAnywhere" in m for m in r.console), r.stderr[-2000:]
    assert 'data-js-errors="1"' in re.search(r"<html[^>]*>", r.dom).group(0)
