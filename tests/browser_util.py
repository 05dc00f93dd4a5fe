"""Drive Debian's headless Chromium (/usr/bin/chromium) on a local HTML file: the DOM after the
page's scripts ran, the console messages it logged, and a screenshot. Nothing is downloaded."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]?\s*(.*)")


def chromium() -> str | None:
    """The Chromium binary, or None when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class Rendered:
    dom: str
    console: list[str]  # every console message the page logged (errors, warnings, logs)
    stderr: str


def flags(profile: str) -> list[str]:
    out = ["--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--mute-audio",
           "--disable-extensions", "--disable-background-networking", f"--user-data-dir={profile}",
           "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        out.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
    return out


def run(html: Path, extra: list[str], timeout: float = 180.0) -> subprocess.CompletedProcess:
    exe = chromium()
    if exe is None:
        raise RuntimeError("chromium is not installed")
    with tempfile.TemporaryDirectory(prefix="fpverify-chromium-") as profile:
        return subprocess.run([exe, *flags(profile), *extra, Path(html).resolve().as_uri()],
                              capture_output=True, text=True, timeout=timeout)


def render(html: Path) -> Rendered:
    """The DOM after the page's scripts ran, and the console messages it logged."""
    p = run(html, ["--dump-dom"])
    console = [m.group(1) for line in p.stderr.splitlines() if (m := CONSOLE.search(line))]
    return Rendered(p.stdout, console, p.stderr)


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 1600) -> Path:
    """A PNG of the page as Chromium draws it."""
    png = Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    run(html, [f"--screenshot={png}", f"--window-size={width},{height}", "--hide-scrollbars"])
    return png
