"""Worker processes that die with their parent and leave Ctrl-C to it.

``init(parent)`` is the initializer of the z3 worker pool (``checker.run``): a worker
ignores SIGINT (a terminal's Ctrl-C goes to the whole process group; the parent alone
handles it, exits 130 and terminates the pool), takes SIGTERM's default action (the
pool's ``terminate``), and on Linux asks the kernel to SIGKILL it when its parent dies
(``prctl(PR_SET_PDEATHSIG)``), so that a SIGKILL of ``hapair check`` leaves no orphan.
"""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def init(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no libc to call: the pool's terminate remains
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
