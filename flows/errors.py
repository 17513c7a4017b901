"""Typed errors: each becomes one 'Error: <file>: <reason>' line on the command line."""
from __future__ import annotations


class CrsdataError(Exception):
    """A problem with one input or with the store, told in one line that says how to fix it."""

    def __init__(self, subject: str, reason: str):
        super().__init__(f"{subject}: {reason}")
        self.subject = subject
        self.reason = reason


class BadInputError(CrsdataError):
    """The document cannot be read as a CRS product."""


class ValidationFailedError(CrsdataError):
    """Extracted data failed its schema checks; nothing was published."""


class NotFoundError(CrsdataError):
    """A report, edition or dataset the user asked for is not in the store."""
