"""`fpverify prove SPEC...`: prove every property of each spec; a table of results.

Exit codes (`fpverify.exitcodes`): 0 all proved, 1 a property refuted (or vacuous), 2 bad input,
3 unknown (timeout), 4 internal error (an ERROR verdict: a bug in fpverify), 130 interrupted (the
partial table and JSON are still written). Several outcomes: 1 > 130 > 4 > 2 > 3 > 0.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_cluster import cache_option, engine, proof_cache_setting, scheduler_option
from .cli_report import html_option, write_html
from .exitcodes import ExitCode


def _status_style(status: str) -> str:
    return {"PROVED": "green", "REFUTED": "bold red", "UNKNOWN": "yellow", "VACUOUS": "magenta",
            "ERROR": "bold magenta", "INTERRUPTED": "dim"}.get(status, "")


def _installed_solver(ctx, param, value):
    """--solver names a solver whose package is installed (else exit 2 with the pip command)."""
    from .prove.smtlib import missing_solver

    why = value and missing_solver(value)
    if why:
        raise click.BadParameter(why, ctx=ctx, param=param)
    return value


@click.command("prove")
@click.argument("specs", nargs=-1, required=True)
@click.option("--json", "json_out", metavar="FILE|-", help="Write results as JSON ('-' for stdout).")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(1, 256),
              help="Obligations proved in parallel (worker processes).")
@click.option("--timeout", type=click.FloatRange(0, None, min_open=True), metavar="SECONDS",
              help="Per-obligation solver timeout (default: the spec's `timeout`, else 60).")
@click.option("--solver", type=click.Choice(["z3", "bitwuzla", "portfolio"]), callback=_installed_solver,
              help="Solver (default: the spec's `solver`, else z3). portfolio: a proof needs both z3 and Bitwuzla (monolithic: z3 confirmed by Bitwuzla; decomposed: the two race and each unsat is re-checked by the other).")
@click.option("--vcd", "vcd_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write a VCD of every replayed counterexample into DIR (with --html and no --vcd: "
                   "into FILE's name + _vcd/, and the page embeds them).")
@click.option("--property", "-p", "only", multiple=True, metavar="NAME", help="Prove only these properties.")
@click.option("--check-only", is_flag=True, help="Parse, check and elaborate; prove nothing.")
@click.option("--obligations", is_flag=True,
              help="Decomposed proofs: print a table of every obligation (status, solver, seconds).")
@cache_option
@scheduler_option
@html_option
def prove_cmd(specs, json_out, jobs, timeout, solver, vcd_dir, only, check_only, obligations, no_cache, scheduler,
              html_out):
    """Prove the properties of SPEC files (see docs/dsl.md)."""
    with proof_cache_setting(no_cache):
        _prove(specs, json_out, jobs, timeout, solver, vcd_dir, only, check_only, obligations, scheduler, html_out)


def _prove(specs, json_out, jobs, timeout, solver, vcd_dir, only, check_only, obligations, scheduler, html_out):
    from rich.console import Console

    from .dsl.run import Options, load

    out = Console(file=sys.stderr if json_out == "-" else sys.stdout, highlight=False)
    err = Console(stderr=True, highlight=False)
    if check_only:
        code = ExitCode.OK
        for path in specs:
            try:
                ld = load(path, tuple(only))
                out.print(f"{path}: ok ({len(ld.spec.properties)} properties, {len(ld.tasks)} obligations)",
                          markup=False)
            except Exception as e:  # InputError (and friends) -> one line, exit 2
                from .errors import InputError

                if not isinstance(e, InputError):
                    raise
                click.echo(str(e), err=True)
                code = ExitCode.BAD_INPUT
        sys.exit(code)

    vcd_beside_html = bool(html_out and not vcd_dir)
    if vcd_beside_html:  # the report draws each counterexample's waveform from its VCD
        vcd_dir = str(Path(html_out).with_suffix("")) + "_vcd"
    with engine(scheduler, jobs) as ex:  # an unreachable scheduler: exit 2 before any work
        opts = Options(timeout=timeout, solver=solver, jobs=jobs, vcd_dir=Path(vcd_dir) if vcd_dir else None,
                       only=tuple(only), executor=ex if ex.remote else None)
        _run(specs, json_out, obligations, opts, out, err, html_out, vcd_beside_html)


def _run(specs, json_out, obligations, opts, out, err, html_out=None, vcd_beside_html=False):
    from .dsl.run import exit_code, run_specs

    progress, task = _progress(err)
    totals = {"n": 0}

    def on_load(path: str, n: int) -> None:
        totals["n"] += n
        if progress is not None:
            progress.update(task, total=totals["n"])

    def on_result(path: str, label: str, res) -> None:
        if progress is not None:
            progress.update(task, advance=1, description=_plain(f"{Path(path).name}: {label} {res.status}"))
        else:
            click.echo(f"{Path(path).name}: {label}: {res.status} ({res.seconds:.2f} s)", err=True)

    done_obligations = {"n": 0}

    def on_obligation(path: str, label: str, event: str, item) -> None:
        if event != "done":
            return
        done_obligations["n"] += 1
        secs = f"{item.outcome.seconds:.2f} s" if item.outcome is not None else "-"
        text = f"{Path(path).name}: {label}: obligation {done_obligations['n']} {item.name} {item.status} ({secs})"
        if progress is not None:
            progress.update(task, description=_plain(text))
        else:
            click.echo(text, err=True)

    try:
        if progress is not None:
            progress.start()
        runs, interrupted = run_specs(list(specs), opts, on_load, on_result, on_obligation)
    finally:
        if progress is not None:
            progress.stop()
    for run in runs:
        if run.error:
            click.echo(run.error, err=True)
    _table(out, runs)
    if obligations:
        from .prove.report import obligation_table

        for run in runs:
            for r in run.results:
                for c in r.cases:
                    if c.decomposition:
                        out.print(obligation_table(c.decomposition, f"{Path(run.file).name}: {r.name}"))
    if interrupted:
        err.print("interrupted: partial results above")
    code = exit_code(runs, interrupted)
    doc = {"exit_code": code, "interrupted": interrupted, "specs": [r.to_json() for r in runs]}
    if html_out:
        write_html(json.loads(json.dumps(doc, default=str)), html_out)
        vcd_dir = opts.vcd_dir
        if vcd_beside_html and Path(vcd_dir).is_dir() and not any(Path(vcd_dir).iterdir()):
            Path(vcd_dir).rmdir()  # nothing refuted: no waveform to keep
    if json_out:
        text = json.dumps(doc, indent=2, default=str)
        if json_out == "-":
            click.echo(text)
        else:
            Path(json_out).write_text(text + "\n")
    sys.exit(code)


def _plain(text: str) -> str:
    """``text`` shown literally by rich (case labels such as ``[finite ∧ S=-1]`` are not markup)."""
    from rich.markup import escape

    return escape(text)


def _cached_note(result) -> str:
    """`` (cached, <date>, <solver>)`` for a proved property whose every case came from the proof
    cache, `` (K/N cached)`` when some did; "" otherwise."""
    if result.status != "PROVED":
        return ""
    notes = [c.cached for c in result.cases if c.cached]
    if not notes:
        return ""
    if len(notes) == len(result.cases) and len(notes) == 1:
        return f" ({notes[0]})"
    return f" ({len(notes)}/{len(result.cases)} cached)"


def _progress(console):
    if not console.is_terminal:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    p = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                 console=console, transient=True)
    return p, p.add_task("loading", total=None)


def _table(console, runs) -> None:
    from rich.markup import escape
    from rich.table import Table

    for run in runs:
        if run.error and not run.results:
            continue
        t = Table(title=escape(run.file), caption=escape(run.design), title_justify="left", caption_justify="left")
        t.add_column("property")
        t.add_column("kind")
        t.add_column("status")
        t.add_column("cases", justify="right")
        t.add_column("solver")
        t.add_column("seconds", justify="right")
        for r in run.results:
            n_proved = sum(c.status in ("PROVED", "VACUOUS") for c in r.cases)
            cases = f"{n_proved}/{len(r.cases)}" if len(r.cases) > 1 else "1"
            note = _cached_note(r)
            t.add_row(escape(r.name), r.kind, f"[{_status_style(r.status)}]{r.status}[/]{escape(note)}", cases,
                      escape(r.solver or "-"), f"{r.seconds:.2f}")
        console.print(t)
        for r in run.results:
            for c in r.cases:
                if c.lemmas is not None:
                    counts = ", ".join(f"{n} {k}" for k, n in (c.obligations or {}).items())
                    relied = (f"relies on {len(c.lemmas)} lemmas: " + ", ".join(c.lemmas) if c.lemmas
                              else "no cut lemmas (cases and coverage only)")
                    console.print(f"{r.name}: {c.strategy} ({counts}); {relied}", markup=False,
                                  highlight=False, soft_wrap=True)
            for c in r.cases:
                if c.status in ("REFUTED", "ERROR", "UNKNOWN", "VACUOUS"):
                    where = f" [{c.case}]" if c.case else ""
                    style = _status_style(c.status)
                    head = escape(f"{r.name}{where}: {c.status}")
                    console.print((f"[{style}]{head}[/]" if style else head)
                                  + escape(f" - {c.message}" if c.message else ""), highlight=False, soft_wrap=True)
                    if c.counterexample:
                        console.print(c.counterexample, markup=False, highlight=False, soft_wrap=True)
                    if c.status == "REFUTED":
                        break
