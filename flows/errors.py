"""Typed errors: each becomes one 'Error: <file>: <reason>' line on the command line."""
from __future__ import annotations

import unicodedata

# What str.splitlines() breaks on besides the C0/C1 controls: a file name or a parser message
# holding one would split the one-line error.
LINE_BREAKERS = {"\u2028", "\u2029"}


def one_line(text: str) -> str:
    """The text with control characters and line separators written as escapes (\\n, \\x1b,
    \\u2028), so it always prints as a single line and the escape shows what was there."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) == "Cc" or char in LINE_BREAKERS else char
        for char in text
    )


class CrsdataError(Exception):
    """A problem with one input or with the store, told in one line that says how to fix it."""

    def __init__(self, subject: str, reason: str):
        subject, reason = one_line(subject), one_line(reason)
        super().__init__(f"{subject}: {reason}")
        self.subject = subject
        self.reason = reason


class BadInputError(CrsdataError):
    """The document cannot be read as a CRS product."""


class ValidationFailedError(CrsdataError):
    """Extracted data failed its schema checks; nothing was published."""


class NotFoundError(CrsdataError):
    """A report, edition or dataset the user asked for is not in the store."""


def internal_error_reason(exc: BaseException) -> str:
    """The reason for a bug caught so that the batch goes on: the exception and where it was raised."""
    import traceback
    from pathlib import Path

    last = traceback.extract_tb(exc.__traceback__)[-1]
    return f"internal error {type(exc).__name__}: {exc} ({Path(last.filename).name}:{last.lineno})"
