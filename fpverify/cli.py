"""The `fpverify` command line. Subcommands live in their own modules and load lazily."""

from __future__ import annotations

import importlib
import sys

import click

from . import __version__
from .errors import InputError
from .formats import FormatError
from .rounding import FPValueError

# name -> "module:attribute" of a click command; imported only when used
COMMANDS: dict[str, str] = {
    "faults": "fpverify.cli_faults:faults_cmd",
    "formats": "fpverify.cli_golden:formats_cmd",
    "eval": "fpverify.cli_golden:eval_cmd",
    "vectors": "fpverify.cli_vectors:vectors_group",
    "fuzz": "fpverify.cli_fuzz:fuzz_cmd",
    "prove": "fpverify.cli_prove:prove_cmd",
    "report": "fpverify.cli_report:report_cmd",
    "sim": "fpverify.cli_hdl:sim_cmd",
    "verilog": "fpverify.cli_hdl:verilog_cmd",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError as e:  # click would turn it into exit 1 ("refuted")
            raise _OutputClosed() from e


class _OutputClosed(Exception):
    """The reader of stdout went away (`fpverify vectors gen ... | head`)."""


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="fpverify")
def cli() -> None:
    """fpverify: exact golden models, generated RTL and SMT proofs for floating point."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: every outcome leaves through one `ExitCode` (see `fpverify.exitcodes`). Bad input
    is one message and exit 2; any other exception is an internal error, exit 4, with the innermost
    fpverify frame (the full traceback only with FPVERIFY_DEBUG=1)."""
    import os

    from .exitcodes import ExitCode, internal_error_report

    try:
        cli.main(args=argv, prog_name="fpverify", standalone_mode=False)
    except _OutputClosed:  # the reader stopped reading: what it read was delivered; not a failure
        _silence_stdout()
        sys.exit(ExitCode.OK)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)  # 2: click's usage errors and bad parameters
    except (InputError, FormatError, FPValueError) as e:
        msg = str(e)
        click.echo(msg if msg.startswith(("error", "/")) or ": error:" in msg else f"error: {msg}", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as e:  # noqa: BLE001 - anything else is a bug in fpverify
        click.echo(internal_error_report(e, debug=os.environ.get("FPVERIFY_DEBUG") == "1"), err=True)
        sys.exit(ExitCode.INTERNAL)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    sys.exit(ExitCode.OK)


if __name__ == "__main__":
    main()
