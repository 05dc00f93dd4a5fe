"""Regenerate docs/img/report.png: the HTML report of a refuted, decomposed proof of a pipelined
E4M3 adder (tests/spec_designs/faulty_rounding.py: SubTieAdder, tie-break inverted while it
subtracts), drawn by Debian's headless Chromium.

    python3 benchmarks/report_screenshot.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_util import chromium, screenshot  # noqa: E402

SPEC = """# a pipelined E4M3 adder whose round-to-nearest tie-break is inverted while it subtracts
design "{designs}/faulty_rounding.py" : SubTieAdder(fmt = e4m3fn, latency = 2)
input a, b : e4m3fn
input s = dut.sub : bits[1]
output y = dut.result : e4m3fn
output fl = dut.flags
clock clk
reset rst = 1 for 1 cycles
latency 2
prove add: y == add(a, b, rne) with flags fl assuming s == 0
prove sub: y == sub(a, b, rne) with flags fl assuming s == 1
use strategy decompose_adder
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--keep", type=Path, help="keep the spec, JSON and HTML in this directory")
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "docs" / "img" / "report.png")
    args = ap.parse_args()
    if chromium() is None:
        sys.exit("chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        spec = work / "pipelined_adder.spec"
        spec.write_text(SPEC.format(designs=ROOT / "tests" / "spec_designs"))
        html = work / "report.html"
        subprocess.run([sys.executable, "-m", "fpverify.cli", "prove", str(spec), "-j", "2", "--html", str(html),
                        "--json", str(work / "run.json")], cwd=ROOT, check=False)
        png = screenshot(html, args.output, width=1280, height=2950)
        print(f"wrote {png} ({png.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
