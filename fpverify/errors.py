"""User-facing errors: one clear message, a location where there is one, exit code 2."""

from __future__ import annotations


class InputError(Exception):
    """Bad input from the user (a spec, a vector line, a flag value).

    Rendered as ``file:line:col: error: message`` (location parts omitted when unknown).
    """

    exit_code = 2

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 col: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.col = col

    def location(self) -> str:
        parts = [str(p) for p in (self.file, self.line, self.col) if p is not None]
        return ":".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        return f"{loc}: error: {self.message}" if loc else f"error: {self.message}"
