"""``fpverify sim`` (RTL vs golden model, exhaustive or sampled) and ``fpverify verilog``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli_report import html_option, write_html
from .errors import InputError
from .hdl.design import VerilogTop
from .exitcodes import ExitCode
from .semantics.ops import ops_with

# op -> its RTL generator ("module:Class", from `fpverify.semantics.ops`)
OPS = {op.name: op.rtl for op in ops_with("rtl") if op.arity == 2}  # sim drives a and b


def _generator_design(op: str, fmt: str, rounding: str | None, overflow: str | None, latency: int | None):
    """A design from the rtl generators, for `--op/--format` without a DESIGN argument."""
    from .hdl.design import resolve_design

    module, cls = OPS[op].split(":")
    params = [f"fmt={fmt}"]
    if rounding:
        params.append(f"rounding={rounding}")
    if overflow:
        params.append(f"overflow={overflow}")
    if latency:
        params.append(f"latency={int(latency)}")
    text = f"{module}.{cls}({', '.join(params)})"
    try:
        return resolve_design(text)
    except InputError as e:
        raise InputError(f"{e.message} (in {text})") from None


def _no_generator_options(fmt, rounding, overflow, latency) -> None:
    extra = [n for n, v in (("--format", fmt), ("--rounding", rounding), ("--overflow", overflow),
                            ("--latency", latency)) if v]
    if extra:
        raise InputError(f"{', '.join(extra)} only apply without a DESIGN argument; put parameters in the"
                         " design reference, e.g. 'rtl.fp_mul.FPMultiplier(fmt=e5m2, rounding=rtz)'")


def _load(design: str | None, op, fmt, rounding, overflow, latency):
    """(resolved `Design`, its netlist, display name) of a design reference or the generator options."""
    from .hdl.design import resolve_design

    if design is None:
        if not op or not fmt:
            raise InputError("give a DESIGN (e.g. 'rtl.fp_mul.FPMultiplier(fmt=e4m3fn)'), a .spec file,"
                             " or --op and --format")
        d = _generator_design(op, fmt, rounding, overflow, latency)
        return d, d.netlist(), d.text
    _no_generator_options(fmt, rounding, overflow, latency)
    d = resolve_design(design)
    return d, d.netlist(), d.text


def _sim_spec(path: str, samples: int, seed: int, vcd_dir, max_examples: int, as_json: bool,
              html_out: str | None = None) -> int:
    """`fpverify sim SPEC`: every property of the spec on simulated vectors; the exit status."""
    from .dsl.run import load
    from .dsl.simulate import simulate_spec

    if not Path(path).is_file():
        raise InputError(f"no such spec file: {path}")
    loaded = load(path)
    err = sys.stderr
    show = err.isatty() and not as_json

    def progress(name: str) -> None:
        if show:
            err.write(f"\r  simulating {name[:50]:<50}")
            err.flush()

    report = simulate_spec(loaded.spec, loaded.netlist, samples=samples, seed=seed, max_examples=max_examples,
                           vcd_dir=vcd_dir, progress=progress)
    if show:
        err.write("\r" + " " * 64 + "\r")
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        _print_spec_report(report, sys.stdout)
    if html_out:
        write_html(json.loads(json.dumps(report.to_json(), default=str)), html_out)
    return report.exit_code()


def _print_spec_report(report, out) -> None:
    status = "PASS" if report.ok else ("INTERRUPTED" if report.interrupted else "FAIL")
    click.echo(f"{status}: {report.file} ({report.design})", file=out)
    for p in report.properties:
        how = p.method if p.method == "exhaustive" else f"sampled, seed {report.seed}"
        fixed = "".join(f", {n}={v}" for n, v in p.fixed.items())
        click.echo(f"  {p.status:<10} {p.name} ({p.kind}, line {p.line}): {p.vectors:,} vectors checked"
                   f" ({how} over {', '.join(p.free) or 'no free input'}{fixed}; {p.skipped:,} excluded by"
                   f" assumptions) in {p.seconds:.2f} s: {p.mismatches:,} mismatches", file=out)
        if p.error:
            click.echo(f"    {p.error}", file=out)
        for i, ex in enumerate(p.examples, 1):
            kind = f" [{ex['kind']}]" if "kind" in ex else ""
            click.echo(f"    mismatch {i}{kind}", file=out)
            if "expected" in ex:
                for n, v in ex["inputs"].items():
                    click.echo(f"      {n} = {v}", file=out)
                click.echo(f"      expected {ex['expected']}", file=out)
                click.echo(f"      got      {ex['got']}", file=out)
            else:
                for line in ex["text"].splitlines():
                    click.echo(f"    {line}", file=out)
        if p.mismatches > len(p.examples):
            click.echo(f"    ... {p.mismatches - len(p.examples):,} more", file=out)
        for path in p.vcd:
            click.echo(f"    waveform: {path}", file=out)
    click.echo(f"  {sum(p.vectors for p in report.properties):,} property checks in {report.seconds:.2f} s",
               file=out)


def _print_report(report, out) -> None:
    status = "PASS" if report.ok else ("INTERRUPTED" if report.interrupted else "FAIL")
    click.echo(f"{status}: {report.design}", file=out)
    click.echo(f"  golden op {report.op} on {report.fmt}"
               f"{' -> ' + report.out_fmt if report.out_fmt != report.fmt else ''},"
               f" rounding {report.rounding}; {report.method}"
               f"{'' if report.method == 'exhaustive' else f' (seed {report.seed})'}", file=out)
    click.echo(f"  {report.vectors:,} vectors in {report.seconds:.2f} s: {report.mismatches:,} mismatches"
               f" ({report.result_mismatches:,} result, {report.flag_mismatches:,} flags)", file=out)
    if len(report.per_mode) > 1:
        for label, st in report.per_mode.items():
            click.echo(f"    {label:<16} {st['vectors']:>9,} vectors {st['mismatches']:>9,} mismatches", file=out)
    for i, m in enumerate(report.to_json()["examples"]):
        ctl = f" {m['controls']}" if "controls" in m else ""
        click.echo(f"  mismatch {i + 1} [{m['kind']}] {m['op']} {m['rounding']}{ctl}", file=out)
        click.echo(f"    a        = {m['a']}", file=out)
        click.echo(f"    b        = {m['b']}", file=out)
        click.echo(f"    expected = {m['expected']}  flags {m['expected_flags']}", file=out)
        click.echo(f"    got      = {m['got']}  flags {m['got_flags']}", file=out)
    if report.mismatches > len(report.examples):
        click.echo(f"  ... {report.mismatches - len(report.examples):,} more", file=out)
    if report.vcd:
        click.echo(f"  waveform of the mismatching vectors: {report.vcd}", file=out)


@click.command("sim")
@click.argument("design", required=False)
@click.option("--op", type=click.Choice(sorted(OPS)), help=f"without DESIGN: which generator ({' '.join(OPS)})")
@click.option("--format", "-f", "fmt", help="without DESIGN: operand format (see `fpverify formats`)")
@click.option("--rounding", "-r", help="without DESIGN: rne rna rtz rup rdn rto sraN ... or port")
@click.option("--overflow", help="without DESIGN: ieee satfinite satpropagate nan")
@click.option("--latency", type=click.IntRange(0), help="without DESIGN: pipeline stages")
@click.option("-n", "samples", type=click.IntRange(1), default=20_000, show_default=True,
              help="samples when the operand space exceeds 2^16 pairs")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--vcd", "vcd_dir", type=click.Path(file_okay=False), help="write a VCD of mismatching vectors here")
@click.option("--max-examples", type=click.IntRange(0), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="machine-readable report on stdout")
@html_option
def sim_cmd(design, op, fmt, rounding, overflow, latency, samples, seed, vcd_dir, max_examples, as_json, html_out):
    """Simulate DESIGN (a design reference or a .spec file) against the golden model.

    \b
    Examples:
      fpverify sim 'rtl.fp_mul.FPMultiplier(fmt=e4m3fn, rounding=rne)'
      fpverify sim --op add --format bf16 -n 100000 --vcd out/
      fpverify sim 'path/to/my_unit.py:MyMul(width=8)' --json

    Operand spaces up to 2^16 pairs (all FP8/FP6/FP4 formats) are checked exhaustively, for every
    rounding mode of an `rm` port and both values of `sub`; larger formats are sampled with edge
    weighting. Exit status: 0 all match, 1 mismatches, 2 bad input, 4 internal error, 130 interrupted.

    A .spec file runs its design through the spec's own port bindings and checks EVERY property
    of the spec (golden equivalence with flags, relational, error bounds) on each vector: its inputs
    exhaustively when their value sets multiply to at most 2^16 (each mode of a rounding input on
    top), else -n edge-weighted samples; inputs an assumption fixes (`assuming s == 1`) are held, the
    spec's `clock` at 0, and its `reset` sequence runs first. Exit status 3: a property the simulator cannot evaluate.
    """
    from .hdl.netlist import NetlistError
    from .hdl.simcheck import compare_with_golden

    if design is not None and design.endswith(".spec"):
        _no_generator_options(fmt, rounding, overflow, latency)
        sys.exit(_sim_spec(design, samples, seed, vcd_dir, max_examples, as_json, html_out))
    d, netlist, name = _load(design, op, fmt, rounding, overflow, latency)
    err = sys.stderr
    show = err.isatty() and not as_json

    def progress(done, total):
        if show:
            err.write(f"\r  {done:,}/{total:,} vectors")
            err.flush()

    try:
        report = compare_with_golden(d.component, netlist=netlist, n=samples, seed=seed, vcd_dir=vcd_dir,
                                     max_examples=max_examples, design_name=name, progress=progress,
                                     component_factory=d.instantiate, rounding=d.rounding)
    except NetlistError as e:
        raise InputError(str(e)) from None
    if show:
        err.write("\r" + " " * 40 + "\r")
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        _print_report(report, sys.stdout)
    if html_out:
        write_html(json.loads(json.dumps(report.to_json(), default=str)), html_out)
    if report.interrupted:
        sys.exit(ExitCode.INTERRUPTED)
    sys.exit(ExitCode.OK if report.ok else ExitCode.REFUTED)


@click.command("verilog")
@click.argument("design")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="write here instead of stdout")
@click.option("--no-src", is_flag=True, help="omit (* src = ... *) attributes")
def verilog_cmd(design, output, no_src):
    """Export DESIGN as Verilog: an Amaranth design ('rtl.fp_mul.FPMultiplier(fmt=e4m3fn)',
    'unit.py:MyUnit(w=8)') through Amaranth's back end, or a SPEC file's design (Amaranth, or
    Verilog read through Yosys and written back as the one flattened module fpverify proves)."""
    from .hdl.verilog import YosysMissing, to_verilog

    d, ports = _export_design(design)
    if d.cls is VerilogTop:
        from .hdl.verilog_read import flat_verilog

        top = d.component
        text = flat_verilog(top.files, top.top, top.params, emit_src=not no_src)
    else:
        try:
            text = to_verilog(d.component, ports=ports, emit_src=not no_src)
        except YosysMissing as e:
            raise InputError(str(e)) from None
        except Exception as e:  # the user's elaborate() or an unsupported construct
            raise d.error(e, f"cannot export {d.name}") from None
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text)
        click.echo(f"wrote {output} ({len(text.splitlines())} lines)", err=True)
    else:
        click.echo(text, nl=False)


def _export_design(text: str):
    """(`Design`, Amaranth ports or None) for a design reference or a ``.spec`` file's design; a plain
    Elaboratable in a spec exports the ports the spec names."""
    from .hdl.design import resolve_design

    if not text.endswith(".spec"):
        return resolve_design(text), None
    from .dsl import load_spec
    from .dsl.design import named_ports, resolve_spec_design
    from .hdl.netlist import NetlistError, attribute_ports, has_signature, signal_attributes

    spec = load_spec(text)
    d = resolve_spec_design(spec)
    if d.cls is VerilogTop or has_signature(d.component):
        return d, None
    inputs, outputs = named_ports(spec)
    attrs = signal_attributes(d.component)
    try:
        ports = attribute_ports(d.component, inputs, [o for o in outputs if o in attrs])
    except NetlistError as e:
        raise d.at.error(str(e)) from None
    return d, [value for _, value, _ in ports]
