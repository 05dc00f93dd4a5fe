"""The TestFloat level-1 archive (`<function>-<rounding>.tv` members), read straight from .tar.xz."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path
from typing import Iterator

from ..rounding import Env, parse_rounding
from .check import Tally, check_lines
from .function import parse_function

DEFAULT_ARCHIVE = Path(os.environ.get("FPVERIFY_TESTFLOAT",
                                      "/work/shared/testfloat/testfloat-level1.tar.xz"))


def split_member_name(name: str) -> tuple[str, str]:
    """'f16_add-near_even.tv' -> ('f16_add', 'near_even')."""
    base = Path(name).name
    if not base.endswith(".tv") or "-" not in base:
        raise ValueError(f"not a TestFloat vector file name: {name!r}")
    function, rounding = base[:-3].rsplit("-", 1)
    return function, rounding


def iter_archive(path: str | Path = DEFAULT_ARCHIVE) -> Iterator[tuple[str, bytes]]:
    """(member name, contents) for every .tv file, in archive order."""
    with tarfile.open(path, "r:xz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".tv"):
                f = tar.extractfile(member)
                assert f is not None
                yield Path(member.name).name, f.read()


def check_member(name: str, data: bytes, every: int = 1, keep: int = 5) -> Tally:
    """Check one archive member exactly as `fpverify vectors check` checks a file (after rounding)."""
    function, rounding = split_member_name(name)
    fn = parse_function(function)
    env = Env(rounding=parse_rounding(rounding))
    tally = check_lines(data.splitlines(), fn, env, file=name, every=every, keep=keep)
    tally.name = name
    return tally


def _check_job(args: tuple[str, bytes, int]) -> Tally:
    return check_member(*args)


def check_archive(path: str | Path = DEFAULT_ARCHIVE, every: int = 1, jobs: int = 1,
                  on_result=None) -> list[Tally]:
    """Check every member (every ``every``-th line) on ``jobs`` processes; results in archive order."""
    members = [(n, d, every) for n, d in iter_archive(path)]
    if jobs <= 1:
        out = []
        for m in members:
            t = _check_job(m)
            out.append(t)
            if on_result:
                on_result(t)
        return out
    import multiprocessing as mp

    # biggest files first so the two workers finish together; report in completion order
    order = sorted(range(len(members)), key=lambda i: -len(members[i][1]))
    results: dict[int, Tally] = {}
    with mp.get_context("fork").Pool(jobs) as pool:
        for i, t in zip(order, pool.imap(_check_job, [members[i] for i in order], chunksize=1)):
            results[i] = t
            if on_result:
                on_result(t)
    return [results[i] for i in range(len(members))]
