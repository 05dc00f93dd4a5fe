"""`fpverify report RUN.json -o report.html` and `fpverify report --error-map OP FMT -o map.html`;
the `--html FILE` option the other commands share (`html_option`, `write_html`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .cli_golden import build_env, build_lmul_policy, env_options
from .errors import InputError


def html_option(fn):
    """``--html FILE``: also write the run as one self-contained HTML report (see docs/report.md)."""
    return click.option("--html", "html_out", type=click.Path(dir_okay=False), metavar="FILE",
                        help="Also write a self-contained HTML report of the run to FILE.")(fn)


def write_html(doc: dict[str, Any], path: str) -> None:
    """Render a run's JSON document to ``path`` and say so on stderr."""
    from .report import write_report

    size = write_report(doc, path)
    click.echo(f"wrote {path} ({size / 1e6:.1f} MB)", err=True)


def write_json(doc: dict[str, Any], path: str) -> None:
    """Write a JSON document to ``path`` ('-' for stdout)."""
    text = json.dumps(doc, indent=1, default=str)
    if path == "-":
        click.echo(text)
        return
    try:
        Path(path).write_text(text + "\n")
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None


@click.command("report")
@click.argument("run_json", required=False, type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="the HTML file to write")
@click.option("--error-map", nargs=2, metavar="OP FORMAT", default=None,
              help="instead of a run JSON: the error of OP (lmul mul add sub div) over every pair of codes of "
                   "an 8-bit FORMAT, e.g. --error-map lmul e4m3fn")
@click.option("--metric", type=click.Choice(["rel", "ulp"]), default="rel", show_default=True,
              help="error map: relative error or error in ULPs of the format")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), metavar="FILE",
              help="error map: also write its data as JSON")
@env_options
def report_cmd(run_json, output, error_map, metric, json_out, rounding, tininess, overflow, nan_policy,
               lmul_variant, lmul_specials):
    """Render RUN_JSON (the --json output of prove, faults, fuzz, sim or vectors check) as one
    self-contained HTML page, or draw an error map with --error-map OP FORMAT.

    \b
    Examples:
      fpverify prove specs/fp4_mul.spec --json run.json && fpverify report run.json -o run.html
      fpverify report --error-map lmul e4m3fn -o lmul.html
      fpverify report --error-map mul e5m2 --metric ulp -r rtz -o mul_rtz.html

    Exit status: 0 written, 2 bad input (unreadable or unknown JSON, bad options).
    """
    from .report import load_json, write_report

    if (run_json is None) == (error_map is None):
        raise InputError("give either a RUN_JSON file or --error-map OP FORMAT")
    if error_map is not None:
        from .report.error_map import error_map as build

        op, fmt = error_map
        policy = build_lmul_policy(lmul_variant, lmul_specials, overflow) if op == "lmul" else None
        doc = build(op, fmt, metric, build_env(rounding, tininess, overflow, nan_policy), policy)
        if json_out:
            write_json(doc, json_out)
    else:
        if json_out:
            raise InputError("--json applies to --error-map only")
        doc = load_json(run_json)
    size = write_report(doc, output)
    click.echo(f"wrote {output} ({size / 1e6:.1f} MB)", err=True)
