"""Worker processes that can be killed and replaced: what the heavy-work
pool (ctrlgraph.work) and the SPARQL query pool (ctrlgraph.sparql.pool)
share. Each worker is a spawned process (never forked: the server holds
RocksDB threads) talking over a pipe; a worker past its deadline, out of
memory or crashed is killed and a fresh one takes its place, so a runaway job
costs nothing after its limit. What a job is, its deadline handling and who
may use a worker when (checkpoints, per-tenant admission) stay in the
subclasses.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

_CONTEXT = mp.get_context("spawn")


class PoolClosed(RuntimeError):
    """The pool was closed: no worker will come back to run the job."""


#: Put in the idle queue by close(): wakes whoever waits for a worker (a
#: thread still holding the pool after shutdown would otherwise wait forever).
_CLOSED: Any = object()


@dataclass(eq=False)
class Worker:
    process: BaseProcess
    conn: Connection
    #: What the subclass tracks per worker (the query pool: the checkpoint it has open).
    opened: Any = field(default=None)


class KillablePool:
    """``size`` workers, each running ``target(conn, *args)`` in its own process."""

    def __init__(self, size: int, target: Callable[..., None], args: tuple[Any, ...] = ()) -> None:
        self.size = size
        self._target = target
        self._args = args
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._workers: set[Worker] = set()  # idle and busy, so close() stops them all
        self._workers_guard = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._idle.put(self._spawn())

    def workers(self) -> list[Worker]:
        with self._workers_guard:
            return list(self._workers)

    def _spawn(self) -> Worker:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(target=self._target, args=(child, *self._args), daemon=True)
        process.start()
        child.close()
        w = Worker(process, parent)
        with self._workers_guard:
            self._workers.add(w)
        return w

    def _kill(self, w: Worker) -> None:
        try:
            w.process.kill()
            w.process.join(timeout=5)
        finally:
            w.conn.close()
            with self._workers_guard:
                self._workers.discard(w)

    def _replace(self, w: Worker) -> None:
        """Kill a worker (stopping whatever it runs) and start a fresh one in its place."""
        self._kill(w)
        if not self._closed:
            self._idle.put(self._spawn())

    def _take(self, timeout: float | None = None) -> Worker:
        """An idle worker (raises queue.Empty after ``timeout`` seconds, and
        PoolClosed once the pool is closed)."""
        return self._checked(self._idle.get(timeout=timeout))

    def _take_nowait(self) -> Worker:
        """An idle worker now, or queue.Empty."""
        return self._checked(self._idle.get_nowait())

    def _checked(self, w: Worker) -> Worker:
        if w is _CLOSED:
            self._idle.put(w)  # for the next waiter
            raise PoolClosed("the worker pool was shut down")
        return w

    def _give_back(self, w: Worker) -> None:
        if self._closed:  # after close(): stop it instead of queueing it behind the marker
            self._kill(w)
            return
        self._idle.put(w)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                w = self._idle.get_nowait()
            except queue.Empty:
                break
            if w is _CLOSED:
                continue
            try:
                w.conn.send(None)
            except OSError:
                pass
            self._kill(w)
        for w in self.workers():  # a job still running: its caller sees the worker stop
            w.process.kill()
        self._idle.put(_CLOSED)
