#!/usr/bin/env python3
"""Check the golden model against every TestFloat 3e level-1 vector (144 files, 4,277,376 cases).

Reads the .tar.xz directly and checks each file through the same code path as
`fpverify vectors check` (NaN as a class, flags exactly, tininess after rounding), on a process
pool. Prints one row per file and a total; exits 1 on any mismatch.

    python benchmarks/testfloat_full.py [--jobs 2] [--every 1] [--archive PATH]
"""

from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parents[1]))  # run from a clone without installing

import argparse
import os
import sys
import time

from fpverify.vectors.function import parse_function
from fpverify.vectors.testfloat import DEFAULT_ARCHIVE, check_archive, split_member_name


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", default=str(DEFAULT_ARCHIVE))
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--every", type=int, default=1, help="check every K-th line only")
    args = ap.parse_args()

    start = time.perf_counter()
    done = [0]

    def progress(t):
        done[0] += 1
        print(f"[{done[0]:3d}/144] {t.name:<32} {t.cases:>7} cases {t.errors:>3} errors "
              f"{t.seconds:6.1f} s", file=sys.stderr, flush=True)

    try:
        tallies = check_archive(args.archive, every=args.every, jobs=args.jobs, on_result=progress)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    wall = time.perf_counter() - start

    print(f"{'file':<32} {'cases':>9} {'errors':>7} {'seconds':>8} {'cpu s':>8}")
    print("-" * 68)
    for t in tallies:
        print(f"{t.name:<32} {t.cases:>9} {t.errors:>7} {t.seconds:>8.2f} {t.cpu_seconds:>8.2f}")
    cases = sum(t.cases for t in tallies)
    errors = sum(t.errors for t in tallies)
    wall_sum = sum(t.seconds for t in tallies)
    cpu = sum(t.cpu_seconds for t in tallies)
    print("-" * 68)
    print(f"{'TOTAL (' + str(len(tallies)) + ' files)':<32} {cases:>9} {errors:>7} {wall_sum:>8.1f} {cpu:>8.1f}")
    print(f"wall {wall:.1f} s on {args.jobs} processes; {cases / max(cpu, 1e-9):,.0f} cases per CPU second "
          f"({1e6 * cpu / max(cases, 1):.1f} us/case)")
    for t in tallies:
        if t.errors:
            fn = parse_function(split_member_name(t.name)[0])
            print(t.summary())
            for m in t.first_errors[:3]:
                print(m.render(fn))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
