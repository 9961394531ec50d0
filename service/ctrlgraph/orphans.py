"""Helper processes (query workers, SHACL validators) must not outlive the
server that started them, even when it is killed with SIGKILL."""

from __future__ import annotations

import os
import threading
import time


def _watch(parent: int) -> None:  # pragma: no cover - runs in a child process
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)


def exit_with_parent() -> None:
    """Start a thread that ends this process once its parent is gone.

    A thread and not a parent-death signal: that signal fires when the parent
    *thread* that started the child ends (the pools start workers from request
    threads), not when the parent process does. The thread runs even while a
    query is being evaluated: pyoxigraph and pySHACL's parsing release the GIL
    or yield it regularly.
    """
    threading.Thread(target=_watch, args=(os.getppid(),), daemon=True, name="parent-watch").start()
