"""Malformed specs: each gets ONE `file:line:col: error: ...` message and exit code 2.

Oracle: the header of every file in tests/specs_bad/ (`# expect: LINE:COL: FRAGMENT`), written by
hand from the file's content.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli_util import run_cli  # noqa: E402

BAD = Path(__file__).parent / "specs_bad"
EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$", re.M)


def expectation(path: Path) -> tuple[int, int, str]:
    m = EXPECT.search(path.read_text())
    assert m, f"{path.name} has no `# expect: LINE:COL: fragment` header"
    return int(m.group(1)), int(m.group(2)), m.group(3).strip()


BAD_FILES = sorted(BAD.glob("*.spec"))


def test_corpus_is_large_enough():
    assert len(BAD_FILES) >= 40


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_malformed_spec_gives_one_located_error(path: Path, capsys):
    line, col, fragment = expectation(path)
    code, out, err = run_cli(["prove", "--check-only", str(path)], capsys)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    errors = [ln for ln in err.splitlines() if ": error: " in ln]
    assert len(errors) == 1, err
    assert errors[0].startswith(f"{path}:{line}:{col}: error: "), errors[0]
    assert fragment in errors[0], errors[0]


def test_malformed_spec_is_rejected_by_prove_too(capsys):
    """The proving path reports the same message (and proves nothing) for a bad spec."""
    path = BAD / "width_mismatch_input.spec"
    line, col, fragment = expectation(path)
    code, out, err = run_cli(["prove", str(path)], capsys)
    assert code == 2
    assert f"{path}:{line}:{col}: error: " in err and fragment in err


def test_missing_file(capsys):
    code, out, err = run_cli(["prove", "--check-only", "no/such/file.spec"], capsys)
    assert code == 2 and "no such spec file" in err and "Traceback" not in err
