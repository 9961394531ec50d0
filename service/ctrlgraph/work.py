"""Heavy work (parsing, SHACL validation, canonical hashing) off the serving
process, under a time and a memory bound, fairly shared between tenants.

* Each job runs in a worker process with an address-space limit
  (``RLIMIT_AS``): a job that needs more fails inside the worker (a
  MemoryError, or the process dies) instead of taking the server down.
* A job past its time limit is stopped by killing its worker; a fresh one
  takes its place. A parser crash (pyoxigraph once segfaulted on deep
  JSON-LD) costs one worker, never the server.
* Fairness: a tenant runs at most one job at a time, so with ``processes``
  workers a tenant's heavy upload occupies one of them and another tenant's
  small job starts at once while fewer than ``processes`` tenants are busy;
  at worst it waits one time limit per job queued ahead of it.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from ctrlgraph import bounds as bounds_mod
from ctrlgraph.bounds import BoundExceeded, Bounds
from ctrlgraph.procpool import KillablePool

log = logging.getLogger(__name__)


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space (Linux; elsewhere a no-op)."""
    if megabytes <= 0:
        return
    try:
        import resource

        cap = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):  # pragma: no cover - platform without RLIMIT_AS
        log.warning("could not limit worker memory to %d MiB", megabytes)


def _serve(conn: Connection, memory_mb: int, env: dict[str, str]) -> None:  # pragma: no cover - child process
    import os

    from ctrlgraph.orphans import exit_with_parent

    exit_with_parent()
    os.environ.update(env)  # the server's bounds, for code that reads them
    limit_memory(memory_mb)
    while True:
        try:
            message = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        target, args = message
        module, _, name = target.rpartition(".")
        try:
            result = ("ok", getattr(importlib.import_module(module), name)(*args))
        except MemoryError:
            result = ("memory", None)
        except BoundExceeded as exc:
            result = ("bound", (exc.bound, str(exc)))
        except Exception as exc:
            result = ("error", (type(exc).__name__, str(exc)))
        try:
            conn.send(result)
        except MemoryError:
            conn.send(("memory", None))


class JobFailed(RuntimeError):
    """The job raised an exception the caller did not expect."""


class WorkPool(KillablePool):
    def __init__(self, limits: Bounds | None = None) -> None:
        self.limits = limits or bounds_mod.current()
        self._tenants: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._tenants_guard = threading.Lock()
        self.started: list[tuple[str, float]] = []  # (tenant, monotonic time), for measurements
        super().__init__(max(1, self.limits.work_processes), _serve, (self.limits.work_memory_mb, self.limits.to_env()))

    def _tenant_lock(self, tenant: str) -> threading.Lock:
        with self._tenants_guard:
            return self._tenants[tenant]

    def run(self, tenant: str, target: Callable[..., Any], *args: Any) -> Any:
        """Run ``target(*args)`` (a module-level function) in a worker, as
        ``tenant``; its exceptions other than bounds come back as JobFailed."""
        timeout = self.limits.work_timeout
        name = f"{target.__module__}.{target.__qualname__}"
        with self._tenant_lock(tenant):  # one job per tenant at a time
            w = self._take()
            self.started.append((tenant, time.monotonic()))
            try:
                w.conn.send((name, args))
                ready = w.conn.poll(timeout)
                kind, value = w.conn.recv() if ready else ("timeout", None)
            except (EOFError, OSError) as exc:
                log.warning("heavy-work process died: %s", exc)
                self._replace(w)
                raise BoundExceeded(
                    "work_memory_mb",
                    f"the upload could not be processed within {self.limits.work_memory_mb} MiB of memory"
                    " (the worker stopped)",
                ) from exc
            if kind == "timeout":
                self._replace(w)
                raise BoundExceeded("work_timeout", f"processing the upload took longer than {timeout:g} s")
            if kind == "memory":
                self._replace(w)  # a fresh process: the old heap may be fragmented
                raise BoundExceeded(
                    "work_memory_mb", f"processing the upload needed more than {self.limits.work_memory_mb} MiB"
                )
            self._give_back(w)
        if kind == "bound":
            raise BoundExceeded(*value)
        if kind == "error":
            raise JobFailed(f"{value[0]}: {value[1]}")
        return value


_pool: WorkPool | None = None
_pool_guard = threading.Lock()


def pool() -> WorkPool:
    """The process's work pool, started on first use with the bounds in force."""
    global _pool
    with _pool_guard:
        if _pool is None or _pool.limits != bounds_mod.current():
            if _pool is not None:
                _pool.close()
            _pool = WorkPool()
        return _pool


def shutdown() -> None:
    global _pool
    with _pool_guard:
        if _pool is not None:
            _pool.close()
            _pool = None
