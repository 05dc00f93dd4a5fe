"""`fpverify fuzz TARGET --semantics ...`: differential fuzzing of a kernel against the golden model."""

from __future__ import annotations

import shlex
import sys
import time

import click

from .cli_report import html_option, write_html, write_json
from .exitcodes import ExitCode


@click.command("fuzz")
@click.argument("target")
@click.option("--semantics", "-s", required=True,
              help="what TARGET claims, e.g. 'convert f32->e4m3fn rne satfinite' or 'mul e4m3fn rne'")
@click.option("-n", "--examples", "n", default=10_000, show_default=True, type=click.IntRange(1),
              help="number of examples to generate")
@click.option("--seed", default=0, show_default=True, type=int,
              help="seed of the example generator (same seed, -n and --batch: same examples)")
@click.option("--batch", default=64, show_default=True, type=click.IntRange(1),
              help="examples per target call")
@click.option("--db", type=click.Path(file_okay=False), default=None,
              help="hypothesis database directory: minimal counterexamples are saved and replayed first")
@click.option("--no-shrink", is_flag=True, help="report the first mismatch without shrinking it")
@click.option("--quiet", "-q", is_flag=True, help="no progress output")
@click.option("--exhaustive", is_flag=True,
              help="accuracy fuzzing of a one-operand function: every input code of a <= 16-bit source (-n ignored)")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, allow_dash=True), metavar="FILE",
              help="write the result as JSON to FILE ('-' for stdout), with the error histogram over all -n examples")
@html_option
def fuzz_cmd(target, semantics, n, seed, batch, db, no_shrink, quiet, json_out, html_out, exhaustive):
    """Fuzz TARGET (module:function or file.py:function) against the golden model.

    Exit status: 0 no mismatch, 1 mismatch found, 2 bad input, 4 internal error, 130 interrupted. See docs/fuzz.md for the
    semantics grammar and the array I/O convention.
    """
    from .fuzz.harness import format_result, fuzz, load_target
    from .fuzz.semantics import parse_semantics

    sem = parse_semantics(semantics)
    fn = load_target(target)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if not quiet and sys.stderr.isatty() and now - last[0] > 0.5:
            last[0] = now
            click.echo(f"\r  {done}/{total} examples", err=True, nl=False)

    res = fuzz(fn, sem, n=n, seed=seed, batch=batch, db=db, shrink=not no_shrink, progress=progress,
               exhaustive=exhaustive)
    res.target_name = target
    if not quiet and sys.stderr.isatty():
        click.echo("\r" + " " * 40 + "\r", err=True, nl=False)
    replay = f"fpverify fuzz {shlex.quote(target)} --semantics {shlex.quote(semantics)} -n {n} --seed {seed}"
    if batch != 64:
        replay += f" --batch {batch}"
    if exhaustive:
        replay += " --exhaustive"
    if db:
        replay += f" --db {shlex.quote(str(db))}"
    click.echo(format_result(res, replay=replay), err=json_out == "-")
    if json_out or html_out:
        from .fuzz.error_sample import error_sample
        from .fuzz.report import result_json

        errors = None if res.interrupted or res.accuracy is not None else \
            error_sample(fn, sem, n=n, seed=seed, batch=batch).to_json()
        doc = result_json(res, replay, errors)
        if json_out:
            write_json(doc, json_out)
        if html_out:
            write_html(doc, html_out)
    if res.interrupted:
        sys.exit(ExitCode.INTERRUPTED)
    sys.exit(ExitCode.REFUTED if res.mismatches else ExitCode.OK)
