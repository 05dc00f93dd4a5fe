"""The golden model against Berkeley TestFloat 3e level-1 vectors (oracle: SoftFloat 3e).

All 144 files are read straight from the .tar.xz and checked through the same code path as
`fpverify vectors check` (results with NaN as a class, flags exactly, tininess after rounding).
The default run checks every 50th line of every file; the slow run checks every line.
"""

from __future__ import annotations

import time

import pytest

from fpverify.vectors.testfloat import DEFAULT_ARCHIVE, check_archive, check_member, iter_archive, split_member_name

pytestmark = pytest.mark.skipif(not DEFAULT_ARCHIVE.exists(), reason="TestFloat archive not available")


def _report(tallies) -> str:
    bad = [t for t in tallies if t.errors]
    lines = [t.summary() for t in bad[:10]]
    for t in bad[:3]:
        from fpverify.vectors.function import parse_function

        fn = parse_function(split_member_name(t.name)[0])
        lines += [m.render(fn) for m in t.first_errors[:3]]
    return "\n".join(lines)


def test_testfloat_sample_every_50th_line():
    start = time.process_time()
    tallies = check_archive(every=50, jobs=1)
    assert len(tallies) == 144
    assert all(t.cases > 0 for t in tallies)
    assert sum(t.cases for t in tallies) > 85_000
    assert sum(t.errors for t in tallies) == 0, _report(tallies)
    assert time.process_time() - start < 60  # CPU seconds: wall time depends on the machine's load


def test_archive_check_can_fail():
    """One altered result in a real member is reported (the comparison is not vacuous)."""
    name, data = next(iter_archive())
    lines = data.splitlines()
    cols = lines[3].split()
    cols[-2] = b"%0*X" % (len(cols[-2]), int(cols[-2], 16) ^ 1)
    lines[3] = b" ".join(cols)
    t = check_member(name, b"\n".join(lines[:100]))
    assert t.errors == 1 and t.first_errors[0].case.line == 4


@pytest.mark.slow
def test_testfloat_full():
    tallies = check_archive(every=1, jobs=2)
    assert len(tallies) == 144
    assert sum(t.cases for t in tallies) == 4_277_376
    assert sum(t.errors for t in tallies) == 0, _report(tallies)
