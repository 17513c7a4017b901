"""Child processes that cannot outlive the process that started them."""
from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int = signal.SIGKILL) -> None:
    """Ask the kernel to send `signum` to this process when its parent dies (even by kill -9).

    Call it in the child: as a pool initializer, or as Popen's preexec_fn. Linux only; elsewhere a no-op.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def become_worker() -> None:
    """Pool initializer: die with the parent, and leave Ctrl-C and SIGTERM to the parent, which
    decides what a stop means (the handlers it installed before forking do not apply here)."""
    die_with_parent(signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt()


def sigterm_as_keyboard_interrupt() -> Callable[[], None]:
    """SIGTERM unwinds like Ctrl-C, so every `finally` (workers, locks, servers) runs. Returns a
    function that puts the previous handler back."""
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def terminate_on_interrupt() -> Callable[[], None]:
    """Ctrl-C handled as SIGTERM: a served Prefect runner then cancels its runs in flight on either
    (it handles only SIGTERM that way); before the runner starts, both unwind like Ctrl-C."""
    restore_term = sigterm_as_keyboard_interrupt()
    previous = signal.signal(signal.SIGINT, lambda signum, frame: os.kill(os.getpid(), signal.SIGTERM))

    def restore() -> None:
        signal.signal(signal.SIGINT, previous)
        restore_term()

    return restore


def pid_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True
