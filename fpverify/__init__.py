"""fpverify: exact golden models, generated RTL and SMT proofs for floating point."""

from __future__ import annotations


def _version() -> str:
    """The installed distribution's version, else (a source tree never installed) pyproject.toml's."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fpverify")
    except PackageNotFoundError:
        return pyproject_version() or "0+unknown"


def pyproject_version() -> str | None:
    import tomllib
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        project = tomllib.loads(path.read_text())["project"]
    except (OSError, KeyError, ValueError):
        return None
    return str(project["version"]) if project.get("name") == "fpverify" and "version" in project else None


__version__ = _version()

from . import tapered as tapered  # noqa: E402  (registers the HiF8 formats)

__all__ = ["__version__", "pyproject_version"]
