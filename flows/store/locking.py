"""Locks between processes that share one data folder (several runs, workers, the browse database).

An advisory ``flock`` on a small file beside what it guards: the kernel releases it when the holder
dies, even by ``kill -9``, so a crash can never leave a folder locked for ever.
"""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) for the duration of the block."""
    with _locked(path, fcntl.LOCK_EX):
        yield


@contextmanager
def shared_lock(path: Path) -> Iterator[None]:
    """Hold a shared lock: many holders at once, none while someone holds the exclusive lock."""
    with _locked(path, fcntl.LOCK_SH):
        yield


def is_unlocked(path: Path) -> bool:
    """True when nobody holds any lock on `path` right now (tried without waiting)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the lock we may have taken
    return True


@contextmanager
def _locked(path: Path, mode: int) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)
