"""`fpverify vectors gen|check`: TestFloat-format test vectors for any format (see fpverify.vectors)."""

from __future__ import annotations

import dataclasses
import sys
import time

import click

from .cli_cluster import engine, scheduler_option
from .cli_golden import build_env, build_lmul_policy, env_options
from .cli_report import html_option, write_html, write_json
from .errors import InputError
from .exitcodes import ExitCode


def _function(name, lmul_variant, lmul_specials, overflow):
    from .vectors.function import parse_function

    fn = parse_function(name)
    if fn.op == "lmul":
        fn = fn.with_lmul_policy(build_lmul_policy(lmul_variant, lmul_specials, overflow))
    return fn


@click.group("vectors")
def vectors_group() -> None:
    """Generate and check test vectors in TestFloat's line format, for any format.

    \b
    FUNCTION is <fmt>_<op> (op: add sub mul div sqrt mulAdd lmul) or <src>_to_<dst>.
    Line: <operands...> [<R>] <result> <flags>, all hex. R (the random bits) appears only
    for stochastic rounding (sraN/srbN/srcN). Flags: 01 inexact 02 underflow 04 overflow
    08 infinite 10 invalid.
    """


@vectors_group.command("gen")
@click.argument("function")
@env_options
@click.option("--level", type=click.IntRange(1, 2), default=1, show_default=True,
              help="TestFloat level (2: more patterns; exhaustive for <= 8-bit one/two-operand ops)")
@click.option("-n", "count", type=click.IntRange(min=0), default=None,
              help="number of cases (default: one full level)")
@click.option("--seed", type=int, default=1, show_default=True, help="seed of the random operands")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="write to this file instead of stdout")
def gen_cmd(function, rounding, tininess, overflow, nan_policy, lmul_variant, lmul_specials, level,
            count, seed, output) -> None:
    """Generate vectors for FUNCTION with golden results and flags."""
    from .vectors.generate import CaseGenerator, generate
    from .vectors.line import format_case

    fn = _function(function, lmul_variant, lmul_specials, overflow)
    env = build_env(rounding, tininess, overflow, nan_policy)
    total = CaseGenerator(fn, level, seed).total if count is None else count
    evaluate = fn.evaluator()
    out = open(output, "w") if output else sys.stdout
    stochastic = rounding.mode.stochastic
    written = 0
    try:
        buf = []
        for ops, r in generate(fn, rounding, level, count, seed):
            run_env = dataclasses.replace(env, random_bits=r) if stochastic else env
            res = evaluate(ops, run_env)
            buf.append(format_case(fn, rounding, ops, r, res.code, int(res.flags)))
            if len(buf) >= 4096:
                out.write("\n".join(buf) + "\n")
                written += len(buf)
                buf = []
        if buf:
            out.write("\n".join(buf) + "\n")
            written += len(buf)
    except KeyboardInterrupt:
        click.echo(f"interrupted after {written} of {total} cases", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    finally:
        if output:
            out.close()
    if output:
        click.echo(f"{fn.name} {rounding}: wrote {written} cases to {output}", err=True)


class _Progress:
    """Rich progress bar on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, total: int, label: str) -> None:
        self.total = total
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last = time.monotonic()
        self.bar = None
        if self.tty and total > 20000:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            self.bar = Progress("[progress.description]{task.description}", BarColumn(),
                                MofNCompleteColumn(), TimeRemainingColumn(), transient=True,
                                console=Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task(label, total=total)

    def __call__(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done)
        elif time.monotonic() - self.last >= 5.0:
            self.last = time.monotonic()
            click.echo(f"{self.label}: {done}/{self.total} lines", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@vectors_group.command("check")
@click.argument("function")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@env_options
@click.option("--show", type=click.IntRange(min=0), default=10, show_default=True,
              help="how many mismatches to print")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="check only every K-th line (sampling)")
@scheduler_option
@click.option("--json", "json_out", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
              help="write the tally as JSON to FILE ('-' for stdout), with mismatches per operand class")
@html_option
def check_cmd(function, file, rounding, tininess, overflow, nan_policy, lmul_variant, lmul_specials,
              show, every, scheduler, json_out, html_out) -> None:
    """Check FILE (TestFloat line format; '-' = stdin) against the golden model.

    NaN results match any NaN (TestFloat's default); flags must match exactly. Exit status:
    0 all agree, 1 any mismatch, 2 bad input (malformed line: file:line:col), 4 internal error,
    130 interrupted.
    """
    with engine(scheduler) as ex:  # an unreachable scheduler: exit 2 before any work
        _check(function, file, rounding, tininess, overflow, nan_policy, lmul_variant, lmul_specials, show, every,
               ex, json_out, html_out)


def _check(function, file, rounding, tininess, overflow, nan_policy, lmul_variant, lmul_specials, show, every,
           ex, json_out=None, html_out=None) -> None:
    from .vectors.check import check_lines

    fn = _function(function, lmul_variant, lmul_specials, overflow)
    env = build_env(rounding, tininess, overflow, nan_policy)
    if file == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        try:
            with open(file, "rb") as f:
                data = f.read()
        except OSError as e:
            raise InputError(f"cannot read vector file: {e.strerror}", file) from None
        name = file
    lines = data.splitlines()
    progress = _Progress(len(lines), f"{fn.name} {rounding}")
    try:
        if ex.remote:  # shards of the file on the cluster's workers (no per-class counts)
            from .vectors.shards import check_sharded

            tally = check_sharded(ex, lines, fn, env, file=name, keep=show, every=every, progress=progress)
        else:
            tally = check_lines(lines, fn, env, file=name, keep=show, every=every, progress=progress,
                                classes=bool(json_out or html_out))
    finally:
        progress.close()
    tally.name = f"{name} ({fn.name}, {rounding}, tininess {tininess.value})"
    for m in tally.first_errors[:show]:
        click.echo(m.render(fn), err=json_out == "-")
    if tally.errors > show:
        click.echo(f"... and {tally.errors - show} more mismatches", err=json_out == "-")
    click.echo(tally.summary(), err=json_out == "-")
    if json_out or html_out:
        doc = tally.to_json(fn, str(rounding), name)
        if json_out:
            write_json(doc, json_out)
        if html_out:
            write_html(doc, html_out)
    if tally.interrupted:
        sys.exit(ExitCode.INTERRUPTED)
    if tally.errors:
        sys.exit(ExitCode.REFUTED)
