"""A target that needs a package which is not installed: an environment problem, not a finding.

`fuzz` raises `MissingDependency` (an `InputError`: exit 2, one message, nothing saved to the
example database) when the target raises ImportError, instead of reporting a mismatch.
"""

from __future__ import annotations

from ..errors import InputError

# import name -> what to install (where the two differ)
PIP_NAMES = {"ml_dtypes": "ml-dtypes", "sklearn": "scikit-learn", "yaml": "pyyaml"}


class MissingDependency(InputError):
    """The fuzz target could not run because an optional package is missing."""

    def __init__(self, message: str, package: str | None = None) -> None:
        super().__init__(message)
        self.package = package


def missing_package(e: ImportError) -> str | None:
    """The top-level module an ImportError (or the one it was raised from) failed to import."""
    seen: BaseException | None = e
    while seen is not None:
        name = getattr(seen, "name", None)
        if name:
            return name.split(".")[0]
        seen = seen.__cause__ or seen.__context__
    return None


def missing_dependency(e: ImportError, target: str = "the target") -> MissingDependency:
    """A `MissingDependency` naming the missing package and how to install it."""
    pkg = missing_package(e)
    detail = str(e) or type(e).__name__
    if pkg:
        hint = f"pip install {PIP_NAMES.get(pkg, pkg)}"
        msg = f"{target} needs the package {pkg!r}, which is not installed ({detail})"
        if hint not in msg:
            msg += f"; install it with `{hint}`"
    else:
        msg = f"{target} could not import a package it needs ({detail})"
    return MissingDependency(msg + "; nothing was fuzzed", pkg)


__all__ = ["MissingDependency", "missing_dependency", "missing_package", "PIP_NAMES"]
