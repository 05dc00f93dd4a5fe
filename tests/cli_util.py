"""Shared by the CLI tests: run `fpverify` in-process and capture its exit code and output."""

from __future__ import annotations

import pytest

from fpverify.cli import main


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `fpverify ARGS`; the CLI always exits through SystemExit."""
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err
